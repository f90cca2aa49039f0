import type { Queryable } from '../store/database.ts';
import type { ImportProblem } from './errors.ts';
import type { ImportRow } from './kinds/row-spec.ts';

// Far below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters per statement.
const CHUNK = 5_000;

/** Runs `load` over `keys` in chunks small enough for one statement each and concatenates the results. */
export async function loadInChunks<K, T>(
  keys: readonly K[],
  load: (chunk: K[]) => Promise<T[]>,
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < keys.length; i += CHUNK) out.push(...(await load(keys.slice(i, i + CHUNK))));
  return out;
}

/** Resolves the customers that rows refer to, with a problem for every row whose customer does not exist. */
export async function resolveCustomers(
  db: Queryable,
  rows: readonly ImportRow<unknown>[],
): Promise<{ ids: Map<string, string>; problems: ImportProblem[] }> {
  const wanted = [...new Set(rows.map((r) => r.customerExternalId).filter((id) => id !== null))];
  const found = await loadInChunks(wanted, (chunk) =>
    db.selectFrom('customers').select(['id', 'external_id']).where('external_id', 'in', chunk).execute(),
  );
  const ids = new Map(found.map((c) => [c.external_id!, c.id]));
  const problems: ImportProblem[] = [];
  for (const row of rows) {
    if (row.customerExternalId !== null && !ids.has(row.customerExternalId))
      problems.push({
        line: row.line,
        column: 'customer_external_id',
        message: `no customer with external_id '${row.customerExternalId}'; import customers first`,
      });
  }
  return { ids, problems };
}
