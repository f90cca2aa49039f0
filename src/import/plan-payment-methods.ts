import { newId } from '../engine/ids.ts';
import type { PaymentMethodsTable } from '../store/tables.ts';
import type { ImportProblem } from './errors.ts';
import type { PaymentMethodFields } from './kinds/payment-methods.ts';
import { loadInChunks, resolveCustomers } from './lookup.ts';
import { type Planner, differs, upsertPlan } from './plan.ts';

/** Inserts new payment methods and updates changed ones; a method never moves to another customer. */
export const planPaymentMethods: Planner<PaymentMethodFields> = async (db, rows, { now }) => {
  const customers = await resolveCustomers(db, rows);
  const stored = await loadInChunks(
    rows.map((r) => r.externalId),
    (chunk) => db.selectFrom('payment_methods').selectAll().where('external_id', 'in', chunk).execute(),
  );
  const byExternalId = new Map(stored.map((m) => [m.external_id, m]));
  const problems: ImportProblem[] = [...customers.problems];
  const inserts: PaymentMethodsTable[] = [];
  const updates: (PaymentMethodFields & { id: string; updated_at: number })[] = [];
  for (const row of rows) {
    const customerId = customers.ids.get(row.customerExternalId ?? '');
    if (customerId === undefined) continue;
    const current = byExternalId.get(row.externalId);
    if (!current) {
      inserts.push({
        id: newId('pm'),
        external_id: row.externalId,
        customer_id: customerId,
        ...row.fields,
        created_at: now,
        updated_at: now,
      });
    } else if (current.customer_id !== customerId) {
      // Past attempts on this token belong to the first customer's cases; moving it would rewrite their history.
      problems.push({
        line: row.line,
        column: 'customer_external_id',
        message:
          'this payment method belongs to another customer and cannot move; import it under a new external_id',
      });
    } else if (differs(current, row.fields)) {
      updates.push({ id: current.id, ...row.fields, updated_at: now });
    }
  }
  return upsertPlan({
    table: 'payment_methods',
    columns: ['token', 'type', 'brand', 'last4', 'exp_month', 'exp_year', 'priority', 'status', 'updated_at'],
    rows: rows.length,
    inserts,
    updates,
    problems,
  });
};
