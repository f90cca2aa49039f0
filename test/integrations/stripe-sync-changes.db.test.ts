import { describe, expect, it } from 'vitest';
import type { SyncMode } from '../../src/integrations/stripe/sync.ts';
import { TEST_DB } from '../support/databases.ts';
import { stripeSyncWorld } from '../support/stripe-cli.ts';

const NOW = Date.UTC(2026, 2, 2, 12);
const DAY = 86_400_000;
const TIME_ZONES = { metadataKeys: ['time_zone', 'timezone', 'tz'], fallback: 'Europe/London' };
const world = stripeSyncWorld();
const sync = (now = NOW, mode: SyncMode = 'incremental') =>
  world.sync({ now, mode, pageSize: 10, timeZones: TIME_ZONES });
const id = (o: Record<string, unknown>) => o['id'] as string;

/** A Stripe customer with one card behaving like `card`, and an invoice Stripe tried to collect `tries` times. */
function renewal(card: string, tries: number, options: { givesUp?: boolean; amount?: number } = {}) {
  const customer = id(world.fake.addCustomer({ name: 'Renewing customer', email: 'r@example.com' }));
  const pm = id(world.fake.addPaymentMethod({ customer, behaves: card }));
  const invoice = id(world.fake.addInvoice({ customer, amountDue: options.amount ?? 2_000 }));
  for (let n = 1; n <= tries; n++) {
    const last = n === tries && options.givesUp !== false;
    world.fake.stripeAttempt(invoice, { nextPaymentAttempt: last ? null : NOW / 1000 + n * 86_400 });
  }
  return { customer, pm, invoice };
}

const attemptsOn = (methodExternalId: string) =>
  world.database.db
    .selectFrom('payment_attempts')
    .innerJoin('payment_methods', 'payment_methods.id', 'payment_attempts.payment_method_id')
    .select([
      'payment_attempts.source',
      'payment_attempts.idempotency_key',
      'payment_attempts.decline_code',
      'payment_attempts.decline_class',
      'payment_attempts.stop_method',
      'payment_attempts.case_id',
      'payment_attempts.created_at',
    ])
    .where('payment_methods.external_id', '=', methodExternalId)
    .orderBy('payment_attempts.idempotency_key')
    .execute();

describe(`Stripe's own attempts, synced, on ${TEST_DB}`, () => {
  it('records every charge Stripe made on an invoice, the last with its decline, once', async () => {
    const lost = renewal('pm_card_chargeDeclinedLostCard', 1);
    const broke = renewal('pm_card_chargeDeclinedInsufficientFunds', 3);

    const report = await sync();

    expect(report.stripeAttempts).toEqual({ recorded: 4, blocking: 1, unattributed: 0 });
    expect(await attemptsOn(lost.pm)).toEqual([
      {
        source: 'stripe',
        idempotency_key: `stripe:${lost.invoice}:1`,
        decline_code: 'lost_card',
        decline_class: 'hard',
        stop_method: 1,
        case_id: null,
        created_at: NOW,
      },
    ]);
    const retried = await attemptsOn(broke.pm);
    expect(retried.map((a) => [a.idempotency_key, a.decline_code, a.stop_method])).toEqual([
      [`stripe:${broke.invoice}:1`, null, 0],
      [`stripe:${broke.invoice}:2`, null, 0],
      [`stripe:${broke.invoice}:3`, 'insufficient_funds', 0],
    ]);
    const invoice = await world.database.db
      .selectFrom('invoices')
      .select(['failure_code', 'failed_at'])
      .where('external_id', '=', lost.invoice)
      .executeTakeFirstOrThrow();
    expect(invoice).toEqual({ failure_code: 'lost_card', failed_at: NOW });

    // Seen again, nothing is recorded twice and no payment intent is read again.
    const mark = world.fake.requests.length;
    const again = await sync(NOW + DAY);
    expect(again.stripeAttempts.recorded).toBe(0);
    expect(world.fake.requests.slice(mark).filter((r) => r.path.startsWith('/v1/payment_intents'))).toEqual(
      [],
    );
  });

  it('records the attempts of an invoice Stripe still retries, and a later one when it gives up', async () => {
    const customer = id(world.fake.addCustomer({ name: 'Still retried' }));
    const pm = id(
      world.fake.addPaymentMethod({ customer, behaves: 'pm_card_chargeDeclinedInsufficientFunds' }),
    );
    const invoice = id(world.fake.addInvoice({ customer, amountDue: 1_000 }));
    world.fake.stripeAttempt(invoice, { nextPaymentAttempt: NOW / 1000 + 86_400 });

    await sync();
    const stored = () =>
      world.database.db
        .selectFrom('invoices')
        .select('failed_at')
        .where('external_id', '=', invoice)
        .executeTakeFirstOrThrow();
    expect((await stored()).failed_at).toBeNull();
    expect(await attemptsOn(pm)).toHaveLength(1);

    world.fake.stripeAttempt(invoice, { nextPaymentAttempt: null });
    await sync(NOW + DAY);
    expect((await stored()).failed_at).toBe(NOW + DAY);
    expect((await attemptsOn(pm)).map((a) => [a.idempotency_key, a.created_at])).toEqual([
      [`stripe:${invoice}:1`, NOW],
      [`stripe:${invoice}:2`, NOW + DAY],
    ]);
  });

  it('reads the payment intent when the API version cannot expand it on the invoice', async () => {
    world.fake.refuseExpansions('data.payment_intent', 'payment_intent');
    const lost = renewal('pm_card_chargeDeclinedStolenCard', 1);

    const report = await sync();

    expect(report.stripeAttempts).toMatchObject({ recorded: 1, blocking: 1 });
    expect(await attemptsOn(lost.pm)).toEqual([
      expect.objectContaining({ decline_code: 'stolen_card', stop_method: 1 }),
    ]);
    const intent = world.fake.invoice(lost.invoice)['payment_intent'];
    expect(world.fake.requests.filter((r) => r.path === `/v1/payment_intents/${intent}`)).toHaveLength(1);
  });
});

describe(`an incremental Stripe sync, on ${TEST_DB}`, () => {
  it('picks up new customers, new cards of customers in dunning, new failures and closed invoices', async () => {
    const quiet = Array.from({ length: 12 }, () => renewal('pm_card_chargeDeclinedInsufficientFunds', 0));
    const dunning = renewal('pm_card_chargeDeclinedInsufficientFunds', 2);
    await sync(NOW, 'full');
    const cards = () =>
      world.database.db
        .selectFrom('payment_methods')
        .innerJoin('customers', 'customers.id', 'payment_methods.customer_id')
        .select(['payment_methods.external_id', 'payment_methods.priority', 'payment_methods.status'])
        .where('customers.external_id', '=', dunning.customer)
        .orderBy('payment_methods.priority')
        .execute();
    expect(await cards()).toEqual([{ external_id: dunning.pm, priority: 1, status: 'active' }]);

    // Meanwhile in Stripe: the customer in dunning adds a card, a new customer signs up and fails at once, a quiet
    // customer pays an open invoice, and another's first charge fails and Stripe gives up.
    world.fake.setTime(world.fake.now + 86_400);
    const added = id(world.fake.addPaymentMethod({ customer: dunning.customer, behaves: 'pm_card_visa' }));
    const newcomer = renewal('pm_card_chargeDeclinedExpiredCard', 1);
    const paid = quiet[0]!.invoice;
    world.fake.updateInvoice(paid, { status: 'paid' });
    const failing = quiet[1]!;
    world.fake.stripeAttempt(failing.invoice, { nextPaymentAttempt: null });
    const mark = world.fake.requests.length;

    const report = await sync(NOW + DAY);

    expect(report.mode).toBe('incremental');
    expect(report.customers).toMatchObject({ inserted: 1 });
    expect(await cards()).toEqual([
      { external_id: added, priority: 1, status: 'active' },
      { external_id: dunning.pm, priority: 2, status: 'active' },
    ]);
    const invoices = await world.database.db
      .selectFrom('invoices')
      .select(['external_id', 'status', 'failed_at'])
      .where('external_id', 'in', [paid, newcomer.invoice, failing.invoice])
      .execute();
    expect(invoices).toEqual(
      expect.arrayContaining([
        { external_id: paid, status: 'paid', failed_at: null },
        { external_id: newcomer.invoice, status: 'open', failed_at: NOW + DAY },
        { external_id: failing.invoice, status: 'open', failed_at: NOW + DAY },
      ]),
    );
    expect(await attemptsOn(newcomer.pm)).toEqual([
      expect.objectContaining({ decline_code: 'expired_card', decline_class: 'action_required' }),
    ]);
    expect(await attemptsOn(failing.pm)).toEqual([
      expect.objectContaining({ decline_code: 'insufficient_funds', decline_class: 'soft' }),
    ]);
    // Ten quiet customers cost no card listing; each of the others' cards is listed once.
    const cardLists = world.fake.requests.slice(mark).filter((r) => r.path.endsWith('/payment_methods'));
    expect(cardLists.map((r) => r.path).sort()).toEqual(
      [dunning.customer, newcomer.customer, failing.customer]
        .map((c) => `/v1/customers/${c}/payment_methods`)
        .sort(),
    );
  });

  it('places customers in their time zone: metadata, then the address, then the business default', async () => {
    const customers = [
      world.fake.addCustomer({ name: 'Metadata', metadata: { tz: 'asia/tokyo' } }),
      world.fake.addCustomer({ name: 'Californian', address: { country: 'US', state: 'CA' } }),
      world.fake.addCustomer({ name: 'Parisian', address: { country: 'FR', city: 'Paris' } }),
      world.fake.addCustomer({ name: 'Nowhere' }),
    ].map(id);

    const report = await sync(NOW, 'full');

    expect(report.timeZones).toEqual({
      metadata: 1,
      address_region: 1,
      address_country: 1,
      default: 1,
      kept: 0,
    });
    const zones = await world.database.db
      .selectFrom('customers')
      .select(['external_id', 'time_zone'])
      .orderBy('external_id')
      .execute();
    expect(new Map(zones.map((z) => [z.external_id, z.time_zone]))).toEqual(
      new Map([
        [customers[0], 'Asia/Tokyo'],
        [customers[1], 'America/Los_Angeles'],
        [customers[2], 'Europe/Paris'],
        [customers[3], 'Europe/London'],
      ]),
    );
  });
});
