import Stripe from 'stripe';
import { type ChargeRequest, type ChargeResult, GatewayUnavailableError } from '../gateway.ts';
import { isTransient, resultFromError } from './decline-mapping.ts';
import { stripeAmountToMinor } from './stripe-amounts.ts';
import { idOf } from './stripe-ids.ts';

/**
 * Pays a Stripe invoice with the chosen saved method (`POST /v1/invoices/{id}/pay`, off-session), so that Stripe's
 * invoice and Recoup's agree and nothing collects it twice. A first try looks at the invoice first: one Stripe has
 * closed since Recoup last heard (paid in the hosted page, voided, written off) is not charged. A try that resolves
 * an unknown outcome goes straight to the same request with the same key, which Stripe replays.
 */
export async function payStripeInvoice(
  client: Stripe,
  request: ChargeRequest,
  invoiceId: string,
): Promise<ChargeResult> {
  let before: Stripe.Invoice | null = null;
  if (!request.resolving) {
    before = await retrieve(client, invoiceId);
    const closed = closedResult(before);
    if (closed) return closed;
  }
  let after: Stripe.Invoice;
  try {
    after = await client.invoices.pay(
      invoiceId,
      { payment_method: request.token, off_session: true },
      { idempotencyKey: request.idempotencyKey },
    );
  } catch (error) {
    // Stripe refuses to pay an invoice that is no longer open (paid a moment ago, voided): look, rather than read
    // the refusal's wording, and report it as not charged.
    if (error instanceof Stripe.errors.StripeInvalidRequestError) {
      const closed = closedResult(await retrieve(client, invoiceId));
      if (closed) return closed;
    }
    return resultFromError(error, request.idempotencyKey);
  }
  if (after.status !== 'paid') {
    const closed = closedResult(after);
    if (closed) return closed;
    // Bank debits settle days later: the outcome is asked for again with the same key until Stripe knows it.
    throw new GatewayUnavailableError(`Stripe has not settled the payment of ${invoiceId} yet`);
  }
  // What the pay request collected: the balance Stripe held just before, else what Recoup asked for.
  const minor = (amount: number) => stripeAmountToMinor(amount, after.currency);
  const charged = Math.min(
    before ? minor(before.amount_remaining) : request.amount,
    minor(after.amount_paid),
  );
  return {
    status: 'succeeded',
    chargeId: (await paymentReference(client, after)) ?? after.id,
    amount: charged,
    invoicePaid: true,
  };
}

const CLOSED = ['paid', 'void', 'uncollectible'] as const;

/** The result for an invoice Stripe no longer collects, or null while it is still open. */
function closedResult(invoice: Stripe.Invoice): ChargeResult | null {
  const status = CLOSED.find((s) => s === invoice.status);
  if (status === undefined) return null;
  return {
    status: 'not_charged',
    invoiceStatus: status,
    amountPaid: stripeAmountToMinor(invoice.amount_paid, invoice.currency),
    message: `Stripe invoice ${invoice.id} is already ${invoice.status}; nothing was charged`,
  };
}

async function retrieve(client: Stripe, invoiceId: string): Promise<Stripe.Invoice> {
  try {
    return await client.invoices.retrieve(invoiceId);
  } catch (error) {
    // A lookup that could not be made leaves the charge undecided: asked again later. Anything else (no such
    // invoice, a revoked key) is not the customer's decline and stops the step with its own message.
    if (!isTransient(error)) throw error;
    throw new GatewayUnavailableError(
      `Stripe unavailable while reading invoice ${invoiceId}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

type LegacyInvoiceRefs = {
  charge?: string | { id: string } | null;
  payment_intent?: string | { id: string } | null;
};

/**
 * The PaymentIntent (or charge) that paid the invoice, which Stripe's dashboard, disputes and refunds refer to.
 * Accounts on API versions before 2025-03-31 name it on the invoice; later versions list it as an invoice payment.
 */
async function paymentReference(client: Stripe, invoice: Stripe.Invoice): Promise<string | null> {
  const legacy = invoice as Stripe.Invoice & LegacyInvoiceRefs;
  const direct = idOf(legacy.payment_intent) ?? idOf(legacy.charge) ?? paidPayment(invoice.payments?.data);
  if (direct) return direct;
  try {
    const payments = await client.invoicePayments.list({ invoice: invoice.id, limit: 10 });
    return paidPayment(payments.data);
  } catch {
    // Only the reference is missing: the invoice's own id still finds the payment in Stripe.
    return null;
  }
}

function paidPayment(payments: readonly Stripe.InvoicePayment[] | undefined): string | null {
  const paid = payments?.find((p) => p.status === 'paid') ?? payments?.[0];
  return paid ? (idOf(paid.payment.payment_intent) ?? idOf(paid.payment.charge)) : null;
}
