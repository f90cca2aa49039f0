import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * What a closed case is credited to, stored on the case. The step, channel and template breakdowns used to work
 * it out per case at query time (up to three index seeks per case): fine on SQLite, but 700 ms for a year of
 * cases on PostgreSQL. A closed case's credit never changes, so it is worked out once, when the case closes, and
 * the breakdowns read a column; only open cases are still worked out per query.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('cases').addColumn('credited_step', 'text').execute();
  // Cases closed before this migration are stamped by migration 021, with the credit as the engine stamps it
  // now (it reads a column that migration adds).
  // The breakdowns' covering index now carries the credit too, so a range of cases is still read from the index
  // alone.
  await sql`drop index cases_opened`.execute(db);
  await sql`create index cases_opened on cases
    (opened_at, currency, state, amount_failed, amount_recovered, closed_at, segment, id, policy_version_id,
     credited_step)`.execute(db);
}
