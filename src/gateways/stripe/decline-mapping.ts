import Stripe from 'stripe';
import { type ChargeResult, GatewayUnavailableError, IdempotencyMismatchError } from '../gateway.ts';

type Failed = Extract<ChargeResult, { status: 'failed' }>;

/** A confirmed PaymentIntent as a charge result; an outcome Stripe has not decided yet is "unavailable". */
export function resultFromIntent(intent: Stripe.PaymentIntent): ChargeResult {
  switch (intent.status) {
    case 'succeeded':
      return { status: 'succeeded', chargeId: intent.id };
    case 'processing':
      // Only asynchronous methods (bank debits) stop here; asking again later with the same key is all we can do.
      throw new GatewayUnavailableError(
        `Stripe is still processing ${intent.id}; the outcome is not known yet`,
      );
    case 'requires_action': {
      // Off-session confirmation normally fails with a 402 instead, but an issuer may still demand 3-D Secure.
      const error = intent.last_payment_error;
      return failed(intent.id, error?.decline_code ?? error?.code ?? 'authentication_required', error ?? {});
    }
    default: {
      const error = intent.last_payment_error;
      const code = error?.decline_code ?? error?.code ?? `payment_intent_${intent.status}`;
      return failed(intent.id, code, error ?? {});
    }
  }
}

/**
 * A Stripe SDK error as a charge result, or as the port's errors: declines are results; transport failures,
 * rate limits and Stripe's own 5xx are GatewayUnavailableError (the engine asks again later with the same key).
 */
export function resultFromError(error: unknown, idempotencyKey: string): ChargeResult {
  const E = Stripe.errors;
  if (!(error instanceof E.StripeError)) throw error;
  if (error instanceof E.StripeCardError) {
    // Stripe puts the issuer's reason in decline_code; some declines (expired_card, processing_error) carry only
    // the error code, and the SDK turns the missing decline_code into ''.
    return failed(chargeIdOf(error), error.decline_code || error.code || 'card_declined', error);
  }
  if (error instanceof E.StripeIdempotencyError) {
    throw new IdempotencyMismatchError(
      `Stripe refused idempotency key "${idempotencyKey}" for different parameters: ${error.message}`,
    );
  }
  const status = error.statusCode ?? 0;
  if (isTransient(error)) {
    throw new GatewayUnavailableError(`Stripe unavailable: ${error.message}`, { cause: error });
  }
  if (error instanceof E.StripeAuthenticationError || error instanceof E.StripePermissionError) {
    // No charge can succeed with this key: stop loudly rather than record declines that are not the customer's.
    throw new Error(`Stripe rejected the API key (${status}): ${error.message}`, { cause: error });
  }
  if (error instanceof E.StripeInvalidRequestError) {
    // A detached or foreign payment method, an unsupported currency…: a failure of this method, recorded with
    // Stripe's code so the timeline says why, rather than an exception that would stall the whole batch.
    return failed(chargeIdOf(error), error.code ?? 'invalid_request_error', error);
  }
  throw error;
}

/**
 * Whether a Stripe error says nothing about the request itself: the network, a rate limit, a conflict on the
 * idempotency key still in flight, or Stripe's own failure. Asking again later, the same way, is the answer.
 */
export function isTransient(error: unknown): boolean {
  const E = Stripe.errors;
  if (!(error instanceof E.StripeError)) return false;
  const status = error.statusCode ?? 0;
  return (
    error instanceof E.StripeConnectionError ||
    error instanceof E.StripeRateLimitError ||
    error instanceof E.StripeAPIError ||
    status === 409 ||
    status >= 500
  );
}

interface DeclineFields {
  readonly message?: string | undefined;
  readonly network_decline_code?: string | undefined;
  readonly network_advice_code?: string | undefined;
  readonly payment_intent?: Stripe.PaymentIntent | undefined;
}

function failed(chargeId: string, declineCode: string, error: DeclineFields): Failed {
  const last = error.payment_intent?.last_payment_error;
  return {
    status: 'failed',
    chargeId,
    declineCode,
    networkDeclineCode: error.network_decline_code || last?.network_decline_code || null,
    networkAdviceCode: error.network_advice_code || last?.network_advice_code || null,
    message: error.message ?? last?.message ?? `declined: ${declineCode}`,
  };
}

// The PaymentIntent is what Stripe's dashboard and webhooks refer to; a request that made none still has its
// request id, which finds the log line.
function chargeIdOf(error: InstanceType<typeof Stripe.errors.StripeError>): string {
  return error.payment_intent?.id ?? error.charge ?? error.requestId ?? '';
}
