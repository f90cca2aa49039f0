import { createRequire } from 'node:module';
import Sqlite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type Transaction, sql } from 'kysely';
import type pg from 'pg';
import { type Dialect, parseDatabaseUrl } from './database-url.ts';
import type { Tables } from './tables.ts';

export type { Dialect } from './database-url.ts';

export type Db = Kysely<Tables>;
export type Trx = Transaction<Tables>;
/** Either the database or a transaction on it: repositories accept both so callers decide the boundary. */
export type Queryable = Kysely<Tables>;

/** An open database and which engine it runs on. */
export interface Database {
  readonly db: Db;
  readonly dialect: Dialect;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Pages the write-ahead log may hold before a commit copies them into the database file. A checkpoint syncs the
 * file to disk, and SQLite's default of 1,000 pages (4 MB) checkpoints every batch or two of the engine; 10,000
 * (40 MB) checkpoints a tenth as often (measured: 35% more steps per second, for the raw reference as well).
 */
export const WAL_CHECKPOINT_PAGES = 10_000;

/**
 * pg, with the fetch implementation it probes for as it loads, adds about a tenth of a second to every start:
 * only a PostgreSQL database loads it.
 */
function loadPg(): typeof pg {
  return createRequire(import.meta.url)('pg') as typeof pg;
}

/** Opens the database a URL names, tuned for the engine's small, frequent transactions. */
export function openDatabase(url: string, options: { poolSize?: number } = {}): Database {
  const { dialect, target } = parseDatabaseUrl(url);
  if (dialect === 'sqlite') {
    const file = new Sqlite(target);
    // WAL lets readers run beside the one writer; busy_timeout makes a second process wait instead of failing.
    file.pragma('journal_mode = WAL');
    file.pragma('busy_timeout = 10000');
    file.pragma('synchronous = NORMAL');
    file.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
    file.pragma('foreign_keys = ON');
    // Deleted and overwritten rows are zeroed, not left in free space and freelist pages: an erased customer's
    // name and messages must not stay readable in the file (GDPR Art. 17).
    file.pragma('secure_delete = ON');
    const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: withStatementCache(file) }) });
    return { db, dialect, url, close: () => db.destroy() };
  }
  const { Pool, types } = loadPg();
  const pool = new Pool({
    connectionString: target,
    max: options.poolSize ?? 10,
    // int8 holds epoch milliseconds and minor units, both far below 2^53: read them as numbers.
    types: {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? (v: string) => Number(v) : types.getTypeParser(oid, format),
    } as pg.CustomTypesConfig,
  });
  // An idle connection the server drops (restart, failover, admin termination) is replaced on the next checkout;
  // without a listener Node would treat the pool's 'error' event as fatal and kill the worker.
  pool.on('error', () => undefined);
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect, url, close: () => db.destroy() };
}

/**
 * Removes what rewritten rows left behind in the given tables, after personal data was overwritten. SQLite zeroes
 * freed space itself (secure_delete), but the old pages stay in the write-ahead log until a checkpoint, so the log is
 * copied into the file and truncated to nothing; `false` when a reader kept the log from being emptied (the next
 * checkpoint does it). PostgreSQL keeps old row versions (dead tuples) until VACUUM, which cannot run in a
 * transaction.
 */
export async function reclaimRewrittenRows(database: Database, tables: readonly string[]): Promise<boolean> {
  if (database.dialect === 'sqlite') {
    const { rows } = await sql<{ busy: number }>`pragma wal_checkpoint(truncate)`.execute(database.db);
    return rows[0]?.busy === 0;
  }
  await sql`vacuum ${sql.join(tables.map((t) => sql.table(t)))}`.execute(database.db);
  return true;
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew; the engine's batch statements repeat with the same text (same batch size), and
 * preparing a statement with thousands of parameters costs more than running it. Statements are reused in
 * sequence only: Kysely serialises the single SQLite connection.
 */
function withStatementCache(file: Sqlite.Database): Sqlite.Database {
  const cache = new Map<string, Sqlite.Statement>();
  const prepare = file.prepare.bind(file);
  file.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (statement) {
      cache.delete(source); // re-inserted below: the map's order is least recently used first
    } else {
      statement = prepare(source);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    cache.set(source, statement);
    return statement;
  }) as Sqlite.Database['prepare'];
  return file;
}

/**
 * Runs `fn` in a write transaction. On SQLite it begins IMMEDIATE so that two processes sharing the file queue
 * on the write lock instead of deadlocking when a reader upgrades.
 */
export async function writeTransaction<T>(database: Database, fn: (trx: Trx) => Promise<T>): Promise<T> {
  if (database.dialect === 'postgres') return database.db.transaction().execute(fn);
  return database.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn as unknown as Trx);
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      await sql`rollback`.execute(conn);
      throw error;
    }
  });
}
