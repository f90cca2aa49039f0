import { groupBy } from '../domain/group-by.ts';
import { memberOf } from './batch.ts';
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

// The columns a decision reads, and no more: a batch reads thousands of rows, and building each column of each row
// into a JavaScript object is most of what a read costs on SQLite.
export const CASE_FACT_COLUMNS = [
  'id',
  'customer_id',
  'currency',
  'state',
  'paused',
  'policy_version_id',
  'anchor_at',
  'escalated_at',
  'amount_failed',
  'amount_recovered',
  'error_count',
] as const;
const CUSTOMER_FACT_COLUMNS = [
  'id',
  'external_id',
  'name',
  'email',
  'locale',
  'time_zone',
  'attributes',
  'opted_out',
] as const;
const INVOICE_FACT_COLUMNS = [
  'id',
  'external_id',
  'case_id',
  'number',
  'currency',
  'total',
  'amount_paid',
  'due_at',
  'failed_at',
  'failure_code',
  'failed_payment_method_id',
] as const;
// Position only orders the steps, inside the query (measured: four columns instead of seven read a batch's steps in
// 30% less time).
const STEP_FACT_COLUMNS = ['case_id', 'step_id', 'action', 'due_at'] as const;
const METHOD_FACT_COLUMNS = [
  'id',
  'customer_id',
  'token',
  'priority',
  'status',
  'exp_month',
  'exp_year',
] as const;

export type CaseFact = Pick<CaseRow, (typeof CASE_FACT_COLUMNS)[number]>;
export type CustomerFact = Pick<CustomerRow, (typeof CUSTOMER_FACT_COLUMNS)[number]>;
export type InvoiceFact = Pick<InvoiceRow, (typeof INVOICE_FACT_COLUMNS)[number]>;
export type MethodFact = Pick<PaymentMethodRow, (typeof METHOD_FACT_COLUMNS)[number]>;
export type StepFact = Pick<StepRow, (typeof STEP_FACT_COLUMNS)[number]>;

/** The rows a claimed case's decision depends on, loaded for a whole batch at once. */
export interface CaseFactRows {
  readonly case: CaseFact;
  /**
   * Contact fields stay encrypted here: a batch decides hundreds of steps and few of them contact anyone, so the
   * engine decrypts (store/customer-contacts.ts) only for the messages it writes; `email` is still null exactly
   * when the customer has none, which is all the decision asks.
   */
  readonly customer: CustomerFact;
  readonly pendingSteps: StepFact[]; // by due time, then position
  readonly openInvoices: InvoiceFact[]; // oldest due first
  readonly methods: MethodFact[];
  readonly attempts: AttemptRow[]; // this case's, and the last window's on its methods
  readonly messages: Pick<
    MessageRow,
    'id' | 'case_id' | 'customer_id' | 'step_id' | 'status' | 'created_at' | 'idempotency_key'
  >[];
}

/** Loads the facts of many cases with one query per table; `since` bounds the history the rules look back on. */
export async function loadCaseFacts(
  db: Db,
  cases: readonly CaseFact[],
  since: number,
): Promise<CaseFactRows[]> {
  if (cases.length === 0) return [];
  const caseIds = cases.map((c) => c.id);
  const customerIds = [...new Set(cases.map((c) => c.customer_id))];

  const [customers, steps, invoices, methods, caseAttempts, messages] = await Promise.all([
    db
      .selectFrom('customers')
      .select(CUSTOMER_FACT_COLUMNS)
      .where(memberOf(db, 'id', customerIds))
      .execute(),
    db
      .selectFrom('scheduled_steps')
      .select(STEP_FACT_COLUMNS)
      .where(memberOf(db, 'case_id', caseIds))
      .where('status', '=', 'pending')
      .orderBy('due_at')
      .orderBy('position')
      .execute(),
    db
      .selectFrom('invoices')
      .select(INVOICE_FACT_COLUMNS)
      .where(memberOf(db, 'case_id', caseIds))
      .where('status', '=', 'open')
      .orderBy('due_at')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('payment_methods')
      .select(METHOD_FACT_COLUMNS)
      .where(memberOf(db, 'customer_id', customerIds))
      .execute(),
    db
      .selectFrom('payment_attempts')
      .selectAll()
      .where(memberOf(db, 'case_id', caseIds))
      .execute(),
    db
      .selectFrom('messages')
      .select(['id', 'case_id', 'customer_id', 'step_id', 'status', 'created_at', 'idempotency_key'])
      .where((eb) => eb.or([memberOf(db, 'case_id', caseIds), memberOf(db, 'customer_id', customerIds)]))
      .where((eb) => eb.or([eb('created_at', '>=', since), memberOf(db, 'case_id', caseIds)]))
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
          .where(memberOf(db, 'payment_method_id', methodIds))
          .where('created_at', '>=', since)
          // A billing system's own attempts have no case; `not in` alone would drop them (null is not "not in").
          .where((eb) => eb.or([eb('case_id', 'is', null), eb.not(memberOf(db, 'case_id', caseIds))]))
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
