import { groupBy } from '../domain/group-by.ts';
import type { Db } from './database.ts';
import type {
  AttemptRow,
  CaseRow,
  CustomerRow,
  InvoiceRow,
  MessageRow,
  PaymentMethodRow,
  StepRow,
} from './tables.ts';

/** The rows a claimed case's decision depends on, loaded for a whole batch at once. */
export interface CaseFactRows {
  readonly case: CaseRow;
  /**
   * Contact fields stay encrypted here: a batch decides hundreds of steps and few of them contact anyone, so the
   * engine decrypts (store/customer-contacts.ts) only for the messages it writes; `email` is still null exactly
   * when the customer has none, which is all the decision asks.
   */
  readonly customer: CustomerRow;
  readonly pendingSteps: StepRow[]; // by due time, then position
  readonly openInvoices: InvoiceRow[]; // oldest due first
  readonly methods: PaymentMethodRow[];
  readonly attempts: AttemptRow[]; // this case's, and the last window's on its methods
  readonly messages: Pick<
    MessageRow,
    'id' | 'case_id' | 'customer_id' | 'step_id' | 'status' | 'created_at' | 'idempotency_key'
  >[];
}

/** Loads the facts of many cases with one query per table; `since` bounds the history the rules look back on. */
export async function loadCaseFacts(
  db: Db,
  cases: readonly CaseRow[],
  since: number,
): Promise<CaseFactRows[]> {
  if (cases.length === 0) return [];
  const caseIds = cases.map((c) => c.id);
  const customerIds = [...new Set(cases.map((c) => c.customer_id))];

  const [customers, steps, invoices, methods, caseAttempts, messages] = await Promise.all([
    db.selectFrom('customers').selectAll().where('id', 'in', customerIds).execute(),
    db
      .selectFrom('scheduled_steps')
      .selectAll()
      .where('case_id', 'in', caseIds)
      .where('status', '=', 'pending')
      .orderBy('due_at')
      .orderBy('position')
      .execute(),
    db
      .selectFrom('invoices')
      .selectAll()
      .where('case_id', 'in', caseIds)
      .where('status', '=', 'open')
      .orderBy('due_at')
      .orderBy('id')
      .execute(),
    db.selectFrom('payment_methods').selectAll().where('customer_id', 'in', customerIds).execute(),
    db.selectFrom('payment_attempts').selectAll().where('case_id', 'in', caseIds).execute(),
    db
      .selectFrom('messages')
      .select(['id', 'case_id', 'customer_id', 'step_id', 'status', 'created_at', 'idempotency_key'])
      .where((eb) => eb.or([eb('case_id', 'in', caseIds), eb('customer_id', 'in', customerIds)]))
      .where((eb) => eb.or([eb('created_at', '>=', since), eb('case_id', 'in', caseIds)]))
      .orderBy('created_at')
      .execute(),
  ]);
  const methodIds = methods.map((m) => m.id);
  const methodAttempts =
    methodIds.length === 0
      ? []
      : await db
          .selectFrom('payment_attempts')
          .selectAll()
          .where('payment_method_id', 'in', methodIds)
          .where('created_at', '>=', since)
          .where('case_id', 'not in', caseIds)
          .execute();

  const byId = new Map(customers.map((c) => [c.id, c]));
  const stepsByCase = groupBy(steps, (s) => s.case_id);
  const invoicesByCase = groupBy(invoices, (i) => i.case_id!);
  const methodsByCustomer = groupBy(methods, (m) => m.customer_id);
  const methodOwner = new Map(methods.map((m) => [m.id, m.customer_id]));
  const attemptsByCustomer = groupBy(
    [...caseAttempts, ...methodAttempts],
    (a) => methodOwner.get(a.payment_method_id) ?? '',
  );
  const attemptsByCase = groupBy(caseAttempts, (a) => a.case_id);
  const messagesByCustomer = groupBy(messages, (m) => m.customer_id);

  return cases.map((c) => {
    const own = new Set((attemptsByCase.get(c.id) ?? []).map((a) => a.id));
    const others = (attemptsByCustomer.get(c.customer_id) ?? []).filter((a) => !own.has(a.id));
    return {
      case: c,
      customer: byId.get(c.customer_id)!,
      pendingSteps: stepsByCase.get(c.id) ?? [],
      openInvoices: invoicesByCase.get(c.id) ?? [],
      methods: methodsByCustomer.get(c.customer_id) ?? [],
      attempts: [...(attemptsByCase.get(c.id) ?? []), ...others],
      messages: messagesByCustomer.get(c.customer_id) ?? [],
    };
  });
}
