import { type Static, Type } from '@sinclair/typebox';
import type Stripe from 'stripe';

/*
 * The parts of Stripe's objects the webhook reads, as TypeBox schemas: a signed payload is still checked before
 * use, so a surprise (an API version that renamed a field) is refused naming the field instead of writing
 * garbage. Other fields are allowed and ignored. The assignments at the end make the compiler prove that the
 * SDK's own types fit these shapes, so every field read here exists in stripe-node's types.
 */

const Id = Type.String({ minLength: 1, maxLength: 200 });
const IdOrObject = Type.Union([Id, Type.Object({ id: Id })]);
const OptionalText = Type.Optional(Type.Union([Type.String(), Type.Null()]));
const UnixSeconds = Type.Integer({ minimum: 0 });

/** An event: `created` in Unix seconds, the object in `data.object`. */
export const StripeEventShape = Type.Object({
  id: Id,
  type: Type.String({ minLength: 1 }),
  created: UnixSeconds,
  data: Type.Object({ object: Type.Object({}) }),
});

const Metadata = Type.Optional(Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]));

export const StripeCustomerShape = Type.Object({
  id: Id,
  metadata: Metadata,
  name: OptionalText,
  email: OptionalText,
  phone: OptionalText,
  preferred_locales: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
  address: Type.Optional(
    Type.Union([
      Type.Object({
        line1: OptionalText,
        line2: OptionalText,
        city: OptionalText,
        state: OptionalText,
        postal_code: OptionalText,
        country: OptionalText,
      }),
      Type.Null(),
    ]),
  ),
  invoice_settings: Type.Optional(
    Type.Object({ default_payment_method: Type.Optional(Type.Union([IdOrObject, Type.Null()])) }),
  ),
});

const Card = Type.Object({
  brand: Type.String(),
  last4: Type.String(),
  exp_month: Type.Integer(),
  exp_year: Type.Integer(),
});

export const StripePaymentMethodShape = Type.Object({
  id: Id,
  type: Type.String({ minLength: 1 }),
  customer: Type.Optional(Type.Union([IdOrObject, Type.Null()])),
  card: Type.Optional(Type.Union([Card, Type.Null()])),
  billing_details: Type.Optional(
    Type.Object({ name: OptionalText, email: OptionalText, phone: OptionalText }),
  ),
});

// A payment intent as far as its last failure goes: what Stripe's own failed charge of an invoice says.
const PaymentIntentRef = Type.Union([
  Id,
  Type.Object({
    id: Id,
    latest_charge: Type.Optional(Type.Union([IdOrObject, Type.Null()])),
    payment_method: Type.Optional(Type.Union([IdOrObject, Type.Null()])),
    last_payment_error: Type.Optional(
      Type.Union([
        Type.Object({
          code: OptionalText,
          decline_code: OptionalText,
          network_decline_code: OptionalText,
          network_advice_code: OptionalText,
          charge: OptionalText,
          payment_method: Type.Optional(Type.Union([Type.Object({ id: Id }), Type.Null()])),
        }),
        Type.Null(),
      ]),
    ),
  }),
]);

const InvoicePayment = Type.Object({
  payment: Type.Object({
    charge: Type.Optional(IdOrObject),
    payment_intent: Type.Optional(PaymentIntentRef),
  }),
});

export const StripeInvoiceShape = Type.Object({
  id: Id,
  customer: Type.Union([IdOrObject, Type.Null()]),
  customer_name: OptionalText,
  customer_email: OptionalText,
  customer_phone: OptionalText,
  number: OptionalText,
  currency: Type.String({ pattern: '^[A-Za-z]{3}$' }),
  amount_due: Type.Integer({ minimum: 0 }),
  amount_paid: Type.Integer({ minimum: 0 }),
  status: Type.Union([Type.String(), Type.Null()]),
  collection_method: Type.String(),
  due_date: Type.Optional(Type.Union([UnixSeconds, Type.Null()])),
  // Null once Stripe has given up retrying: only then is the invoice Recoup's to recover.
  next_payment_attempt: Type.Union([UnixSeconds, Type.Null()]),
  attempt_count: Type.Optional(Type.Integer({ minimum: 0 })),
  created: UnixSeconds,
  status_transitions: Type.Optional(
    Type.Object({ finalized_at: Type.Optional(Type.Union([UnixSeconds, Type.Null()])) }),
  ),
  payments: Type.Optional(Type.Object({ data: Type.Array(InvoicePayment) })),
  // Before API version 2025-03-31 an invoice named its charge and payment intent directly; accounts pinned to an
  // older version still send them.
  charge: Type.Optional(Type.Union([IdOrObject, Type.Null()])),
  payment_intent: Type.Optional(Type.Union([PaymentIntentRef, Type.Null()])),
});

export const StripeDisputeShape = Type.Object({
  id: Id,
  charge: IdOrObject,
  payment_intent: Type.Optional(Type.Union([IdOrObject, Type.Null()])),
  reason: Type.Optional(Type.String()),
  status: Type.String(),
});

export type StripeEventFields = Static<typeof StripeEventShape>;
export type StripeCustomerFields = Static<typeof StripeCustomerShape>;
export type StripePaymentMethodFields = Static<typeof StripePaymentMethodShape>;
export type StripeInvoiceFields = Static<typeof StripeInvoiceShape>;
export type StripeDisputeFields = Static<typeof StripeDisputeShape>;

// Compile-time proof that stripe-node's types are assignable to the shapes above (never called).
export const sdkTypesFit = {
  event: (e: Stripe.Event): StripeEventFields => e,
  customer: (c: Stripe.Customer): StripeCustomerFields => c,
  paymentMethod: (m: Stripe.PaymentMethod): StripePaymentMethodFields => m,
  invoice: (i: Stripe.Invoice): StripeInvoiceFields => i,
  dispute: (d: Stripe.Dispute): StripeDisputeFields => d,
};
