import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Analytics (the dashboard's /v1/analytics): the segment a case belongs to, and the indexes that let every figure
 * be aggregated inside the database in well under a second with a million invoices. Each index is named for the
 * question it answers; the partial ones hold only the rows that question reads, so the engine's writes to other
 * rows never touch them.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('cases')
    .addColumn('segment', 'text', (c) => c.notNull().defaultTo('none'))
    .execute();
  // Existing cases take their customer's segment as it is now: the best that can be known after the fact.
  const segment =
    dialect === 'postgres'
      ? sql`case when jsonb_typeof(cast(cu.attributes as jsonb) -> 'segment') = 'string'
                  and cast(cu.attributes as jsonb) ->> 'segment' <> ''
             then cast(cu.attributes as jsonb) ->> 'segment' else 'none' end`
      : sql`case when json_type(cu.attributes, '$.segment') = 'text'
                  and json_extract(cu.attributes, '$.segment') <> ''
             then json_extract(cu.attributes, '$.segment') else 'none' end`;
  await sql`update cases set segment = (select ${segment} from customers cu where cu.id = cases.customer_id)
    where exists (select 1 from customers cu where cu.id = cases.customer_id and cu.attributes like '%segment%')`.execute(
    db,
  );

  // Cases opened in a period, with every column the overview, the daily chart and the breakdowns read: a range
  // scan of this index answers them without reading the table, and hands each case's id to the per-case seeks.
  await sql`create index cases_opened on cases
    (opened_at, currency, state, amount_failed, amount_recovered, closed_at, segment, id, policy_version_id)`.execute(
    db,
  );
  // Open cases by currency and age: active cases, and the cases the forecast weighs.
  await sql`create index cases_open on cases (currency, opened_at, id) where state = 'open'`.execute(db);
  // How long closed cases took, by currency and state: the forecast's recovery curve, read in group order. SQLite
  // only: it groups by sorting, which costs more than reading the rows; PostgreSQL hashes, and would read the
  // table through an expression index. Queries must spell the expression exactly like this to use it.
  if (dialect === 'sqlite') {
    await sql`create index cases_duration on cases (currency, state, ((closed_at - opened_at) / 86400000))
      where closed_at is not null`.execute(db);
  }
  // Open receivables by currency and due date: the aging table, the overdue amount and DSO's numerator; and the
  // open invoices of each case, for the forecast's remaining balances.
  await sql`create index invoices_open_balance on invoices (currency, due_at, total, amount_paid)
    where status = 'open'`.execute(db);
  await sql`create index invoices_open_case on invoices (case_id, total, amount_paid)
    where status = 'open' and case_id is not null`.execute(db);
  // Amount invoiced in a period per currency (DSO's denominator), read one currency at a time: a range per
  // currency needs no sort to group, which on SQLite costs more than reading the rows.
  await sql`create index invoices_currency_created on invoices (currency, created_at, total)`.execute(db);
  // A case's opening failure (its earliest failed charge), for the decline-class breakdown.
  await sql`create index invoices_opening_failure on invoices (case_id, failed_at, id, failure_code)
    where failure_code is not null`.execute(db);
  // Money received on cases, by time: the daily chart, and the payments that answer messages.
  await sql`create index payments_case_received on payments (received_at, currency, amount, case_id)
    where case_id is not null`.execute(db);
  // The retry that recovered a case, and the last message before a payment: what recoveries are credited to.
  await sql`create index payment_attempts_succeeded on payment_attempts (case_id, completed_at, step_id)
    where status = 'succeeded'`.execute(db);
  await sql`create index timeline_events_message_sent on timeline_events (case_id, at, id, step_id)
    where type = 'message.sent'`.execute(db);
  // Messages per channel, template and status in a period, one (channel, template) at a time; and a case's sent
  // messages by time, for "paid within 72 hours of a message".
  await sql`create index messages_template_status on messages (channel, template, status, created_at)`.execute(
    db,
  );
  await sql`create index messages_sent_case on messages (case_id, sent_at, created_at, channel, template, id)
    where status = 'sent'`.execute(db);
}
