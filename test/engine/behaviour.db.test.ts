import { afterEach, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/policies/policy-file.ts';
import { recordExternalPayments } from '../../src/engine/external-payments.ts';
import { writeTransaction } from '../../src/store/database.ts';
import { applyPolicyVersion } from '../../src/store/policies.ts';
import { DAY, HOUR, type World, createWorld } from '../support/world.ts';

const START = Date.UTC(2026, 2, 2, 12); // Monday 2 March 2026, 12:00 UTC

async function runDays(world: World, days: number, everyHours = 6) {
  for (let t = world.clock.now(); t <= START + days * DAY; t += everyHours * HOUR) await world.advance(t);
}

describe('engine behaviour', () => {
  let world: World;
  afterEach(async () => world?.close());

  it('stops on a payment recorded from outside: the case closes and nothing more is sent or charged', async () => {
    world = await createWorld(START);
    const customer = await world.customer();
    await world.method(customer, 'tok_sim_insufficient_funds_never');
    const invoiceId = await world.invoice(customer, { total: 2_500, dueAt: START });
    await runDays(world, 4);
    const db = world.runtime.database.db;
    const before = {
      messages: (await db.selectFrom('messages').selectAll().execute()).length,
      attempts: (await db.selectFrom('payment_attempts').selectAll().execute()).length,
    };
    expect(before.messages).toBeGreaterThan(0);
    const invoice = await db
      .selectFrom('invoices')
      .selectAll()
      .where('id', '=', invoiceId)
      .executeTakeFirstOrThrow();
    await writeTransaction(world.runtime.database, async (trx) => {
      await trx
        .updateTable('invoices')
        .set({ amount_paid: 2_500, status: 'paid' })
        .where('id', '=', invoiceId)
        .execute();
      await recordExternalPayments(trx, [
        { invoice, amount: 2_500, source: 'api', reference: 'portal:1', at: world.clock.now() },
      ]);
    });
    const c = await db.selectFrom('cases').selectAll().executeTakeFirstOrThrow();
    expect(c.state).toBe('recovered');
    const pending = await db
      .selectFrom('scheduled_steps')
      .selectAll()
      .where('status', '=', 'pending')
      .execute();
    expect(pending).toEqual([]);
    await runDays(world, 30);
    expect((await db.selectFrom('messages').selectAll().execute()).length).toBe(before.messages);
    expect((await db.selectFrom('payment_attempts').selectAll().execute()).length).toBe(before.attempts);
  });

  it('never retries a hard-declined or expired card, and falls through to the next method in priority order', async () => {
    world = await createWorld(START);
    const customer = await world.customer();
    const lost = await world.method(customer, 'tok_lost_card', { priority: 1 });
    const expired = await world.method(customer, 'tok_ok', { priority: 2, expMonth: 1, expYear: 2026 });
    const backup = await world.method(customer, 'tok_sim_insufficient_funds_never', { priority: 3 });
    await world.invoice(customer, { total: 9_900, dueAt: START });
    await runDays(world, 25);
    const attempts = await world.runtime.database.db
      .selectFrom('payment_attempts')
      .selectAll()
      .orderBy('created_at')
      .execute();
    expect(attempts.filter((a) => a.payment_method_id === lost)).toHaveLength(1);
    expect(attempts.filter((a) => a.payment_method_id === expired)).toHaveLength(0);
    expect(attempts.filter((a) => a.payment_method_id === backup).length).toBeGreaterThan(3);
    expect(attempts[0]).toMatchObject({ payment_method_id: lost, decline_class: 'hard', stop_method: 1 });
    const c = await world.runtime.database.db.selectFrom('cases').selectAll().executeTakeFirstOrThrow();
    expect(c.state).toBe('cancelled'); // the policy's last step cancels the subscription on day 21
  });

  it('waits for the customer’s morning and skips a channel they opted out of', async () => {
    world = await createWorld(Date.UTC(2026, 2, 2, 3)); // 03:00 UTC = 22:00 in New York, 04:00 in Berlin
    const ny = await world.customer({ timeZone: 'America/New_York' });
    const optedOut = await world.customer({ timeZone: 'Europe/Berlin', optedOut: ['email'] });
    for (const c of [ny, optedOut]) {
      await world.method(c, 'tok_sim_insufficient_funds_never');
      await world.invoice(c, { total: 1_000, dueAt: world.clock.now() });
    }
    for (let t = world.clock.now(); t <= Date.UTC(2026, 2, 3, 3); t += 15 * 60_000) await world.advance(t);
    const db = world.runtime.database.db;
    const messages = await db.selectFrom('messages').selectAll().execute();
    expect(messages).toHaveLength(1);
    expect(messages[0]!.customer_id).toBe(ny);
    expect(messages[0]!.created_at).toBe(Date.UTC(2026, 2, 2, 13)); // 08:00 in New York (EST, UTC-5)
    const skipped = await db
      .selectFrom('timeline_events')
      .selectAll()
      .where('type', '=', 'step.skipped')
      .execute();
    expect(skipped.map((e) => e.rule)).toContain('customer opted out of email');
  });

  it('keeps running cases on their policy version while new cases start on the newest', async () => {
    world = await createWorld(START);
    const first = await world.customer();
    await world.method(first, 'tok_sim_insufficient_funds_never');
    await world.invoice(first, { total: 1_000, dueAt: START });
    await world.advance(START);
    const edited = parsePolicy(
      'name: card-subscription\nanchor: first_failure\nsteps:\n  - { id: only-retry, offset: P2D, action: retry }\n',
    );
    if (!edited.ok) throw new Error('test policy is invalid');
    await applyPolicyVersion(world.runtime.database.db, edited.value, '', START);
    const second = await world.customer({ email: 'b@example.com' });
    await world.method(second, 'tok_sim_insufficient_funds_never');
    await world.invoice(second, { total: 1_000, dueAt: START + HOUR });
    await world.advance(START + 2 * HOUR);
    const cases = await world.runtime.database.db
      .selectFrom('cases')
      .select(['customer_id', 'policy_version_id'])
      .execute();
    const byCustomer = Object.fromEntries(cases.map((c) => [c.customer_id, c.policy_version_id]));
    expect(byCustomer).toEqual({ [first]: 'card-subscription@1', [second]: 'card-subscription@2' });
  });

  it('reminds a B2B customer before and after the due date, then escalates to a person at +45 days', async () => {
    world = await createWorld(START);
    const customer = await world.customer({ timeZone: 'Europe/Berlin', locale: 'de-DE' });
    const due = Date.UTC(2026, 2, 16); // Monday 16 March
    await world.invoice(customer, {
      total: 120_000,
      currency: 'EUR',
      dueAt: due,
      collection: 'send_invoice',
    });
    await runDays(world, 65, 3);
    const db = world.runtime.database.db;
    const messages = await db.selectFrom('messages').selectAll().orderBy('created_at').execute();
    expect(messages.map((m) => m.template)).toEqual([
      'invoice-upcoming',
      'invoice-due',
      'invoice-overdue',
      'invoice-overdue-firm',
      'invoice-final-notice',
    ]);
    expect(messages[0]!.created_at).toBeLessThan(due);
    expect(messages.every((m) => m.locale === 'de')).toBe(true);
    expect(messages[0]!.body_text).toMatch(/1\.200,00\s€/); // Intl puts a no-break space before the sign
    const c = await db.selectFrom('cases').selectAll().executeTakeFirstOrThrow();
    expect(c.escalated_at).not.toBeNull();
    // With a collector now, the case stays open (nothing scheduled), so a later payment still recovers it.
    expect(c).toMatchObject({ state: 'open', next_due_at: null });
  });

  it('records each message once when one batch mixes reminders with retries that fall through to a second card', async () => {
    world = await createWorld(START);
    const reminded = await world.customer();
    await world.method(reminded, 'tok_sim_insufficient_funds_never');
    await world.invoice(reminded, { total: 1_000, dueAt: START });
    const retried = await world.customer({ email: 'r@example.com' });
    await world.method(retried, 'tok_sim_insufficient_funds_never', { priority: 1 });
    await world.method(retried, 'tok_ok', { priority: 2 });
    await world.invoice(retried, { total: 1_000, dueAt: START - DAY, failedAt: START - DAY });
    // At START the first customer's day-0 reminder and the second's day-1 retry are due in the same batch.
    await world.advance(START);
    const db = world.runtime.database.db;
    const cases = await db.selectFrom('cases').select(['customer_id', 'state']).execute();
    expect(Object.fromEntries(cases.map((c) => [c.customer_id, c.state]))).toEqual({
      [reminded]: 'open',
      [retried]: 'recovered',
    });
    expect(
      await db.selectFrom('messages').select('customer_id').where('customer_id', '=', reminded).execute(),
    ).toHaveLength(1);
  });
});
