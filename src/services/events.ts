import type { Queryable } from '../store/database.ts';
import type { OutboxEventRow } from '../store/schema/webhooks.ts';

// Read-only over the transactional outbox: the events webhook subscribers receive, as they were committed.

/** Which events a list shows; the filters combine with AND. */
export interface EventFilter {
  readonly type?: string | undefined;
  readonly caseId?: string | undefined;
}

/** Up to `limit` outbox events matching `filter`, newest first, after the cursor id `after`. */
export async function listEvents(
  db: Queryable,
  filter: EventFilter,
  page: { readonly after: string | null; readonly limit: number },
): Promise<OutboxEventRow[]> {
  return db
    .selectFrom('outbox_events')
    .selectAll()
    .$if(page.after !== null, (q) => q.where('id', '<', page.after!))
    .$if(filter.type !== undefined, (q) => q.where('type', '=', filter.type!))
    .$if(filter.caseId !== undefined, (q) => q.where('case_id', '=', filter.caseId!))
    .orderBy('id', 'desc')
    .limit(page.limit)
    .execute();
}

/** One outbox event by id (`evt_…`), or null. */
export async function getEvent(db: Queryable, id: string): Promise<OutboxEventRow | null> {
  return (await db.selectFrom('outbox_events').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}
