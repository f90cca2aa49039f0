import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/** The first schema: customers, money owed, policies, cases and everything a case does. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const money = 'bigint';
  const time = 'bigint';

  await db.schema
    .createTable('customers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('external_id', 'text', (c) => c.unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('opted_out', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('payment_methods')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('external_id', 'text', (c) => c.unique())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('brand', 'text')
    .addColumn('last4', 'text')
    .addColumn('exp_month', 'integer')
    .addColumn('exp_year', 'integer')
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('payment_methods_customer')
    .on('payment_methods')
    .column('customer_id')
    .execute();

  await db.schema
    .createTable('policy_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addUniqueConstraint('policy_versions_name_version', ['name', 'version'])
    .execute();

  await db.schema
    .createTable('cases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('policy_version_id', 'text', (c) => c.notNull().references('policy_versions.id'))
    .addColumn('anchor_at', time, (c) => c.notNull())
    .addColumn('opened_at', time, (c) => c.notNull())
    .addColumn('closed_at', time)
    .addColumn('next_due_at', time)
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', time)
    .addColumn('amount_failed', money, (c) => c.notNull())
    .addColumn('amount_recovered', money, (c) => c.notNull().defaultTo(0))
    .addColumn('escalated_at', time)
    .execute();
  // One active case per customer and currency: a second failure joins the open case instead of starting another.
  await sql`create unique index cases_one_open on cases (customer_id, currency) where state = 'open'`.execute(
    db,
  );
  await sql`create index cases_due on cases (next_due_at) where state = 'open' and paused = 0`.execute(db);
  await db.schema.createIndex('cases_customer').on('cases').column('customer_id').execute();

  await db.schema
    .createTable('invoices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('external_id', 'text', (c) => c.unique())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('total', money, (c) => c.notNull())
    .addColumn('amount_paid', money, (c) => c.notNull())
    .addColumn('due_at', time, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('collection', 'text', (c) => c.notNull())
    .addColumn('failed_at', time)
    .addColumn('failure_code', 'text')
    .addColumn('case_id', 'text', (c) => c.references('cases.id'))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('invoices_case').on('invoices').column('case_id').execute();
  await db.schema.createIndex('invoices_customer').on('invoices').column('customer_id').execute();
  await sql`create index invoices_uncased on invoices (due_at) where case_id is null and status = 'open'`.execute(
    db,
  );

  await db.schema
    .createTable('payments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('invoice_id', 'text', (c) => c.notNull().references('invoices.id'))
    .addColumn('case_id', 'text')
    .addColumn('amount', money, (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('received_at', time, (c) => c.notNull())
    .addUniqueConstraint('payments_source_reference_invoice', ['source', 'reference', 'invoice_id'])
    .execute();
  await db.schema.createIndex('payments_case').on('payments').column('case_id').execute();

  await db.schema
    .createTable('scheduled_steps')
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('due_at', time, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('completed_at', time)
    .addPrimaryKeyConstraint('scheduled_steps_pk', ['case_id', 'step_id'])
    .execute();

  await db.schema
    .createTable('payment_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('payment_method_id', 'text', (c) => c.notNull().references('payment_methods.id'))
    .addColumn('amount', money, (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('charge_id', 'text')
    .addColumn('decline_code', 'text')
    .addColumn('decline_class', 'text')
    .addColumn('network_decline_code', 'text')
    .addColumn('network_advice_code', 'text')
    .addColumn('stop_method', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('retry_after_ms', 'bigint')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('completed_at', time)
    .execute();
  await db.schema.createIndex('payment_attempts_case').on('payment_attempts').column('case_id').execute();
  await db.schema
    .createIndex('payment_attempts_method')
    .on('payment_attempts')
    .columns(['payment_method_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('template', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body_text', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('provider_id', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('sent_at', time)
    .execute();
  await db.schema.createIndex('messages_case').on('messages').column('case_id').execute();
  await db.schema
    .createIndex('messages_customer')
    .on('messages')
    .columns(['customer_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('timeline_events')
    .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
      dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('case_id', 'text', (c) => c.notNull())
    .addColumn('at', time, (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('policy_version_id', 'text')
    .addColumn('step_id', 'text')
    .addColumn('rule', 'text')
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema
    .createIndex('timeline_events_case')
    .on('timeline_events')
    .columns(['case_id', 'id'])
    .execute();

  await db.schema
    .createTable('sandbox_charges')
    .addColumn('idempotency_key', 'text', (c) => c.primaryKey())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('amount', money, (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sandbox_charges_token').on('sandbox_charges').column('token').execute();
}
