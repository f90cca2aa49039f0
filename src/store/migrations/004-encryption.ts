import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Encryption at rest: the customers' postal address (encrypted like email and phone), when a customer was erased,
 * and the keys this database has seen. Migrations have no keys, so rows written before this change are encrypted
 * by the runtime right after migrating: a database with data gets a `(plaintext)` entry that is retired once that
 * is done (and `recoup keys rotate` finishes the job if it was interrupted).
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  const time = 'bigint';
  await db.schema.alterTable('customers').addColumn('address', 'text').execute();
  await db.schema.alterTable('customers').addColumn('erased_at', time).execute();
  await db.schema
    .createTable('encryption_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', time, (c) => c.notNull())
    .addColumn('activated_at', time)
    .addColumn('retired_at', time)
    .execute();
  const { rows } = await sql<{ n: number }>`
    select (select count(*) from (select 1 from customers limit 1) c)
         + (select count(*) from (select 1 from messages limit 1) m) as n`.execute(db);
  const now = Date.now();
  const pending = Number(rows[0]?.n ?? 0) > 0;
  await sql`insert into encryption_keys (id, fingerprint, first_seen_at, activated_at, retired_at)
    values ('(plaintext)', '-', ${now}, ${now}, ${pending ? null : now})`.execute(db);
}
