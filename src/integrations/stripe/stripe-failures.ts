import { idOf } from '../../gateways/stripe/stripe-ids.ts';
import type { BillingFailure } from '../billing-attempts.ts';

// Stripe's own failed charge of an invoice, read from the invoice's payment intent: on API versions before
// 2025-03-31 the invoice names it (`payment_intent`, expandable); later ones list it under `payments`. The shapes
// below are what both the SDK's types and the webhook's checked payloads offer.

type Ref<T> = string | T | null | undefined;

interface MethodLike {
  readonly id: string;
}

interface ErrorLike {
  readonly code?: string | null;
  readonly decline_code?: string | null;
  readonly network_decline_code?: string | null;
  readonly network_advice_code?: string | null;
  readonly charge?: string | null;
  readonly payment_method?: MethodLike | null;
}

/** A payment intent as far as its last failure goes. */
export interface IntentLike {
  readonly id: string;
  readonly latest_charge?: Ref<{ readonly id: string }>;
  readonly payment_method?: Ref<MethodLike>;
  readonly last_payment_error?: ErrorLike | null;
}

/** An invoice as far as its attempts go. */
export interface FailedInvoiceLike {
  readonly id: string;
  readonly attempt_count: number;
  readonly payment_intent?: Ref<IntentLike>;
  readonly payments?: {
    readonly data: readonly { readonly payment: { readonly payment_intent?: Ref<IntentLike> } }[];
  } | null;
}

/** What an invoice says of Stripe's failed charges: all of it, only the intent to look up, or nothing. */
export type InvoiceFailure =
  | { readonly kind: 'known'; readonly failure: BillingFailure }
  | { readonly kind: 'look_up'; readonly paymentIntentId: string }
  | null;

/**
 * Stripe's failed attempts on an invoice as its own payload tells them, observed at `at`. An invoice Stripe never
 * attempted, or whose intent carries no error (its last charge succeeded), has none.
 */
export function invoiceFailure(invoice: FailedInvoiceLike, at: number): InvoiceFailure {
  if (invoice.attempt_count < 1) return null;
  const intents = [
    invoice.payment_intent,
    ...(invoice.payments?.data ?? []).map((p) => p.payment.payment_intent),
  ];
  const expanded = intents.find((i): i is IntentLike => typeof i === 'object' && i !== null);
  if (expanded) {
    const failure = intentFailure(invoice, expanded, at);
    return failure ? { kind: 'known', failure } : null;
  }
  const id = intents.map((i) => idOf(i)).find((i) => i !== null);
  return id ? { kind: 'look_up', paymentIntentId: id } : null;
}

/** Stripe's failed attempts on an invoice, from its payment intent; null when the intent carries no error. */
export function intentFailure(
  invoice: FailedInvoiceLike,
  intent: IntentLike,
  at: number,
): BillingFailure | null {
  const error = intent.last_payment_error;
  if (!error) return null;
  const method = error.payment_method?.id ?? idOf(intent.payment_method);
  return {
    source: 'stripe',
    invoiceExternalId: invoice.id,
    attempts: invoice.attempt_count,
    methodExternalId: method,
    // Stripe puts the issuer's reason in decline_code; some declines (expired_card) carry only the error code.
    declineCode: error.decline_code || error.code || 'card_declined',
    networkDeclineCode: error.network_decline_code || null,
    networkAdviceCode: error.network_advice_code || null,
    chargeId: error.charge || idOf(intent.latest_charge) || intent.id,
    at,
  };
}
