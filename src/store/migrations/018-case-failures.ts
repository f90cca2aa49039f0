import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * A case whose work fails is retried with a growing delay and, after too many failures, parked as
 * `needs_attention` for a person:
 * - `error_count`: failures since the case was last worked without error (0 for a healthy case);
 * - `last_error`: what the latest failure said;
 * - the one-open-case-per-customer-and-currency rule covers parked cases too: they still owe, so a new invoice joins
 *   the parked case rather than opening a second one (which would block the parked case's retry).
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('cases')
    .addColumn('error_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('cases').addColumn('last_error', 'text').execute();
  await sql`drop index cases_one_open`.execute(db);
  await sql`create unique index cases_one_open on cases (customer_id, currency)
    where state in ('open', 'needs_attention')`.execute(db);
}
