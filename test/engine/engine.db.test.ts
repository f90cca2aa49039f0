import { afterEach, describe, expect, it } from 'vitest';
import { type World, DAY, HOUR, createWorld } from '../support/world.ts';

const START = Date.UTC(2026, 2, 2, 12); // Monday 2 March 2026, 12:00 UTC

describe('engine on a card subscription case', () => {
  let world: World;
  afterEach(async () => world?.close());

  it('opens a case on a failed charge, reminds, retries and recovers, then stops', async () => {
    world = await createWorld(START);
    const customer = await world.customer({ timeZone: 'America/New_York' });
    await world.method(customer, 'tok_succeeds_after_3');
    await world.invoice(customer, { total: 4_900, dueAt: START - HOUR });

    for (let t = START; t <= START + 30 * DAY; t += 6 * HOUR) await world.advance(t);

    const db = world.runtime.database.db;
    const c = await db.selectFrom('cases').selectAll().executeTakeFirstOrThrow();
    expect(c.state).toBe('recovered');
    expect(c.amount_recovered).toBe(4_900);
    const invoice = await db.selectFrom('invoices').selectAll().executeTakeFirstOrThrow();
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 4_900 });
    const attempts = await db.selectFrom('payment_attempts').selectAll().orderBy('created_at').execute();
    expect(attempts.map((a) => a.status)).toEqual(['failed', 'failed', 'failed', 'succeeded']);
    expect(new Set(attempts.map((a) => a.idempotency_key)).size).toBe(4);
    const pending = await db
      .selectFrom('scheduled_steps')
      .selectAll()
      .where('status', '=', 'pending')
      .execute();
    expect(pending).toEqual([]);
    const messages = await db.selectFrom('messages').selectAll().execute();
    const recoveredAt = (
      await db
        .selectFrom('timeline_events')
        .select('at')
        .where('type', '=', 'case.recovered')
        .executeTakeFirstOrThrow()
    ).at;
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.every((m) => m.created_at <= recoveredAt)).toBe(true);
    const events = await db
      .selectFrom('timeline_events')
      .selectAll()
      .where('type', '!=', 'case.opened')
      .execute();
    expect(events.every((e) => e.policy_version_id === 'card-subscription@1' && e.rule)).toBe(true);
  });
});
