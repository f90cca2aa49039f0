import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Attempts made by a billing system are attempts too (Stripe's own failed charge blocks a card after a hard decline
 * and counts toward the networks' caps), and a charge may settle one invoice (Stripe's `invoices/{id}/pay`):
 * - `source`: who charged, `recoup` or the billing system (`stripe`);
 * - `invoice_id`: the one invoice the charge was for, null when it was for the case's whole balance;
 * - `case_id` and `step_id` become optional: a billing system's attempt comes before any case or step.
 * SQLite cannot drop a NOT NULL, so there the table is rebuilt with its rows and indexes.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`alter table payment_attempts
      alter column case_id drop not null,
      alter column step_id drop not null,
      add column source text not null default 'recoup',
      add column invoice_id text references invoices (id)`.execute(db);
    return;
  }
  const indexes = await sql<{ sql: string }>`select sql from sqlite_master
    where type = 'index' and tbl_name = 'payment_attempts' and sql is not null`.execute(db);
  await sql`create table payment_attempts_016 (
    id text primary key,
    case_id text references cases (id),
    step_id text,
    payment_method_id text not null references payment_methods (id),
    amount bigint not null,
    currency text not null,
    idempotency_key text not null unique,
    status text not null,
    charge_id text,
    decline_code text,
    decline_class text,
    network_decline_code text,
    network_advice_code text,
    stop_method integer not null default 0,
    retry_after_ms bigint,
    created_at bigint not null,
    completed_at bigint,
    source text not null default 'recoup',
    invoice_id text references invoices (id)
  )`.execute(db);
  const columns = sql.raw(
    'id, case_id, step_id, payment_method_id, amount, currency, idempotency_key, status, charge_id, ' +
      'decline_code, decline_class, network_decline_code, network_advice_code, stop_method, retry_after_ms, ' +
      'created_at, completed_at',
  );
  await sql`insert into payment_attempts_016 (${columns}) select ${columns} from payment_attempts`.execute(
    db,
  );
  await sql`drop table payment_attempts`.execute(db);
  await sql`alter table payment_attempts_016 rename to payment_attempts`.execute(db);
  for (const index of indexes.rows) await sql.raw(index.sql).execute(db);
}
