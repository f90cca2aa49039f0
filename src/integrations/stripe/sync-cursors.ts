import type { Selectable } from 'kysely';
import { type Database, type Trx, writeTransaction } from '../../store/database.ts';
import type { StripeSyncCursorsTable, StripeSyncResource } from '../../store/schema/stripe.ts';

export type SyncCursor = Selectable<StripeSyncCursorsTable>;

/**
 * Begins a sync: while any resource's pass is unfinished the sync resumes (finished resources are skipped);
 * otherwise every resource starts its next pass from the beginning. Decided in one transaction so two syncs
 * started together agree.
 */
export async function beginSync(
  database: Database,
  resources: readonly StripeSyncResource[],
  now: number,
): Promise<{ resumed: boolean; cursors: Map<StripeSyncResource, SyncCursor> }> {
  return writeTransaction(database, async (trx) => {
    const rows = await trx.selectFrom('stripe_sync_cursors').selectAll().execute();
    const byResource = new Map(rows.map((r) => [r.resource, r]));
    const resumed = rows.some((r) => r.completed_at === null);
    for (const resource of resources) {
      const current = byResource.get(resource);
      if (resumed && current) continue;
      const fresh: SyncCursor = {
        resource,
        pass: (current?.pass ?? 0) + 1,
        cursor: null,
        started_at: now,
        updated_at: now,
        completed_at: null,
      };
      await trx
        .insertInto('stripe_sync_cursors')
        .values(fresh)
        .onConflict((oc) =>
          oc.column('resource').doUpdateSet({
            pass: fresh.pass,
            cursor: null,
            started_at: now,
            updated_at: now,
            completed_at: null,
          }),
        )
        .execute();
      byResource.set(resource, fresh);
    }
    return { resumed, cursors: byResource };
  });
}

/** Records, in the transaction that wrote a page, the last object of the page; `done` ends the pass. */
export async function advanceCursor(
  trx: Trx,
  resource: StripeSyncResource,
  cursor: string | null,
  done: boolean,
  now: number,
): Promise<void> {
  await trx
    .updateTable('stripe_sync_cursors')
    .set({ cursor, updated_at: now, completed_at: done ? now : null })
    .where('resource', '=', resource)
    .execute();
}
