import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Tables } from './tables.ts';

type SqlType = 'text' | 'bigint' | 'integer';
// Interfaces have no index signature, so rows are taken as plain objects and read by column name.
type Row = object;

// Keeps each statement well under SQLite's and PostgreSQL's bound-parameter limits.
const MAX_PARAMS = 30_000;

/** Splits rows so that one statement binds at most MAX_PARAMS values. */
export function chunks<T>(rows: readonly T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, columns)));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** Inserts many rows in as few statements as the parameter limit allows; optionally skips key conflicts. */
export async function insertMany(
  db: Kysely<Tables>,
  table: keyof Tables,
  rows: readonly Row[],
  options: { onConflictDoNothing?: boolean } = {},
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!).length;
  for (const part of chunks(rows, columns)) {
    // biome-ignore lint/suspicious/noExplicitAny: the table name is checked by the signature; rows by the caller's type
    let q = db.insertInto(table).values(part as any);
    if (options.onConflictDoNothing) q = q.onConflict((oc) => oc.doNothing());
    await q.execute();
  }
}

/**
 * Updates many rows, each to its own values, in one statement per chunk (`UPDATE … FROM (VALUES …)`), which both
 * SQLite (3.33+) and PostgreSQL run. `where` adds a guard that every updated row must also meet.
 */
export async function updateMany(
  db: Kysely<Tables>,
  table: keyof Tables,
  spec: { keys: Record<string, SqlType>; set: Record<string, SqlType>; where?: RawBuilder<unknown> },
  rows: readonly Row[],
): Promise<void> {
  if (rows.length === 0) return;
  const keyNames = Object.keys(spec.keys);
  const setNames = Object.keys(spec.set);
  const names = [...keyNames, ...setNames];
  const types = { ...spec.keys, ...spec.set };
  for (const part of chunks(rows, names.length)) {
    const values = sql.join(
      part.map((row) => {
        const r = row as Record<string, unknown>;
        return sql`(${sql.join(names.map((n) => sql`cast(${r[n] ?? null} as ${sql.raw(types[n]!)})`))})`;
      }),
    );
    const t = sql.table(table);
    const assignments = sql.join(setNames.map((n) => sql`${sql.ref(n)} = v.${sql.ref(n)}`));
    const match = sql.join(
      keyNames.map((n) => sql`${t}.${sql.ref(n)} = v.${sql.ref(n)}`),
      sql` and `,
    );
    const guard = spec.where ? sql` and ${spec.where}` : sql``;
    const columns = sql.join(names.map((n) => sql.ref(n)));
    await sql`with v(${columns}) as (values ${values}) update ${t} set ${assignments} from v where ${match}${guard}`.execute(
      db,
    );
  }
}
