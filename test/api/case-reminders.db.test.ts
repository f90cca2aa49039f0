import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOutbox } from '../../src/channels/email/outbox-channel.ts';
import { type ApiWorld, type Caller, createApiWorld } from '../support/api.ts';
import { TEST_DB } from '../support/databases.ts';
import { DAY, HOUR } from '../support/world.ts';

// Monday 2 March 2026, 09:00 UTC: 10:00 in Berlin, 04:00 in New York (still EST).
const START = Date.UTC(2026, 2, 2, 9);

let api: ApiWorld;
beforeAll(async () => {
  api = await createApiWorld(START);
});
afterAll(async () => api?.close());

const db = () => api.world.runtime.database.db;
const now = () => api.world.clock.now();
const WRITE: Caller = { scope: 'write' };

/** A card case whose day-0 reminder the tick sent (or deferred); the customer's zone and opt-outs as given. */
async function openCase(input: { timeZone?: string; optedOut?: string[] } = {}): Promise<string> {
  const customer = await api.world.customer({ timeZone: input.timeZone ?? 'Europe/Berlin', ...input });
  await api.world.method(customer, 'tok_insufficient_funds');
  await api.world.invoice(customer, { total: 4_900, currency: 'EUR', dueAt: now() - DAY });
  await api.world.advance(now());
  const c = await db()
    .selectFrom('cases')
    .select('id')
    .where('customer_id', '=', customer)
    .executeTakeFirstOrThrow();
  return c.id;
}

function remind(caseId: string, body: Record<string, unknown>, caller: Caller = WRITE, headers = {}) {
  return api.call(caller, { method: 'POST', url: `/v1/cases/${caseId}/remind`, body, headers });
}

async function messagesOf(caseId: string) {
  return db()
    .selectFrom('messages')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('created_at')
    .execute();
}

async function eventsOf(caseId: string) {
  return db().selectFrom('timeline_events').selectAll().where('case_id', '=', caseId).orderBy('id').execute();
}

describe(`send a reminder now on ${TEST_DB}`, () => {
  it('sends through the engine’s path and records the message, the timeline and the webhook event', async () => {
    const caseId = await openCase();
    expect(await messagesOf(caseId)).toHaveLength(1); // the day-0 reminder
    const res = await remind(
      caseId,
      { channel: 'email', template: 'payment-urgent', locale: 'de' },
      {
        role: 'agent',
      },
    );
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      case_id: caseId,
      step_id: 'manual-remind-1',
      channel: 'email',
      template: 'payment-urgent',
      locale: 'de',
      status: 'sent',
      recipient: 'a***@example.com',
      error: null,
      sent_at: new Date(now()).toISOString(),
    });

    const stored = (await messagesOf(caseId)).find((m) => m.id === body.id)!;
    expect(stored).toMatchObject({
      status: 'sent',
      step_id: 'manual-remind-1',
      idempotency_key: `recoup:${caseId}:manual-remind-1:message`,
      subject: body.subject,
    });
    expect(stored.body_text).toContain('49,00');
    const mail = (await listOutbox(api.world.outbox)).find((e) => e.id === body.id);
    expect(mail).toMatchObject({ to: 'ada@example.com', subject: body.subject });

    const timeline = (await eventsOf(caseId)).slice(-2);
    expect(timeline.map((e) => [e.type, e.step_id])).toEqual([
      ['manual.remind', 'manual-remind-1'],
      ['message.sent', 'manual-remind-1'],
    ]);
    expect(timeline[0]).toMatchObject({ rule: 'reminder requested by agent@example.com' });
    expect(JSON.parse(timeline[0]!.data)).toMatchObject({
      by: { kind: 'user', name: 'agent@example.com' },
      message: body.id,
      template: 'payment-urgent',
    });
    expect(timeline[1]!.rule).toBe('manual reminder by agent@example.com: payment-urgent by email');
    const outbox = await db()
      .selectFrom('outbox_events')
      .select('payload')
      .where('case_id', '=', caseId)
      .where('type', '=', 'message.sent')
      .execute();
    expect(outbox.map((e) => JSON.parse(e.payload))).toContainEqual({
      message_id: body.id,
      step_id: 'manual-remind-1',
      channel: 'email',
      template: 'payment-urgent',
      locale: 'de',
    });
    const c = await db()
      .selectFrom('cases')
      .select('lease_owner')
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    expect(c.lease_owner).toBeNull();
  });

  it('refuses a second manual reminder within a minute, then the policy’s message limit', async () => {
    const caseId = await openCase();
    const ask = () => remind(caseId, { channel: 'email', template: 'payment-failed' });
    expect((await ask()).statusCode).toBe(201);
    api.world.clock.set(now() + 30_000);
    const soon = await ask();
    expect(soon.statusCode).toBe(409);
    expect(soon.json().errors[0]).toEqual({
      field: 'path.id',
      reason:
        'a manual reminder was sent to this case less than a minute ago; the next one is allowed in 30 s',
    });
    api.world.clock.set(now() + 31_000);
    const second = await ask();
    expect(second.statusCode, second.body).toBe(201);
    expect(second.json().step_id).toBe('manual-remind-2');
    // card-subscription allows 3 messages in 7 days: day 0 and the two manual ones.
    api.world.clock.set(now() + HOUR);
    const capped = await ask();
    expect(capped.statusCode).toBe(409);
    expect(capped.json().detail).toMatch(
      /^path\.id: not sent: message limit: 3 messages in 7 days \(max 3\); a reminder is allowed from \w{3} 2026-03-09 10:00 Europe\/Berlin \(2026-03-09T09:00:00\.001Z;/,
    );
    expect(await messagesOf(caseId)).toHaveLength(3);
  });

  it('refuses outside the customer’s contact hours, saying when it becomes allowed in their zone', async () => {
    api.world.clock.set(START + 2 * DAY); // Wednesday 09:00 UTC: 04:00 in New York
    const caseId = await openCase({ timeZone: 'America/New_York' });
    const before = { messages: await messagesOf(caseId), events: await eventsOf(caseId) };
    expect(before.messages).toHaveLength(0); // the day-0 reminder waits for 08:00 too
    const res = await remind(caseId, { channel: 'email', template: 'payment-failed' });
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toBe(
      'path.id: not sent: outside contact hours 08:00–21:00 in America/New_York; a reminder is allowed from ' +
        'Wed 2026-03-04 08:00 America/New_York (2026-03-04T13:00:00.000Z; contact hours 08:00–21:00 local time)',
    );
    expect(await messagesOf(caseId)).toEqual(before.messages);
    expect(await eventsOf(caseId)).toEqual(before.events);
    const c = await db()
      .selectFrom('cases')
      .select('lease_owner')
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    expect(c.lease_owner).toBeNull();
  });

  it('honours opt-outs, pauses, closed cases, a working worker and bad input', async () => {
    const optedOut = await openCase({ optedOut: ['email'] });
    const refused = await remind(optedOut, { channel: 'email', template: 'payment-failed' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().errors[0].reason).toBe('not sent: customer opted out of email');
    expect(await messagesOf(optedOut)).toHaveLength(0);

    const caseId = await openCase();
    const template = await remind(caseId, { channel: 'email', template: 'no-such-template' });
    expect(template.statusCode).toBe(400);
    expect(template.json().errors).toEqual([
      { field: 'body.template', reason: "no template named 'no-such-template'" },
    ]);
    const locale = await remind(caseId, {
      channel: 'email',
      template: 'payment-failed',
      locale: 'not a locale',
    });
    expect(locale.statusCode).toBe(400);
    expect(locale.json().errors[0].field).toBe('body.locale');
    const channel = await remind(caseId, { channel: 'sms', template: 'payment-failed' });
    expect(channel.json().errors[0].field).toBe('body.channel');
    expect((await remind('case_nope', { channel: 'email', template: 'payment-failed' })).statusCode).toBe(
      404,
    );
    await api.signIn('viewer'); // sessions follow the virtual clock, which earlier tests moved by days
    expect(
      (await remind(caseId, { channel: 'email', template: 'payment-failed' }, { role: 'viewer' })).statusCode,
    ).toBe(403);

    await db()
      .updateTable('cases')
      .set({ lease_owner: 'some-worker', lease_expires_at: Date.now() + 60_000 })
      .where('id', '=', caseId)
      .execute();
    const leased = await remind(caseId, { channel: 'email', template: 'payment-failed' });
    expect(leased.statusCode).toBe(409);
    expect(leased.json().errors[0].reason).toMatch(/^a worker is working this case right now/);
    await db()
      .updateTable('cases')
      .set({ lease_owner: null, lease_expires_at: null })
      .where('id', '=', caseId)
      .execute();

    const pause = await api.call(WRITE, { method: 'POST', url: `/v1/cases/${caseId}/pause` });
    expect(pause.statusCode).toBe(200);
    const paused = await remind(caseId, { channel: 'email', template: 'payment-failed' });
    expect(paused.statusCode).toBe(409);
    expect(paused.json().errors[0].reason).toBe('the case is paused; resume it first');
    const cancel = await api.call(WRITE, {
      method: 'POST',
      url: `/v1/cases/${caseId}/cancel`,
      body: { reason: 'paid elsewhere' },
    });
    expect(cancel.statusCode).toBe(200);
    const closed = await remind(caseId, { channel: 'email', template: 'payment-failed' });
    expect(closed.statusCode).toBe(409);
    expect(closed.json().errors[0].reason).toBe('the case is cancelled; only an open case can be reminded');
    expect(await messagesOf(caseId)).toHaveLength(1); // the day-0 reminder only
  });

  it('sends once: a replayed Idempotency-Key answers the same message, and two requests at once send one', async () => {
    const caseId = await openCase();
    const body = { channel: 'email', template: 'payment-failed' };
    const first = await remind(caseId, body, WRITE, { 'idempotency-key': 'remind-1' });
    const replay = await remind(caseId, body, WRITE, { 'idempotency-key': 'remind-1' });
    expect(first.statusCode, first.body).toBe(201);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().id).toBe(first.json().id);
    expect(await messagesOf(caseId)).toHaveLength(2);

    const other = await openCase();
    const both = await Promise.all([remind(other, body), remind(other, body)]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    const manual = (await messagesOf(other)).filter((m) => m.step_id.startsWith('manual-remind-'));
    expect(manual).toHaveLength(1);
  });
});
