import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiWorld, type Caller, createApiWorld } from '../support/api.ts';
import { TEST_DB } from '../support/databases.ts';
import { DAY } from '../support/world.ts';

const START = Date.UTC(2026, 2, 2, 9); // Monday, 10:00 in Berlin
const AGENT: Caller = { role: 'agent' };

let api: ApiWorld;
beforeAll(async () => {
  api = await createApiWorld(START);
});
afterAll(async () => api?.close());

const db = () => api.world.runtime.database.db;
const eml = () => readdirSync(api.world.outbox).filter((f) => f.endsWith('.eml'));

/**
 * A case whose reminder left the state a crash leaves with a channel that cannot tell (an SMTP server): the message
 * and its step `unknown`. Returns the message id.
 */
async function unknownMessage(email: string): Promise<string> {
  const customer = await api.world.customer({ timeZone: 'Europe/Berlin', email });
  await api.world.method(customer, 'tok_insufficient_funds');
  await api.world.invoice(customer, { total: 4_900, currency: 'EUR', dueAt: START - DAY });
  await api.world.advance(START);
  const m = await db()
    .selectFrom('messages')
    .select(['id', 'case_id', 'step_id'])
    .where('customer_id', '=', customer)
    .executeTakeFirstOrThrow();
  await db()
    .updateTable('messages')
    .set({ status: 'unknown', sent_at: null })
    .where('id', '=', m.id)
    .execute();
  await db()
    .updateTable('scheduled_steps')
    .set({ status: 'unknown' })
    .where('case_id', '=', m.case_id)
    .where('step_id', '=', m.step_id)
    .execute();
  return m.id;
}

const post = (id: string, verb: string, caller: Caller = AGENT) =>
  api.call(caller, { method: 'POST', url: `/v1/messages/${id}/${verb}` });

describe(`unknown messages on ${TEST_DB}: listed for a person, resent or marked sent`, () => {
  it('lists unknown messages and resends one once, as a new message, recorded in the timeline', async () => {
    const first = await unknownMessage('first@example.com');
    const listed = await api.call(AGENT, { method: 'GET', url: '/v1/messages?status=unknown' });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().data.map((m: { id: string }) => m.id)).toEqual([first]);

    expect((await post(first, 'resend', { role: 'viewer' })).statusCode).toBe(403);
    const files = eml().length;
    const resent = await post(first, 'resend');
    expect(resent.statusCode, resent.body).toBe(200);
    const resend = resent.json();
    expect(resend.status).toBe('sent');
    expect(resend.id).not.toBe(first);
    expect(eml()).toHaveLength(files + 1);

    // Asked again (a retried request, a second person), nothing more is sent.
    const again = await post(first, 'resend');
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json().id).toBe(resend.id);
    expect(eml()).toHaveLength(files + 1);

    const original = await db()
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', first)
      .executeTakeFirstOrThrow();
    expect(original.status).toBe('resent');
    expect(resend).toMatchObject({
      template: original.template,
      subject: original.subject,
      step_id: original.step_id,
    });
    const step = await db()
      .selectFrom('scheduled_steps')
      .select('status')
      .where('case_id', '=', original.case_id)
      .where('step_id', '=', original.step_id)
      .executeTakeFirstOrThrow();
    expect(step.status).toBe('done');
    const events = await db()
      .selectFrom('timeline_events')
      .select(['type', 'data'])
      .where('case_id', '=', original.case_id)
      .where('type', 'in', ['message.resend', 'message.sent'])
      .orderBy('id')
      .execute();
    expect(events.map((e) => [e.type, JSON.parse(e.data).resend ?? null])).toEqual([
      ['message.sent', null],
      ['message.resend', resend.id],
      ['message.sent', resend.id],
    ]);
    expect(JSON.parse(events[1]!.data).by).toMatchObject({ kind: 'user', name: 'agent@example.com' });

    // Neither the resent message nor its resend can be resent or marked sent into a second message.
    expect((await post(first, 'mark-sent')).statusCode).toBe(409);
    expect((await post(resend.id, 'resend')).statusCode).toBe(409);
    expect(eml()).toHaveLength(files + 1);
    const audit = await db()
      .selectFrom('audit_log')
      .select(['route', 'status_code'])
      .where('object_id', '=', first)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => [a.route, a.status_code])).toEqual([
      ['/v1/messages/:id/resend', 403],
      ['/v1/messages/:id/resend', 200],
      ['/v1/messages/:id/resend', 200],
      ['/v1/messages/:id/mark-sent', 409],
    ]);
  });

  it('marks an unknown message sent, idempotently, and then refuses to resend it', async () => {
    const id = await unknownMessage('second@example.com');
    const files = eml().length;
    const marked = await post(id, 'mark-sent');
    expect(marked.statusCode, marked.body).toBe(200);
    const row = await db().selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(marked.json()).toMatchObject({
      id,
      status: 'sent',
      sent_at: new Date(row.created_at).toISOString(),
    });
    const again = await post(id, 'mark-sent');
    expect(again.statusCode).toBe(200);
    expect(again.json().status).toBe('sent');
    const refused = await post(id, 'resend');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().errors[0].reason).toMatch(/second time/);
    expect(eml()).toHaveLength(files);
    const marks = await db()
      .selectFrom('timeline_events')
      .select('type')
      .where('case_id', '=', row.case_id)
      .where('type', '=', 'message.marked_sent')
      .execute();
    expect(marks).toHaveLength(1);
    expect((await post('msg_nope', 'mark-sent')).statusCode).toBe(404);
  });
});
