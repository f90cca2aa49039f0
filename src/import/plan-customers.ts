import { newId } from '../engine/ids.ts';
import type { CustomersTable } from '../store/tables.ts';
import type { CustomerFields } from './kinds/customers.ts';
import { loadInChunks } from './lookup.ts';
import { type Planner, differs, upsertPlan } from './plan.ts';

/** Inserts new customers and updates those whose imported fields changed. */
export const planCustomers: Planner<CustomerFields> = async (db, rows, { now }) => {
  const stored = await loadInChunks(
    rows.map((r) => r.externalId),
    (chunk) => db.selectFrom('customers').selectAll().where('external_id', 'in', chunk).execute(),
  );
  const byExternalId = new Map(stored.map((c) => [c.external_id, c]));
  const inserts: CustomersTable[] = [];
  const updates: (CustomerFields & { id: string; updated_at: number })[] = [];
  for (const row of rows) {
    const current = byExternalId.get(row.externalId);
    if (!current) {
      inserts.push({
        id: newId('cus'),
        external_id: row.externalId,
        ...row.fields,
        created_at: now,
        updated_at: now,
      });
    } else if (differs(current, row.fields)) {
      updates.push({ id: current.id, ...row.fields, updated_at: now });
    }
  }
  return upsertPlan({
    table: 'customers',
    columns: ['name', 'email', 'phone', 'locale', 'time_zone', 'attributes', 'opted_out', 'updated_at'],
    rows: rows.length,
    inserts,
    updates,
  });
};
