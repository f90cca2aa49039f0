import type { Db } from '../../src/store/database.ts';
import type { Tables } from '../../src/store/tables.ts';

const TABLES: (keyof Tables)[] = [
  'customers',
  'payment_methods',
  'invoices',
  'payments',
  'policy_versions',
  'cases',
  'scheduled_steps',
  'payment_attempts',
  'messages',
  'timeline_events',
  'sandbox_charges',
];

/** Every row of every table, in a stable order: two snapshots are equal only if nothing was written. */
export async function snapshot(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES) {
    const rows = await db.selectFrom(table).selectAll().execute();
    out[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}
