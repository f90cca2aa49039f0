import type Stripe from 'stripe';
import type { ChargeRequest, ChargeResult, PaymentGateway } from '../gateway.ts';
import { resultFromError, resultFromIntent } from './decline-mapping.ts';
import { payStripeInvoice } from './invoice-payment.ts';
import { minorToStripeAmount } from './stripe-amounts.ts';
import { type StripeClientOptions, createStripeClient } from './stripe-client.ts';
import { isStripeInvoiceId } from './stripe-ids.ts';

/**
 * Charges saved payment methods through Stripe, one invoice at a time. An invoice Stripe issued is paid with
 * `invoices/{id}/pay`, so Stripe's records say it is paid and nothing collects it again; any other invoice is
 * charged with an off-session PaymentIntent that names it. Recoup's idempotency key is Stripe's Idempotency-Key,
 * so a retry after a lost response replays Stripe's first answer instead of charging again.
 */
export class StripeGateway implements PaymentGateway {
  readonly name = 'stripe';
  readonly chargesPerInvoice = true;
  private readonly client: Stripe;

  constructor(options: StripeClientOptions | { readonly client: Stripe }) {
    this.client = 'client' in options ? options.client : createStripeClient(options);
  }

  /** Pays or charges; declines are results, an unknown outcome is GatewayUnavailableError. */
  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const invoiceId = request.invoice?.externalId;
    if (isStripeInvoiceId(invoiceId)) return payStripeInvoice(this.client, request, invoiceId);
    let intent: Stripe.PaymentIntent;
    try {
      intent = await this.client.paymentIntents.create(paymentIntentParams(request), {
        idempotencyKey: request.idempotencyKey,
      });
    } catch (error) {
      return resultFromError(error, request.idempotencyKey);
    }
    return resultFromIntent(intent);
  }
}

// Stripe's limit on a metadata value.
const METADATA_VALUE_MAX = 500;

/** The PaymentIntent Recoup asks for; deterministic in the request so a retry sends the very same parameters. */
export function paymentIntentParams(request: ChargeRequest): Stripe.PaymentIntentCreateParams {
  const customer = request.customerExternalId;
  const invoice = request.invoice;
  const metadata: Record<string, string> = { recoup_idempotency_key: request.idempotencyKey };
  if (invoice) {
    // Whoever reads the payment in Stripe's dashboard (or a reconciliation) finds the invoice it paid.
    metadata['recoup_invoice'] = invoice.id;
    metadata['invoice_number'] = invoice.number.slice(0, METADATA_VALUE_MAX);
    if (invoice.externalId) metadata['invoice_id'] = invoice.externalId.slice(0, METADATA_VALUE_MAX);
  }
  return {
    amount: minorToStripeAmount(request.amount, request.currency),
    currency: request.currency.toLowerCase(),
    payment_method: request.token,
    // Customers imported from another billing system have other ids; sending one would fail as "No such customer".
    ...(customer?.startsWith('cus_') ? { customer } : {}),
    confirm: true,
    off_session: true,
    // Nobody is present to follow a redirect, and without this Stripe demands a return_url.
    automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    ...(request.description ? { description: request.description } : {}),
    metadata,
  };
}
