import { afterEach, describe, expect, it } from 'vitest';
import { DAY, HOUR, type World, createWorld } from '../../support/world.ts';
import { deliverStripe, stripeEvent, stripeInvoice } from './support.ts';

const START = Date.UTC(2026, 2, 2, 12); // Monday 2 March 2026, 12:00 UTC

describe('Stripe webhook: a payment from Stripe stops the engine', () => {
  let world: World;
  afterEach(async () => world?.close());

  it('opens a card case from invoice.payment_failed, and invoice.paid closes it before the next retry', async () => {
    world = await createWorld(START);
    const db = world.runtime.database.db;

    const failed = stripeEvent('evt_failed', 'invoice.payment_failed', START, stripeInvoice());
    expect(await deliverStripe(world, failed)).toMatchObject({ status: 'applied', eventId: 'evt_failed' });
    const customer = await db
      .selectFrom('customers')
      .select('id')
      .where('external_id', '=', 'cus_1')
      .executeTakeFirstOrThrow();
    await world.method(customer.id, 'tok_insufficient_funds');

    await world.advance(START); // the case opens and the day-0 reminder goes out
    await world.advance(START + DAY); // retry-1 is declined: insufficient funds
    const c = await db.selectFrom('cases').selectAll().executeTakeFirstOrThrow();
    expect(c.state).toBe('open');
    const firstAttempts = await db.selectFrom('payment_attempts').selectAll().execute();
    expect(firstAttempts.map((a) => [a.step_id, a.status, a.decline_class])).toEqual([
      ['retry-1', 'failed', 'soft'],
    ]);
    const messagesBefore = await db.selectFrom('messages').select(['id', 'step_id']).execute();
    expect(messagesBefore.map((m) => m.step_id)).toEqual(['remind-day-0']);

    const paidAt = START + DAY + HOUR;
    world.clock.set(paidAt);
    const paid = stripeEvent(
      'evt_paid',
      'invoice.paid',
      paidAt,
      stripeInvoice({ status: 'paid', amount_paid: 4_900, amount_remaining: 0 }),
    );
    expect(await deliverStripe(world, paid)).toMatchObject({ status: 'applied', type: 'invoice.paid' });

    // Closed with its steps cancelled in the webhook's own transaction, before any tick.
    const closed = await db.selectFrom('cases').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
    expect(closed).toMatchObject({ state: 'recovered', amount_recovered: 4_900, closed_at: paidAt });
    const pendingNow = await db
      .selectFrom('scheduled_steps')
      .select('step_id')
      .where('status', '=', 'pending')
      .execute();
    expect(pendingNow).toEqual([]);

    // retry-2 and remind-day-3 were due on day 3: the clock passes them and a tick runs.
    await world.advance(START + 3 * DAY + 2 * HOUR);

    const attempts = await db.selectFrom('payment_attempts').select('id').execute();
    expect(attempts).toHaveLength(1);
    const messages = await db.selectFrom('messages').select('id').execute();
    expect(messages.map((m) => m.id)).toEqual(messagesBefore.map((m) => m.id));
    const after = await db.selectFrom('cases').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
    expect(after.state).toBe('recovered');
    const steps = await db.selectFrom('scheduled_steps').selectAll().where('case_id', '=', c.id).execute();
    const byId = new Map(steps.map((s) => [s.step_id, s.status]));
    expect(byId.get('retry-1')).toBe('done');
    expect(byId.get('retry-2')).toBe('cancelled');
    expect(byId.get('remind-day-3')).toBe('cancelled');
    expect(steps.filter((s) => s.status === 'pending')).toEqual([]);
    const invoice = await db.selectFrom('invoices').selectAll().executeTakeFirstOrThrow();
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 4_900, total: 4_900 });
    const payments = await db.selectFrom('payments').select(['amount', 'case_id']).execute();
    expect(payments).toEqual([{ amount: 4_900, case_id: c.id }]);

    // The timeline names the Stripe event before the payment and the closing it caused.
    const timeline = await db
      .selectFrom('timeline_events')
      .select(['type', 'rule'])
      .where('case_id', '=', c.id)
      .where('at', '=', paidAt)
      .orderBy('id')
      .execute();
    expect(timeline.map((e) => e.type)).toEqual(['inbound.event', 'payment.recorded', 'case.recovered']);
    expect(timeline[0]!.rule).toContain('Stripe event evt_paid (invoice.paid)');
  });
});
