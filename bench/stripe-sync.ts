// The Stripe sync benchmark (issue 13, acceptance point 4): 10,000 Stripe customers, 10% of them in open cases, synced
// in full; then 1% of the invoices change (paid or voided in Stripe) and 50 customers in dunning add a card, and an
// incremental sync must pick up every change and every card for at most 20% of the full sync's requests. The
// server is the tests' fake Stripe (test/support/stripe-server.ts), speaking Stripe's wire format over HTTP.
import pino from 'pino';
import { loadConfig } from '../src/config/env.ts';
import { VirtualClock } from '../src/engine/clock.ts';
import { openCases } from '../src/engine/open-cases.ts';
import { MemoryLedger } from '../src/gateways/sandbox/memory-ledger.ts';
import { createStripeClient } from '../src/gateways/stripe/stripe-client.ts';
import { type StripeSyncReport, syncStripe } from '../src/integrations/stripe/sync.ts';
import { openRuntime } from '../src/runtime/runtime.ts';
import { createRandom } from '../src/simulate/random.ts';
import { FakeStripeServer } from '../test/support/stripe-server.ts';

const CUSTOMERS = Number(process.env['BENCH_STRIPE_CUSTOMERS'] ?? 10_000);
const IN_DUNNING = 0.1;
const CHANGED_INVOICES = 0.01;
const NEW_CARDS = 50;

/** Syncs a seeded fake Stripe into an empty database at `url`, in full then incrementally; figures `stripe.…`. */
export async function stripeSyncBench(
  url: string,
  label: 'sqlite' | 'postgres',
  now: number,
  log: (line: string) => void,
): Promise<Record<string, number>> {
  const fake = await FakeStripeServer.start();
  const runtime = await openRuntime(
    { ...loadConfig({}), databaseUrl: url },
    { clock: new VirtualClock(now), ledger: new MemoryLedger(), logger: pino({ level: 'silent' }) },
  );
  try {
    const random = createRandom(7);
    fake.setTime(now / 1000 - 86_400);
    const customers: { id: string; invoice: string; failed: boolean }[] = [];
    for (let i = 0; i < CUSTOMERS; i++) {
      const failed = random.next() < IN_DUNNING;
      const id = fake.addCustomer({ name: `Customer ${i}`, email: `c${i}@example.com` })['id'] as string;
      const pm = fake.addPaymentMethod({
        customer: id,
        behaves: failed ? 'pm_card_chargeDeclinedInsufficientFunds' : 'pm_card_visa',
      })['id'] as string;
      fake.setDefaultPaymentMethod(id, pm);
      const invoice = fake.addInvoice({ customer: id, amountDue: 1_000 + (i % 50) * 100 })['id'] as string;
      fake.stripeAttempt(invoice, { nextPaymentAttempt: null });
      customers.push({ id, invoice, failed });
    }
    fake.setTime(now / 1000);
    const stripe = createStripeClient({
      secretKey: fake.secretKey,
      apiBase: fake.apiBase,
      maxNetworkRetries: 0,
    });
    const sync = async (mode: 'full' | 'incremental', at: number) => {
      const started = performance.now();
      const report = await syncStripe(runtime.database, stripe, {
        cipher: runtime.deps.cipher,
        now: at,
        mode,
      });
      return { report, seconds: (performance.now() - started) / 1000 };
    };

    log(`Stripe sync (${label}): full sync of ${CUSTOMERS.toLocaleString('en-US')} customers`);
    const full = await sync('full', now);
    await openCases(runtime.deps, now);

    // A day passes in Stripe: 1% of the invoices are paid or voided there, and 50 customers in dunning add a card.
    fake.setTime(now / 1000 + 86_400);
    const dunning = customers.filter((c) => c.failed);
    const changes = Math.round(CUSTOMERS * CHANGED_INVOICES);
    const spread = (list: typeof customers, n: number) =>
      list.filter((_, i) => i % Math.max(1, Math.floor(list.length / n)) === 0).slice(0, n);
    const changed = spread(dunning, changes);
    for (const [i, c] of changed.entries())
      fake.updateInvoice(c.invoice, { status: i % 2 === 0 ? 'paid' : 'void' });
    const unchanged = dunning.filter((c) => !changed.includes(c));
    const cards = spread(unchanged, NEW_CARDS).map(
      (c) => fake.addPaymentMethod({ customer: c.id, behaves: 'pm_card_visa' })['id'] as string,
    );

    log(
      `Stripe sync (${label}): incremental sync after ${changed.length} invoice changes and ${cards.length} new cards`,
    );
    const incremental = await sync('incremental', now + 86_400_000);

    const db = runtime.database.db;
    const invoices = await db
      .selectFrom('invoices')
      .select(['external_id', 'status'])
      .where(
        'external_id',
        'in',
        changed.map((c) => c.invoice),
      )
      .execute();
    const missedChanges = changed.filter(
      (c) => invoices.find((i) => i.external_id === c.invoice)?.status !== fake.invoice(c.invoice)['status'],
    ).length;
    const held = await db
      .selectFrom('payment_methods')
      .select('external_id')
      .where('external_id', 'in', cards)
      .execute();
    const results = {
      [`stripe.${label}.sync_full.requests`]: full.report.requests,
      [`stripe.${label}.sync_full.seconds`]: full.seconds,
      [`stripe.${label}.sync_incremental.requests`]: incremental.report.requests,
      [`stripe.${label}.sync_incremental.seconds`]: incremental.seconds,
      [`stripe.${label}.sync_incremental.ratio_of_requests`]:
        incremental.report.requests / full.report.requests,
      [`stripe.${label}.sync_incremental.changes_missed`]: missedChanges,
      [`stripe.${label}.sync_incremental.cards_missed`]: cards.length - held.length,
    };
    logReport(log, 'full', full.report, full.seconds);
    logReport(log, 'incremental', incremental.report, incremental.seconds);
    return results;
  } finally {
    await runtime.close();
    await fake.stop();
  }
}

function logReport(log: (line: string) => void, mode: string, report: StripeSyncReport, seconds: number) {
  log(
    `  ${mode}: ${report.requests.toLocaleString('en-US')} requests in ${seconds.toFixed(1)} s; invoices ` +
      `${report.invoices.inserted} new, ${report.invoices.updated} changed; cards ${report.paymentMethods.inserted} new; ` +
      `${report.closedChecked} closed checked`,
  );
}
