import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/store/database.ts';
import { TEST_DB, type TestDatabaseUrl, freshDatabaseUrl } from '../support/databases.ts';
import { runRecoup } from '../support/processes.ts';
import { stripeCliEnv } from '../support/stripe-cli.ts';
import { type FakeCharge, FakeStripeServer, type SeedCustomer } from '../support/stripe-server.ts';

// A Stripe account as a new user meets Recoup beside it: a thousand customers whose renewals have just been
// charged by Stripe, most of them failing, driven for 30 virtual days through the CLI alone (`stripe sync --now`,
// then `tick --now`, once a day). The customers behave as people do: funds arrive on payday, cards are lost or
// expired, some add a new card or pay Stripe's hosted page, and Stripe retries some invoices itself before giving
// up. What the card networks saw (every charge the fake Stripe made) must keep the rules.

const CUSTOMERS = 1_000;
const DAYS = 30;
const DAY_S = 86_400;
const START_S = Date.UTC(2026, 2, 2) / 1000; // Monday 2 March 2026, 00:00 UTC
const at = (day: number, hour: number) => START_S + day * DAY_S + hour * 3_600;

// Declines after which a card must never be charged again: the issuers' do-not-retry codes, Visa's category 1
// and Mastercard's "stop" advice (shared/reference/rules-and-figures.md).
const DO_NOT_RETRY = new Set(['lost_card', 'stolen_card', 'pickup_card', 'do_not_try_again', 'fraudulent']);
const VISA_CATEGORY_1 = new Set(['04', '07', '12', '14', '15', '41', '43', '46', '57', 'R0', 'R1', 'R3']);
const STOP_ADVICE = new Set(['03', '21']);

/** A small seeded generator: the same world every run. */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(weighted: readonly (readonly [T, number])[]) => {
      let r = next() * weighted.reduce((s, [, w]) => s + w, 0);
      for (const [value, w] of weighted) {
        r -= w;
        if (r < 0) return value;
      }
      return weighted.at(-1)![0];
    },
  };
}

type Event = { at: number; run: () => void };

/** Seeds the fake Stripe with the population and returns what happens in it over the days, in time order. */
function populate(fake: FakeStripeServer) {
  const rnd = random(13);
  const events: Event[] = [];
  const addedCards = new Map<string, { pm: string; at: number }>();
  const hostedPayments = new Map<string, number>();
  const stripeAttempts = (invoice: string, times: readonly number[]) => {
    times.forEach((time, i) => {
      events.push({
        at: time,
        run: () => {
          const current = fake.invoice(invoice);
          // Stripe retries only while it plans to: not after a do-not-retry decline, nor once it gave up.
          if (current['status'] !== 'open' || (i > 0 && current['next_payment_attempt'] === null)) return;
          fake.stripeAttempt(invoice, { nextPaymentAttempt: times[i + 1] ?? null });
          const last = fake.charges.at(-1)!;
          if (doNotRetry(last)) current['next_payment_attempt'] = null;
        },
      });
    });
  };
  for (let i = 0; i < CUSTOMERS; i++) {
    const kind = rnd.pick([
      ['ok', 25],
      ['payday', 25],
      ['broke', 14],
      ['lost', 8],
      ['stolen', 4],
      ['expired', 5],
      ['advice03', 4],
      ['visa04', 4],
      ['glitch', 5],
      ['hammered', 6],
    ] as const);
    const behaves = {
      ok: 'pm_card_visa',
      payday: `pm_card_chargeDeclinedInsufficientFunds@until:${at(rnd.int(2, 22), 0)}`,
      broke: 'pm_card_chargeDeclinedInsufficientFunds',
      lost: 'pm_card_chargeDeclinedLostCard',
      stolen: 'pm_card_chargeDeclinedStolenCard',
      expired: 'pm_card_chargeDeclinedExpiredCard',
      advice03: 'pm_card_mastercard_adviceCode03',
      visa04: 'pm_card_visa_networkDecline04',
      glitch: `pm_card_chargeDeclinedProcessingError@until:${at(rnd.int(1, 6), 0)}`,
      hammered: 'pm_card_chargeDeclinedInsufficientFunds',
    }[kind];
    const zone = rnd.pick<SeedCustomer>([
      [{ metadata: { time_zone: 'America/Chicago' } }, 1],
      [{ address: { country: 'US', state: 'CA' } }, 2],
      [{ address: { country: 'DE', city: 'Berlin' } }, 1],
      [{}, 1],
    ]);
    const customer = fake.addCustomer({ name: `Customer ${i}`, email: `c${i}@example.com`, ...zone })[
      'id'
    ] as string;
    const pm = fake.addPaymentMethod({ customer, behaves })['id'] as string;
    fake.setDefaultPaymentMethod(customer, pm);
    // Some who lost a card still have another on file.
    const spare = kind === 'lost' && rnd.next() < 0.5;
    if (spare) fake.addPaymentMethod({ customer, behaves: 'pm_card_visa' });
    // Stripe alone would break the networks' cap by hammering two invoices on one card: one each for them.
    const invoices = kind !== 'hammered' && rnd.next() < 0.1 ? 2 : 1;
    let paysHosted = false;
    for (let n = 0; n < invoices; n++) {
      const invoice = fake.addInvoice({
        customer,
        amountDue: rnd.int(5, 300) * 100,
        currency: rnd.next() < 0.2 ? 'eur' : 'usd',
      })['id'] as string;
      // Stripe's first charge comes at once; Smart Retries follow for some, and hammer others, before it gives up.
      const retries =
        kind === 'hammered'
          ? 11
          : rnd.pick([
              [0, 5],
              [1, 2],
              [3, 2],
            ] as const);
      stripeAttempts(invoice, [at(0, 1 + n), ...Array.from({ length: retries }, (_, r) => at(r + 1, 1 + n))]);
      if (kind !== 'ok' && n === 0 && rnd.next() < 0.08) {
        paysHosted = true;
        const paidAt = at(rnd.int(2, 20), 3);
        events.push({
          at: paidAt,
          run: () => {
            if (fake.invoice(invoice)['status'] !== 'open') return;
            fake.updateInvoice(invoice, { status: 'paid' });
            hostedPayments.set(invoice, paidAt);
          },
        });
      }
    }
    // A customer who cannot pay with any card on file adds another one, which they make the default.
    const stuck = ['broke', 'lost', 'stolen', 'expired'].includes(kind) && !spare && !paysHosted;
    if (stuck && rnd.next() < 0.25) {
      const when = at(rnd.int(4, 10), 2);
      events.push({
        at: when,
        run: () => {
          const added = fake.addPaymentMethod({ customer, behaves: 'pm_card_visa', last4: '1881' })[
            'id'
          ] as string;
          fake.setDefaultPaymentMethod(customer, added);
          addedCards.set(customer, { pm: added, at: when });
        },
      });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return { events, addedCards, hostedPayments };
}

function doNotRetry(charge: FakeCharge): boolean {
  return (
    charge.status === 'failed' &&
    ((charge.declineCode !== null && DO_NOT_RETRY.has(charge.declineCode)) ||
      (charge.networkDeclineCode !== null && VISA_CATEGORY_1.has(charge.networkDeclineCode)) ||
      (charge.networkAdviceCode !== null && STOP_ADVICE.has(charge.networkAdviceCode)))
  );
}

describe(`Recoup beside a Stripe account for 30 days, through the CLI, on ${TEST_DB}`, () => {
  let fake: FakeStripeServer;
  let target: TestDatabaseUrl;
  let database: Database;
  let world: ReturnType<typeof populate>;
  const runs: { command: string; code: number | null; stderr: string }[] = [];

  beforeAll(async () => {
    fake = await FakeStripeServer.start();
    target = await freshDatabaseUrl();
    const env = stripeCliEnv(fake, target.url, { RECOUP_GATEWAY: 'stripe', RECOUP_LOG_LEVEL: 'warn' });
    world = populate(fake);
    let next = 0;
    for (let day = 0; day < DAYS; day++) {
      const now = at(day, 10);
      while (next < world.events.length && world.events[next]!.at <= now) {
        fake.setTime(world.events[next]!.at);
        world.events[next++]!.run();
      }
      fake.setTime(now);
      const instant = new Date(now * 1000).toISOString();
      for (const command of [
        ['stripe', 'sync', '--now', instant],
        ['tick', '--now', instant],
      ]) {
        const result = await runRecoup(command, env);
        runs.push({ command: command.join(' '), code: result.code, stderr: result.stderr });
        if (result.code !== 0) return; // the first test reports it
      }
    }
    database = openDatabase(target.url);
    const count = (by: FakeCharge['by'], status: FakeCharge['status']) =>
      fake.charges.filter((c) => c.by === by && c.status === status).length;
    const cases = await database.db
      .selectFrom('cases')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    console.log(
      `${TEST_DB}: Stripe charged ${count('stripe', 'succeeded')} ok / ${count('stripe', 'failed')} declined; ` +
        `Recoup ${count('api', 'succeeded')} ok / ${count('api', 'failed')} declined; ${world.addedCards.size} cards ` +
        `added, ${world.hostedPayments.size} hosted payments; cases ${cases.map((c) => `${c.state} ${c.n}`).join(', ')}`,
    );
  }, 1_500_000);

  afterAll(async () => {
    await database?.close();
    await target?.drop();
    await fake?.stop();
  });

  it('ran every sync and tick to completion', () => {
    expect(runs.filter((r) => r.code !== 0)).toEqual([]);
    expect(runs).toHaveLength(2 * DAYS);
  });

  it('paid the invoice in Stripe with every charge that succeeded, and never collected an invoice twice', () => {
    const succeeded = fake.charges.filter((c) => c.status === 'succeeded');
    const recoups = succeeded.filter((c) => c.by === 'api');
    expect(recoups.length).toBeGreaterThan(100);
    for (const charge of recoups) {
      expect(charge.invoice, charge.paymentIntent).not.toBeNull();
      expect(fake.invoice(charge.invoice!)['status']).toBe('paid');
    }
    const perInvoice = new Map<string, number>();
    for (const c of succeeded) perInvoice.set(c.invoice!, (perInvoice.get(c.invoice!) ?? 0) + 1);
    expect([...perInvoice].filter(([, n]) => n > 1)).toEqual([]);
    // Nothing was charged on an invoice after it was paid, whether by a charge or on Stripe's hosted page.
    const paidAt = new Map(world.hostedPayments);
    for (const c of fake.charges) {
      const paid = paidAt.get(c.invoice!);
      expect(paid === undefined || c.created < paid, `${c.invoice} charged after it was paid`).toBe(true);
      if (c.status === 'succeeded') paidAt.set(c.invoice!, c.created);
    }
  });

  it("never charged a card again after a do-not-retry decline, Stripe's own charges included", () => {
    const stopped = new Map<string, FakeCharge>();
    const violations: string[] = [];
    for (const c of fake.charges) {
      const before = stopped.get(c.paymentMethod);
      // Stripe's own charges are the world's doing; Recoup's must respect every decline before them.
      if (before && c.by === 'api')
        violations.push(`${c.paymentMethod}: charged after ${before.declineCode}`);
      if (doNotRetry(c)) stopped.set(c.paymentMethod, c);
    }
    expect(stopped.size).toBeGreaterThan(50);
    expect(violations).toEqual([]);
  });

  it('charged no card more than 15 times in any 30 days, counting Stripe’s own charges', () => {
    const byMethod = new Map<string, number[]>();
    for (const c of fake.charges)
      byMethod.set(c.paymentMethod, [...(byMethod.get(c.paymentMethod) ?? []), c.created]);
    const over: string[] = [];
    for (const [pm, times] of byMethod) {
      for (let i = 0; i < times.length; i++) {
        const inWindow = times.filter((t) => t >= times[i]! && t < times[i]! + 30 * DAY_S).length;
        if (inWindow > 15) over.push(`${pm}: ${inWindow} charges from ${times[i]}`);
      }
    }
    expect(over).toEqual([]);
    // The population does press the cap: some cards were charged a dozen times and more by Stripe and Recoup.
    expect(Math.max(...[...byMethod.values()].map((t) => t.length))).toBeGreaterThanOrEqual(12);
  });

  it('agrees with Stripe on every invoice it holds: status and amount paid', async () => {
    const held = await database.db
      .selectFrom('invoices')
      .select(['external_id', 'status', 'amount_paid', 'currency'])
      .execute();
    expect(held.length).toBeGreaterThan(CUSTOMERS / 2);
    const disagreements = held
      .map((i) => ({
        id: i.external_id!,
        recoup: [i.status, i.amount_paid],
        stripe: fake.invoice(i.external_id!),
      }))
      .filter((i) => i.recoup[0] !== i.stripe['status'] || i.recoup[1] !== i.stripe['amount_paid']);
    expect(
      disagreements.map((d) => `${d.id}: ${d.recoup} vs ${d.stripe['status']},${d.stripe['amount_paid']}`),
    ).toEqual([]);
    const recovered = await database.db
      .selectFrom('cases')
      .select((eb) => eb.fn.sum<number>('amount_recovered').as('total'))
      .executeTakeFirstOrThrow();
    const charged = fake.charges
      .filter((c) => c.by === 'api' && c.status === 'succeeded')
      .reduce((sum, c) => sum + c.amount, 0);
    const hosted = [...world.hostedPayments.keys()]
      .map((id) => fake.invoice(id))
      .reduce((sum, inv) => sum + (inv['amount_paid'] as number), 0);
    expect(Number(recovered.total)).toBeLessThanOrEqual(charged + hosted);
    expect(Number(recovered.total)).toBeGreaterThanOrEqual(charged);
  });

  it('charged the card a customer added during dunning, once Recoup had synced it', async () => {
    const added = [...world.addedCards.values()];
    expect(added.length).toBeGreaterThan(10);
    const held = await database.db
      .selectFrom('payment_methods')
      .select('external_id')
      .where(
        'external_id',
        'in',
        added.map((a) => a.pm),
      )
      .execute();
    expect(held).toHaveLength(added.length);
    const charged = added.filter((a) =>
      fake.charges.some((c) => c.paymentMethod === a.pm && c.by === 'api' && c.status === 'succeeded'),
    );
    // Every one of them still owed when the card came, and Recoup retries after day 10 (days 11, 15 and 19).
    expect(charged.map((a) => a.pm)).toEqual(added.map((a) => a.pm));
  });
});
