import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/access/api-keys.ts';
import { buildApi } from '../../src/api/server.ts';
import type { Channel } from '../../src/channels/channel.ts';
import { decodeEncodedWords, parseHeaders } from '../../src/channels/email/mime-headers.ts';
import { SmtpChannel } from '../../src/channels/email/smtp-channel.ts';
import { TEST_DB } from '../support/databases.ts';
import { bodies } from '../support/mime.ts';
import { DAY, type World, createWorld } from '../support/world.ts';
import { type CapturedMail, type SmtpCapture, startSmtpCapture } from '../support/smtp-capture.ts';

// The API's two ways of sending an email now — a template's test send and a case's manual reminder — over a real
// SMTP server started here. Recipients named `<code>@…` are refused with that reply code.

const received: CapturedMail[] = [];
let server: SmtpCapture;
let world: World;
let app: FastifyInstance;
let key: string;

beforeAll(async () => {
  server = await startSmtpCapture(received, {
    onRcptTo(address, _session, callback) {
      const code = /^(\d{3})@/.exec(address.address)?.[1];
      if (!code) return callback();
      callback(Object.assign(new Error(`mailbox says ${code}`), { responseCode: Number(code) }));
    },
  });
  const port = server.port;
  const smtp = new SmtpChannel({ url: `smtp://127.0.0.1:${port}`, from: 'Recoup <billing@example.com>' });
  world = await createWorld(Date.UTC(2026, 2, 2, 9), {
    channels: new Map<string, Channel>([['email', smtp]]),
  });
  app = await buildApi(world.runtime, { rateLimits: { perMinute: 1_000_000, loginPerMinute: 1_000 } });
  key = (
    await createApiKey(world.runtime.database.db, { name: 'ops', scope: 'write', createdBy: null, now: 0 })
  ).secret;
});
afterAll(async () => {
  await app?.close();
  await world?.close();
  await server.close();
});

function post(url: string, body: unknown) {
  return app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${key}` },
    payload: body as object,
  });
}

const subjectOf = (raw: string) => decodeEncodedWords(parseHeaders(raw).get('subject')!);

describe(`emails sent from the API over real SMTP on ${TEST_DB}`, () => {
  it('a template test send arrives with [TEST] before the subject and the preview’s sample data', async () => {
    const res = await post('/v1/templates/test-send', {
      template: 'payment-failed',
      locale: 'fr',
      channel: 'email',
      to: 'designer@example.com',
    });
    expect(res.statusCode, res.body).toBe(200);
    const mail = received.find((m) => m.to.includes('designer@example.com'))!;
    expect(mail).toBeDefined();
    expect(subjectOf(mail.raw)).toMatch(/^\[TEST\] \S/);
    expect(subjectOf(mail.raw)).toContain('Recoup Demo Co.');
    expect(parseHeaders(mail.raw).get('message-id')).toContain(res.json().message_id);
    const text = bodies(mail.raw)
      .get('text/plain')!
      .replace(/[\u00a0\u202f]/g, ' ');
    expect(text).toContain('Ada Lovelace'); // the preview's sample customer
    expect(text).toContain('49,00 €');

    const refused = await post('/v1/templates/test-send', {
      template: 'payment-failed',
      locale: 'en',
      channel: 'email',
      to: '550@example.com',
    });
    expect(refused.statusCode).toBe(502);
    expect(refused.json().errors[0]).toMatchObject({
      field: 'body.to',
      reason: expect.stringContaining('550'),
    });
  });

  it('a manual reminder arrives once; a refused one is recorded failed, announced, and may be tried again', async () => {
    const db = world.runtime.database.db;
    const openCase = async (email: string) => {
      const customer = await world.customer({ email, locale: 'de-DE', timeZone: 'Europe/Berlin' });
      await world.method(customer, 'tok_insufficient_funds');
      await world.invoice(customer, { total: 123_456, currency: 'EUR', dueAt: world.clock.now() - DAY });
      await world.advance(world.clock.now());
      return (
        await db
          .selectFrom('cases')
          .select('id')
          .where('customer_id', '=', customer)
          .executeTakeFirstOrThrow()
      ).id;
    };

    const caseId = await openCase('grete@example.de');
    const before = received.filter((m) => m.to.includes('grete@example.de')).length; // the day-0 reminder
    const sent = await post(`/v1/cases/${caseId}/remind`, { channel: 'email', template: 'payment-urgent' });
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json()).toMatchObject({ status: 'sent', recipient: 'g***@example.de', locale: 'de' });
    const mails = received.filter((m) => m.to.includes('grete@example.de'));
    expect(mails).toHaveLength(before + 1);
    const mail = mails.at(-1)!;
    expect(parseHeaders(mail.raw).get('message-id')).toContain(sent.json().id);
    expect(parseHeaders(mail.raw).get('list-unsubscribe')).toContain(`/pay/${caseId}/unsubscribe`);
    expect(
      bodies(mail.raw)
        .get('text/plain')!
        .replace(/[\u00a0\u202f]/g, ' '),
    ).toContain('1.234,56 €');

    const bounced = await openCase('451@example.com');
    const failed = await post(`/v1/cases/${bounced}/remind`, {
      channel: 'email',
      template: 'payment-urgent',
    });
    expect(failed.statusCode, failed.body).toBe(201);
    expect(failed.json()).toMatchObject({ status: 'failed', error: expect.stringContaining('451') });
    const timeline = await db
      .selectFrom('timeline_events')
      .select(['type', 'step_id', 'rule'])
      .where('case_id', '=', bounced)
      .orderBy('id')
      .execute();
    expect(timeline.filter((e) => e.step_id === 'manual-remind-1')).toEqual([
      {
        type: 'manual.remind',
        step_id: 'manual-remind-1',
        rule: `reminder requested by API key ${keyPrefix()}`,
      },
      {
        type: 'message.failed',
        step_id: 'manual-remind-1',
        rule: expect.stringMatching(/^temporary failure: .*451.*; a manual reminder is not retried$/),
      },
    ]);
    const events = await db
      .selectFrom('outbox_events')
      .select('payload')
      .where('case_id', '=', bounced)
      .where('type', '=', 'message.failed')
      .execute();
    expect(events.map((e) => JSON.parse(e.payload).message_id)).toEqual([failed.json().id]);
    // A reminder that never left does not hold up the next one.
    const again = await post(`/v1/cases/${bounced}/remind`, { channel: 'email', template: 'payment-urgent' });
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json().step_id).toBe('manual-remind-2');
  });
});

function keyPrefix(): string {
  return /^(rcp_[0-9a-z]{10})_/.exec(key)![1]!;
}
