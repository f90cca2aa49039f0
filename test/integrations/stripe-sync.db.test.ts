import { describe, expect, it } from 'vitest';
import { StripeSyncError, type SyncMode } from '../../src/integrations/stripe/sync.ts';
import { openCustomer } from '../../src/store/customer-contacts.ts';
import { snapshot } from '../support/snapshot.ts';
import { stripeSyncWorld } from '../support/stripe-cli.ts';

const NOW = Date.UTC(2026, 2, 2, 12);
const world = stripeSyncWorld();
const sync = (pageSize = 3, now = NOW, mode: SyncMode = 'incremental') => world.sync({ now, pageSize, mode });
const id = (o: Record<string, unknown>) => o['id'] as string;

/** Seven customers (three pages of three), eight cards, and invoices in every state Stripe has. */
function seed() {
  const customers = Array.from({ length: 7 }, (_, i) =>
    id(
      world.fake.addCustomer({
        name: i === 3 ? null : `Customer ${i}`,
        email: `c${i}@example.com`,
        phone: i === 1 ? '+1 (415) 555-0100' : i === 2 ? '555 1234' : null,
        preferredLocales: i === 0 ? ['de-DE'] : [],
        metadata: i === 0 ? { time_zone: 'Europe/Berlin', plan: 'pro' } : {},
        address: i === 0 ? { line1: 'Unter den Linden 1', city: 'Berlin', country: 'DE', state: null } : null,
      }),
    ),
  );
  const cards = customers.map((customer) => id(world.fake.addPaymentMethod({ customer, last4: '4242' })));
  const preferred = id(
    world.fake.addPaymentMethod({
      customer: customers[0]!,
      brand: 'mastercard',
      last4: '4444',
      expMonth: 3,
      expYear: 2031,
    }),
  );
  world.fake.setDefaultPaymentMethod(customers[0]!, preferred);

  const invoices = {
    failed: id(
      world.fake.addInvoice({ customer: customers[0]!, currency: 'eur', amountDue: 4_900, attemptCount: 1 }),
    ),
    sent: id(
      world.fake.addInvoice({
        customer: customers[1]!,
        currency: 'usd',
        amountDue: 120_000,
        amountPaid: 20_000,
        collectionMethod: 'send_invoice',
        dueDate: Date.UTC(2026, 2, 31) / 1000,
      }),
    ),
    stripeStillRetrying: id(
      world.fake.addInvoice({
        customer: customers[2]!,
        amountDue: 1_500,
        attemptCount: 1,
        nextPaymentAttempt: NOW / 1000 + 86_400,
      }),
    ),
    paid: id(
      world.fake.addInvoice({ customer: customers[3]!, amountDue: 900, amountPaid: 900, status: 'paid' }),
    ),
    draft: id(world.fake.addInvoice({ customer: customers[4]!, amountDue: 700, status: 'draft' })),
    yen: id(
      world.fake.addInvoice({ customer: customers[5]!, currency: 'jpy', amountDue: 5_000, attemptCount: 2 }),
    ),
  };
  return { customers, cards, preferred, invoices };
}

async function recoupCustomers() {
  const rows = await world.database.db.selectFrom('customers').selectAll().orderBy('external_id').execute();
  return rows.map((r) => openCustomer(world.cipher, r));
}

const listRequests = (path: string, from = 0) =>
  world.fake.requests.slice(from).filter((r) => r.method === 'GET' && r.path === path);

describe('recoup stripe sync', () => {
  it('copies customers, their cards and open invoices, page by page', async () => {
    const { customers, cards, preferred, invoices } = seed();

    const report = await sync();

    expect(report).toMatchObject({
      mode: 'full',
      resumed: false,
      customers: { inserted: 7, updated: 0, unchanged: 0, skipped: {} },
      paymentMethods: { inserted: 8, updated: 0, unchanged: 0, skipped: {} },
      invoices: { inserted: 4, updated: 0, unchanged: 0, skipped: {} },
    });
    expect(listRequests('/v1/customers').map((r) => r.query['limit'])).toEqual(['3', '3', '3']);
    expect(listRequests('/v1/invoices').every((r) => r.query['status'] === 'open')).toBe(true);

    const stored = await recoupCustomers();
    expect(stored.map((c) => c.external_id).sort()).toEqual([...customers].sort());
    const byStripe = new Map(stored.map((c) => [c.external_id, c]));
    expect(byStripe.get(customers[0]!)).toMatchObject({
      name: 'Customer 0',
      email: 'c0@example.com',
      locale: 'de-DE',
      time_zone: 'Europe/Berlin',
      address: { line1: 'Unter den Linden 1', city: 'Berlin', country: 'DE' },
    });
    expect(JSON.parse(byStripe.get(customers[0]!)!.attributes)).toEqual({
      time_zone: 'Europe/Berlin',
      plan: 'pro',
    });
    expect(byStripe.get(customers[1]!)!.phone).toBe('+14155550100');
    // A phone Recoup cannot use is left out with a warning that does not repeat it.
    expect(byStripe.get(customers[2]!)!.phone).toBeNull();
    expect(report.warnings.some((w) => w.startsWith(`${customers[2]}: phone`))).toBe(true);
    expect(report.warnings.join('\n')).not.toContain('555 1234');
    // A nameless customer is named by its Stripe id, never its email: names are stored in the clear.
    expect(byStripe.get(customers[3]!)!.name).toBe(customers[3]);

    const methods = await world.database.db
      .selectFrom('payment_methods')
      .innerJoin('customers', 'customers.id', 'payment_methods.customer_id')
      .select(['payment_methods.external_id', 'token', 'priority', 'brand', 'last4', 'exp_month', 'exp_year'])
      .where('customers.external_id', '=', customers[0]!)
      .orderBy('priority')
      .execute();
    expect(methods).toEqual([
      {
        external_id: preferred,
        token: preferred,
        priority: 1,
        brand: 'mastercard',
        last4: '4444',
        exp_month: 3,
        exp_year: 2031,
      },
      {
        external_id: cards[0],
        token: cards[0],
        priority: 2,
        brand: 'visa',
        last4: '4242',
        exp_month: 12,
        exp_year: 2099,
      },
    ]);

    const rows = await world.database.db.selectFrom('invoices').selectAll().execute();
    const inv = new Map(rows.map((r) => [r.external_id, r]));
    expect([...inv.keys()].sort()).toEqual(
      [invoices.failed, invoices.sent, invoices.stripeStillRetrying, invoices.yen].sort(),
    );
    expect(inv.get(invoices.failed)).toMatchObject({
      currency: 'EUR',
      total: 4_900,
      amount_paid: 0,
      status: 'open',
      collection: 'charge_automatically',
      failed_at: NOW,
    });
    expect(inv.get(invoices.sent)).toMatchObject({
      currency: 'USD',
      total: 120_000,
      amount_paid: 20_000,
      collection: 'send_invoice',
      due_at: Date.UTC(2026, 2, 31),
      failed_at: null,
    });
    // Stripe is still retrying this one itself: Recoup waits rather than charge the card a second time.
    expect(inv.get(invoices.stripeStillRetrying)!.failed_at).toBeNull();
    expect(inv.get(invoices.yen)).toMatchObject({ currency: 'JPY', total: 5_000, failed_at: NOW });
  });

  it('changes nothing when run again in full', async () => {
    seed();
    await sync();
    const before = await snapshot(world.database.db);

    const report = await sync(3, NOW + 3_600_000, 'full');

    expect(report).toMatchObject({
      mode: 'full',
      resumed: false,
      customers: { inserted: 0, updated: 0, unchanged: 7 },
      paymentMethods: { inserted: 0, updated: 0, unchanged: 8 },
      invoices: { inserted: 0, updated: 0, unchanged: 4, paymentsRecorded: 0 },
      closedChecked: 0,
    });
    expect(await snapshot(world.database.db)).toEqual(before);
  });

  it('changes nothing when run again, reading only what may have changed', async () => {
    const { customers } = seed();
    const full = await sync();
    const before = await snapshot(world.database.db);
    const mark = world.fake.requests.length;

    const report = await sync(3, NOW + 3_600_000);

    expect(report).toMatchObject({
      mode: 'incremental',
      // Customers created within the overlap are read again; no card is listed for one Recoup already has.
      customers: { inserted: 0, updated: 0, unchanged: 7 },
      invoices: { inserted: 0, updated: 0, unchanged: 4, paymentsRecorded: 0 },
      closedChecked: 0,
    });
    expect(await snapshot(world.database.db)).toEqual(before);
    // Only the customers in dunning (the two failed renewals) have their cards listed again.
    const cardLists = world.fake.requests.slice(mark).filter((r) => r.path.endsWith('/payment_methods'));
    expect(cardLists.map((r) => r.path).sort()).toEqual(
      [customers[0], customers[5]].map((c) => `/v1/customers/${c}/payment_methods`).sort(),
    );
    expect(report.requests).toBe(world.fake.requests.length - mark);
    expect(report.requests).toBeLessThan(full.requests);
    expect(listRequests('/v1/customers', mark).map((r) => r.query['created'])).toEqual(
      Array(3).fill({ gte: String(world.fake.now + 6 - 3_600) }),
    );
  });

  it('resumes an interrupted sync from the stored cursor, without duplicates', async () => {
    const { customers } = seed();
    // Pages one and two of the customers arrive, then Stripe fails.
    world.fake.breakAfter(2, (method, path) => method === 'GET' && path === '/v1/customers');

    const failure = await sync().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(StripeSyncError);
    expect((failure as Error).message).toMatch(/customers.*run it again to resume/);
    const partial = await recoupCustomers();
    expect(partial).toHaveLength(6);
    // Stripe lists the newest first: the sixth newest is where the cursor stopped.
    const newestFirst = [...customers].reverse();
    const cursor = await world.database.db
      .selectFrom('stripe_sync_cursors')
      .selectAll()
      .where('resource', '=', 'customers')
      .executeTakeFirstOrThrow();
    expect(cursor).toMatchObject({ cursor: newestFirst[5], completed_at: null });
    expect(await world.database.db.selectFrom('invoices').selectAll().execute()).toEqual([]);

    world.fake.heal();
    const mark = world.fake.requests.length;
    const report = await sync();

    expect(report.resumed).toBe(true);
    expect(listRequests('/v1/customers', mark).map((r) => r.query['starting_after'])).toEqual([
      newestFirst[5],
    ]);
    expect(report.customers).toMatchObject({ inserted: 1, unchanged: 0 });
    const all = await recoupCustomers();
    expect(all.map((c) => c.external_id).sort()).toEqual([...customers].sort());
    expect(await world.database.db.selectFrom('payment_methods').selectAll().execute()).toHaveLength(8);
    expect(await world.database.db.selectFrom('invoices').selectAll().execute()).toHaveLength(4);
  });

  it('resumes within the invoices without walking the customers again', async () => {
    seed();
    world.fake.breakAfter(1, (method, path) => method === 'GET' && path === '/v1/invoices');
    await expect(sync(2)).rejects.toThrow(/syncing invoices/);
    expect(await world.database.db.selectFrom('invoices').selectAll().execute()).toHaveLength(2);

    world.fake.heal();
    const mark = world.fake.requests.length;
    const report = await sync(2);

    expect(report).toMatchObject({ resumed: true, customers: { inserted: 0, unchanged: 0 } });
    expect(listRequests('/v1/customers', mark)).toEqual([]);
    expect(listRequests('/v1/invoices', mark)).toHaveLength(1);
    expect(await world.database.db.selectFrom('invoices').selectAll().execute()).toHaveLength(4);

    // The next run is a new sync from the start, and finds everything up to date.
    const again = await sync(2);
    expect(again).toMatchObject({ resumed: false, customers: { unchanged: 7 }, invoices: { unchanged: 4 } });
  });

  it('records what Stripe closed since: payments, voids and detached cards', async () => {
    const { customers, cards, invoices } = seed();
    await sync();
    world.fake.updateInvoice(invoices.failed, { amountPaid: 4_900, status: 'paid' });
    world.fake.updateInvoice(invoices.sent, { status: 'void' });
    world.fake.detachPaymentMethod(cards[1]!);

    const report = await sync(3, NOW, 'full');

    expect(report.closedChecked).toBe(2);
    expect(listRequests(`/v1/invoices/${invoices.failed}`)).toHaveLength(1);
    expect(report.invoices).toMatchObject({ updated: 2, paymentsRecorded: 1 });
    const rows = await world.database.db.selectFrom('invoices').selectAll().execute();
    const inv = new Map(rows.map((r) => [r.external_id, r]));
    expect(inv.get(invoices.failed)).toMatchObject({ status: 'paid', amount_paid: 4_900 });
    expect(inv.get(invoices.sent)!.status).toBe('void');
    const payments = await world.database.db.selectFrom('payments').selectAll().execute();
    expect(payments).toEqual([
      expect.objectContaining({ invoice_id: inv.get(invoices.failed)!.id, amount: 4_900, source: 'import' }),
    ]);

    const detached = await world.database.db
      .selectFrom('payment_methods')
      .select('status')
      .where('external_id', '=', cards[1]!)
      .executeTakeFirstOrThrow();
    expect(detached.status).toBe('disabled');
    expect(report.paymentMethods).toMatchObject({ updated: 1, unchanged: 7 });
    expect(customers).toHaveLength(7);
  });

  it('keeps what only Recoup knows: opt-outs and the time zone', async () => {
    const { customers } = seed();
    await sync();
    await world.database.db
      .updateTable('customers')
      .set({ opted_out: '["email"]', time_zone: 'America/New_York' })
      .where('external_id', '=', customers[4]!)
      .execute();

    const report = await sync();

    expect(report.customers).toMatchObject({ updated: 0, unchanged: 7 });
    const row = await world.database.db
      .selectFrom('customers')
      .select(['opted_out', 'time_zone'])
      .where('external_id', '=', customers[4]!)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ opted_out: '["email"]', time_zone: 'America/New_York' });
  });
});
