import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboxChannel } from '../../src/channels/email/outbox-channel.ts';
import { loadConfig } from '../../src/config/env.ts';
import { VirtualClock } from '../../src/engine/clock.ts';
import { newId } from '../../src/engine/ids.ts';
import { tick } from '../../src/engine/tick.ts';
import type { ChargeResult, PaymentGateway } from '../../src/gateways/gateway.ts';
import { createStripeClient } from '../../src/gateways/stripe/stripe-client.ts';
import { StripeGateway } from '../../src/gateways/stripe/stripe-gateway.ts';
import { handleStripeWebhook } from '../../src/integrations/inbound/stripe-webhook.ts';
import { type Runtime, openRuntime } from '../../src/runtime/runtime.ts';
import { insertCustomers } from '../../src/store/customer-contacts.ts';
import { freshDatabaseUrl } from '../support/databases.ts';
import { FakeStripeServer } from '../support/stripe-server.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 2, 2, 12); // Monday 2 March 2026, 12:00 UTC

/** The real engine on a fresh database, charging through the Stripe gateway against a local fake Stripe. */
async function stripeWorld(options: { afterCharge?: (result: ChargeResult) => Promise<void> } = {}) {
  const fake = await FakeStripeServer.start();
  const target = await freshDatabaseUrl();
  const outbox = mkdtempSync(join(tmpdir(), 'recoup-outbox-'));
  const clock = new VirtualClock(START);
  const stripeGateway = new StripeGateway({
    secretKey: fake.secretKey,
    apiBase: fake.apiBase,
    maxNetworkRetries: 0,
  });
  const gateway: PaymentGateway = {
    name: stripeGateway.name,
    chargesPerInvoice: stripeGateway.chargesPerInvoice,
    async charge(request) {
      const result = await stripeGateway.charge(request);
      await options.afterCharge?.(result);
      return result;
    },
  };
  const runtime: Runtime = await openRuntime(
    { ...loadConfig({}), databaseUrl: target.url, outboxDir: outbox },
    {
      clock,
      gateway,
      logger: pino({ level: 'silent' }),
      channels: new Map([['email', new OutboxChannel({ from: 'billing@example.com', folder: outbox })]]),
      owner: 'stripe-test-worker',
    },
  );
  const db = runtime.database.db;

  /**
   * A Stripe customer with one saved card behaving like `card`, known to Recoup, whose renewal failed. The invoice
   * is Stripe's own (`stripe: true`, paid through invoices/{id}/pay) or one from another billing system.
   */
  async function failedRenewal(
    card: string,
    total: number,
    options: { stripe?: boolean; invoices?: number } = {},
  ) {
    const stripeCustomer = fake.addCustomer({ name: 'Ada Lovelace', email: 'ada@example.com' })[
      'id'
    ] as string;
    const pm = fake.addPaymentMethod({ customer: stripeCustomer, behaves: card })['id'] as string;
    const customerId = newId('cus');
    await insertCustomers(db, runtime.deps.cipher, [
      {
        id: customerId,
        external_id: stripeCustomer,
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        phone: null,
        address: null,
        locale: 'en-US',
        time_zone: 'UTC',
        attributes: '{}',
        opted_out: '[]',
        created_at: START,
        updated_at: START,
      },
    ]);
    const methodId = newId('pm');
    await db
      .insertInto('payment_methods')
      .values({
        id: methodId,
        external_id: pm,
        customer_id: customerId,
        token: pm,
        type: 'card',
        brand: 'visa',
        last4: '4242',
        exp_month: 12,
        exp_year: 2099,
        priority: 1,
        status: 'active',
        created_at: START,
        updated_at: START,
      })
      .execute();
    const invoiceIds: string[] = [];
    const stripeInvoices: string[] = [];
    for (let n = 1; n <= (options.invoices ?? 1); n++) {
      const stripeInvoice =
        options.stripe === false
          ? null
          : (fake.addInvoice({
              customer: stripeCustomer,
              currency: 'eur',
              amountDue: total * n,
              attemptCount: 1,
            })['id'] as string);
      const id = newId('inv');
      await db
        .insertInto('invoices')
        .values({
          id,
          external_id: stripeInvoice ?? `erp-${n}`,
          customer_id: customerId,
          number: `INV-${n}`,
          currency: 'EUR',
          total: total * n,
          amount_paid: 0,
          due_at: START - (10 - n) * HOUR,
          status: 'open',
          collection: 'charge_automatically',
          failed_at: START - HOUR,
          failure_code: 'insufficient_funds',
          case_id: null,
          created_at: START,
          updated_at: START,
        })
        .execute();
      invoiceIds.push(id);
      if (stripeInvoice) stripeInvoices.push(stripeInvoice);
    }
    return { stripeCustomer, pm, customerId, methodId, invoiceIds, stripeInvoices };
  }

  return {
    fake,
    stripe: createStripeClient({ secretKey: fake.secretKey, apiBase: fake.apiBase, maxNetworkRetries: 0 }),
    runtime,
    db,
    failedRenewal,
    async runUntil(end: number) {
      for (let t = START; t <= end; t += 6 * HOUR) {
        clock.set(t);
        await tick(runtime.deps, t);
      }
    },
    async close() {
      await runtime.close();
      await target.drop();
      await fake.stop();
    },
  };
}

const outbox = (db: Runtime['database']['db'], type: string) =>
  db
    .selectFrom('outbox_events')
    .select('payload')
    .where('type', '=', type)
    .orderBy('seq')
    .execute()
    .then((rows) => rows.map((r) => JSON.parse(r.payload) as Record<string, unknown>));

describe('the engine charging through Stripe', () => {
  let world: Awaited<ReturnType<typeof stripeWorld>> | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it("pays a Stripe invoice through Stripe, so Stripe's invoice is paid too", async () => {
    world = await stripeWorld();
    const { stripeCustomer, pm, stripeInvoices, invoiceIds } = await world.failedRenewal(
      'pm_card_visa',
      4_900,
    );

    await world.runUntil(START + 3 * DAY);

    const c = await world.db.selectFrom('cases').selectAll().executeTakeFirstOrThrow();
    expect(c).toMatchObject({ state: 'recovered', amount_recovered: 4_900 });
    const invoice = await world.db.selectFrom('invoices').selectAll().executeTakeFirstOrThrow();
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 4_900 });
    expect(world.fake.invoice(stripeInvoices[0]!)).toMatchObject({ status: 'paid', amount_paid: 4_900 });
    const attempts = await world.db.selectFrom('payment_attempts').selectAll().execute();
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ invoice_id: invoiceIds[0], source: 'recoup', status: 'succeeded' });
    expect(attempts[0]!.idempotency_key).toMatch(new RegExp(`:${invoiceIds[0]}$`));
    expect(world.fake.charges).toEqual([
      expect.objectContaining({
        idempotencyKey: attempts[0]!.idempotency_key,
        paymentIntent: attempts[0]!.charge_id,
        customer: stripeCustomer,
        paymentMethod: pm,
        amount: 4_900,
        currency: 'eur',
        status: 'succeeded',
        invoice: stripeInvoices[0],
      }),
    ]);
    const pay = world.fake.requests.filter((r) => r.method === 'POST');
    expect(pay.map((r) => r.path)).toEqual([`/v1/invoices/${stripeInvoices[0]}/pay`]);
    expect(await outbox(world.db, 'payment.succeeded')).toEqual([
      expect.objectContaining({
        amount: 4_900,
        invoice_id: invoiceIds[0],
        invoice_external_id: stripeInvoices[0],
        reference: attempts[0]!.charge_id,
      }),
    ]);
  });

  it('charges an invoice from another billing system with a PaymentIntent that names it', async () => {
    world = await stripeWorld();
    const { invoiceIds } = await world.failedRenewal('pm_card_visa', 4_900, { stripe: false });

    await world.runUntil(START + 3 * DAY);

    const c = await world.db.selectFrom('cases').selectAll().executeTakeFirstOrThrow();
    expect(c).toMatchObject({ state: 'recovered', amount_recovered: 4_900 });
    const created = world.fake.requests.filter((r) => r.method === 'POST');
    expect(created.map((r) => r.path)).toEqual(['/v1/payment_intents']);
    expect(world.fake.charges).toHaveLength(1);
    const intent = await world.stripe.paymentIntents.retrieve(world.fake.charges[0]!.paymentIntent);
    expect(intent.metadata).toMatchObject({
      recoup_invoice: invoiceIds[0],
      invoice_id: 'erp-1',
      invoice_number: 'INV-1',
    });
  });

  it('pays each Stripe invoice of a case with its own request, oldest first', async () => {
    world = await stripeWorld();
    const { stripeInvoices } = await world.failedRenewal('pm_card_visa', 1_000, { invoices: 3 });

    await world.runUntil(START + 3 * DAY);

    const c = await world.db.selectFrom('cases').selectAll().executeTakeFirstOrThrow();
    expect(c).toMatchObject({ state: 'recovered', amount_recovered: 6_000 });
    expect(world.fake.charges.map((ch) => [ch.invoice, ch.amount])).toEqual([
      [stripeInvoices[0], 1_000],
      [stripeInvoices[1], 2_000],
      [stripeInvoices[2], 3_000],
    ]);
    for (const id of stripeInvoices) expect(world.fake.invoice(id)).toMatchObject({ status: 'paid' });
    const invoices = await world.db
      .selectFrom('invoices')
      .select(['status', 'amount_paid', 'total'])
      .execute();
    for (const i of invoices) expect(i).toMatchObject({ status: 'paid', amount_paid: i.total });
  });

  it('does not charge an invoice Stripe had closed meanwhile, and settles the case from it', async () => {
    world = await stripeWorld();
    const paid = await world.failedRenewal('pm_card_visa', 4_900);
    const voided = await world.failedRenewal('pm_card_visa', 2_000);
    // Paid in Stripe's hosted page, and voided by someone in the dashboard, after Recoup last synced.
    world.fake.updateInvoice(paid.stripeInvoices[0]!, { status: 'paid' });
    world.fake.updateInvoice(voided.stripeInvoices[0]!, { status: 'void' });

    await world.runUntil(START + 3 * DAY);

    expect(world.fake.charges).toEqual([]);
    expect(world.fake.requests.filter((r) => r.method === 'POST')).toEqual([]);
    const cases = await world.db
      .selectFrom('cases')
      .select(['customer_id', 'state', 'amount_recovered'])
      .execute();
    expect(cases).toEqual(
      expect.arrayContaining([
        { customer_id: paid.customerId, state: 'recovered', amount_recovered: 4_900 },
        { customer_id: voided.customerId, state: 'cancelled', amount_recovered: 0 },
      ]),
    );
    const invoices = await world.db.selectFrom('invoices').select(['id', 'status', 'amount_paid']).execute();
    expect(invoices).toEqual(
      expect.arrayContaining([
        { id: paid.invoiceIds[0], status: 'paid', amount_paid: 4_900 },
        { id: voided.invoiceIds[0], status: 'void', amount_paid: 0 },
      ]),
    );
    const attempts = await world.db.selectFrom('payment_attempts').select('status').execute();
    expect(attempts.map((a) => a.status)).toEqual(['not_charged', 'not_charged']);
    // Nothing is left to remind anyone of.
    const pending = await world.db
      .selectFrom('scheduled_steps')
      .select('step_id')
      .where('status', '=', 'pending')
      .execute();
    expect(pending).toEqual([]);
  });

  it("records the money once when Stripe's invoice.paid arrives before the charge's own answer", async () => {
    const secret = 'whsec_test_race';
    let deliver: (result: ChargeResult) => Promise<void> = async () => undefined;
    world = await stripeWorld({ afterCharge: (result) => deliver(result) });
    const { stripeInvoices, invoiceIds } = await world.failedRenewal('pm_card_visa', 4_900);
    const { runtime, fake } = world;
    deliver = async (result) => {
      if (result.status !== 'succeeded') return;
      const body = JSON.stringify({
        id: 'evt_paid',
        object: 'event',
        created: Math.floor(runtime.deps.clock.now() / 1000),
        type: 'invoice.paid',
        data: { object: fake.invoice(stripeInvoices[0]!) },
      });
      const signature = Stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret,
        timestamp: Math.floor(runtime.deps.clock.now() / 1000),
      });
      const context = {
        database: runtime.database,
        cipher: runtime.deps.cipher,
        clock: runtime.deps.clock,
        logger: pino({ level: 'silent' }),
        secret,
      };
      expect(await handleStripeWebhook(context, { rawBody: body, signature })).toMatchObject({
        status: 'applied',
      });
    };

    await world.runUntil(START + 3 * DAY);

    expect(world.fake.charges.filter((c) => c.status === 'succeeded')).toHaveLength(1);
    const payments = await world.db.selectFrom('payments').select(['invoice_id', 'amount']).execute();
    expect(payments).toEqual([{ invoice_id: invoiceIds[0], amount: 4_900 }]);
    const invoice = await world.db.selectFrom('invoices').selectAll().executeTakeFirstOrThrow();
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 4_900 });
    const c = await world.db.selectFrom('cases').selectAll().executeTakeFirstOrThrow();
    expect(c).toMatchObject({ state: 'recovered', amount_recovered: 4_900 });
  });

  it('still charges exactly once when the connection drops after Stripe charged', async () => {
    world = await stripeWorld();
    const { stripeInvoices } = await world.failedRenewal('pm_card_visa', 2_500);
    // The request that charges and the SDK's immediate retry both lose their response.
    world.fake.dropConnections(2);

    await world.runUntil(START + 3 * DAY);

    const c = await world.db.selectFrom('cases').selectAll().executeTakeFirstOrThrow();
    expect(c).toMatchObject({ state: 'recovered', amount_recovered: 2_500 });
    const attempts = await world.db.selectFrom('payment_attempts').selectAll().execute();
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ status: 'succeeded' });
    expect(world.fake.charges).toHaveLength(1);
    expect(world.fake.charges[0]).toMatchObject({
      idempotencyKey: attempts[0]!.idempotency_key,
      paymentIntent: attempts[0]!.charge_id,
      status: 'succeeded',
    });
    // The engine asked again, later, with the same key, and Stripe replayed its first answer.
    const sent = world.fake.requests.filter((r) => r.path === `/v1/invoices/${stripeInvoices[0]}/pay`);
    expect(sent.map((r) => [r.status, r.replayed])).toEqual([
      ['dropped', false],
      ['dropped', true],
      [200, true],
    ]);
    expect(new Set(sent.map((r) => r.idempotencyKey))).toEqual(new Set([attempts[0]!.idempotency_key]));
    const unknown = await world.db
      .selectFrom('timeline_events')
      .select('type')
      .where('type', '=', 'attempt.unknown')
      .execute();
    expect(unknown).toHaveLength(1);
  });

  it('never charges a card Stripe declined as lost again', async () => {
    world = await stripeWorld();
    const { pm } = await world.failedRenewal('pm_card_chargeDeclinedLostCard', 4_900);

    await world.runUntil(START + 22 * DAY);

    const attempts = await world.db.selectFrom('payment_attempts').selectAll().execute();
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({
      status: 'failed',
      decline_code: 'lost_card',
      decline_class: 'hard',
      stop_method: 1,
    });
    expect(world.fake.charges.filter((c) => c.paymentMethod === pm)).toHaveLength(1);
    const c = await world.db.selectFrom('cases').selectAll().executeTakeFirstOrThrow();
    expect(c.state).not.toBe('recovered');
  });
});
