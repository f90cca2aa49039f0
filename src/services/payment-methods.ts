import { newId } from '../engine/ids.ts';
import type { Queryable } from '../store/database.ts';
import type { PaymentMethodRow } from '../store/tables.ts';
import { InputError } from '../domain/input-error.ts';

export type PaymentMethodType = 'card' | 'bank_debit';
export type PaymentMethodStatus = 'active' | 'disabled';

/** Which payment methods a list shows. */
export interface PaymentMethodFilter {
  readonly customerId?: string;
  readonly status?: PaymentMethodStatus;
}

/** A gateway token to keep on file for a customer. */
export interface NewPaymentMethodInput {
  readonly customer_id: string;
  readonly token: string;
  readonly type: PaymentMethodType;
  readonly brand?: string | null;
  readonly last4?: string | null;
  readonly exp_month?: number | null;
  readonly exp_year?: number | null;
  /** 1 is tried first; without it the method goes after those already on file. */
  readonly priority?: number;
  readonly external_id?: string | null;
}

/** What may change on a payment method: its place in the order, a renewed expiry, or whether it is used. */
export interface PaymentMethodPatch {
  readonly priority?: number;
  readonly exp_month?: number;
  readonly exp_year?: number;
  readonly status?: PaymentMethodStatus;
}

export const MAX_PRIORITY = 1_000_000;

/**
 * True when a token is a bare card number (13 to 19 digits, maybe grouped by spaces or dashes). Recoup keeps
 * gateway tokens only, so that no card number is ever stored; the same rule guards the import.
 */
export function looksLikeCardNumber(token: string): boolean {
  if (!/^[\d\s-]+$/.test(token)) return false;
  const digits = token.replace(/\D/g, '').length;
  return digits >= 13 && digits <= 19;
}

/** Up to `limit` payment methods matching `filter`, newest first, after the cursor id `after`. */
export async function listPaymentMethods(
  db: Queryable,
  filter: PaymentMethodFilter,
  page: { readonly after: string | null; readonly limit: number },
): Promise<PaymentMethodRow[]> {
  return db
    .selectFrom('payment_methods')
    .selectAll()
    .$if(page.after !== null, (q) => q.where('id', '<', page.after!))
    .$if(filter.customerId !== undefined, (q) => q.where('customer_id', '=', filter.customerId!))
    .$if(filter.status !== undefined, (q) => q.where('status', '=', filter.status!))
    .orderBy('id', 'desc')
    .limit(page.limit)
    .execute();
}

/** One payment method by id, or null. */
export async function getPaymentMethod(db: Queryable, id: string): Promise<PaymentMethodRow | null> {
  return (await db.selectFrom('payment_methods').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/** Puts a gateway token on file for a customer; the engine's retries go down the active ones by priority. */
export async function createPaymentMethod(
  db: Queryable,
  input: NewPaymentMethodInput,
  now: number,
): Promise<PaymentMethodRow> {
  // The message never repeats the value: error answers end up in logs.
  if (looksLikeCardNumber(input.token))
    throw new InputError(
      'token',
      "looks like a card number: send the gateway's token (e.g. tok_… or pm_…), never the card number",
    );
  const expMonth = input.exp_month ?? null;
  const expYear = input.exp_year ?? null;
  if ((expMonth === null) !== (expYear === null))
    throw new InputError(expMonth === null ? 'exp_month' : 'exp_year', 'exp_month and exp_year go together');
  // Every card expires, so a card without its expiry is incomplete; bank debits have none.
  if (input.type === 'card' && expMonth === null)
    throw new InputError('exp_month', 'is required for a card (with exp_year)');
  const customer = await db
    .selectFrom('customers')
    .select(['id', 'erased_at'])
    .where('id', '=', input.customer_id)
    .executeTakeFirst();
  if (!customer) throw new InputError('customer_id', 'no customer with this id');
  if (customer.erased_at !== null)
    throw new InputError(
      'customer_id',
      "this customer's personal data was erased; nothing can be added",
      409,
    );
  const method: PaymentMethodRow = {
    id: newId('pm'),
    external_id: input.external_id ?? null,
    customer_id: input.customer_id,
    token: input.token,
    type: input.type,
    brand: input.brand ?? null,
    last4: input.last4 ?? null,
    exp_month: expMonth,
    exp_year: expYear,
    priority: input.priority ?? (await nextPriority(db, input.customer_id)),
    status: 'active',
    created_at: now,
    updated_at: now,
  };
  // The unique index decides between two concurrent creates with one external_id, not a read before the write.
  const inserted = await db
    .insertInto('payment_methods')
    .values(method)
    .onConflict((oc) => oc.column('external_id').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1)
    throw new InputError('external_id', 'another payment method already has this external_id', 409);
  return method;
}

/** Changes a method's priority, expiry or status; returns it, or null when there is no such method. */
export async function updatePaymentMethod(
  db: Queryable,
  id: string,
  patch: PaymentMethodPatch,
  now: number,
): Promise<PaymentMethodRow | null> {
  const current = await getPaymentMethod(db, id);
  if (!current) return null;
  const set: Partial<PaymentMethodRow> = {};
  for (const key of ['priority', 'exp_month', 'exp_year', 'status'] as const) {
    if (patch[key] !== undefined && patch[key] !== current[key]) Object.assign(set, { [key]: patch[key] });
  }
  const expMonth = set.exp_month ?? current.exp_month;
  const expYear = set.exp_year ?? current.exp_year;
  // A method stored without an expiry (a bank debit) cannot be given half of one.
  if ((expMonth === null) !== (expYear === null))
    throw new InputError(expMonth === null ? 'exp_month' : 'exp_year', 'exp_month and exp_year go together');
  if (Object.keys(set).length === 0) return current;
  await db
    .updateTable('payment_methods')
    .set({ ...set, updated_at: now })
    .where('id', '=', id)
    .execute();
  return { ...current, ...set, updated_at: now };
}

// A method added later is tried after those already on file, unless the caller gives it a priority.
async function nextPriority(db: Queryable, customerId: string): Promise<number> {
  const row = await db
    .selectFrom('payment_methods')
    .select((eb) => eb.fn.max('priority').as('top'))
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return Math.min(MAX_PRIORITY, Number(row?.top ?? 0) + 1);
}
