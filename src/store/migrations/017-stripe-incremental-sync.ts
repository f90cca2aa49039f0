import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Incremental Stripe syncs list only the customers created since the last one: each cursor row keeps the newest
 * `created` (Stripe's epoch seconds) its passes have seen, the mark the next listing starts from.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('stripe_sync_cursors').addColumn('high_water', 'bigint').execute();
}
