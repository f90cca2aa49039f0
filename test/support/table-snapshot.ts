import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../../src/store/database.ts';

/** A hash of every row of every table but `except`, to prove a request changed nothing. */
export async function snapshotTables(database: Database, except: readonly string[] = []): Promise<string> {
  const { db, dialect } = database;
  const names =
    dialect === 'sqlite'
      ? await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db)
      : await sql<{
          name: string;
        }>`select tablename as name from pg_tables where schemaname = current_schema()`.execute(db);
  const hash = createHash('sha256');
  for (const { name } of names.rows.sort((a, b) => a.name.localeCompare(b.name))) {
    if (except.includes(name)) continue;
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db);
    const lines = rows.rows.map((r) => JSON.stringify(r)).sort();
    hash.update(`${name}\n${lines.join('\n')}\n`);
  }
  return hash.digest('hex');
}
