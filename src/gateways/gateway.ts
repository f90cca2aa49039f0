/** The billing system's invoice a charge is for: charged its own way when the gateway is that billing system. */
export interface InvoiceToSettle {
  /** Recoup's invoice id. */
  readonly id: string;
  /** The billing system's id (Stripe's `in_…`), null for an invoice created in Recoup. */
  readonly externalId: string | null;
  readonly number: string;
}

export interface ChargeRequest {
  /** Deterministic per (case, step, method[, invoice]): a repeat with the same key never charges twice. */
  idempotencyKey: string;
  /** The gateway's reusable payment method token, never a card number. */
  token: string;
  /** Minor units. */
  amount: number;
  currency: string;
  description?: string;
  /** The customer's id in the billing system (Stripe's `cus_…`): Stripe charges a saved method only with it. */
  customerExternalId?: string | null;
  /** The one invoice the charge is for, when the gateway charges per invoice (see chargesPerInvoice). */
  invoice?: InvoiceToSettle | null;
  /**
   * True when asking again about an intent whose outcome a crash or timeout left unknown: the gateway must replay
   * the first request as it was (same key, same parameters) and look at nothing that could change its answer.
   */
  resolving?: boolean;
}

export type ChargeResult =
  | {
      status: 'succeeded';
      chargeId: string;
      /** What was charged when the gateway settled an invoice for its own balance; the request's amount otherwise. */
      amount?: number;
      /** The billing system marked the invoice paid in full by this charge. */
      invoicePaid?: boolean;
    }
  | {
      status: 'failed';
      chargeId: string;
      declineCode: string;
      networkDeclineCode: string | null;
      networkAdviceCode: string | null;
      message: string;
    }
  | {
      /** Nothing was charged: the billing system had already closed the invoice (paid elsewhere, void, written off). */
      status: 'not_charged';
      invoiceStatus: 'paid' | 'void' | 'uncollectible';
      /** What the billing system counts as paid on the invoice, minor units. */
      amountPaid: number;
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
  /**
   * True when each charge is for one invoice, oldest first, named to the gateway (Stripe pays its own invoices with
   * `invoices/{id}/pay` and names other invoices in the PaymentIntent); false when one charge is for a case's
   * whole balance.
   */
  readonly chargesPerInvoice: boolean;
}
