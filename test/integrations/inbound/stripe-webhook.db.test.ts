import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebhookRejectedError } from '../../../src/integrations/inbound/errors.ts';
import { handleStripeWebhook } from '../../../src/integrations/inbound/stripe-webhook.ts';
import { openContact } from '../../../src/store/customer-contacts.ts';
import { DAY, HOUR, type World, createWorld } from '../../support/world.ts';
import {
  STRIPE_SECRET,
  deliverStripe,
  everything,
  stripeEvent,
  stripeInvoice,
  webhookContext,
} from './support.ts';

const START = Date.UTC(2026, 2, 2, 12); // Monday 2 March 2026, 12:00 UTC
const MINUTE = 60_000;

function stripeCustomer(overrides: Record<string, unknown> = {}) {
  return {
    id: 'cus_1',
    object: 'customer',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    phone: '+44 20 7946 0018',
    preferred_locales: ['de-DE'],
    address: {
      line1: '12 St James Sq',
      line2: null,
      city: 'London',
      state: null,
      postal_code: null,
      country: 'gb',
    },
    metadata: {},
    invoice_settings: { default_payment_method: null },
    ...overrides,
  };
}

function stripeCard(overrides: Record<string, unknown> = {}) {
  return {
    id: 'pm_1',
    object: 'payment_method',
    type: 'card',
    customer: 'cus_1',
    card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030, funding: 'credit' },
    billing_details: { name: 'Ada Lovelace', email: 'ada@example.com', phone: null, address: null },
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<WebhookRejectedError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebhookRejectedError);
  return error as WebhookRejectedError;
}

describe('Stripe webhook', () => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld(START);
  });
  afterEach(async () => world?.close());
  const db = () => world.runtime.database.db;

  describe('verification', () => {
    const body = () => stripeEvent('evt_c1', 'customer.created', START, stripeCustomer());

    it('accepts an event signed by stripe-node and records it as applied', async () => {
      const result = await deliverStripe(world, body());
      expect(result).toEqual({ status: 'applied', eventId: 'evt_c1', type: 'customer.created' });
      const seen = await db().selectFrom('inbound_events').selectAll().executeTakeFirstOrThrow();
      expect(seen).toMatchObject({
        source: 'stripe',
        event_id: 'evt_c1',
        result: 'applied',
        applied_at: START,
      });
    });

    it('refuses a wrong signature, a stale timestamp and a missing header, writing nothing', async () => {
      const before = await everything(db());
      const wrong = await rejection(deliverStripe(world, body(), { secret: 'whsec_someone_else' }));
      expect([wrong.status, wrong.reason]).toEqual([400, 'invalid-signature']);
      const stale = await rejection(deliverStripe(world, body(), { ageSeconds: 301 }));
      expect([stale.status, stale.reason]).toEqual([400, 'timestamp-outside-tolerance']);
      const missing = await rejection(
        handleStripeWebhook(webhookContext(world, STRIPE_SECRET), { rawBody: body(), signature: undefined }),
      );
      expect([missing.status, missing.reason]).toEqual([400, 'missing-signature']);
      // A body changed after signing is as bad as a wrong secret.
      const signature = Stripe.webhooks.generateTestHeaderString({
        payload: body(),
        secret: STRIPE_SECRET,
        timestamp: START / 1000,
      });
      const tampered = await rejection(
        handleStripeWebhook(webhookContext(world, STRIPE_SECRET), {
          rawBody: body().replace('Ada', 'Eve'),
          signature,
          now: START,
        }),
      );
      expect(tampered.reason).toBe('invalid-signature');
      expect(await everything(db())).toEqual(before);
      // Just inside the tolerance is fine.
      expect((await deliverStripe(world, body(), { ageSeconds: 299 })).status).toBe('applied');
    });

    it('refuses every delivery while no endpoint secret is configured', async () => {
      const ctx = { ...webhookContext(world, STRIPE_SECRET), secret: null };
      const error = await rejection(handleStripeWebhook(ctx, { rawBody: body(), signature: 't=1,v1=00' }));
      expect([error.status, error.reason]).toEqual([503, 'not-configured']);
    });

    it('answers a replayed event id with duplicate and writes nothing', async () => {
      const failed = stripeEvent('evt_f1', 'invoice.payment_failed', START, stripeInvoice());
      expect((await deliverStripe(world, failed)).status).toBe('applied');
      const before = await everything(db());
      expect(await deliverStripe(world, failed)).toEqual({
        status: 'duplicate',
        eventId: 'evt_f1',
        type: 'invoice.payment_failed',
      });
      // Even a different body under the same id is not applied twice.
      const other = stripeEvent(
        'evt_f1',
        'invoice.paid',
        START,
        stripeInvoice({ status: 'paid', amount_paid: 4_900 }),
      );
      expect((await deliverStripe(world, other)).status).toBe('duplicate');
      expect(await everything(db())).toEqual(before);
    });

    it('applies an event delivered twice at once exactly once', async () => {
      await deliverStripe(world, stripeEvent('evt_f', 'invoice.payment_failed', START, stripeInvoice()));
      await world.advance(START);
      const paid = stripeEvent(
        'evt_p',
        'invoice.paid',
        START,
        stripeInvoice({ status: 'paid', amount_paid: 4_900 }),
      );
      const results = await Promise.all([deliverStripe(world, paid), deliverStripe(world, paid)]);
      expect(results.map((r) => r.status).sort()).toEqual(['applied', 'duplicate']);
      expect(await db().selectFrom('payments').select('amount').execute()).toEqual([{ amount: 4_900 }]);
      const recorded = await db()
        .selectFrom('timeline_events')
        .select('id')
        .where('type', '=', 'payment.recorded')
        .execute();
      expect(recorded).toHaveLength(1);
    });

    it('names the field of a signed payload Recoup cannot read, and writes nothing', async () => {
      const before = await everything(db());
      const bad = stripeEvent('evt_bad', 'invoice.paid', START, stripeInvoice({ amount_due: '49.00' }));
      const error = await rejection(deliverStripe(world, bad));
      expect(error.reason).toBe('malformed-payload');
      expect(error.message).toContain('data.object.amount_due: expected integer');
      expect(error.errors[0]).toMatchObject({ field: 'data.object.amount_due' });
      expect(await everything(db())).toEqual(before);
    });

    it('records an event type Recoup does not act on as seen and ignored', async () => {
      const other = stripeEvent('evt_x', 'product.created', START, { id: 'prod_1', object: 'product' });
      expect(await deliverStripe(world, other)).toMatchObject({
        status: 'ignored',
        reason: expect.stringContaining('product.created'),
      });
      expect((await deliverStripe(world, other)).status).toBe('duplicate');
      const seen = await db().selectFrom('inbound_events').selectAll().executeTakeFirstOrThrow();
      expect(seen).toMatchObject({ result: 'ignored', applied_at: null, type: 'product.created' });
    });
  });

  describe('invoices', () => {
    it('does not let a late invoice.payment_failed reopen an invoice already paid', async () => {
      const paid = stripeEvent(
        'evt_paid',
        'invoice.paid',
        START,
        stripeInvoice({ status: 'paid', amount_paid: 4_900 }),
      );
      const failed = stripeEvent(
        'evt_failed',
        'invoice.payment_failed',
        START - 10 * MINUTE,
        stripeInvoice(),
      );
      expect((await deliverStripe(world, paid)).status).toBe('applied');
      const before = await db().selectFrom('invoices').selectAll().executeTakeFirstOrThrow();
      expect(before).toMatchObject({ status: 'paid', amount_paid: 4_900, failed_at: null });

      expect(await deliverStripe(world, failed)).toMatchObject({
        status: 'ignored',
        reason: expect.stringContaining('stale'),
      });
      // Paid is terminal: even a failure created later cannot reopen it.
      const later = stripeEvent('evt_failed_2', 'invoice.payment_failed', START + MINUTE, stripeInvoice());
      expect(await deliverStripe(world, later)).toMatchObject({
        status: 'ignored',
        reason: expect.stringContaining('already paid'),
      });

      expect(await db().selectFrom('invoices').selectAll().executeTakeFirstOrThrow()).toEqual(before);
      await world.advance(START + DAY);
      expect(await db().selectFrom('cases').selectAll().execute()).toEqual([]);
      expect(await db().selectFrom('payment_attempts').selectAll().execute()).toEqual([]);
    });

    it('leaves a failed invoice to Stripe while Stripe still retries it', async () => {
      const retrying = stripeInvoice({ next_payment_attempt: START / 1000 + 3 * 86_400 });
      await deliverStripe(world, stripeEvent('evt_f1', 'invoice.payment_failed', START, retrying));
      await world.advance(START + HOUR);
      expect(await db().selectFrom('cases').selectAll().execute()).toEqual([]);
      // Stripe's last attempt fails: now the invoice is Recoup's.
      await deliverStripe(
        world,
        stripeEvent('evt_f2', 'invoice.payment_failed', START + 2 * HOUR, stripeInvoice()),
      );
      expect(await db().selectFrom('invoices').select('failed_at').executeTakeFirstOrThrow()).toEqual({
        failed_at: START + 2 * HOUR,
      });
      await world.advance(START + 2 * HOUR);
      expect(await db().selectFrom('cases').select('state').execute()).toEqual([{ state: 'open' }]);
    });

    it("records Stripe's failed charge as an attempt: a hard decline blocks that card for good", async () => {
      await deliverStripe(world, stripeEvent('evt_c', 'customer.created', START - HOUR, stripeCustomer()));
      const customer = await db().selectFrom('customers').select('id').executeTakeFirstOrThrow();
      const lost = await world.method(customer.id, 'tok_ok', { priority: 1 });
      const spare = await world.method(customer.id, 'tok_ok', { priority: 2 });
      const declined = stripeInvoice({
        payment_intent: {
          id: 'pi_1',
          latest_charge: 'ch_1',
          last_payment_error: {
            type: 'card_error',
            code: 'card_declined',
            decline_code: 'lost_card',
            charge: 'ch_1',
            payment_method: { id: lost, object: 'payment_method', type: 'card' },
          },
        },
      });
      await deliverStripe(world, stripeEvent('evt_f', 'invoice.payment_failed', START, declined));

      const attempts = () =>
        db()
          .selectFrom('payment_attempts')
          .select(['source', 'payment_method_id', 'decline_code', 'stop_method', 'status'])
          .orderBy('created_at')
          .orderBy('source', 'desc')
          .execute();
      expect(await attempts()).toEqual([
        {
          source: 'stripe',
          payment_method_id: lost,
          decline_code: 'lost_card',
          stop_method: 1,
          status: 'failed',
        },
      ]);
      expect(await db().selectFrom('invoices').select('failure_code').executeTakeFirstOrThrow()).toEqual({
        failure_code: 'lost_card',
      });

      // The same event again, or the same charge told by a sync, records nothing more.
      await deliverStripe(world, stripeEvent('evt_f_again', 'invoice.payment_failed', START, declined));
      expect(await attempts()).toHaveLength(1);

      // The policy's retries go to the other card, never to the lost one.
      await world.advance(START + 8 * DAY);
      const after = await attempts();
      expect(after.filter((a) => a.source === 'recoup').map((a) => a.payment_method_id)).toEqual([spare]);
      expect(after.filter((a) => a.payment_method_id === lost)).toHaveLength(1);
    });

    it("reads the declined charge's payment intent from Stripe when the event only names it", async () => {
      await deliverStripe(world, stripeEvent('evt_c', 'customer.created', START - HOUR, stripeCustomer()));
      const customer = await db().selectFrom('customers').select('id').executeTakeFirstOrThrow();
      const card = await world.method(customer.id, 'tok_ok');
      const asked: string[] = [];
      const paymentIntent = async (id: string) => {
        asked.push(id);
        return {
          id,
          last_payment_error: {
            code: 'card_declined',
            decline_code: 'stolen_card',
            payment_method: { id: card },
          },
        };
      };
      await deliverStripe(world, stripeEvent('evt_f', 'invoice.payment_failed', START, stripeInvoice()), {
        paymentIntent,
      });

      expect(asked).toEqual(['pi_1']);
      const attempt = await db().selectFrom('payment_attempts').selectAll().executeTakeFirstOrThrow();
      expect(attempt).toMatchObject({ source: 'stripe', decline_code: 'stolen_card', stop_method: 1 });
      expect(await db().selectFrom('invoices').select('failure_code').executeTakeFirstOrThrow()).toEqual({
        failure_code: 'stolen_card',
      });
    });

    it('records a partial payment from amount_paid, and a void closes the case', async () => {
      await deliverStripe(world, stripeEvent('evt_f', 'invoice.payment_failed', START, stripeInvoice()));
      await world.advance(START);
      const partial = stripeInvoice({ amount_paid: 1_900, amount_remaining: 3_000 });
      await deliverStripe(world, stripeEvent('evt_p', 'invoice.payment_succeeded', START + HOUR, partial));
      const c = await db().selectFrom('cases').selectAll().executeTakeFirstOrThrow();
      expect(c).toMatchObject({ state: 'open', amount_recovered: 1_900 });
      expect(await db().selectFrom('payments').select('amount').execute()).toEqual([{ amount: 1_900 }]);

      const voided = stripeInvoice({ status: 'void', amount_paid: 1_900 });
      expect(
        (await deliverStripe(world, stripeEvent('evt_v', 'invoice.voided', START + 2 * HOUR, voided))).status,
      ).toBe('applied');
      const closed = await db().selectFrom('cases').selectAll().executeTakeFirstOrThrow();
      // Money came in before the void, so the case counts as (partly) recovered.
      expect(closed.state).toBe('recovered');
      const pending = await db()
        .selectFrom('scheduled_steps')
        .select('step_id')
        .where('status', '=', 'pending')
        .execute();
      expect(pending).toEqual([]);
      expect(await db().selectFrom('invoices').select('status').executeTakeFirstOrThrow()).toEqual({
        status: 'void',
      });
    });

    it('refuses an invoice whose currency changed, naming Stripe field, and writes nothing', async () => {
      await deliverStripe(world, stripeEvent('evt_1', 'invoice.payment_failed', START, stripeInvoice()));
      const before = await everything(db());
      const eur = stripeEvent('evt_2', 'invoice.updated', START + MINUTE, stripeInvoice({ currency: 'eur' }));
      const error = await rejection(deliverStripe(world, eur));
      expect([error.status, error.reason]).toEqual([422, 'conflict']);
      expect(error.errors[0]).toMatchObject({ field: 'data.object.currency' });
      expect(await everything(db())).toEqual(before);
    });
  });

  describe('customers and payment methods', () => {
    it("places a customer in their address's time zone, kept until they move", async () => {
      const zone = async () =>
        (await db().selectFrom('customers').select('time_zone').executeTakeFirstOrThrow()).time_zone;
      await deliverStripe(world, stripeEvent('evt_1', 'customer.created', START, stripeCustomer()));
      expect(await zone()).toBe('Europe/London');

      // A person sets the zone in Recoup; Stripe's next update of the same address keeps it.
      await db().updateTable('customers').set({ time_zone: 'Europe/Dublin' }).execute();
      const renamed = stripeCustomer({ name: 'Ada King' });
      await deliverStripe(world, stripeEvent('evt_2', 'customer.updated', START + MINUTE, renamed));
      expect(await zone()).toBe('Europe/Dublin');

      const moved = stripeCustomer({ address: { country: 'US', state: 'Washington', city: 'Seattle' } });
      await deliverStripe(world, stripeEvent('evt_3', 'customer.updated', START + 2 * MINUTE, moved));
      expect(await zone()).toBe('America/Los_Angeles');

      const stated = stripeCustomer({ metadata: { timezone: 'Asia/Tokyo' } });
      await deliverStripe(world, stripeEvent('evt_4', 'customer.updated', START + 3 * MINUTE, stated));
      expect(await zone()).toBe('Asia/Tokyo');
    });

    it('upserts customers through the import path, and an older customer.updated changes nothing', async () => {
      await deliverStripe(world, stripeEvent('evt_1', 'customer.created', START, stripeCustomer()));
      const cipher = world.runtime.deps.cipher;
      const first = await db().selectFrom('customers').selectAll().executeTakeFirstOrThrow();
      expect(first).toMatchObject({ external_id: 'cus_1', name: 'Ada Lovelace', locale: 'de-DE' });
      expect(first.email).not.toBe('ada@example.com'); // stored encrypted, as an import stores it
      expect(openContact(cipher, first)).toEqual({
        email: 'ada@example.com',
        phone: '+442079460018',
        address: { line1: '12 St James Sq', city: 'London', country: 'GB' },
      });

      const newer = stripeCustomer({
        name: 'Ada King',
        email: 'ada.king@example.com',
        metadata: { plan: 'pro' },
      });
      await deliverStripe(world, stripeEvent('evt_3', 'customer.updated', START + 2 * MINUTE, newer));
      const older = stripeCustomer({ name: 'Ada Byron' });
      expect(
        await deliverStripe(world, stripeEvent('evt_2', 'customer.updated', START + MINUTE, older)),
      ).toMatchObject({
        status: 'ignored',
        reason: expect.stringContaining('stale'),
      });
      const row = await db().selectFrom('customers').selectAll().executeTakeFirstOrThrow();
      expect(row).toMatchObject({ id: first.id, name: 'Ada King', attributes: '{"plan":"pro"}' });
      expect(openContact(cipher, row).email).toBe('ada.king@example.com');
    });

    it('attaches, updates and detaches payment methods; a stale update cannot revive a detached one', async () => {
      // The method arrives before its customer: a provisional customer is made, and the customer's own event
      // fills it in later.
      await deliverStripe(world, stripeEvent('evt_a', 'payment_method.attached', START, stripeCard()));
      const provisional = await db().selectFrom('customers').selectAll().executeTakeFirstOrThrow();
      expect(provisional).toMatchObject({ external_id: 'cus_1', name: 'Ada Lovelace' });
      const card = await db().selectFrom('payment_methods').selectAll().executeTakeFirstOrThrow();
      expect(card).toMatchObject({
        external_id: 'pm_1',
        customer_id: provisional.id,
        token: 'pm_1',
        type: 'card',
        brand: 'visa',
        last4: '4242',
        exp_month: 12,
        exp_year: 2030,
        priority: 1,
        status: 'active',
      });
      await deliverStripe(
        world,
        stripeEvent('evt_c', 'customer.created', START - HOUR, stripeCustomer({ name: 'Ada K.' })),
      );
      expect(await db().selectFrom('customers').select('name').executeTakeFirstOrThrow()).toEqual({
        name: 'Ada K.',
      });

      const renewed = stripeCard({ card: { brand: 'visa', last4: '4242', exp_month: 1, exp_year: 2032 } });
      await deliverStripe(
        world,
        stripeEvent('evt_u', 'payment_method.automatically_updated', START + MINUTE, renewed),
      );
      expect(
        await db().selectFrom('payment_methods').select(['exp_month', 'exp_year']).executeTakeFirstOrThrow(),
      ).toEqual({
        exp_month: 1,
        exp_year: 2032,
      });

      const detached = stripeCard({ customer: null });
      await deliverStripe(
        world,
        stripeEvent('evt_d', 'payment_method.detached', START + 3 * MINUTE, detached),
      );
      expect(await db().selectFrom('payment_methods').select('status').executeTakeFirstOrThrow()).toEqual({
        status: 'disabled',
      });
      const late = stripeEvent('evt_u2', 'payment_method.updated', START + 2 * MINUTE, stripeCard());
      expect((await deliverStripe(world, late)).status).toBe('ignored');
      expect(
        await db().selectFrom('payment_methods').select(['status', 'exp_year']).executeTakeFirstOrThrow(),
      ).toEqual({
        status: 'disabled',
        exp_year: 2032,
      });
    });

    it("tries the customer's Stripe default method first", async () => {
      await deliverStripe(world, stripeEvent('evt_a1', 'payment_method.attached', START, stripeCard()));
      await deliverStripe(
        world,
        stripeEvent('evt_a2', 'payment_method.attached', START + 1_000, stripeCard({ id: 'pm_2' })),
      );
      const order = () =>
        db().selectFrom('payment_methods').select(['external_id', 'priority']).orderBy('priority').execute();
      expect(await order()).toEqual([
        { external_id: 'pm_1', priority: 1 },
        { external_id: 'pm_2', priority: 2 },
      ]);
      const preferring = stripeCustomer({ invoice_settings: { default_payment_method: 'pm_2' } });
      await deliverStripe(world, stripeEvent('evt_c', 'customer.updated', START + 2_000, preferring));
      expect(await order()).toEqual([
        { external_id: 'pm_2', priority: 1 },
        { external_id: 'pm_1', priority: 2 },
      ]);
    });
  });

  describe('disputes', () => {
    it('pauses the case holding the disputed invoice, and the engine leaves it alone until the dispute closes', async () => {
      await deliverStripe(world, stripeEvent('evt_f', 'invoice.payment_failed', START, stripeInvoice()));
      const customer = await db().selectFrom('customers').select('id').executeTakeFirstOrThrow();
      await world.method(customer.id, 'tok_insufficient_funds');
      await world.advance(START);
      const messagesAtStart = (await db().selectFrom('messages').select('id').execute()).length;

      world.clock.set(START + HOUR);
      const dispute = {
        id: 'du_1',
        object: 'dispute',
        amount: 4_900,
        currency: 'usd',
        charge: 'ch_1',
        payment_intent: 'pi_1',
        reason: 'fraudulent',
        status: 'needs_response',
      };
      expect(
        (await deliverStripe(world, stripeEvent('evt_d1', 'charge.dispute.created', START + HOUR, dispute)))
          .status,
      ).toBe('applied');
      const paused = await db().selectFrom('cases').selectAll().executeTakeFirstOrThrow();
      expect(paused.paused).toBe(1);
      const note = await db()
        .selectFrom('timeline_events')
        .selectAll()
        .where('type', '=', 'case.paused')
        .executeTakeFirstOrThrow();
      expect(note.rule).toContain('dispute du_1');
      expect(note.policy_version_id).toBe(paused.policy_version_id);

      // retry-1 (day 1) and retry-2 and the day-3 reminder come due while the case is paused.
      await world.advance(START + 4 * DAY);
      expect(await db().selectFrom('payment_attempts').selectAll().execute()).toEqual([]);
      expect(await db().selectFrom('messages').select('id').execute()).toHaveLength(messagesAtStart);

      world.clock.set(START + 4 * DAY + HOUR);
      const closed = { ...dispute, status: 'won' };
      await deliverStripe(
        world,
        stripeEvent('evt_d2', 'charge.dispute.closed', START + 4 * DAY + HOUR, closed),
      );
      const resumed = await db().selectFrom('cases').selectAll().executeTakeFirstOrThrow();
      expect(resumed.paused).toBe(0);
      const resumedNote = await db()
        .selectFrom('timeline_events')
        .select('rule')
        .where('type', '=', 'case.resumed')
        .executeTakeFirstOrThrow();
      expect(resumedNote.rule).toContain('dispute du_1 closed (won)');

      await world.advance(START + 4 * DAY + 2 * HOUR);
      expect((await db().selectFrom('payment_attempts').selectAll().execute()).length).toBeGreaterThan(0);
    });

    it('ignores a dispute on a charge of no invoice Recoup knows', async () => {
      const dispute = {
        id: 'du_9',
        object: 'dispute',
        charge: 'ch_unknown',
        payment_intent: null,
        status: 'needs_response',
      };
      expect(
        await deliverStripe(world, stripeEvent('evt_d', 'charge.dispute.created', START, dispute)),
      ).toMatchObject({
        status: 'ignored',
        reason: expect.stringContaining('no invoice known'),
      });
    });
  });
});
