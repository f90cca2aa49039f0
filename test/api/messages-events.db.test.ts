import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiWorld, type Caller, createApiWorld } from '../support/api.ts';
import { TEST_DB } from '../support/databases.ts';
import { DAY, HOUR } from '../support/world.ts';

let api: ApiWorld;
const cases: { customerId: string; caseId: string }[] = [];

// Three card customers a day into dunning: each has had its day-0 reminder and a first retry.
beforeAll(async () => {
  api = await createApiWorld();
  const now = api.world.clock.now();
  for (const locale of ['en-US', 'de-DE', 'fr-FR']) {
    const customerId = await api.world.customer({ locale });
    await api.world.method(customerId, 'tok_insufficient_funds');
    await api.world.invoice(customerId, { total: 2_000, dueAt: now - DAY });
  }
  await api.world.advance(now);
  await api.world.advance(now + 2 * DAY + HOUR); // retry-2 and the day-3 reminder
  const rows = await api.world.runtime.database.db
    .selectFrom('cases')
    .select(['id', 'customer_id'])
    .orderBy('id')
    .execute();
  cases.push(...rows.map((r) => ({ customerId: r.customer_id, caseId: r.id })));
});
afterAll(async () => api?.close());

const READ: Caller = { scope: 'read' };
const db = () => api.world.runtime.database.db;

async function walk(path: string, limit: number): Promise<{ id: string }[]> {
  const seen: { id: string }[] = [];
  let url = `${path}${path.includes('?') ? '&' : '?'}limit=${limit}`;
  for (let page = 0; page < 200; page++) {
    const res = await api.call(READ, { method: 'GET', url });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data.length).toBeLessThanOrEqual(limit);
    seen.push(...res.json().data);
    const next = res.json().next_cursor;
    if (next === null) return seen;
    url = `${path}${path.includes('?') ? '&' : '?'}limit=${limit}&cursor=${next}`;
  }
  throw new Error('pagination never ended');
}

describe(`messages API on ${TEST_DB}`, () => {
  it('walks every message exactly once, newest first, and filters by case, customer, channel and status', async () => {
    const all = await db().selectFrom('messages').select('id').orderBy('id', 'desc').execute();
    expect(all.length).toBe(6);
    expect((await walk('/v1/messages', 4)).map((m) => m.id)).toEqual(all.map((m) => m.id));

    const { caseId, customerId } = cases[1]!;
    const ofCase = await walk(`/v1/messages?case_id=${caseId}`, 10);
    expect(ofCase).toHaveLength(2);
    expect(ofCase.map((m) => (m as unknown as { template: string }).template)).toEqual([
      'payment-retry-reminder',
      'payment-failed',
    ]);
    expect(ofCase[0]).toMatchObject({
      case_id: caseId,
      customer_id: customerId,
      locale: 'de',
      status: 'sent',
    });
    expect(ofCase[0]).not.toHaveProperty('recipient');
    expect(ofCase[0]).not.toHaveProperty('body_text');
    expect(await walk(`/v1/messages?customer_id=${customerId}`, 10)).toEqual(ofCase);
    expect(await walk('/v1/messages?channel=email&status=sent', 10)).toHaveLength(6);
    expect(await walk('/v1/messages?status=failed', 10)).toEqual([]);
    expect(await walk('/v1/messages?channel=sms', 10)).toEqual([]);
  });

  it('shows one message with its rendered text and HTML, but not its recipient', async () => {
    const message = await db()
      .selectFrom('messages')
      .select('id')
      .where('case_id', '=', cases[1]!.caseId)
      .where('template', '=', 'payment-failed')
      .executeTakeFirstOrThrow();
    await api.signIn('viewer'); // the clock moved past the session's 12 hours
    const res = await api.call({ role: 'viewer' }, { method: 'GET', url: `/v1/messages/${message.id}` });
    expect(res.statusCode, res.body).toBe(200);
    const m = res.json();
    expect(m).toMatchObject({
      id: message.id,
      channel: 'email',
      template: 'payment-failed',
      locale: 'de',
      status: 'sent',
      step_id: 'remind-day-0',
      subject: expect.stringContaining('Ihre Zahlung'),
      body_text: expect.stringContaining('Guten Tag'),
      body_html: expect.stringContaining('<html'),
    });
    expect(m.sent_at).toMatch(/Z$/);
    expect(m).not.toHaveProperty('recipient');
    expect(JSON.stringify(m)).not.toContain('ada@example.com');
    const missing = await api.call(READ, { method: 'GET', url: '/v1/messages/msg_nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().errors[0].field).toBe('path.id');
  });

  it('refuses bad filters naming the query field', async () => {
    const res = await api.call(READ, { method: 'GET', url: '/v1/messages?status=lost' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('query.status');
    const anonymous = await api.call('anonymous', { method: 'GET', url: '/v1/messages' });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe(`events API on ${TEST_DB}`, () => {
  it('walks every outbox event exactly once, newest first, and filters by type and case', async () => {
    const all = await db()
      .selectFrom('outbox_events')
      .select(['id', 'type', 'case_id'])
      .orderBy('id', 'desc')
      .execute();
    expect(all.length).toBeGreaterThan(6);
    expect((await walk('/v1/events', 5)).map((e) => e.id)).toEqual(all.map((e) => e.id));

    const opened = await walk('/v1/events?type=case.opened', 10);
    expect(opened.map((e) => (e as unknown as { case_id: string }).case_id).sort()).toEqual(
      cases.map((c) => c.caseId).sort(),
    );
    const { caseId, customerId } = cases[0]!;
    const ofCase = await walk(`/v1/events?case_id=${caseId}`, 3);
    expect(ofCase.map((e) => e.id)).toEqual(all.filter((e) => e.case_id === caseId).map((e) => e.id));
    const failed = await walk(`/v1/events?case_id=${caseId}&type=payment.failed`, 10);
    expect(failed).toHaveLength(2);
    expect(failed[0]).toMatchObject({
      type: 'payment.failed',
      case_id: caseId,
      customer_id: customerId,
      data: { amount: 2_000, currency: 'USD', decline_code: 'insufficient_funds', decline_class: 'soft' },
    });
  });

  it('shows one event with its data and sequence; unknown ids and types are refused by name', async () => {
    const row = await db()
      .selectFrom('outbox_events')
      .selectAll()
      .where('type', '=', 'case.opened')
      .where('case_id', '=', cases[2]!.caseId)
      .executeTakeFirstOrThrow();
    const res = await api.call(READ, { method: 'GET', url: `/v1/events/${row.id}` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      id: row.id,
      type: 'case.opened',
      sequence: Number(row.seq),
      case_id: cases[2]!.caseId,
      customer_id: cases[2]!.customerId,
      created_at: new Date(Number(row.created_at)).toISOString(),
      data: JSON.parse(row.payload),
    });
    expect(res.json().data).toMatchObject({ currency: 'USD', amount_due: 2_000, reason: 'charge_failed' });
    const missing = await api.call(READ, { method: 'GET', url: '/v1/events/evt_nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().errors[0].field).toBe('path.id');
    const badType = await api.call(READ, { method: 'GET', url: '/v1/events?type=case.exploded' });
    expect(badType.statusCode).toBe(400);
    expect(badType.json().errors[0].field).toBe('query.type');
  });
});
