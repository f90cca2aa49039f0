import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';
import { TEST_DB, type TestDatabaseUrl, freshDatabaseUrl } from '../support/databases.ts';
import { runRecoup, startRecoup } from '../support/processes.ts';
import { stripeCliEnv } from '../support/stripe-cli.ts';
import { FakeStripeServer } from '../support/stripe-server.ts';

const START_S = Date.UTC(2026, 2, 2, 10) / 1000; // Monday 2 March 2026, 10:00 UTC
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

describe(`a worker killed while Stripe pays an invoice, on ${TEST_DB}`, () => {
  let fake: FakeStripeServer;
  let target: TestDatabaseUrl;
  let env: Record<string, string>;

  beforeAll(async () => {
    fake = await FakeStripeServer.start();
    target = await freshDatabaseUrl();
    // A dead worker's lease must lapse within the test.
    env = stripeCliEnv(fake, target.url, { RECOUP_GATEWAY: 'stripe', RECOUP_LEASE_MS: '1000' });
  });
  afterAll(async () => {
    await target?.drop();
    await fake?.stop();
  });

  it("replays Stripe's answer on the rerun: exactly one payment, recorded once", {
    timeout: 240_000,
  }, async () => {
    fake.setTime(START_S - 3_600);
    const customer = fake.addCustomer({ name: 'Ada Lovelace', email: 'ada@example.com' })['id'] as string;
    const pm = fake.addPaymentMethod({
      customer,
      behaves: `pm_card_chargeDeclinedInsufficientFunds@until:${START_S + 3_600}`,
    })['id'] as string;
    fake.setDefaultPaymentMethod(customer, pm);
    const invoice = fake.addInvoice({ customer, amountDue: 4_900 })['id'] as string;
    fake.stripeAttempt(invoice, { nextPaymentAttempt: null });
    fake.setTime(START_S);
    for (const command of [
      ['stripe', 'sync', '--now', iso(START_S)],
      ['tick', '--now', iso(START_S)],
    ]) {
      const ran = await runRecoup(command, env);
      expect(ran.code, ran.stderr).toBe(0);
    }

    // A day later the retry pays the invoice in Stripe, and the worker dies before it hears the answer.
    const retryAt = START_S + 86_400 + 3_600;
    fake.setTime(retryAt);
    let killed: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      killed = resolve;
    });
    fake.holdCharges(1, () => killed());
    const worker = startRecoup(['tick', '--now', iso(retryAt)], env);
    await held;
    worker.child.kill('SIGKILL');
    expect((await worker.exited).signal).toBe('SIGKILL');
    expect(fake.invoice(invoice)).toMatchObject({ status: 'paid', amount_paid: 4_900 });

    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const rerun = await runRecoup(['tick', '--now', iso(retryAt)], env);
    expect(rerun.code, rerun.stderr).toBe(0);

    const paid = fake.charges.filter((c) => c.status === 'succeeded');
    expect(paid).toHaveLength(1);
    const pays = fake.requests.filter((r) => r.path === `/v1/invoices/${invoice}/pay`);
    expect(pays.map((r) => [r.status, r.replayed])).toEqual([
      ['held', false],
      [200, true],
    ]);
    expect(new Set(pays.map((r) => r.idempotencyKey)).size).toBe(1);

    const database = openDatabase(target.url);
    try {
      const attempts = await database.db
        .selectFrom('payment_attempts')
        .select(['source', 'status', 'idempotency_key', 'charge_id'])
        .orderBy('created_at')
        .execute();
      expect(attempts).toEqual([
        expect.objectContaining({ source: 'stripe', status: 'failed' }),
        {
          source: 'recoup',
          status: 'succeeded',
          idempotency_key: pays[0]!.idempotencyKey,
          charge_id: paid[0]!.paymentIntent,
        },
      ]);
      const payments = await database.db.selectFrom('payments').select(['amount', 'source']).execute();
      expect(payments).toEqual([{ amount: 4_900, source: 'retry' }]);
      const c = await database.db.selectFrom('cases').selectAll().executeTakeFirstOrThrow();
      expect(c).toMatchObject({ state: 'recovered', amount_recovered: 4_900 });
      const invoiceRow = await database.db.selectFrom('invoices').selectAll().executeTakeFirstOrThrow();
      expect(invoiceRow).toMatchObject({ status: 'paid', amount_paid: 4_900 });
    } finally {
      await database.close();
    }
  });
});
