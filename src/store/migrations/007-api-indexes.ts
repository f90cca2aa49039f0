import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Indexes for the API's list filters, each ordered by id because lists are newest first by id. The partial ones
 * hold only the rare rows they find (paused, escalated cases), so the engine's writes to ordinary cases never
 * touch them; `state` changes once per case, so its index costs the engine nothing per step either.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  // Closed states only: open cases are most of the table, so listing them walks the primary key, and an index that
  // led with `state = 'open'` would lure SQLite's planner away from the engine's due-time index and key lookups.
  await sql`create index cases_state on cases (state, id) where state <> 'open'`.execute(db);
  await sql`create index cases_paused on cases (id) where paused = 1`.execute(db);
  await sql`create index cases_escalated on cases (id) where escalated_at is not null`.execute(db);
  // A case's events for GET /v1/events?case_id=…; without it an old case's page scans the whole outbox.
  await sql`create index outbox_events_case on outbox_events (case_id, id)`.execute(db);
}
