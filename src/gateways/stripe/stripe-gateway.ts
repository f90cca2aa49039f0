import type Stripe from 'stripe';
import type { ChargeRequest, ChargeResult, PaymentGateway } from '../gateway.ts';
import { resultFromError, resultFromIntent } from './decline-mapping.ts';
import { type StripeClientOptions, createStripeClient } from './stripe-client.ts';

/**
 * Charges saved payment methods through Stripe with off-session PaymentIntents. Recoup's idempotency key is
 * Stripe's Idempotency-Key, so a retry after a lost response replays Stripe's first answer instead of charging again.
 */
export class StripeGateway implements PaymentGateway {
  readonly name = 'stripe';
  private readonly client: Stripe;

  constructor(options: StripeClientOptions | { readonly client: Stripe }) {
    this.client = 'client' in options ? options.client : createStripeClient(options);
  }

  /** Creates and confirms one PaymentIntent; declines are results, an unknown outcome is GatewayUnavailableError. */
  async charge(request: ChargeRequest): Promise<ChargeResult> {
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

/** The PaymentIntent Recoup asks for; deterministic in the request so a retry sends the very same parameters. */
export function paymentIntentParams(request: ChargeRequest): Stripe.PaymentIntentCreateParams {
  const customer = request.customerExternalId;
  return {
    amount: request.amount,
    currency: request.currency.toLowerCase(),
    payment_method: request.token,
    // Customers imported from another billing system have other ids; sending one would fail as "No such customer".
    ...(customer?.startsWith('cus_') ? { customer } : {}),
    confirm: true,
    off_session: true,
    // Nobody is present to follow a redirect, and without this Stripe demands a return_url.
    automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    ...(request.description ? { description: request.description } : {}),
    metadata: { recoup_idempotency_key: request.idempotencyKey },
  };
}
