import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Retention (maintenance/retention.ts) deletes by age, oldest first, a few thousand rows at a time: each table it
 * prunes needs its age column indexed, or every run would scan the whole table. Outbox events and idempotency keys
 * are inserted in time order, so these indexes only ever grow at their right edge. A delivery is found by its event
 * so that an event leaves with its finished deliveries, and is kept while one is still pending.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await sql`create index outbox_events_created on outbox_events (created_at, seq)`.execute(db);
  await sql`create index webhook_deliveries_event on webhook_deliveries (event_seq, status)`.execute(db);
  await sql`create index idempotency_keys_created on idempotency_keys (created_at)`.execute(db);
}
