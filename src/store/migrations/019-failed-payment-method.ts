import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * A billing system's failed charge names the method it failed on: a lost card must stop that card, not every card
 * or none. Null when no method was known when the failure was reported (or the failure came from Stripe, whose
 * charges are recorded as attempts on their own methods).
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('invoices')
    .addColumn('failed_payment_method_id', 'text', (c) => c.references('payment_methods.id'))
    .execute();
}
