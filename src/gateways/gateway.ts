export interface ChargeRequest {
  /** Deterministic per (case, step, method): a repeat with the same key never charges twice. */
  idempotencyKey: string;
  /** The gateway's reusable payment method token, never a card number. */
  token: string;
  /** Minor units. */
  amount: number;
  currency: string;
  description?: string;
  /** The customer's id in the billing system (Stripe's `cus_…`): Stripe charges a saved method only with it. */
  customerExternalId?: string | null;
}

export type ChargeResult =
  | { status: 'succeeded'; chargeId: string }
  | {
      status: 'failed';
      chargeId: string;
      declineCode: string;
      networkDeclineCode: string | null;
      networkAdviceCode: string | null;
      message: string;
    };

/** Transport failure: the outcome is unknown, so the caller retries later with the SAME idempotency key. */
export class GatewayUnavailableError extends Error {
  override readonly name = 'GatewayUnavailableError';
}

/** The same idempotency key was reused with different parameters (Stripe's idempotency_error). */
export class IdempotencyMismatchError extends Error {
  override readonly name = 'IdempotencyMismatchError';
}

export interface PaymentGateway {
  readonly name: string;
  charge(request: ChargeRequest): Promise<ChargeResult>;
}
