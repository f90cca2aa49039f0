import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/** Stripe integration: sync progress, one cursor per resource, and the open invoices each pass has seen. */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  const time = 'bigint';
  await db.schema
    .createTable('stripe_sync_cursors')
    .addColumn('resource', 'text', (c) => c.primaryKey())
    .addColumn('pass', 'integer', (c) => c.notNull())
    .addColumn('cursor', 'text')
    .addColumn('started_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addColumn('completed_at', time)
    .execute();
  // Invoices Recoup holds as open but a pass did not list were closed in Stripe: this tells which.
  await db.schema
    .createTable('stripe_sync_seen')
    .addColumn('stripe_id', 'text', (c) => c.primaryKey())
    .addColumn('pass', 'integer', (c) => c.notNull())
    .execute();
}
