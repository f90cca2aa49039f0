import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/access/users.ts';
import { buildApi } from '../../src/api/server.ts';
import type { Channel } from '../../src/channels/channel.ts';
import { decodeEncodedWords, parseHeaders } from '../../src/channels/email/mime-headers.ts';
import { SmtpChannel } from '../../src/channels/email/smtp-channel.ts';
import { tick } from '../../src/engine/tick.ts';
import { MemoryLedger } from '../../src/gateways/sandbox/memory-ledger.ts';
import { type Runtime, openRuntime } from '../../src/runtime/runtime.ts';
import type { Role } from '../../src/store/schema/api.ts';
import { TEST_DB } from '../support/databases.ts';
import { bodies } from '../support/mime.ts';
import { DAY, type World, createWorld } from '../support/world.ts';
import { type CapturedMail, type SmtpCapture, startSmtpCapture } from '../support/smtp-capture.ts';

// Editing email templates through the API, end to end: a saved version is what the engine sends (over a real SMTP
// server started here), in this process and in a second runtime on the same database, until it is reset.

const PASSWORD = 'correct horse battery staple';
const received: CapturedMail[] = [];
let server: SmtpCapture;
let smtpUrl: string;
let world: World;
let app: FastifyInstance;
const sessions = new Map<Role, { cookie: string; csrf: string }>();

beforeAll(async () => {
  server = await startSmtpCapture(received);
  smtpUrl = server.url;
  world = await createWorld(Date.UTC(2026, 2, 2, 9), { channels: smtpChannels() });
  app = await buildApi(world.runtime, { rateLimits: { perMinute: 1_000_000, loginPerMinute: 1_000 } });
  for (const role of ['manager', 'agent', 'viewer'] as const) {
    await createUser(world.runtime.database.db, {
      email: `${role}@example.com`,
      role,
      password: PASSWORD,
      now: world.clock.now(),
    });
    const res = await app.inject({
      method: 'POST',
      url: '/v1/session',
      payload: { email: `${role}@example.com`, password: PASSWORD },
    });
    expect(res.statusCode, res.body).toBe(201);
    const cookie = res.cookies.find((c) => c.name === 'recoup_session')!;
    sessions.set(role, { cookie: `recoup_session=${cookie.value}`, csrf: res.json().csrf_token });
  }
});
afterAll(async () => {
  await app?.close();
  await world?.close();
  await server.close();
});

function smtpChannels(): Map<string, Channel> {
  return new Map<string, Channel>([
    ['email', new SmtpChannel({ url: smtpUrl, from: 'billing@example.com' })],
  ]);
}

function call(
  role: Role,
  method: 'GET' | 'PUT' | 'POST',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const session = sessions.get(role)!;
  return app.inject({
    method,
    url,
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, ...headers },
    ...(body === undefined ? {} : { payload: body as object }),
  });
}

const save = (role: Role, name: string, locale: string, body: unknown) =>
  call(role, 'PUT', `/v1/templates/${name}/locales/${locale}`, body);
const reset = (role: Role, name: string, locale: string, headers: Record<string, string> = {}) =>
  call(role, 'POST', `/v1/templates/${name}/locales/${locale}/reset`, undefined, headers);

const EDITED = {
  subject: 'Heads up, {{ customer.name }}: {{ amountDue | money }} is still open',
  text: 'Hi {{ customer.name }},\n\nedited text: please pay {{ amountDue | money }} at {{ payLink }}.',
  html: "{% layout '_layout.html.liquid' %}{% block content %}<p>Edited for {{ customer.name }}</p>{% endblock %}",
};

async function versionRows(): Promise<number> {
  const row = await world.runtime.database.db
    .selectFrom('template_versions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Opens a card case for a new customer and lets `deps` run its day-0 reminder; returns the email that arrived. */
async function dayZeroReminder(email: string, input: { locale?: string; runtime?: Runtime } = {}) {
  const customer = await world.customer({ email, name: 'Grete Huber', locale: input.locale ?? 'en-US' });
  await world.method(customer, 'tok_insufficient_funds');
  await world.invoice(customer, { total: 4_990, currency: 'EUR', dueAt: world.clock.now() - DAY });
  await tick((input.runtime ?? world.runtime).deps, world.clock.now());
  const mails = received.filter((m) => m.to.includes(email));
  expect(mails).toHaveLength(1);
  const message = await world.runtime.database.db
    .selectFrom('messages')
    .select(['id', 'template', 'template_version', 'subject', 'locale'])
    .where('customer_id', '=', customer)
    .executeTakeFirstOrThrow();
  const raw = mails[0]!.raw;
  return {
    subject: decodeEncodedWords(parseHeaders(raw).get('subject')!),
    text: bodies(raw).get('text/plain')!,
    html: bodies(raw).get('text/html')!,
    message,
  };
}

describe(`editing templates on ${TEST_DB}`, () => {
  it('a saved version shows as edited and is what the engine sends, until it is reset to the shipped file', async () => {
    const saved = await save('manager', 'payment-failed', 'en', EDITED);
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({
      name: 'payment-failed',
      locale: 'en',
      version: 1,
      state: 'edited',
      created_by: { kind: 'user', name: 'manager@example.com' },
      subject: EDITED.subject,
    });

    const list = await call('viewer', 'GET', '/v1/templates');
    const listed = list.json().data.find((t: { name: string }) => t.name === 'payment-failed');
    expect(listed.locale_states).toContainEqual({
      locale: 'en',
      state: 'edited',
      version: 1,
      shipped_file: true,
    });
    expect(listed.locale_states).toContainEqual({
      locale: 'de',
      state: 'shipped',
      version: null,
      shipped_file: true,
    });
    const detail = (await call('viewer', 'GET', '/v1/templates/payment-failed')).json();
    expect(detail.sources.find((s: { locale: string }) => s.locale === 'en')).toEqual({
      locale: 'en',
      state: 'edited',
      version: 1,
      shipped_file: true,
      ...EDITED,
    });

    const mail = await dayZeroReminder('edited@example.com');
    expect(mail.subject).toBe('Heads up, Grete Huber: €49.90 is still open');
    expect(mail.text).toContain('edited text: please pay €49.90');
    expect(mail.html).toContain('<p>Edited for Grete Huber</p>');
    expect(mail.message).toMatchObject({ template: 'payment-failed', template_version: 1, locale: 'en' });
    // The API says which saved wording a customer was sent.
    const sent = await call('viewer', 'GET', `/v1/messages/${mail.message.id}`);
    expect(sent.json()).toMatchObject({ template: 'payment-failed', template_version: 1 });
    // A locale that was not edited still sends its shipped file.
    const german = await dayZeroReminder('german@example.de', { locale: 'de-DE' });
    expect(german.subject).toBe('Ihre Zahlung an Recoup Demo Co. konnte nicht verarbeitet werden');
    expect(german.message.template_version).toBeNull();
    expect(
      (await call('viewer', 'GET', `/v1/messages/${german.message.id}`)).json().template_version,
    ).toBeNull();

    const back = await reset('manager', 'payment-failed', 'en');
    expect(back.statusCode, back.body).toBe(200);
    expect(back.json()).toEqual({
      name: 'payment-failed',
      locale: 'en',
      state: 'shipped',
      marker_version: 2,
    });
    const shipped = await dayZeroReminder('shipped@example.com');
    expect(shipped.subject).toBe("We couldn't process your payment to Recoup Demo Co.");
    expect(shipped.message.template_version).toBeNull();
    const preview = await call('viewer', 'POST', '/v1/templates/preview', {
      name: 'payment-failed',
      locale: 'en',
    });
    expect(preview.json().subject).toBe("We couldn't process your payment to Recoup Demo Co.");

    // The history keeps both, newest first, and says who did what.
    const history = await call('viewer', 'GET', '/v1/templates/payment-failed/locales/en/versions');
    expect(history.statusCode, history.body).toBe(200);
    expect(history.json().data).toEqual([
      {
        version: 2,
        kind: 'reset',
        current: false,
        created_at: expect.any(String),
        created_by: { kind: 'user', id: expect.any(String), name: 'manager@example.com' },
      },
      {
        version: 1,
        kind: 'edit',
        current: false,
        created_at: expect.any(String),
        created_by: { kind: 'user', id: expect.any(String), name: 'manager@example.com' },
      },
    ]);
    // Resetting what is already shipped adds nothing; the database refuses to rewrite history.
    const rows = await versionRows();
    expect((await reset('manager', 'payment-failed', 'en')).json().marker_version).toBe(2);
    expect(await versionRows()).toBe(rows);
    await expect(
      world.runtime.database.db
        .deleteFrom('template_versions')
        .where('name', '=', 'payment-failed')
        .execute(),
    ).rejects.toThrow(/append-only/);
    const audit = await world.runtime.database.db
      .selectFrom('audit_log')
      .select(['method', 'route', 'object_type', 'object_id', 'status_code'])
      .where('object_type', '=', 'template')
      .execute();
    expect(audit).toContainEqual({
      method: 'PUT',
      route: '/v1/templates/:name/locales/:locale',
      object_type: 'template',
      object_id: 'payment-failed/en',
      status_code: 200,
    });
    expect(audit.filter((a) => a.route.endsWith('/reset'))).toHaveLength(2);
  });

  it('refuses text that does not parse or render with 422 naming the part and the place, storing nothing', async () => {
    const rows = await versionRows();
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ text: 'Hello\n{% if daysOverdue > 2 %}late' }, 'body.text', /not closed, line:2, col:1/],
      [{ subject: '{{ amountDue | teleport }}' }, 'body.subject', /undefined filter: teleport, line:1/],
      [{ html: "{% include '_partials/en/nope.liquid' %}" }, 'body.html', /Failed to lookup "_partials/],
      [{ subject: 'Hi {{ customer.name' }, 'body.subject', /not closed, line:1, col:4/],
    ];
    for (const [change, field, reason] of cases) {
      const res = await save('manager', 'payment-urgent', 'en', { ...EDITED, ...change });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().errors).toEqual([{ field, reason: expect.stringMatching(reason) }]);
      expect(res.json().errors[0].reason).not.toContain('/templates/email');
    }
    expect(await versionRows()).toBe(rows);
  });

  it('refuses agents and viewers, and names bad locales and unknown templates', async () => {
    const rows = await versionRows();
    for (const role of ['agent', 'viewer'] as const) {
      expect((await save(role, 'payment-urgent', 'en', EDITED)).statusCode).toBe(403);
      expect((await reset(role, 'payment-urgent', 'en')).statusCode).toBe(403);
    }
    const field = async (res: Promise<LightMyRequestResponse>, status: number) => {
      const r = await res;
      expect(r.statusCode, r.body).toBe(status);
      return r.json().errors.map((e: { field: string }) => e.field);
    };
    expect(await field(save('manager', 'payment-urgent', 'de-at', EDITED), 400)).toEqual(['path.locale']);
    expect(await field(save('manager', 'payment-urgent', 'not a locale', EDITED), 400)).toContain(
      'path.locale',
    );
    expect(await field(save('manager', '_partials', 'en', EDITED), 400)).toContain('path.name');
    expect(await field(save('manager', 'payment-urgent', 'en', { ...EDITED, html: '' }), 400)).toContain(
      'body.html',
    );
    expect(await field(reset('manager', 'no-such-template', 'en'), 404)).toEqual(['path.locale']);
    expect(
      await field(call('viewer', 'GET', '/v1/templates/no-such-template/locales/en/versions'), 404),
    ).toEqual(['path.locale']);
    expect(await versionRows()).toBe(rows);
  });

  it('adds a locale to a template and a new template, which a policy may then send', async () => {
    const italian = {
      subject: 'Pagamento non riuscito per {{ business.name }}',
      text: 'Gentile {{ customer.name }}, restano {{ amountDue | money }}.',
      html: '<p>Gentile {{ customer.name }}</p>',
    };
    const added = await save('manager', 'payment-failed', 'it', italian);
    expect(added.statusCode, added.body).toBe(200);
    const detail = (await call('viewer', 'GET', '/v1/templates/payment-failed')).json();
    expect(detail.locale_states).toContainEqual({
      locale: 'it',
      state: 'edited',
      version: 1,
      shipped_file: false,
    });
    const mail = await dayZeroReminder('mario@example.it', { locale: 'it-IT' });
    expect(mail.subject).toBe('Pagamento non riuscito per Recoup Demo Co.');
    expect(mail.text).toMatch(/restano 49,90\s€/);

    // A new template starts with the locale every other one falls back to.
    const first = await save('manager', 'welcome-back', 'de', italian);
    expect(first.statusCode, first.body).toBe(409);
    expect(first.json().errors[0].field).toBe('path.locale');
    expect((await save('manager', 'welcome-back', 'en', EDITED)).statusCode).toBe(200);
    const policy = `name: welcome
anchor: first_failure
steps:
  - { id: hello, offset: PT0S, action: remind, channel: email, template: welcome-back }
`;
    const applied = await call('manager', 'POST', '/v1/policies', { source: policy, format: 'yaml' });
    expect(applied.statusCode, applied.body).toBe(201);
    // Now that a policy sends it, its only locale cannot be taken away; its added Italian can.
    const refused = await reset('manager', 'welcome-back', 'en');
    expect(refused.statusCode, refused.body).toBe(409);
    const removed = await reset('manager', 'payment-failed', 'it');
    expect(removed.json()).toEqual({
      name: 'payment-failed',
      locale: 'it',
      state: 'removed',
      marker_version: 2,
    });
    const after = (await call('viewer', 'GET', '/v1/templates/payment-failed')).json();
    expect(after.locales).toEqual(['de', 'en', 'es', 'fr']);
  });

  it('saving the current text again adds no version; a reset with an Idempotency-Key replays its answer', async () => {
    const first = await save('manager', 'payment-urgent', 'fr', EDITED);
    expect(first.statusCode, first.body).toBe(200);
    const rows = await versionRows();
    const again = await save('manager', 'payment-urgent', 'fr', EDITED);
    expect(again.json()).toEqual(first.json());
    expect(await versionRows()).toBe(rows);

    const key = { 'idempotency-key': 'reset-payment-urgent-fr' };
    const done = await reset('manager', 'payment-urgent', 'fr', key);
    expect(done.statusCode, done.body).toBe(200);
    const replayed = await reset('manager', 'payment-urgent', 'fr', key);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.json()).toEqual(done.json());
    expect(await versionRows()).toBe(rows + 1);
  });

  it('a second runtime on the same database sends a newly saved version without a restart', async () => {
    const second = await openRuntime(world.runtime.config, {
      clock: world.clock,
      ledger: new MemoryLedger(),
      logger: pino({ level: 'silent' }),
      channels: smtpChannels(),
      owner: 'second-worker',
    });
    try {
      const before = await dayZeroReminder('before@example.com', { runtime: second });
      expect(before.subject).toBe("We couldn't process your payment to Recoup Demo Co.");
      const saved = await save('manager', 'payment-failed', 'en', {
        ...EDITED,
        subject: 'Second worker sees version {{ amountDue.currency }}',
      });
      expect(saved.statusCode, saved.body).toBe(200);
      const after = await dayZeroReminder('after@example.com', { runtime: second });
      expect(after.subject).toBe('Second worker sees version EUR');
      expect(after.message.template_version).toBe(saved.json().version);
    } finally {
      await second.close();
    }
  });
});
