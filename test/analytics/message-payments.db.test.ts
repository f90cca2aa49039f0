import { afterEach, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/access/api-keys.ts';
import { stampPaidMessages } from '../../src/analytics/message-payments.ts';
import { buildApi } from '../../src/api/server.ts';
import { recordInvoicePayment } from '../../src/services/invoices.ts';
import { TEST_DB } from '../support/databases.ts';
import { DAY, HOUR, type World, createWorld } from '../support/world.ts';

const START = Date.UTC(2026, 2, 2, 12); // Monday 2 March 2026, 12:00 UTC

/** Which messages carry a paid stamp, by id. */
async function stamped(world: World): Promise<Record<string, boolean>> {
  const rows = await world.runtime.database.db
    .selectFrom('messages')
    .select(['id', 'paid_at'])
    .orderBy('id')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.id, r.paid_at !== null]));
}

describe(`messages answered by a payment, on ${TEST_DB}`, () => {
  let world: World;
  afterEach(async () => world?.close());

  it('are stamped by the transactions that record payments, as a recomputation from every payment would', async () => {
    world = await createWorld(START);
    const invoices: string[] = [];
    for (let i = 0; i < 6; i++) {
      const customer = await world.customer({ email: `c${i}@example.com` });
      await world.method(customer, i % 2 === 0 ? 'tok_succeeds_after_3' : 'tok_insufficient_funds');
      invoices.push(await world.invoice(customer, { total: 1_000 + i, dueAt: START - DAY }));
    }
    // The day-0 reminders go out in the first tick; one customer pays by bank transfer two days later.
    await world.advance(START);
    await world.advance(START + 2 * DAY);
    const paid = await recordInvoicePayment(
      world.runtime.database,
      invoices[1]!,
      { amount: 1_001 },
      START + 2 * DAY,
    );
    expect(paid).not.toBeNull();
    for (let t = START + 2 * DAY + 6 * HOUR; t <= START + 30 * DAY; t += 6 * HOUR) await world.advance(t);

    const incremental = await stamped(world);
    const answered = Object.values(incremental).filter(Boolean).length;
    // Retries that came through after a reminder, and the transfer: answered; reminders nobody paid after: not.
    expect(answered).toBeGreaterThan(1);
    expect(answered).toBeLessThan(Object.keys(incremental).length);
    const db = world.runtime.database.db;
    const transferCase = await db
      .selectFrom('invoices')
      .select('case_id')
      .where('id', '=', invoices[1]!)
      .executeTakeFirstOrThrow();
    const transferAnswered = await db
      .selectFrom('messages')
      .select(['step_id', 'paid_at'])
      .where('case_id', '=', transferCase.case_id!)
      .orderBy('step_id')
      .execute();
    // Its policy's anchor is the failure a day before START: the day-0 and day-3 reminders both went out in the 72
    // hours before the transfer, and both count it.
    expect(transferAnswered).toEqual([
      { step_id: 'remind-day-0', paid_at: START + 2 * DAY },
      { step_id: 'remind-day-3', paid_at: START + 2 * DAY },
    ]);

    // Wiped and stamped again from every payment on record, the stamps come out the same.
    await db.updateTable('messages').set({ paid_at: null }).execute();
    await stampPaidMessages(db, 'all');
    expect(await stamped(world)).toEqual(incremental);
  });

  it('shows the stamp in the messages API and lists by it', async () => {
    world = await createWorld(START);
    const answered = await world.customer({ email: 'paid@example.com' });
    await world.method(answered, 'tok_insufficient_funds');
    const invoice = await world.invoice(answered, { total: 3_000, dueAt: START - DAY });
    const ignored = await world.customer({ email: 'unpaid@example.com' });
    await world.method(ignored, 'tok_insufficient_funds');
    await world.invoice(ignored, { total: 4_000, dueAt: START - DAY });
    await world.advance(START);
    await recordInvoicePayment(world.runtime.database, invoice, { amount: 3_000 }, START + DAY);

    const app = await buildApi(world.runtime, {
      rateLimits: { perMinute: 1_000_000, loginPerMinute: 1_000 },
    });
    try {
      const db = world.runtime.database.db;
      const key = (await createApiKey(db, { name: 'reader', scope: 'read', createdBy: null, now: 0 })).secret;
      const get = async (url: string) => {
        const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
        expect(res.statusCode, res.body).toBe(200);
        return res.json();
      };
      const messagesOf = (customer: string) =>
        db.selectFrom('messages').select('id').where('customer_id', '=', customer).orderBy('id').execute();
      const paid = (await messagesOf(answered)).map((m) => m.id);
      const unpaid = (await messagesOf(ignored)).map((m) => m.id);
      expect(paid.length).toBeGreaterThan(0);
      expect(unpaid.length).toBeGreaterThan(0);
      const paidAt = new Date(START + DAY).toISOString();
      expect(await get(`/v1/messages/${paid[0]}`)).toMatchObject({ paid_at: paidAt });
      expect(await get(`/v1/messages/${unpaid[0]}`)).toMatchObject({ paid_at: null });
      const listed = async (query: string) =>
        ((await get(`/v1/messages?${query}`)).data as { id: string; paid_at: string | null }[])
          .map((m) => m.id)
          .sort();
      expect(await listed('paid=true')).toEqual(paid);
      expect(await listed('paid=false')).toEqual(unpaid);
      const all = (await get('/v1/messages')).data as { id: string; paid_at: string | null }[];
      expect(
        all
          .filter((m) => m.paid_at === paidAt)
          .map((m) => m.id)
          .sort(),
      ).toEqual(paid);
    } finally {
      await app.close();
    }
  });

  it('leaves a message unstamped when the payment came more than 72 hours after it', async () => {
    world = await createWorld(START);
    const customer = await world.customer();
    await world.method(customer, 'tok_insufficient_funds');
    const invoice = await world.invoice(customer, { total: 2_000, dueAt: START - DAY });
    await world.advance(START);
    await world.advance(START + 72 * HOUR);
    const sentBefore = await world.runtime.database.db
      .selectFrom('messages')
      .select(['id', 'sent_at'])
      .where('status', '=', 'sent')
      .execute();
    expect(sentBefore.length).toBeGreaterThan(0);
    await recordInvoicePayment(world.runtime.database, invoice, { amount: 2_000 }, START + 72 * HOUR);
    const after = await world.runtime.database.db
      .selectFrom('messages')
      .select(['sent_at', 'paid_at'])
      .where('status', '=', 'sent')
      .execute();
    // Sent at START: 72 hours is outside the window. Any message sent in the tick at START + 72 h: inside it.
    for (const m of after) {
      expect(m.paid_at).toBe(START + 72 * HOUR - m.sent_at! < 72 * HOUR ? START + 72 * HOUR : null);
    }
    expect(after.some((m) => m.paid_at === null)).toBe(true);
  });
});
