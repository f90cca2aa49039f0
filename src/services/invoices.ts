import type { ExternalPayment } from '../engine/external-payments.ts';
import { newId } from '../engine/ids.ts';
import { isCurrency } from '../domain/money.ts';
import { majorText } from '../import/cells.ts';
import { type Database, type Queryable, type Trx, writeTransaction } from '../store/database.ts';
import type { CollectionMethod, InvoiceRow, InvoiceStatus, PaymentsTable } from '../store/tables.ts';
import { failedMethodOf } from '../domain/failed-method.ts';
import { InputError } from '../domain/input-error.ts';
import { invoiceChangeProblem, settleInvoiceChanges, settledStatus } from './invoice-settlement.ts';

/** Which invoices a list shows; every filter is optional and they combine with AND. */
export interface InvoiceFilter {
  readonly customerId?: string;
  readonly status?: InvoiceStatus;
  readonly currency?: string;
  readonly caseId?: string;
  /** Due strictly before this instant (epoch ms). */
  readonly dueBefore?: number;
  /** Due at or after this instant (epoch ms). */
  readonly dueAfter?: number;
}

/** An invoice to create: always open and unpaid; payments are recorded afterwards. */
export interface NewInvoiceInput {
  readonly customer_id: string;
  readonly number: string;
  readonly currency: string;
  readonly total: number;
  readonly due_at: number;
  readonly collection: CollectionMethod;
  readonly external_id?: string | null;
  /** When the billing system's own charge already failed: the case opens at once, anchored here. */
  readonly failed_at?: number | null;
  readonly failure_code?: string | null;
  /** The method that charge failed on, by external id (or id); default: the customer's first by priority. */
  readonly failed_payment_method?: string | null;
}

/** What may change on an open invoice; `currency` is accepted only to refuse a different one clearly. */
export interface InvoicePatch {
  readonly number?: string;
  readonly total?: number;
  readonly due_at?: number;
  readonly currency?: string;
}

/** A payment just recorded against an invoice, and the invoice after it. */
export interface RecordedPayment {
  readonly invoice: InvoiceRow;
  readonly payment: PaymentsTable;
}

/** Up to `limit` invoices matching `filter`, newest first, after the cursor id `after`. */
export async function listInvoices(
  db: Queryable,
  filter: InvoiceFilter,
  page: { readonly after: string | null; readonly limit: number },
): Promise<InvoiceRow[]> {
  return db
    .selectFrom('invoices')
    .selectAll()
    .$if(page.after !== null, (q) => q.where('id', '<', page.after!))
    .$if(filter.customerId !== undefined, (q) => q.where('customer_id', '=', filter.customerId!))
    .$if(filter.status !== undefined, (q) => q.where('status', '=', filter.status!))
    .$if(filter.currency !== undefined, (q) => q.where('currency', '=', filter.currency!))
    .$if(filter.caseId !== undefined, (q) => q.where('case_id', '=', filter.caseId!))
    .$if(filter.dueBefore !== undefined, (q) => q.where('due_at', '<', filter.dueBefore!))
    .$if(filter.dueAfter !== undefined, (q) => q.where('due_at', '>=', filter.dueAfter!))
    .orderBy('id', 'desc')
    .limit(page.limit)
    .execute();
}

/** One invoice by id, or null. */
export async function getInvoice(db: Queryable, id: string): Promise<InvoiceRow | null> {
  return (await db.selectFrom('invoices').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/**
 * Creates an open invoice for a customer. The engine takes it into a case when its policy's first step comes
 * due (send_invoice) or at once when `failed_at` says the billing system's charge already failed.
 */
export async function createInvoice(db: Queryable, input: NewInvoiceInput, now: number): Promise<InvoiceRow> {
  if (!isCurrency(input.currency))
    throw new InputError('currency', 'expected an ISO 4217 currency code such as EUR');
  const failedAt = input.failed_at ?? null;
  const failureCode = input.failure_code ?? null;
  if (failedAt !== null && input.collection !== 'charge_automatically')
    throw new InputError('failed_at', 'only applies when collection is charge_automatically');
  if (failedAt !== null && failedAt > now) throw new InputError('failed_at', 'must not be in the future');
  if (failureCode !== null && failedAt === null)
    throw new InputError('failure_code', 'only applies together with failed_at');
  const named = input.failed_payment_method ?? null;
  if (named !== null && failedAt === null)
    throw new InputError('failed_payment_method', 'only applies together with failed_at');
  await requireBillableCustomer(db, input.customer_id);
  const failedMethod =
    failedAt === null
      ? { id: null }
      : failedMethodOf(
          await db
            .selectFrom('payment_methods')
            .select(['id', 'external_id', 'priority', 'status'])
            .where('customer_id', '=', input.customer_id)
            .execute(),
          named,
        );
  if ('problem' in failedMethod) throw new InputError('failed_payment_method', failedMethod.problem);
  const invoice: InvoiceRow = {
    id: newId('inv'),
    external_id: input.external_id ?? null,
    customer_id: input.customer_id,
    number: input.number,
    currency: input.currency,
    total: input.total,
    amount_paid: 0,
    due_at: input.due_at,
    status: 'open',
    collection: input.collection,
    failed_at: failedAt,
    failure_code: failureCode,
    failed_payment_method_id: failedMethod.id,
    case_id: null,
    created_at: now,
    updated_at: now,
  };
  // The unique index decides between two concurrent creates with one external_id, not a read before the write.
  const inserted = await db
    .insertInto('invoices')
    .values(invoice)
    .onConflict((oc) => oc.column('external_id').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1)
    throw new InputError('external_id', 'another invoice already has this external_id', 409);
  return invoice;
}

/**
 * Changes an open invoice's number, total or due date. A total lowered to what is already paid makes the invoice
 * paid and settles its case in the same transaction; a different currency is refused.
 */
export async function updateInvoice(
  database: Database,
  id: string,
  patch: InvoicePatch,
  now: number,
): Promise<InvoiceRow | null> {
  return writeTransaction(database, async (trx) => {
    const current = await lockInvoice(database, trx, id);
    if (!current) return null;
    if (current.status !== 'open')
      throw new InputError('id', `the invoice is ${current.status}; only an open invoice can change`, 409);
    const next = {
      number: patch.number ?? current.number,
      total: patch.total ?? current.total,
      due_at: patch.due_at ?? current.due_at,
    };
    const problem = invoiceChangeProblem(current, { currency: patch.currency ?? current.currency, ...next });
    if (problem) throw new InputError(problem.column, problem.message, 409);
    const changed = (Object.keys(next) as (keyof typeof next)[]).filter((k) => next[k] !== current[k]);
    if (changed.length === 0) return current;
    const updated: InvoiceRow = {
      ...current,
      ...next,
      status: settledStatus({ ...current, ...next }),
      updated_at: now,
    };
    await trx
      .updateTable('invoices')
      .set({ ...next, status: updated.status, updated_at: now })
      .where('id', '=', id)
      .execute();
    await noteOnCase(trx, updated, now, 'invoice.updated', `changed through the API: ${changed.join(', ')}`, {
      changes: Object.fromEntries(changed.map((k) => [k, { from: current[k], to: next[k] }])),
    });
    const casesToSettle = updated.status === 'paid' && updated.case_id ? [updated.case_id] : [];
    await settleInvoiceChanges(trx, { payments: [], casesToSettle, at: now });
    return updated;
  });
}

/**
 * Records a full or partial payment received outside Recoup (a bank transfer, a cheque). The invoice's balance,
 * the payment, its case's recovered amount and, when nothing is left owing, the case's closing with every pending
 * step cancelled are written in one transaction, before any later tick can act on the case. A reference already
 * recorded on this invoice is refused, so the same transfer cannot be counted twice.
 */
export async function recordInvoicePayment(
  database: Database,
  id: string,
  input: { readonly amount: number; readonly reference?: string | null },
  now: number,
): Promise<RecordedPayment | null> {
  const reference = input.reference ?? newId('ref');
  return writeTransaction(database, async (trx) => {
    const current = await lockInvoice(database, trx, id);
    if (!current) return null;
    if (current.status === 'paid' || current.status === 'void')
      throw new InputError('id', `the invoice is ${current.status}; it takes no more payments`, 409);
    const owed = current.total - current.amount_paid;
    if (input.amount > owed)
      throw new InputError(
        'amount',
        `must not exceed the ${majorText(owed, current.currency)} ${current.currency} still owed on this invoice`,
      );
    const taken = await trx
      .selectFrom('payments')
      .select('id')
      .where('invoice_id', '=', id)
      .where('source', '=', 'api')
      .where('reference', '=', reference)
      .executeTakeFirst();
    if (taken)
      throw new InputError(
        'reference',
        'a payment with this reference is already recorded on this invoice',
        409,
      );
    const amountPaid = current.amount_paid + input.amount;
    // Money for a written-off invoice is still money: paid in full, it is paid.
    const status: InvoiceStatus = amountPaid >= current.total ? 'paid' : current.status;
    const invoice: InvoiceRow = { ...current, amount_paid: amountPaid, status, updated_at: now };
    await trx
      .updateTable('invoices')
      .set({ amount_paid: amountPaid, status, updated_at: now })
      .where('id', '=', id)
      .execute();
    const payment: ExternalPayment = { invoice, amount: input.amount, source: 'api', reference, at: now };
    await settleInvoiceChanges(trx, { payments: [payment], casesToSettle: [], at: now });
    const stored = await trx
      .selectFrom('payments')
      .selectAll()
      .where('invoice_id', '=', id)
      .where('source', '=', 'api')
      .where('reference', '=', reference)
      .executeTakeFirstOrThrow();
    return { invoice, payment: stored };
  });
}

/** Voids an open or uncollectible invoice; its case closes if nothing else in it is owed. */
export function voidInvoice(database: Database, id: string, now: number): Promise<InvoiceRow | null> {
  return writeOff(database, id, 'void', now);
}

/** Marks an open invoice uncollectible (written off); its case closes if nothing else in it is owed. */
export function markInvoiceUncollectible(
  database: Database,
  id: string,
  now: number,
): Promise<InvoiceRow | null> {
  return writeOff(database, id, 'uncollectible', now);
}

// Which statuses each write-off may start from: a written-off invoice can still be voided, never the reverse.
const WRITE_OFF_FROM: Record<'void' | 'uncollectible', readonly InvoiceStatus[]> = {
  void: ['open', 'uncollectible'],
  uncollectible: ['open'],
};

async function writeOff(
  database: Database,
  id: string,
  status: 'void' | 'uncollectible',
  now: number,
): Promise<InvoiceRow | null> {
  return writeTransaction(database, async (trx) => {
    const current = await lockInvoice(database, trx, id);
    if (!current) return null;
    if (!WRITE_OFF_FROM[status].includes(current.status))
      throw new InputError(
        'id',
        current.status === status
          ? `the invoice is already ${status}`
          : `the invoice is ${current.status}; only ${WRITE_OFF_FROM[status].join(' or ')} invoices can be made ${status}`,
        409,
      );
    const invoice: InvoiceRow = { ...current, status, updated_at: now };
    await trx.updateTable('invoices').set({ status, updated_at: now }).where('id', '=', id).execute();
    const type = status === 'void' ? 'invoice.voided' : 'invoice.uncollectible';
    await noteOnCase(trx, invoice, now, type, `invoice ${current.number} made ${status} through the API`, {
      amount_remaining: current.total - current.amount_paid,
    });
    await settleInvoiceChanges(trx, {
      payments: [],
      casesToSettle: invoice.case_id ? [invoice.case_id] : [],
      at: now,
    });
    return invoice;
  });
}

// The engine writes amount_paid after a successful retry; on PostgreSQL the row lock keeps its write and ours
// from interleaving. SQLite's IMMEDIATE transaction already holds the one write lock.
async function lockInvoice(database: Database, trx: Trx, id: string): Promise<InvoiceRow | undefined> {
  return trx
    .selectFrom('invoices')
    .selectAll()
    .where('id', '=', id)
    .$if(database.dialect === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
}

async function requireBillableCustomer(db: Queryable, customerId: string): Promise<void> {
  const customer = await db
    .selectFrom('customers')
    .select(['id', 'erased_at'])
    .where('id', '=', customerId)
    .executeTakeFirst();
  if (!customer) throw new InputError('customer_id', 'no customer with this id');
  if (customer.erased_at !== null)
    throw new InputError(
      'customer_id',
      "this customer's personal data was erased; they cannot be billed",
      409,
    );
}

// A case's timeline says why its balance changed before the payment or closing that follows (promise 6).
async function noteOnCase(
  trx: Trx,
  invoice: InvoiceRow,
  at: number,
  type: string,
  rule: string,
  data: Record<string, unknown>,
): Promise<void> {
  if (!invoice.case_id) return;
  const c = await trx
    .selectFrom('cases')
    .select(['id', 'policy_version_id'])
    .where('id', '=', invoice.case_id)
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('timeline_events')
    .values({
      case_id: c.id,
      at,
      type,
      policy_version_id: c.policy_version_id,
      step_id: null,
      rule,
      data: JSON.stringify({ invoice: invoice.id, ...data }),
    })
    .execute();
}
