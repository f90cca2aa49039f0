import type { TSchema } from '@sinclair/typebox';
import { type FieldError, formatErrors, validate } from '../../domain/validation.ts';
import { isCurrency } from '../../domain/money.ts';
import { type PostalAddress, parsePostalAddress } from '../../domain/postal-address.ts';
import { type CellParser, email, locale, phone } from '../../import/cells.ts';
import type { InvoiceStatus } from '../../store/tables.ts';
import { idOf } from '../../gateways/stripe/stripe-ids.ts';
import { invoiceFailure } from '../stripe/stripe-failures.ts';
import type { ContactSnapshot, InboundChange, InboundEvent } from './changes.ts';
import { WebhookRejectedError } from './errors.ts';
import { stripeAmountToMinor } from '../../gateways/stripe/stripe-amounts.ts';
import {
  type StripeCustomerFields,
  StripeCustomerShape,
  type StripeDisputeFields,
  StripeDisputeShape,
  type StripeEventFields,
  StripeEventShape,
  type StripeInvoiceFields,
  StripeInvoiceShape,
  type StripePaymentMethodFields,
  StripePaymentMethodShape,
} from './stripe-shapes.ts';

const INVOICE_EVENTS = new Set([
  'invoice.payment_failed',
  'invoice.paid',
  'invoice.payment_succeeded',
  'invoice.voided',
  'invoice.marked_uncollectible',
  'invoice.finalized',
  'invoice.updated',
]);
const METHOD_EVENTS = new Set([
  'payment_method.attached',
  'payment_method.updated',
  'payment_method.automatically_updated', // the card account updater's new expiry or number
]);
const BANK_DEBITS = new Set([
  'acss_debit',
  'au_becs_debit',
  'bacs_debit',
  'nz_bank_account',
  'sepa_debit',
  'us_bank_account',
]);

/**
 * Maps a verified Stripe event onto Recoup's changes, checking first that the object has the fields Recoup reads
 * (a failure names them: `data.object.amount_due: expected integer`). Types Recoup does not act on map to no
 * change, to be recorded as seen and ignored.
 */
export function stripeEventToInbound(payload: unknown): InboundEvent {
  const event = checked(StripeEventShape, payload, '');
  const base = { source: 'stripe' as const, id: event.id, type: event.type, created: event.created * 1000 };
  const object = event.data.object;
  const result = (change: InboundChange | string): InboundEvent =>
    typeof change === 'string' ? { ...base, change: null, ignoreReason: change } : { ...base, change };
  if (event.type === 'customer.created' || event.type === 'customer.updated')
    return result(customerChange(checked(StripeCustomerShape, object, 'data.object')));
  if (METHOD_EVENTS.has(event.type))
    return result(methodChange(checked(StripePaymentMethodShape, object, 'data.object'), event));
  if (event.type === 'payment_method.detached') {
    const method = checked(StripePaymentMethodShape, object, 'data.object');
    return result({
      kind: 'payment_method',
      externalId: method.id,
      customerExternalId: null,
      fields: {},
      detached: true,
    });
  }
  if (INVOICE_EVENTS.has(event.type))
    return result(invoiceChange(checked(StripeInvoiceShape, object, 'data.object'), event, base.created));
  if (event.type === 'charge.dispute.created' || event.type === 'charge.dispute.closed')
    return result(disputeChange(checked(StripeDisputeShape, object, 'data.object'), event));
  return result(`Recoup does not act on ${event.type}`);
}

/** Stripe's name for a column the import planners report a problem on. */
export function stripeField(column: string): string {
  const names: Record<string, string> = {
    customer_external_id: 'customer',
    invoice_external_id: 'id',
    total: 'amount_due',
    collection: 'collection_method',
    due_at: 'due_date',
  };
  return `data.object.${names[column] ?? column}`;
}

function checked<S extends TSchema>(schema: S, value: unknown, prefix: string) {
  const result = validate(schema, value, prefix);
  if (result.ok) return result.value;
  throw malformed(result.errors);
}

function malformed(errors: readonly FieldError[]): WebhookRejectedError {
  return new WebhookRejectedError(
    'malformed-payload',
    formatErrors(errors),
    errors.map((e) => ({ field: e.path, reason: e.message })),
  );
}

// Stripe takes values Recoup does not (a phone not in E.164, an unknown locale): those are left out rather than
// refusing the event. The value is never repeated anywhere: it is contact data.
function optional<T>(value: string | null | undefined, parse: CellParser<T>): T | undefined {
  if (!value) return undefined;
  const parsed = parse(value);
  return parsed.ok ? parsed.value : undefined;
}

function contact(
  id: string,
  name: string | null | undefined,
  mail: string | null | undefined,
  tel: string | null | undefined,
): ContactSnapshot {
  return {
    // Never the email: names are stored in the clear, and an email there would undo its encryption.
    name: name?.trim() || id,
    email: optional(mail, email) ?? null,
    phone: optional(tel?.replace(/[\s().-]/g, ''), phone) ?? null,
  };
}

// An empty or unusable address keeps the stored one, as the Stripe sync does.
function addressOf(address: StripeCustomerFields['address']): PostalAddress | undefined {
  const parts = Object.entries(address ?? {}).filter(([, v]) => typeof v === 'string' && v !== '');
  if (parts.length === 0) return undefined;
  const parsed = parsePostalAddress(Object.fromEntries(parts));
  return parsed.ok ? parsed.value : undefined;
}

function customerChange(c: StripeCustomerFields): InboundChange {
  const metadata = c.metadata ?? {};
  return {
    kind: 'customer',
    externalId: c.id,
    contact: contact(c.id, c.name, c.email, c.phone),
    address: addressOf(c.address),
    locale: optional(c.preferred_locales?.[0], locale),
    timeZoneFacts: { metadata, address: c.address ?? null },
    // Metadata drives segments and policy choice, like the attributes column of an import.
    attributesMerge: Object.keys(metadata).length > 0 ? metadata : undefined,
    defaultMethodExternalId: idOf(c.invoice_settings?.default_payment_method),
  };
}

function methodChange(m: StripePaymentMethodFields, event: StripeEventFields): InboundChange | string {
  const customer = idOf(m.customer);
  if (customer === null) return `payment method ${m.id} is not attached to a customer`;
  const details = (m as Record<string, unknown>)[m.type] as { last4?: unknown } | null | undefined;
  const last4 = m.card?.last4 ?? (typeof details?.last4 === 'string' ? details.last4 : null);
  const billing = m.billing_details;
  return {
    kind: 'payment_method',
    externalId: m.id,
    customerExternalId: customer,
    customerStub: contact(customer, billing?.name, billing?.email, billing?.phone),
    fields: {
      token: m.id,
      type: m.type === 'card' ? 'card' : BANK_DEBITS.has(m.type) ? 'bank_debit' : m.type,
      brand: m.card?.brand ?? null,
      last4: last4 && /^\d{4}$/.test(last4) ? last4 : null,
      exp_month: m.card?.exp_month ?? null,
      exp_year: m.card?.exp_year ?? null,
      // Attaching is the one event that makes a method usable; `updated` must not revive a detached one.
      ...(event.type === 'payment_method.attached' ? { status: 'active' as const } : {}),
    },
  };
}

const STATUSES: readonly string[] = ['open', 'paid', 'void', 'uncollectible'] satisfies InvoiceStatus[];

function invoiceChange(
  inv: StripeInvoiceFields,
  event: StripeEventFields,
  created: number,
): InboundChange | string {
  if (inv.status === null || !STATUSES.includes(inv.status))
    return `invoice ${inv.id} is ${inv.status ?? 'a draft'}: not owed yet`;
  const customer = idOf(inv.customer);
  if (customer === null) return `invoice ${inv.id} has no customer`;
  const currency = inv.currency.toUpperCase();
  if (!isCurrency(currency))
    return `invoice ${inv.id}: currency ${currency} is not an ISO 4217 code Recoup knows`;
  const issued = inv.status_transitions?.finalized_at ?? inv.created;
  const refs = [
    ...(inv.payments?.data ?? []).flatMap((p) => [idOf(p.payment.charge), idOf(p.payment.payment_intent)]),
    idOf(inv.charge),
    idOf(inv.payment_intent),
  ].filter((r): r is string => r !== null);
  // While Stripe still retries (Smart Retries), two schedules on one card could charge it twice: Recoup takes the
  // invoice over only after Stripe's last attempt failed. Each of Stripe's failures is an attempt all the same.
  const failed = event.type === 'invoice.payment_failed';
  const stripeGaveUp = failed && inv.next_payment_attempt === null;
  // An invoice.payment_failed is at least the first attempt, whatever an older payload left out.
  const counted = { ...inv, attempt_count: inv.attempt_count ?? 1 };
  const observed = failed ? invoiceFailure(counted, created) : null;
  return {
    kind: 'invoice',
    externalId: inv.id,
    customerExternalId: customer,
    customerStub: contact(customer, inv.customer_name, inv.customer_email, inv.customer_phone),
    fields: {
      number: inv.number ?? inv.id,
      currency,
      // amount_due is what the customer owes after credits, which is what amount_paid counts against.
      total: stripeAmountToMinor(inv.amount_due, currency),
      amount_paid: stripeAmountToMinor(Math.min(inv.amount_paid, inv.amount_due), currency),
      due_at: (inv.due_date ?? issued) * 1000,
      status: inv.status as InvoiceStatus,
      collection: inv.collection_method === 'send_invoice' ? 'send_invoice' : 'charge_automatically',
    },
    failure: stripeGaveUp
      ? { at: created, code: observed?.kind === 'known' ? observed.failure.declineCode : null }
      : undefined,
    billingFailure: observed?.kind === 'known' ? observed.failure : undefined,
    failureLookUp:
      observed?.kind === 'look_up'
        ? { paymentIntentId: observed.paymentIntentId, invoice: counted, at: created }
        : undefined,
    paymentRefs: refs,
  };
}

function disputeChange(d: StripeDisputeFields, event: StripeEventFields): InboundChange {
  const opened = event.type === 'charge.dispute.created';
  const refs = [idOf(d.charge), idOf(d.payment_intent)].filter((r): r is string => r !== null);
  return {
    kind: 'dispute',
    externalId: d.id,
    opened,
    paymentRefs: refs,
    reason: d.reason ?? null,
    outcome: opened ? null : d.status,
  };
}
