import { type MethodRef, failedMethodOf } from '../domain/failed-method.ts';
import { groupBy } from '../domain/group-by.ts';
import type { ExternalPayment } from '../engine/external-payments.ts';
import { newId } from '../engine/ids.ts';
import {
  invoiceChangeProblem,
  isWrittenOff,
  settleInvoiceChanges,
  settledStatus,
} from '../services/invoice-settlement.ts';
import type { InvoiceRow, InvoicesTable } from '../store/tables.ts';
import type { ImportProblem } from './errors.ts';
import type { InvoiceFields } from './kinds/invoices.ts';
import type { ImportRow } from './kinds/row-spec.ts';
import { loadInChunks, resolveCustomers } from './lookup.ts';
import { type PlanContext, type Planner, differs, upsertPlan } from './plan.ts';

type StoredFields = Omit<InvoiceFields, 'failed_payment_method'> &
  Pick<InvoicesTable, 'failed_payment_method_id'>;

/**
 * Inserts new invoices and updates changed ones. Money the file shows as newly paid becomes an `import` payment,
 * and invoices newly voided or written off settle their cases, in the same transaction as the update.
 */
export const planInvoices: Planner<InvoiceFields> = async (db, rows, context) => {
  const { now, lock } = context;
  const customers = await resolveCustomers(db, rows);
  const customerIds = [...new Set(customers.ids.values())];
  const methods = context.attributeFailures
    ? await loadInChunks(customerIds, (chunk) =>
        db
          .selectFrom('payment_methods')
          .select(['id', 'external_id', 'priority', 'status', 'customer_id'])
          .where('customer_id', 'in', chunk)
          .execute(),
      )
    : [];
  const methodsByCustomer = groupBy(methods, (m) => m.customer_id);
  // The engine writes amount_paid after a successful retry; locking keeps its write and ours from interleaving.
  const stored = await loadInChunks(
    rows.map((r) => r.externalId),
    (chunk) =>
      db
        .selectFrom('invoices')
        .selectAll()
        .where('external_id', 'in', chunk)
        .$if(lock, (q) => q.forUpdate())
        .execute(),
  );
  const byExternalId = new Map(stored.map((i) => [i.external_id, i]));
  const problems: ImportProblem[] = [...customers.problems];
  const inserts: InvoicesTable[] = [];
  const updates: (InvoiceFields & { id: string; updated_at: number })[] = [];
  const payments: ExternalPayment[] = [];
  const closedCases: string[] = [];
  for (const row of rows) {
    const customerId = customers.ids.get(row.customerExternalId ?? '');
    if (customerId === undefined) continue;
    const current = byExternalId.get(row.externalId);
    const failedMethod = failedMethodFor(row, current, methodsByCustomer.get(customerId) ?? [], context);
    if ('problem' in failedMethod) {
      problems.push({ line: row.line, column: 'failed_payment_method', message: failedMethod.problem });
      continue;
    }
    const { failed_payment_method: _named, ...reported } = row.fields;
    const stated: StoredFields = { ...reported, failed_payment_method_id: failedMethod.id };
    if (!current) {
      const fields = { ...stated, status: settledStatus(stated) };
      inserts.push({
        id: newId('inv'),
        external_id: row.externalId,
        customer_id: customerId,
        ...fields,
        case_id: null,
        created_at: now,
        updated_at: now,
      });
      continue;
    }
    const conflict = conflictWith(current, row, customerId);
    if (conflict) {
      problems.push(conflict);
      continue;
    }
    const fields = merge(current, stated);
    if (!differs(current, fields)) continue;
    updates.push({ id: current.id, ...fields, updated_at: now });
    const received = fields.amount_paid - current.amount_paid;
    if (received > 0) {
      payments.push({
        invoice: { ...current, ...fields, updated_at: now },
        amount: received,
        source: 'import',
        reference: `import:${row.externalId}:${fields.amount_paid}`,
        at: now,
      });
    }
    if (current.case_id && !isWrittenOff(current.status) && isWrittenOff(fields.status))
      closedCases.push(current.case_id);
  }
  return upsertPlan({
    table: 'invoices',
    columns: [
      'number',
      'currency',
      'total',
      'amount_paid',
      'due_at',
      'status',
      'collection',
      'failed_at',
      'failure_code',
      'failed_payment_method_id',
      'updated_at',
    ],
    rows: rows.length,
    inserts,
    updates,
    problems,
    // Invoices are updated first: settling a case reads their balances to see whether anything is left.
    after: async (trx) => {
      await settleInvoiceChanges(trx, { payments, casesToSettle: closedCases, at: now });
      return payments.length;
    },
  });
};

function conflictWith(
  current: InvoiceRow,
  row: ImportRow<InvoiceFields>,
  customerId: string,
): ImportProblem | null {
  const at = (column: string, message: string) => ({ line: row.line, column, message });
  if (current.customer_id !== customerId)
    return at(
      'customer_external_id',
      "this invoice belongs to another customer; an invoice's customer cannot change",
    );
  const problem = invoiceChangeProblem(current, row.fields);
  if (problem) return at(problem.column, problem.message);
  return null;
}

/**
 * The method a row's failed charge applies to: the one it names, else the one stored for the same failure (a later
 * report that does not repeat it), else the customer's first. Stripe's rows keep what is stored: its charges are
 * recorded as attempts on their own methods.
 */
function failedMethodFor(
  row: ImportRow<InvoiceFields>,
  current: InvoiceRow | undefined,
  methods: readonly MethodRef[],
  context: PlanContext,
): { id: string | null } | { problem: string } {
  if (!context.attributeFailures) return { id: current?.failed_payment_method_id ?? null };
  const named = row.fields.failed_payment_method ?? null;
  if (row.fields.failed_at === null) return { id: null };
  if (named === null && current?.failed_payment_method_id && current.failed_at === row.fields.failed_at)
    return { id: current.failed_payment_method_id };
  return failedMethodOf(methods, named);
}

// Money once recorded stays recorded: a file exported before a payment Recoup collected must not undo it.
function merge(current: InvoiceRow, fields: StoredFields): StoredFields {
  const amount_paid = Math.max(current.amount_paid, fields.amount_paid);
  return { ...fields, amount_paid, status: settledStatus({ ...fields, amount_paid }) };
}
