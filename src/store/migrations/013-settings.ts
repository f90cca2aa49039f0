import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Settings an admin changes at run time, one row per group (`email` for the SMTP server). `value` is the group's
 * JSON without its secret; the secret (the SMTP password) sits apart in `secret`, encrypted with the field cipher,
 * so key rotation finds it by column as it finds customers' contact data. `updated_by` names the actor as
 * `api_keys.created_by` does (`user:usr_…`, `api_key:key_…`, `cli`).
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('secret', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
}
