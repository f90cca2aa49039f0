import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { type Database, openDatabase } from '../../src/store/database.ts';
import { freshDatabaseUrl, type TestDatabaseUrl } from './databases.ts';
import { runRecoup } from './processes.ts';

/** What a CLI test works with: a scratch folder, the env that points `recoup` at its database, and that database. */
export interface CliDatabase {
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly database: Database;
  /** Writes `text` to a file in the scratch folder and returns its path. */
  file(name: string, text: string): string;
}

/**
 * Registers hooks that give the file's tests a database migrated by `recoup migrate` itself, and drop it after;
 * read the returned object's fields inside tests (they are set in `beforeAll`).
 */
export function useCliDatabase(prefix: string): CliDatabase {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let target: TestDatabaseUrl | undefined;
  const state = {
    dir,
    env: {} as Record<string, string>,
    database: undefined as unknown as Database,
    file(name: string, text: string) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
  beforeAll(async () => {
    target = await freshDatabaseUrl();
    state.env = {
      RECOUP_DATABASE_URL: target.url,
      RECOUP_OUTBOX_DIR: join(dir, 'outbox'),
      RECOUP_LOG_LEVEL: 'silent',
    };
    const migrated = await runRecoup(['migrate'], state.env);
    expect(migrated.code, migrated.stderr).toBe(0);
    state.database = openDatabase(target.url);
  }, 60_000);
  afterAll(async () => {
    await state.database?.close();
    await target?.drop();
  });
  return state;
}
