import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/store/database.ts';
import { migrate } from '../../src/store/migrate.ts';

/** Which database this run of the suite targets: `npm test` runs the suite once per engine. */
export const TEST_DB = (process.env['RECOUP_TEST_DB'] ?? 'sqlite') as 'sqlite' | 'postgres';
const PG_URL = process.env['RECOUP_TEST_PG_URL'] ?? 'postgres://root@127.0.0.1:5432/test';

/** A new, empty database of the engine under test (a temp SQLite file, or a fresh PostgreSQL database). */
export interface TestDatabaseUrl {
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates an empty database for one test file and returns its URL. */
export async function freshDatabaseUrl(): Promise<TestDatabaseUrl> {
  if (TEST_DB === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'recoup-test-'));
    return {
      url: `sqlite:${join(dir, 'recoup.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `recoup_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/** A fresh, migrated database and a function that closes and drops it. */
export async function freshDatabase(): Promise<{
  database: Database;
  url: string;
  cleanup(): Promise<void>;
}> {
  const target = await freshDatabaseUrl();
  const database = openDatabase(target.url);
  await migrate(database);
  return {
    database,
    url: target.url,
    cleanup: async () => {
      await database.close();
      await target.drop();
    },
  };
}
