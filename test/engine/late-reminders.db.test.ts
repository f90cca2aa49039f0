import { afterEach, describe, expect, it } from 'vitest';
import { TEST_DB } from '../support/databases.ts';
import { type World, createWorld } from '../support/world.ts';

const DUE = Date.UTC(2026, 2, 16); // Monday 16 March 2026: the B2B policy reminds at -3, 0, +7, +14, +30 days

describe(`late reminders on ${TEST_DB}: ticks days apart`, () => {
  let world: World;
  afterEach(async () => world?.close());

  it('sends only the latest of the reminders due at once and marks the earlier ones superseded', async () => {
    // The case opens when its first reminder falls due, at night in Berlin: that reminder waits for the morning.
    world = await createWorld(DUE - 3 * 86_400_000);
    const customer = await world.customer({ timeZone: 'Europe/Berlin' });
    await world.invoice(customer, {
      total: 120_000,
      currency: 'EUR',
      dueAt: DUE,
      collection: 'send_invoice',
    });
    await world.advance(DUE - 3 * 86_400_000);
    // The worker is down until two days after the due date, then until the day of the second overdue reminder.
    await world.advance(Date.UTC(2026, 2, 18, 10));
    await world.advance(Date.UTC(2026, 2, 30, 10));

    const db = world.runtime.database.db;
    const messages = await db
      .selectFrom('messages')
      .select(['template', 'created_at'])
      .orderBy('created_at')
      .execute();
    expect(messages).toEqual([
      { template: 'invoice-due', created_at: Date.UTC(2026, 2, 18, 10) },
      { template: 'invoice-overdue-firm', created_at: Date.UTC(2026, 2, 30, 10) },
    ]);
    const steps = await db
      .selectFrom('scheduled_steps')
      .select(['step_id', 'status'])
      .orderBy('position')
      .execute();
    expect(steps).toEqual([
      { step_id: 'upcoming', status: 'superseded' },
      { step_id: 'due-today', status: 'done' },
      { step_id: 'overdue-7', status: 'superseded' },
      { step_id: 'overdue-14', status: 'done' },
      { step_id: 'final-notice-30', status: 'pending' },
      { step_id: 'escalate-45', status: 'pending' },
    ]);
    const superseded = await db
      .selectFrom('timeline_events')
      .select(['step_id', 'at', 'data'])
      .where('type', '=', 'step.superseded')
      .orderBy('at')
      .execute();
    expect(superseded.map((e) => ({ ...e, data: JSON.parse(e.data) }))).toEqual([
      { step_id: 'upcoming', at: Date.UTC(2026, 2, 18, 10), data: { by: 'due-today' } },
      { step_id: 'overdue-7', at: Date.UTC(2026, 2, 30, 10), data: { by: 'overdue-14' } },
    ]);
    const c = await db.selectFrom('cases').select(['state', 'next_due_at']).executeTakeFirstOrThrow();
    expect(c).toEqual({ state: 'open', next_due_at: Date.UTC(2026, 3, 15) });
  });
});
