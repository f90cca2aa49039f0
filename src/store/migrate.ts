import { type Kysely, type Migration, Migrator } from 'kysely';
import type { Database, Dialect } from './database.ts';
import * as initial from './migrations/001-initial.ts';

type Step = { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> };

// Listed in code, not read from a folder, so a bundled or installed Recoup migrates the same way.
const steps: Record<string, Step> = {
  '001-initial': initial,
};

/** Applies every migration not yet applied, each in its own transaction; returns the names applied. */
export async function migrate(database: Database): Promise<string[]> {
  const migrations: Record<string, Migration> = {};
  for (const [name, step] of Object.entries(steps)) {
    migrations[name] = { up: (db) => step.up(db, database.dialect) };
  }
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'recoup_migrations',
    migrationLockTableName: 'recoup_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
