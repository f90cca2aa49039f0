import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../store/database.ts';
import { CIPHERTEXT_PREFIX } from './ciphertext.ts';
import { ENCRYPTED_COLUMNS, type EncryptedTable } from './encrypted-columns.ts';

/**
 * Which stored values a pass looks for: plaintext written before encryption at rest, values not under the active
 * key (plaintext included), or values under one key. Matched by prefix with `substr`, not LIKE, because key ids may
 * contain `_`, which LIKE would take for a wildcard.
 */
export type ValueSelection =
  | { readonly kind: 'plaintext' }
  | { readonly kind: 'not-under'; readonly keyId: string }
  | { readonly kind: 'under'; readonly keyId: string };

/** A SQL condition true for rows of `table` holding at least one selected value. */
export function rowsWithValues(table: EncryptedTable, selection: ValueSelection): RawBuilder<boolean> {
  const tests = ENCRYPTED_COLUMNS[table].map((column) => {
    const ref = sql.ref(`${table}.${column}`);
    const prefix =
      selection.kind === 'plaintext' ? CIPHERTEXT_PREFIX : `${CIPHERTEXT_PREFIX}${selection.keyId}:`;
    const starts = sql`substr(${ref}, 1, ${sql.lit(prefix.length)}) = ${prefix}`;
    return selection.kind === 'under'
      ? sql`(${ref} is not null and ${starts})`
      : sql`(${ref} is not null and not ${starts})`;
  });
  return sql<boolean>`(${sql.join(tests, sql` or `)})`;
}

/** How many rows of every encrypted table hold a selected value. */
export async function countRowsWithValues(db: Db, selection: ValueSelection): Promise<number> {
  let total = 0;
  for (const table of Object.keys(ENCRYPTED_COLUMNS) as EncryptedTable[]) {
    const { rows } = await sql<{ n: number | string }>`
      select count(*) as n from ${sql.table(table)} where ${rowsWithValues(table, selection)}`.execute(db);
    total += Number(rows[0]?.n ?? 0);
  }
  return total;
}
