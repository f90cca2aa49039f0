import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Email templates edited through the API. Each save is a new numbered version of one (name, locale), and a reset
 * to the shipped file is a version too (its parts null), so the history is append-only and the database refuses
 * to change or delete a row. The unique index also serves "latest version per (name, locale)" and the engine's
 * change check (count and newest time), which reads the index alone. `messages.template_version` records which
 * saved version a message was rendered from (null: the shipped file).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('template_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('text', 'text')
    .addColumn('html', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addCheckConstraint(
      'template_versions_parts',
      sql`(subject is null and text is null and html is null) or (subject is not null and text is not null and html is not null)`,
    )
    .execute();
  await sql`create unique index template_versions_name_locale on template_versions (name, locale, version)`.execute(
    db,
  );
  await appendOnly(db, dialect, 'template_versions');
  await db.schema.alterTable('messages').addColumn('template_version', 'integer').execute();
}

// The same guard migration 002 puts on the audit log: no code path can rewrite a template's history.
async function appendOnly(db: Kysely<unknown>, dialect: Dialect, table: string): Promise<void> {
  if (dialect === 'sqlite') {
    for (const op of ['update', 'delete']) {
      await sql
        .raw(
          `create trigger ${table}_no_${op} before ${op} on ${table} begin select raise(abort, '${table} is append-only'); end`,
        )
        .execute(db);
    }
    return;
  }
  await sql
    .raw(
      `create function ${table}_append_only() returns trigger language plpgsql as $$ begin raise exception '${table} is append-only'; end $$`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger ${table}_append_only before update or delete on ${table} for each statement execute function ${table}_append_only()`,
    )
    .execute(db);
}
