import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/** Inbound webhooks: which events from billing systems were already applied. */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  const time = 'bigint';
  await db.schema
    .createTable('inbound_events')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('received_at', time, (c) => c.notNull())
    .addColumn('applied_at', time)
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addPrimaryKeyConstraint('inbound_events_pk', ['source', 'event_id'])
    .execute();
  // Lets an operator prune old dedup rows by age; Stripe stops retrying an event after three days.
  await db.schema.createIndex('inbound_events_received').on('inbound_events').column('received_at').execute();

  await db.schema
    .createTable('inbound_objects')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('last_created', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('inbound_objects_pk', ['source', 'object_type', 'external_id'])
    .execute();

  await db.schema
    .createTable('inbound_disputes')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('dispute_id', 'text', (c) => c.notNull())
    .addColumn('invoice_id', 'text')
    .addColumn('case_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('outcome', 'text')
    .addColumn('opened_at', time)
    .addColumn('closed_at', time)
    .addPrimaryKeyConstraint('inbound_disputes_pk', ['source', 'dispute_id'])
    .execute();
  await db.schema.createIndex('inbound_disputes_case').on('inbound_disputes').column('case_id').execute();

  await db.schema
    .createTable('inbound_payment_refs')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('invoice_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('inbound_payment_refs_pk', ['source', 'reference'])
    .execute();
}
