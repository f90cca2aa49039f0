import Stripe from 'stripe';
import {
  type WebhookContext,
  type WebhookRequest,
  type WebhookResult,
  DEFAULT_TOLERANCE_SECONDS,
} from './context.ts';
import { WebhookRejectedError } from './errors.ts';
import { loggingRejections, receiveEvent } from './receive-event.ts';
import type { BillingFailure } from '../billing-attempts.ts';
import { intentFailure } from '../stripe/stripe-failures.ts';
import type { InboundEvent } from './changes.ts';
import { stripeEventToInbound, stripeField } from './stripe-events.ts';

/**
 * Handles one delivery to Stripe's webhook endpoint (`POST /v1/integrations/stripe/webhook`): verifies the
 * `Stripe-Signature` header over the raw body with stripe-node (the endpoint's `whsec_…` secret, 300 s tolerance
 * by default, measured against `now`), maps the event onto Recoup's rows by Stripe id and applies it exactly once.
 * Throws WebhookRejectedError, with nothing written, for a missing or bad signature, a timestamp outside the
 * tolerance, a payload without the fields Recoup reads, or a change that contradicts Recoup's data.
 */
export function handleStripeWebhook(ctx: WebhookContext, request: WebhookRequest): Promise<WebhookResult> {
  return loggingRejections(ctx, 'stripe', async () => {
    if (!ctx.secret)
      throw new WebhookRejectedError(
        'not-configured',
        'RECOUP_STRIPE_WEBHOOK_SECRET is not set on this server',
      );
    const now = request.now ?? ctx.clock.now();
    const payload = verified(ctx.secret, request, now, ctx.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS);
    const event = await withLookedUpFailure(ctx, stripeEventToInbound(payload));
    return receiveEvent(ctx, event, now, stripeField);
  });
}

/**
 * Completes an `invoice.payment_failed` whose payload names the failed charge's payment intent but not its decline,
 * by reading the intent from Stripe (before the event's transaction: never a transaction across a call). When it
 * cannot be read, the event still applies; the next sync records the decline.
 */
async function withLookedUpFailure(ctx: WebhookContext, event: InboundEvent): Promise<InboundEvent> {
  const change = event.change;
  if (change?.kind !== 'invoice' || !change.failureLookUp || !ctx.paymentIntent) return event;
  const { paymentIntentId, invoice, at } = change.failureLookUp;
  let failure: BillingFailure | null;
  try {
    failure = intentFailure(invoice, await ctx.paymentIntent(paymentIntentId), at);
  } catch (error) {
    ctx.logger.warn(
      { paymentIntent: paymentIntentId, err: (error as Error).message },
      'decline not looked up',
    );
    return event;
  }
  if (!failure) return event;
  const takeover = change.failure && { ...change.failure, code: failure.declineCode };
  return { ...event, change: { ...change, billingFailure: failure, failure: takeover } };
}

function verified(secret: string, request: WebhookRequest, now: number, tolerance: number): unknown {
  const { rawBody, signature } = request;
  if (!signature?.trim())
    throw new WebhookRejectedError('missing-signature', 'Stripe-Signature header is missing');
  try {
    return Stripe.webhooks.constructEvent(rawBody, signature, secret, tolerance, undefined, now);
  } catch (error) {
    if (error instanceof SyntaxError)
      throw new WebhookRejectedError('malformed-payload', 'the body is not valid JSON', [
        { field: '(root)', reason: 'not valid JSON' },
      ]);
    if (!(error instanceof Stripe.errors.StripeSignatureVerificationError)) throw error;
    // The SDK names its reasons only in prose; verifying once more without the age check tells them apart.
    throw signedButStale(secret, request, now)
      ? new WebhookRejectedError(
          'timestamp-outside-tolerance',
          `the signature is more than ${tolerance} s old by the receiver's clock`,
        )
      : new WebhookRejectedError(
          'invalid-signature',
          'no signature matches the body and the endpoint secret',
        );
  }
}

function signedButStale(secret: string, request: WebhookRequest, now: number): boolean {
  try {
    return (
      Stripe.webhooks.signature?.verifyHeader(
        request.rawBody,
        request.signature!,
        secret,
        0,
        undefined,
        now,
      ) ?? false
    );
  } catch {
    return false;
  }
}
