import { PostgresAdapter, sql } from 'kysely';
import { newId } from '../engine/ids.ts';
import { insertMany } from '../store/batch.ts';
import type { Queryable } from '../store/database.ts';
import type { NewOutboxEvent } from '../store/schema/webhooks.ts';
import type { EventData, EventType } from './events.ts';

/** Who an event is about. */
export interface EventSubject {
  readonly caseId: string | null;
  readonly customerId: string;
}

/** A new outbox row for an event of the catalogue; its id is what receivers deduplicate on. */
export function outboxEvent<T extends EventType>(
  type: T,
  at: number,
  subject: EventSubject,
  data: EventData<T>,
): NewOutboxEvent {
  return {
    id: newId('evt'),
    type,
    case_id: subject.caseId,
    customer_id: subject.customerId,
    payload: JSON.stringify(data),
    created_at: at,
    fanned_out: 0,
  };
}

/**
 * Writes a batch of events in one multi-row insert, inside the caller's transaction: an event exists exactly when
 * the change it describes was committed. The caller must hold the row lock of every case the events are about (it
 * has updated or inserted the case, or called `lockCasesForEvents`), so that one case's events take their sequence
 * numbers in commit order, which is the order they are delivered in.
 */
export async function writeOutboxEvents(trx: Queryable, events: readonly NewOutboxEvent[]): Promise<void> {
  await insertMany(trx, 'outbox_events', events);
}

/**
 * Takes the row locks of cases whose events are about to be written without updating the case (PostgreSQL; on
 * SQLite the single writer already orders everything).
 */
export async function lockCasesForEvents(trx: Queryable, caseIds: readonly string[]): Promise<void> {
  if (caseIds.length === 0 || !(trx.getExecutor().adapter instanceof PostgresAdapter)) return;
  const ids = [...new Set(caseIds)].sort();
  await sql`select id from cases where id in (${sql.join(ids)}) order by id for update`.execute(trx);
}
