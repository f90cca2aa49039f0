import { PostgresAdapter, sql } from 'kysely';
import { type Database, type Db, writeTransaction } from '../store/database.ts';
import { ENCRYPTED_COLUMNS, type EncryptedTable, ROW_KEYS, fieldContext } from './encrypted-columns.ts';
import { DecryptionError, type FieldCipher } from './field-cipher.ts';
import { retireKeysBut, retirePlaintext } from './key-registry.ts';
import { type ValueSelection, countRowsWithValues, rowsWithValues } from './stored-values.ts';

/** What a re-encryption pass did. */
export interface ReencryptReport {
  /** Rows that held a selected value when the pass started. */
  readonly rows: number;
  readonly reencrypted: number;
  /** Values that could not be decrypted (key missing, wrong or value altered): left as they were. */
  readonly failed: number;
  /** The first few of those, to show the operator. */
  readonly failures: readonly { table: EncryptedTable; id: string; reason: string }[];
  /** Rows still holding a selected value after the pass (failures, or rows written meanwhile by an old worker). */
  readonly remaining: number;
  /** Keys no stored value needs any more, marked retired by this pass. */
  readonly retired: readonly string[];
}

export interface ReencryptOptions {
  /** `stale`: every value not under the active key (a rotation); `plaintext`: only values never encrypted. */
  readonly scope: 'stale' | 'plaintext';
  readonly batchSize?: number;
  readonly now: number;
  readonly onProgress?: (done: number, total: number) => void;
}

type Row = { id: string } & Record<string, string | null>;

const FAILURES_LISTED = 20;

/**
 * Re-encrypts stored values under the active key, a batch of rows per short transaction. It selects by content
 * (which key a value names), so it can be stopped at any point and run again: rows already done are not selected.
 * Each row is written only if it still holds what was read, so a value changed meanwhile is never overwritten
 * with a re-encryption of its old content. Once nothing selected is left, the keys (or the plaintext entry) it
 * replaced are marked retired.
 */
export async function reencryptStoredValues(
  database: Database,
  cipher: FieldCipher,
  options: ReencryptOptions,
): Promise<ReencryptReport> {
  const db = database.db;
  const selection: ValueSelection =
    options.scope === 'plaintext' ? { kind: 'plaintext' } : { kind: 'not-under', keyId: cipher.activeKeyId };
  const batchSize = options.batchSize ?? 500;
  const total = await countRowsWithValues(db, selection);
  options.onProgress?.(0, total);
  const failures: { table: EncryptedTable; id: string; reason: string }[] = [];
  let failed = 0;
  let done = 0;
  let reencrypted = 0;
  for (const table of Object.keys(ENCRYPTED_COLUMNS) as EncryptedTable[]) {
    const columns = ENCRYPTED_COLUMNS[table];
    const rowKey = sql.ref(ROW_KEYS[table]);
    let cursor = '';
    for (;;) {
      const { rows } = await sql<Row>`
        select ${rowKey} as id, ${sql.join(columns.map((c) => sql.ref(c)))} from ${sql.table(table)}
        where ${rowsWithValues(table, selection)} and ${rowKey} > ${cursor}
        order by ${rowKey} limit ${batchSize}`.execute(db);
      if (rows.length === 0) break;
      cursor = rows[rows.length - 1]!.id;
      const updates = rows.flatMap((row) => {
        const next: Record<string, string | null> = {};
        let changed = false;
        for (const column of columns) {
          const value = row[column] ?? null;
          next[column] = value;
          if (value === null || cipher.isCurrent(value)) continue;
          const context = fieldContext(table, column, row.id);
          try {
            next[column] = cipher.seal(cipher.open(value, context), context);
            changed = true;
          } catch (error) {
            if (!(error instanceof DecryptionError)) throw error;
            failed += 1;
            if (failures.length < FAILURES_LISTED)
              failures.push({ table, id: row.id, reason: error.message });
          }
        }
        return changed ? [{ row, next }] : [];
      });
      await writeTransaction(database, (trx) => compareAndSet(trx, table, columns, updates));
      reencrypted += updates.length;
      done += rows.length;
      options.onProgress?.(done, total);
    }
  }
  const remaining = await countRowsWithValues(db, selection);
  let retired: string[] = [];
  if (remaining === 0) {
    if (options.scope === 'stale') retired = await retireKeysBut(db, cipher.activeKeyId, options.now);
    else await retirePlaintext(db, options.now);
  }
  return { rows: total, reencrypted, failed, failures, remaining, retired };
}

/** Writes the new values of many rows in one statement, each only where every column still holds the old value. */
async function compareAndSet(
  db: Db,
  table: EncryptedTable,
  columns: readonly string[],
  updates: readonly { row: Row; next: Record<string, string | null> }[],
): Promise<void> {
  if (updates.length === 0) return;
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const json = JSON.stringify(
    updates.map(({ row, next }) => {
      const item: Record<string, string | null> = { id: row.id };
      for (const c of columns) {
        item[`old_${c}`] = row[c] ?? null;
        item[`new_${c}`] = next[c] ?? null;
      }
      return item;
    }),
  );
  const t = sql.table(table);
  const field = (name: string) => sql`(v.value ->> ${sql.lit(name)})`;
  const source = postgres
    ? sql`jsonb_array_elements(cast(${json} as jsonb)) as v(value)`
    : sql`json_each(${json}) as v`;
  const set = sql.join(columns.map((c) => sql`${sql.ref(c)} = ${field(`new_${c}`)}`));
  const unchanged = sql.join(
    columns.map((c) => sql`${t}.${sql.ref(c)} is not distinct from ${field(`old_${c}`)}`),
    sql` and `,
  );
  await sql`update ${t} set ${set} from ${source} where ${t}.${sql.ref(ROW_KEYS[table])} = ${field('id')} and ${unchanged}`.execute(
    db,
  );
}
