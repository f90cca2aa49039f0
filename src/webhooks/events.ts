import { type Static, type TSchema, type TUnion, Type } from '@sinclair/typebox';

// The catalogue of events Recoup sends to webhook subscriptions. Every event is written to the outbox in the same
// transaction as the change it describes. Payloads carry ids, amounts (integer minor units with their ISO 4217
// currency), states and codes — never contact data (no name, email, phone or address): a receiver that needs them
// looks the customer up by id. A step that acts announces itself through what it did (payment.*, message.*,
// case.*); there is no event per step, which would double the engine's outbox writes for every retry.

const Id = (description: string) => Type.String({ description });
const NullableId = (description: string) => Type.Union([Type.String(), Type.Null()], { description });
const Amount = (description: string) =>
  Type.Integer({ minimum: 0, description: `${description}, minor units` });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 currency code' });

/** The `data` of each event type. */
export const EVENT_DATA = {
  'case.opened': Type.Object(
    {
      currency: Currency,
      amount_due: Amount('what the invoice that opened the case still owes'),
      policy_version_id: Id('the policy version the case runs'),
      invoice_id: Id('the invoice that opened the case'),
      reason: Type.Union([Type.Literal('charge_failed'), Type.Literal('invoice_due')]),
      failure_code: NullableId("the billing system's decline code, when a charge failed"),
    },
    { description: 'A dunning case started for an unpaid invoice.' },
  ),
  'payment.succeeded': Type.Object(
    {
      amount: Amount('the amount received'),
      currency: Currency,
      source: Type.Union([Type.Literal('retry'), Type.Literal('import'), Type.Literal('api')], {
        description: 'retry: a charge Recoup made; import/api: a payment recorded from outside',
      }),
      attempt_id: NullableId('the payment attempt, for retries'),
      payment_method_id: NullableId('the method charged, for retries'),
      step_id: NullableId('the policy step that charged, for retries'),
      invoice_id: NullableId(
        'the invoice paid: for payments recorded from outside, and for retries that pay one invoice',
      ),
      invoice_external_id: NullableId(
        "the paid invoice's id in the billing system (Stripe's in_…), if it has one",
      ),
      reference: NullableId("the payment's reference in its source (for a Stripe retry, its PaymentIntent)"),
    },
    { description: 'Money came in: a retry succeeded or a payment was recorded from outside.' },
  ),
  'payment.failed': Type.Object(
    {
      amount: Amount('the amount tried'),
      currency: Currency,
      attempt_id: Id('the payment attempt'),
      payment_method_id: Id('the method charged'),
      step_id: Id('the policy step that charged'),
      decline_code: NullableId("the gateway's decline code"),
      decline_class: Type.Union([
        Type.Literal('soft'),
        Type.Literal('hard'),
        Type.Literal('action_required'),
        Type.Null(),
      ]),
      network_decline_code: NullableId("the card network's decline code"),
      network_advice_code: NullableId("the card network's advice code"),
      method_stopped: Type.Boolean({ description: 'the method is never retried again' }),
    },
    { description: 'A retry was declined.' },
  ),
  'message.sent': Type.Object(
    {
      message_id: Id('the message'),
      step_id: Id('the policy step that sent it'),
      channel: Id('email, webhook, …'),
      template: Id('the template rendered'),
      locale: Id('the locale rendered'),
    },
    { description: 'A reminder (or a policy webhook) left Recoup.' },
  ),
  'message.failed': Type.Object(
    {
      message_id: Id('the message'),
      step_id: Id('the policy step that sent it'),
      channel: Id('email, webhook, …'),
      template: Id('the template rendered'),
    },
    { description: 'A message failed permanently and will not be sent again.' },
  ),
  'message.opened': Type.Object(
    {
      message_id: Id('the message'),
      step_id: Id('the policy step that sent it'),
      channel: Id('email'),
      template: Id('the template rendered'),
    },
    {
      description:
        'An email was opened for the first time: its tracking pixel loaded, or a link in it was followed. ' +
        'Approximate: mail apps that block images hide opens, and privacy proxies that load images on delivery ' +
        'report opens nobody made.',
    },
  ),
  'message.clicked': Type.Object(
    {
      message_id: Id('the message'),
      step_id: Id('the policy step that sent it'),
      channel: Id('email'),
      template: Id('the template rendered'),
    },
    { description: 'A link in an email was followed for the first time.' },
  ),
  'case.escalated': Type.Object(
    { queue: Id('the collector queue'), step_id: Id('the policy step that escalated') },
    { description: 'The case was handed to people.' },
  ),
  'case.recovered': Type.Object(
    {
      currency: Currency,
      amount_failed: Amount('what was overdue'),
      amount_recovered: Amount('what came in'),
    },
    { description: 'Nothing is owed any more: the case closed and every pending step was cancelled.' },
  ),
  'case.exhausted': Type.Object(
    {
      currency: Currency,
      amount_failed: Amount('what was overdue'),
      amount_recovered: Amount('what came in'),
    },
    { description: 'Every step of the policy ran without recovering the money.' },
  ),
  'case.cancelled': Type.Object(
    {
      currency: Currency,
      reason: Type.Union([Type.Literal('policy'), Type.Literal('invoices_voided'), Type.Literal('manual')], {
        description:
          'policy: a cancel step ran; invoices_voided: nothing is owed any more; manual: a person cancelled it',
      }),
      step_id: NullableId('the policy step that cancelled, when a policy did'),
    },
    {
      description:
        'The case closed without payment: a cancel step ran, its invoices were voided, or a person cancelled it.',
    },
  ),
} as const satisfies Record<string, TSchema>;

export type EventType = keyof typeof EVENT_DATA;
export type EventData<T extends EventType> = Static<(typeof EVENT_DATA)[T]>;

/** Every event type, in catalogue order. */
export const EVENT_TYPES = Object.keys(EVENT_DATA) as EventType[];

function envelope<T extends EventType>(type: T) {
  return Type.Object(
    {
      id: Type.String({ description: 'evt_…: stable across retries and replays; deduplicate on it' }),
      type: Type.Literal(type),
      sequence: Type.Integer({ description: 'increases with every event; orders the events of one case' }),
      created_at: Type.Integer({ description: 'when the change happened, epoch milliseconds UTC' }),
      case_id: Type.Union([Type.String(), Type.Null()]),
      customer_id: Type.String(),
      data: EVENT_DATA[type],
    },
    { $id: `WebhookEvent.${type}`, description: EVENT_DATA[type].description },
  );
}

/** The JSON body of every delivery, one schema per event type (the OpenAPI document publishes these). */
export const WebhookEventSchema = Type.Union(EVENT_TYPES.map((t) => envelope(t))) as unknown as TUnion<
  { [T in EventType]: ReturnType<typeof envelope<T>> }[EventType][]
>;
export type WebhookEvent = Static<typeof WebhookEventSchema>;
