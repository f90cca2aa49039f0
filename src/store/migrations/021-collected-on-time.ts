import { type Kysely, sql } from 'kysely';
import { stampOnTime } from '../../analytics/case-money.ts';
import { stampPaidMessages } from '../../analytics/message-payments.ts';
import { stampClosedCases } from '../../analytics/recovery-credit.ts';
import type { Dialect, Queryable } from '../database.ts';

/**
 * Money paid on time is not recovered money (issue 14, point 10). A closed case carries what it collected on time
 * (`amount_on_time`, null while it is open), so the overview and the breakdowns subtract it from a range of cases
 * read from their covering index alone, as they read the credit (migration 010). Stamps made under the old
 * definition are redone: the credit of cases whose recovered money was all paid on time, and "paid within 72
 * hours" of messages that only an on-time payment followed.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('cases').addColumn('amount_on_time', 'bigint').execute();
  await stampOnTime(db, 'all');
  await sql`update cases set credited_step = null
    where state = 'recovered' and amount_recovered <= amount_on_time`.execute(db);
  await stampClosedCases(db);
  await sql`update messages set paid_at = null where paid_at is not null`.execute(db);
  await stampPaidMessages(db as Queryable, 'all');
  await sql`drop index cases_opened`.execute(db);
  await sql`create index cases_opened on cases
    (opened_at, currency, state, amount_failed, amount_recovered, closed_at, segment, id, policy_version_id,
     credited_step, amount_on_time)`.execute(db);
}
