import type { PostalAddress } from '../domain/postal-address.ts';
import type { FieldCipher } from '../security/field-cipher.ts';
import { openCustomer } from '../store/customer-contacts.ts';
import type { Database, Queryable } from '../store/database.ts';
import { openRecipient } from '../store/message-recipients.ts';
import { CustomerNotFoundError } from './customer-lookup.ts';

type Json = Record<string, unknown>;

/**
 * Everything Recoup holds about one customer (GDPR Art. 15 and 20), contact data decrypted. Times are ISO 8601
 * UTC; amounts are integer minor units of their currency (cents). Gateway tokens are left out: they are
 * credentials for the business's own gateway account, not data about the person.
 */
export interface CustomerExport {
  readonly format: 'recoup.customer-export.v1';
  readonly customer: Json & { email: string | null; phone: string | null; address: PostalAddress | null };
  readonly payment_methods: Json[];
  readonly invoices: Json[];
  readonly payments: Json[];
  readonly cases: (Json & { steps: Json[]; timeline: Json[] })[];
  readonly payment_attempts: Json[];
  readonly messages: Json[];
}

/** Collects one customer's data from every table into one document, read in one transaction. */
export async function exportCustomer(
  database: Database,
  cipher: FieldCipher,
  customerId: string,
): Promise<CustomerExport> {
  let transaction = database.db.transaction();
  // One snapshot on PostgreSQL too, so the document never mixes states from before and after a concurrent write.
  if (database.dialect === 'postgres') transaction = transaction.setIsolationLevel('repeatable read');
  return transaction.execute((trx) => collect(trx, cipher, customerId));
}

async function collect(db: Queryable, cipher: FieldCipher, customerId: string): Promise<CustomerExport> {
  const row = await db.selectFrom('customers').selectAll().where('id', '=', customerId).executeTakeFirst();
  if (!row) throw new CustomerNotFoundError(`no customer '${customerId}'`);
  const customer = openCustomer(cipher, row);
  const methods = await db
    .selectFrom('payment_methods')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('priority')
    .orderBy('id')
    .execute();
  const invoices = await db
    .selectFrom('invoices')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('due_at')
    .orderBy('id')
    .execute();
  const invoiceIds = invoices.map((i) => i.id);
  const payments =
    invoiceIds.length === 0
      ? []
      : await db
          .selectFrom('payments')
          .selectAll()
          .where('invoice_id', 'in', invoiceIds)
          .orderBy('received_at')
          .orderBy('id')
          .execute();
  const cases = await db
    .selectFrom('cases')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('opened_at')
    .orderBy('id')
    .execute();
  const caseIds = cases.map((c) => c.id);
  const none = caseIds.length === 0;
  const steps = none
    ? []
    : await db
        .selectFrom('scheduled_steps')
        .selectAll()
        .where('case_id', 'in', caseIds)
        .orderBy('position')
        .execute();
  const events = none
    ? []
    : await db
        .selectFrom('timeline_events')
        .selectAll()
        .where('case_id', 'in', caseIds)
        .orderBy('id')
        .execute();
  // Every charge of the customer's cards: Recoup's in their cases, and the billing system's, which have no case.
  const methodIds = methods.map((m) => m.id);
  const attempts =
    methodIds.length === 0
      ? []
      : await db
          .selectFrom('payment_attempts')
          .selectAll()
          .where('payment_method_id', 'in', methodIds)
          .orderBy('created_at')
          .orderBy('id')
          .execute();
  const messages = await db
    .selectFrom('messages')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();

  return {
    format: 'recoup.customer-export.v1',
    customer: {
      ...times(customer),
      attributes: JSON.parse(customer.attributes),
      opted_out: JSON.parse(customer.opted_out),
      email: customer.email,
      phone: customer.phone,
      address: customer.address,
    },
    payment_methods: methods.map(({ token: _credential, ...method }) => times(method)),
    invoices: invoices.map(times),
    payments: payments.map(times),
    cases: cases.map(({ lease_owner: _owner, lease_expires_at: _expires, ...c }) => ({
      ...times(c),
      steps: steps.filter((s) => s.case_id === c.id).map(times),
      timeline: events
        .filter((e) => e.case_id === c.id)
        .map((e) => ({ ...times(e), data: JSON.parse(e.data) })),
    })),
    payment_attempts: attempts.map(times),
    messages: messages.map((m) => ({ ...times(m), recipient: openRecipient(cipher, m) })),
  };
}

/** A row with its epoch-millisecond `at` and `*_at` columns as ISO 8601, the form a person can read. */
function times<T extends object>(row: T): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(row))
    out[key] =
      (key === 'at' || key.endsWith('_at')) && typeof value === 'number'
        ? new Date(value).toISOString()
        : value;
  return out;
}
