import pino from 'pino';
import Stripe from 'stripe';
import type { WebhookContext, WebhookResult } from '../../../src/integrations/inbound/context.ts';
import { handleGenericWebhook } from '../../../src/integrations/inbound/generic-webhook.ts';
import { signRecoupPayload } from '../../../src/integrations/inbound/recoup-signature.ts';
import { handleStripeWebhook } from '../../../src/integrations/inbound/stripe-webhook.ts';
import type { Db } from '../../../src/store/database.ts';
import type { Tables } from '../../../src/store/tables.ts';
import { snapshot } from '../../support/snapshot.ts';
import type { World } from '../../support/world.ts';

export const STRIPE_SECRET = 'whsec_test_0123456789abcdef';
export const GENERIC_SECRET = 'generic-inbound-secret-0123456789';

/** The context the API would build for a handler, on the world's database and virtual clock. */
export function webhookContext(world: World, secret: string): WebhookContext {
  return {
    database: world.runtime.database,
    cipher: world.runtime.deps.cipher,
    secret,
    clock: world.clock,
    logger: pino({ level: 'silent' }),
  };
}

/** A Stripe event as Stripe sends it: `created` in Unix seconds, the object under `data.object`. */
export function stripeEvent(id: string, type: string, createdMs: number, object: object): string {
  return JSON.stringify({
    id,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: Math.floor(createdMs / 1000),
    type,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object },
  });
}

/** Delivers a Stripe event signed by stripe-node's own test helper, `ageSeconds` before the receiver's now. */
export function deliverStripe(
  world: World,
  body: string,
  options: {
    ageSeconds?: number;
    secret?: string;
    now?: number;
    paymentIntent?: WebhookContext['paymentIntent'];
  } = {},
): Promise<WebhookResult> {
  const now = options.now ?? world.clock.now();
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret: options.secret ?? STRIPE_SECRET,
    timestamp: Math.floor(now / 1000) - (options.ageSeconds ?? 0),
  });
  const context = { ...webhookContext(world, STRIPE_SECRET), paymentIntent: options.paymentIntent };
  return handleStripeWebhook(context, {
    rawBody: Buffer.from(body),
    signature,
    now,
  });
}

/** Delivers a generic event signed with `Recoup-Signature`, `ageSeconds` before the receiver's now. */
export function deliverGeneric(
  world: World,
  event: object | string,
  options: { ageSeconds?: number; secret?: string } = {},
): Promise<WebhookResult> {
  const body = typeof event === 'string' ? event : JSON.stringify(event);
  const now = world.clock.now();
  const signature = signRecoupPayload(
    options.secret ?? GENERIC_SECRET,
    body,
    Math.floor(now / 1000) - (options.ageSeconds ?? 0),
  );
  return handleGenericWebhook(webhookContext(world, GENERIC_SECRET), { rawBody: body, signature, now });
}

/** A Stripe invoice with the fields Recoup reads; override any of them. */
export function stripeInvoice(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'in_1',
    object: 'invoice',
    customer: 'cus_1',
    customer_name: 'Ada Lovelace',
    customer_email: 'ada@example.com',
    customer_phone: null,
    number: 'INV-0001',
    currency: 'usd',
    amount_due: 4_900,
    amount_paid: 0,
    amount_remaining: 4_900,
    total: 4_900,
    status: 'open',
    collection_method: 'charge_automatically',
    due_date: null,
    next_payment_attempt: null,
    attempt_count: 1,
    created: 1_772_000_000,
    status_transitions: { finalized_at: 1_772_000_000, paid_at: null, voided_at: null },
    payments: {
      object: 'list',
      data: [{ object: 'invoice_payment', payment: { type: 'payment_intent', payment_intent: 'pi_1' } }],
    },
    ...overrides,
  };
}

/** Every row of every table an inbound event could write: equal snapshots mean nothing was written. */
export async function everything(db: Db): Promise<Record<string, unknown[]>> {
  const out = await snapshot(db);
  const inbound: (keyof Tables)[] = [
    'inbound_events',
    'inbound_objects',
    'inbound_disputes',
    'inbound_payment_refs',
  ];
  for (const table of inbound) {
    const rows = await db.selectFrom(table).selectAll().execute();
    out[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}
