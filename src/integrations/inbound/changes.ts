import type { PostalAddress } from '../../domain/postal-address.ts';
import type { InvoiceFields } from '../../import/kinds/invoices.ts';
import type { PaymentMethodFields } from '../../import/kinds/payment-methods.ts';
import type { InboundSource } from '../../store/schema/inbound.ts';
import type { BillingFailure } from '../billing-attempts.ts';
import type { FailedInvoiceLike } from '../stripe/stripe-failures.ts';

export type { InboundSource };

/**
 * An event after verification and parsing, in the one shape every source is mapped to before anything touches
 * the database. `change` is null for an event Recoup has nothing to do with; `ignoreReason` says why.
 */
export interface InboundEvent {
  readonly source: InboundSource;
  readonly id: string;
  readonly type: string;
  /** When the sender created the event, epoch ms: what ordering compares. */
  readonly created: number;
  readonly change: InboundChange | null;
  readonly ignoreReason?: string;
}

/** What a source says about how to reach a customer; always the whole set, so stored values are never merged in. */
export interface ContactSnapshot {
  readonly name: string;
  readonly email: string | null;
  readonly phone: string | null;
}

/** A customer's own event: contact details as sent, the rest kept when the source does not state them. */
export interface CustomerChange {
  readonly kind: 'customer';
  readonly externalId: string;
  readonly contact: ContactSnapshot;
  /** Left out when the source has none to give: the stored address is kept. */
  readonly address?: PostalAddress;
  readonly locale?: string;
  readonly timeZone?: string;
  /**
   * What can place a customer whose source states no zone (Stripe): its metadata and address. Applied with the
   * operator's settings and Recoup's stored zone (domain/synced-time-zone.ts); `timeZone`, when given, wins.
   */
  readonly timeZoneFacts?: {
    readonly metadata: Readonly<Record<string, string>>;
    readonly address: { readonly country?: string | null; readonly state?: string | null } | null;
  };
  readonly attributes?: string; // JSON object text, replacing the stored attributes
  /** Attributes set over the stored ones (Stripe metadata), where the source owns only some keys. */
  readonly attributesMerge?: Readonly<Record<string, unknown>>;
  readonly optedOut?: string; // JSON array text
  /** The method the billing system charges first (Stripe's default): tried first by retries too. */
  readonly defaultMethodExternalId?: string | null;
}

/** A payment method added or changed, or (detached) no longer usable. */
export interface PaymentMethodChange {
  readonly kind: 'payment_method';
  readonly externalId: string;
  readonly customerExternalId: string | null;
  readonly customerStub?: ContactSnapshot;
  readonly fields: Partial<PaymentMethodFields>;
  readonly detached?: boolean;
}

/**
 * An invoice as the event states it. Fields left out keep their stored value (or the default for a new invoice);
 * without `customerExternalId` the invoice must already exist (a payment or void naming only the invoice).
 */
export interface InvoiceChange {
  readonly kind: 'invoice';
  readonly externalId: string;
  readonly customerExternalId: string | null;
  readonly customerStub?: ContactSnapshot;
  readonly fields: Partial<InvoiceFields>;
  /** The billing system's own charge failed at this time and it stopped retrying: opens a card case. */
  readonly failure?: { readonly at: number; readonly code: string | null };
  /** The billing system's own failed charges, recorded as attempts on the methods they used. */
  readonly billingFailure?: BillingFailure;
  /** A failed charge the payload only names by its payment intent: looked up, where it can be, before applying. */
  readonly failureLookUp?: {
    readonly paymentIntentId: string;
    readonly invoice: FailedInvoiceLike;
    readonly at: number;
  };
  /** Charges and payment intents of this invoice, so a later dispute on one of them finds it. */
  readonly paymentRefs?: readonly string[];
}

/** A dispute opened or closed on an invoice, named directly or through one of its charges. */
export interface DisputeChange {
  readonly kind: 'dispute';
  readonly externalId: string;
  readonly opened: boolean;
  readonly invoiceExternalId?: string;
  readonly paymentRefs?: readonly string[];
  readonly reason?: string | null;
  readonly outcome?: string | null;
}

export type InboundChange = CustomerChange | PaymentMethodChange | InvoiceChange | DisputeChange;
