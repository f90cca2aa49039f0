import { type Static, type TSchema, Type } from '@sinclair/typebox';

/*
 * The generic inbound webhook contract, for billing systems other than Stripe: defined once here, as JSON Schema
 * (TypeBox), and written up with examples in docs/inbound-webhooks.md. Every event is
 * `{ id, type, created, data }`; `data`'s shape depends on `type`. Amounts are integer minor units of the
 * invoice's ISO 4217 currency, times are epoch milliseconds (UTC), and unknown fields are refused so that a typo
 * never silently drops a value. A null counts as the field being left out.
 */

const ExternalId = Type.String({ minLength: 1, maxLength: 200 });
const EpochMs = Type.Integer({ minimum: 0, description: 'epoch milliseconds, e.g. 1772442000000' });
const Amount = Type.Integer({
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'integer minor units, e.g. 4900 for 49.00 USD',
});
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. EUR' });
const Channel = Type.Union([
  Type.Literal('email'),
  Type.Literal('sms'),
  Type.Literal('phone'),
  Type.Literal('letter'),
]);
const strict = { additionalProperties: false } as const;

/** A customer: contact details as the billing system holds them now (left out = none). */
export const CustomerUpsertedData = Type.Object(
  {
    external_id: ExternalId,
    name: Type.String({ minLength: 1, maxLength: 500 }),
    email: Type.Optional(Type.String({ maxLength: 320 })),
    phone: Type.Optional(Type.String({ maxLength: 32, description: 'E.164, e.g. +14155550100' })),
    address: Type.Optional(
      Type.Object(
        {
          line1: Type.Optional(Type.String()),
          line2: Type.Optional(Type.String()),
          city: Type.Optional(Type.String()),
          state: Type.Optional(Type.String()),
          postal_code: Type.Optional(Type.String()),
          country: Type.Optional(Type.String({ description: 'ISO 3166-1 alpha-2, e.g. DE' })),
        },
        { ...strict, description: 'kept as stored when left out' },
      ),
    ),
    // Kept as stored when left out: billing systems often do not know them, and Recoup's unsubscribe links set
    // opted_out itself.
    locale: Type.Optional(Type.String({ maxLength: 35, description: 'BCP 47, e.g. en-US' })),
    time_zone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA, e.g. Europe/Berlin' })),
    attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    opted_out: Type.Optional(Type.Array(Channel)),
  },
  strict,
);

/** A payment method on file: a gateway token, never a card number. Left-out fields keep their stored value. */
export const PaymentMethodUpsertedData = Type.Object(
  {
    external_id: ExternalId,
    customer_external_id: ExternalId,
    token: Type.String({ minLength: 1, maxLength: 500 }),
    type: Type.Optional(Type.Union([Type.Literal('card'), Type.Literal('bank_debit')])),
    brand: Type.Optional(Type.String({ maxLength: 50 })),
    last4: Type.Optional(Type.String({ pattern: '^[0-9]{4}$', description: 'the last 4 digits, e.g. 4242' })),
    exp_month: Type.Optional(Type.Integer({ minimum: 1, maximum: 12 })),
    exp_year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 9999 })),
    priority: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1_000_000, description: '1 is tried first' }),
    ),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
  },
  strict,
);

/**
 * An invoice. `amount_paid` is the total paid so far (Recoup records the difference as a payment); `failed_at`
 * marks a charge the billing system could not collect and needs `collection: charge_automatically`;
 * `failed_payment_method` names the method it failed on.
 */
export const InvoiceUpsertedData = Type.Object(
  {
    external_id: ExternalId,
    customer_external_id: ExternalId,
    number: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    currency: Currency,
    total: Amount,
    amount_paid: Type.Optional(Amount),
    due_at: EpochMs,
    status: Type.Optional(
      Type.Union([
        Type.Literal('open'),
        Type.Literal('paid'),
        Type.Literal('void'),
        Type.Literal('uncollectible'),
      ]),
    ),
    collection: Type.Optional(
      Type.Union([Type.Literal('charge_automatically'), Type.Literal('send_invoice')]),
    ),
    failed_at: Type.Optional(EpochMs),
    failure_code: Type.Optional(Type.String({ maxLength: 100, description: 'a Stripe decline code' })),
    failed_payment_method: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          "the external_id of the payment method the failed charge was made on (default: the customer's first " +
          'active method by priority); failure_code applies to it alone',
      }),
    ),
  },
  strict,
);

/**
 * Money received on an invoice. `amount_paid` is the invoice's cumulative total paid, not this payment's amount,
 * so a repeated or late event can never count the same money twice.
 */
export const InvoicePaymentRecordedData = Type.Object(
  { invoice_external_id: ExternalId, currency: Currency, amount_paid: Amount },
  strict,
);

/** An invoice cancelled in the billing system: nothing on it is owed any more. */
export const InvoiceVoidedData = Type.Object({ invoice_external_id: ExternalId }, strict);

/** A customer contests an invoice: dunning on its case pauses. */
export const DisputeOpenedData = Type.Object(
  {
    external_id: ExternalId,
    invoice_external_id: ExternalId,
    reason: Type.Optional(Type.String({ maxLength: 200 })),
  },
  strict,
);

/** A dispute resolved, either way: the case resumes once no dispute on it is open. */
export const DisputeClosedData = Type.Object(
  {
    external_id: ExternalId,
    invoice_external_id: Type.Optional(ExternalId),
    outcome: Type.Optional(Type.String({ maxLength: 50, description: 'e.g. won, lost, withdrawn' })),
  },
  strict,
);

/** Each event type's `data` schema. */
export const GENERIC_EVENT_DATA = {
  'customer.upserted': CustomerUpsertedData,
  'payment_method.upserted': PaymentMethodUpsertedData,
  'invoice.upserted': InvoiceUpsertedData,
  'invoice.payment_recorded': InvoicePaymentRecordedData,
  'invoice.voided': InvoiceVoidedData,
  'dispute.opened': DisputeOpenedData,
  'dispute.closed': DisputeClosedData,
} as const satisfies Record<string, TSchema>;

export type GenericEventType = keyof typeof GENERIC_EVENT_DATA;
export const GENERIC_EVENT_TYPES = Object.keys(GENERIC_EVENT_DATA) as GenericEventType[];

/** The envelope every event shares; `data` is checked against its type's schema once the type is known. */
export const GenericEventEnvelope = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 200, description: "the sender's unique event id" }),
    type: Type.Union(GENERIC_EVENT_TYPES.map((t) => Type.Literal(t))),
    created: EpochMs,
    data: Type.Object({}),
  },
  strict,
);

/** The whole contract as one schema (a union over the types), for OpenAPI documents. */
export const GenericEvent = Type.Union(
  GENERIC_EVENT_TYPES.map((t) =>
    Type.Object(
      {
        id: GenericEventEnvelope.properties.id,
        type: Type.Literal(t),
        created: EpochMs,
        data: GENERIC_EVENT_DATA[t],
      },
      strict,
    ),
  ),
);

/** One event whose envelope and data have been validated. */
export type GenericEventOf<T extends GenericEventType> = {
  readonly id: string;
  readonly type: T;
  readonly created: number;
  readonly data: Static<(typeof GENERIC_EVENT_DATA)[T]>;
};
