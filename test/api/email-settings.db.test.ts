import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/access/api-keys.ts';
import { buildApi } from '../../src/api/server.ts';
import { parseHeaders } from '../../src/channels/email/mime-headers.ts';
import { loadConfig } from '../../src/config/env.ts';
import { VirtualClock } from '../../src/engine/clock.ts';
import { newId } from '../../src/engine/ids.ts';
import { tick } from '../../src/engine/tick.ts';
import { MemoryLedger } from '../../src/gateways/sandbox/memory-ledger.ts';
import { REDACTED_PATHS } from '../../src/runtime/logger.ts';
import { type Runtime, openRuntime } from '../../src/runtime/runtime.ts';
import { FieldCipher } from '../../src/security/field-cipher.ts';
import { Keyring } from '../../src/security/keyring.ts';
import { reencryptStoredValues } from '../../src/security/reencrypt.ts';
import { loadEmailServer } from '../../src/services/email-settings.ts';
import { insertCustomers } from '../../src/store/customer-contacts.ts';
import { TEST_DB, type TestDatabaseUrl, freshDatabaseUrl } from '../support/databases.ts';

// Email settings stored through the API and used by the engine in another process (a second runtime on the same
// database), over real SMTP servers started here that demand AUTH.

const USER = 'recoup';
const PASSWORD = 'Sm7p-pässwörd/42';
const START = Date.UTC(2026, 2, 2, 9); // 09:00 UTC: inside the default contact hours
const DAY = 86_400_000;

interface Mail {
  server: 'one' | 'two';
  to: string[];
  user: unknown;
  raw: string;
}
const received: Mail[] = [];

function smtpServer(label: Mail['server']): SMTPServer {
  return new SMTPServer({
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) return callback(null, { user: USER });
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          server: label,
          to: session.envelope.rcptTo.map((a) => a.address),
          user: session.user,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
}

async function listen(server: SMTPServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.server.address() as AddressInfo).port;
}

const one = smtpServer('one');
const two = smtpServer('two');
let portOne: number;
let portTwo: number;
let target: TestDatabaseUrl;
let keyring: Keyring;
let worker: Runtime; // runs the engine
let server: Runtime; // serves the API
let app: FastifyInstance;
let keys: { admin: string; write: string };
const responses: string[] = [];

function open(options: { refreshMs?: number; smtpUrl?: string } = {}): Promise<Runtime> {
  const outbox = mkdtempSync(join(tmpdir(), 'recoup-outbox-'));
  return openRuntime(
    {
      ...loadConfig({}),
      databaseUrl: target.url,
      outboxDir: outbox,
      encryptionKeys: keyring,
      smtpUrl: options.smtpUrl ?? null,
    },
    {
      clock: new VirtualClock(START),
      ledger: new MemoryLedger(),
      logger: pino({ level: 'silent' }),
      owner: `settings-test-${Math.random()}`,
      ...(options.refreshMs === undefined ? {} : { emailRefreshMs: options.refreshMs }),
    },
  );
}

async function call(
  method: 'GET' | 'PUT' | 'POST',
  url: string,
  body?: unknown,
  key = keys.admin,
  on = app,
): Promise<LightMyRequestResponse> {
  const res = await on.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}` },
    ...(body === undefined ? {} : { payload: body as object }),
  });
  responses.push(res.body);
  return res;
}

/** A customer whose card fails, with an overdue invoice; the worker's next tick opens the case and reminds. */
async function overdueCustomer(email: string): Promise<void> {
  const db = worker.database.db;
  const id = newId('cus');
  const now = worker.deps.clock.now();
  await insertCustomers(db, worker.deps.cipher, [
    {
      id,
      external_id: id,
      name: 'Ada Lovelace',
      email,
      phone: null,
      address: null,
      locale: 'en-US',
      time_zone: 'UTC',
      attributes: '{}',
      opted_out: '[]',
      created_at: now,
      updated_at: now,
    },
  ]);
  await db
    .insertInto('payment_methods')
    .values({
      id: newId('pm'),
      external_id: null,
      customer_id: id,
      token: 'tok_insufficient_funds',
      type: 'card',
      brand: 'visa',
      last4: '4242',
      exp_month: 12,
      exp_year: 2099,
      priority: 1,
      status: 'active',
      created_at: now,
      updated_at: now,
    })
    .execute();
  const invoice = newId('inv');
  await db
    .insertInto('invoices')
    .values({
      id: invoice,
      external_id: null,
      customer_id: id,
      number: invoice,
      currency: 'USD',
      total: 4_900,
      amount_paid: 0,
      due_at: now - DAY,
      status: 'open',
      collection: 'charge_automatically',
      failed_at: now - DAY,
      failure_code: 'insufficient_funds',
      case_id: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

async function workerTick(): Promise<void> {
  await tick(worker.deps, worker.deps.clock.now());
}

const settings = (port: number, extra: Record<string, unknown> = {}) => ({
  host: '127.0.0.1',
  port,
  security: 'none',
  username: USER,
  password: PASSWORD,
  from: 'Acme Billing <billing@acme.test>',
  reply_to: 'help@acme.test',
  ...extra,
});

beforeAll(async () => {
  portOne = await listen(one);
  portTwo = await listen(two);
  target = await freshDatabaseUrl();
  keyring = new Keyring([{ id: 'k1', material: randomBytes(32) }], 'test keyring');
  // The worker looks at the settings on every send; the API process is told by its own change.
  worker = await open({ refreshMs: 0 });
  server = await open();
  app = await buildApi(server, { rateLimits: { perMinute: 1_000_000, loginPerMinute: 1_000 } });
  const db = server.database.db;
  keys = {
    admin: (await createApiKey(db, { name: 'admin', scope: 'admin', createdBy: null, now: START })).secret,
    write: (await createApiKey(db, { name: 'write', scope: 'write', createdBy: null, now: START })).secret,
  };
});

afterAll(async () => {
  await app?.close();
  await server?.close();
  await worker?.close();
  await target?.drop();
  for (const s of [one, two]) await new Promise<void>((resolve) => s.close(() => resolve()));
});

describe(`email settings stored through the API on ${TEST_DB}`, () => {
  it('reports the outbox before anything is stored, and captures email there', async () => {
    const res = await call('GET', '/v1/settings/email');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      source: 'outbox',
      host: null,
      port: null,
      security: null,
      username: null,
      password_set: false,
      from: 'Recoup <billing@example.com>',
      reply_to: null,
      updated_at: null,
      updated_by: null,
    });
  });

  it('stores settings, and the engine’s reminder arrives at that server, signed in, from the stored sender', async () => {
    const saved = await call('PUT', '/v1/settings/email', settings(portOne));
    expect(saved.statusCode, saved.body).toBe(200);
    const keyId = (
      await server.database.db
        .selectFrom('api_keys')
        .select('id')
        .where('name', '=', 'admin')
        .executeTakeFirstOrThrow()
    ).id;
    expect(saved.json()).toEqual({
      source: 'stored',
      host: '127.0.0.1',
      port: portOne,
      security: 'none',
      username: USER,
      password_set: true,
      from: 'Acme Billing <billing@acme.test>',
      reply_to: 'help@acme.test',
      updated_at: new Date(START).toISOString(),
      updated_by: `api_key:${keyId}`,
    });
    expect((await call('GET', '/v1/settings/email')).json()).toEqual(saved.json());
    const audit = await server.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('route', '=', '/v1/settings/email')
      .execute();
    expect(audit).toMatchObject([
      { method: 'PUT', object_type: 'settings', object_id: 'email', status_code: 200 },
    ]);

    await overdueCustomer('first@example.com');
    await workerTick();
    const mail = received.find((m) => m.to.includes('first@example.com'));
    expect(mail, 'the reminder reached the stored server').toMatchObject({ server: 'one', user: USER });
    const headers = parseHeaders(mail!.raw);
    expect(headers.get('from')).toBe('Acme Billing <billing@acme.test>');
    expect(headers.get('reply-to')).toBe('help@acme.test');
    const message = await worker.database.db
      .selectFrom('messages')
      .select(['status', 'provider_id'])
      .executeTakeFirstOrThrow();
    expect(message).toMatchObject({ status: 'sent', provider_id: expect.stringContaining('@acme.test>') });
  });

  it('sends the next message through a changed server, in both processes, without a restart', async () => {
    // Only the port changes; the password is not sent again and the stored one is kept.
    const { password: _kept, ...rest } = settings(portTwo);
    const changed = await call('PUT', '/v1/settings/email', rest);
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ port: portTwo, password_set: true });

    await overdueCustomer('second@example.com');
    await workerTick();
    expect(received.find((m) => m.to.includes('second@example.com'))).toMatchObject({
      server: 'two',
      user: USER,
    });

    // The API's own process sends a template test through the new server at once.
    const test = await call('POST', '/v1/templates/test-send', {
      template: 'payment-failed',
      locale: 'en',
      channel: 'email',
      to: 'designer@example.com',
    });
    expect(test.statusCode, test.body).toBe(200);
    expect(received.find((m) => m.to.includes('designer@example.com'))).toMatchObject({ server: 'two' });
    expect(received.filter((m) => m.to.includes('first@example.com'))).toHaveLength(1);
  });

  it('keeps the password encrypted at rest and out of every answer', async () => {
    const rows = await server.database.db.selectFrom('settings').selectAll().execute();
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(PASSWORD);
    expect(stored).not.toContain(encodeURIComponent(PASSWORD));
    expect(rows[0]!.secret).toMatch(/^enc:v1:k1:/);
    expect(JSON.parse(rows[0]!.value)).not.toHaveProperty('password');
    for (const body of responses) expect(body).not.toContain(PASSWORD);
  });

  it('checks a server: the stored one, candidate settings, and a wrong password named with the server’s reason', async () => {
    const stored = await call('POST', '/v1/settings/email/verify', {});
    expect(stored.statusCode, stored.body).toBe(200);
    expect(stored.json()).toEqual({ ok: true });

    // A candidate for the same host and user borrows the stored password; the form need not ask for it again.
    const { password: _p, ...noPassword } = settings(portOne);
    const candidate = await call('POST', '/v1/settings/email/verify', { settings: noPassword });
    expect(candidate.statusCode, candidate.body).toBe(200);

    const wrong = await call('POST', '/v1/settings/email/verify', {
      settings: settings(portOne, { password: 'not-the-password' }),
    });
    expect(wrong.statusCode, wrong.body).toBe(502);
    expect(wrong.headers['content-type']).toContain('application/problem+json');
    expect(wrong.json().errors).toEqual([
      {
        field: 'body.settings.password',
        reason: expect.stringMatching(/EAUTH 535 .*Invalid username or password/),
      },
    ]);
    expect(wrong.body).not.toContain('not-the-password');

    // The stored password is not handed to another host: without one, signing in there fails.
    const elsewhere = await call('POST', '/v1/settings/email/verify', {
      settings: { ...noPassword, host: 'localhost' },
    });
    expect(elsewhere.statusCode, elsewhere.body).toBe(502);
    expect(elsewhere.json().errors[0]).toMatchObject({
      field: 'body.settings.password',
      reason: expect.stringContaining('Missing credentials'),
    });

    const closed = await call('POST', '/v1/settings/email/verify', { settings: settings(1) });
    expect(closed.statusCode, closed.body).toBe(502);
    expect(closed.json().errors[0]).toMatchObject({ field: 'body.settings.host' });
    expect(closed.json().errors[0].reason).toMatch(/ECONNREFUSED|ECONNECTION/);
  });

  it('writes no password to the log, even with every request logged at trace level', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: 'trace', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    const logged = await buildApi(
      { ...server, deps: { ...server.deps, logger } },
      { logRequests: true, rateLimits: { perMinute: 1_000_000, loginPerMinute: 1_000 } },
    );
    try {
      const wrong = 'a-wrong-password-for-the-log';
      await call('PUT', '/v1/settings/email', settings(portOne), keys.admin, logged);
      await call(
        'POST',
        '/v1/settings/email/verify',
        { settings: settings(portOne, { password: wrong }) },
        keys.admin,
        logged,
      );
      const log = lines.join('');
      expect(log.length).toBeGreaterThan(0);
      expect(log).not.toContain(PASSWORD);
      expect(log).not.toContain(wrong);
    } finally {
      await logged.close();
    }
  });

  it('names the field at fault in invalid settings and changes nothing', async () => {
    const before = await server.database.db.selectFrom('settings').selectAll().execute();
    const cases: [Record<string, unknown>, string][] = [
      [settings(0), 'body.port'],
      [settings(70_000), 'body.port'],
      [settings(portOne, { from: 'not a mailbox' }), 'body.from'],
      [settings(portOne, { from: 'a@acme.test, b@acme.test' }), 'body.from'],
      [settings(portOne, { reply_to: 'Help <help@>' }), 'body.reply_to'],
      [settings(portOne, { host: 'smtp example com' }), 'body.host'],
      [settings(portOne, { security: 'ssl' }), 'body.security'],
      [settings(portOne, { password: '' }), 'body.password'],
    ];
    for (const [body, field] of cases) {
      const res = await call('PUT', '/v1/settings/email', body);
      expect(res.statusCode, res.body).toBe(400);
      expect(
        res.json().errors.map((e: { field: string }) => e.field),
        res.body,
      ).toContain(field);
    }
    expect(await server.database.db.selectFrom('settings').selectAll().execute()).toEqual(before);
  });

  it('drops the password when the username is removed, and asks for one when a username comes back', async () => {
    const { username: _u, password: _p, ...anonymous } = settings(portOne);
    const open = await call('PUT', '/v1/settings/email', anonymous);
    expect(open.json()).toMatchObject({ username: null, password_set: false });
    const { password: _again, ...userOnly } = settings(portOne);
    const refused = await call('PUT', '/v1/settings/email', userOnly);
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json().errors[0]).toMatchObject({ field: 'body.password' });
    const back = await call('PUT', '/v1/settings/email', settings(portOne));
    expect(back.json()).toMatchObject({ username: USER, password_set: true });
  });

  it('refuses non-admins', async () => {
    for (const [method, url, body] of [
      ['GET', '/v1/settings/email', undefined],
      ['PUT', '/v1/settings/email', settings(portOne)],
      ['POST', '/v1/settings/email/verify', {}],
    ] as const) {
      const res = await call(method, url, body, keys.write);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
    }
  });

  it('lets RECOUP_SMTP_URL win: reported read-only, and a change is refused with 409', async () => {
    const url = `smtp://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${portTwo}`;
    const envRuntime = await open({ smtpUrl: url });
    const envApp = await buildApi(envRuntime, {
      rateLimits: { perMinute: 1_000_000, loginPerMinute: 1_000 },
    });
    try {
      const view = await call('GET', '/v1/settings/email', undefined, keys.admin, envApp);
      expect(view.json()).toMatchObject({
        source: 'environment',
        host: '127.0.0.1',
        port: portTwo,
        username: USER,
        password_set: true,
        from: 'Recoup <billing@example.com>',
      });
      expect(view.body).not.toContain(PASSWORD);
      const put = await call('PUT', '/v1/settings/email', settings(portOne), keys.admin, envApp);
      expect(put.statusCode, put.body).toBe(409);
      expect(put.headers['content-type']).toContain('application/problem+json');
      expect(put.json().detail).toContain('RECOUP_SMTP_URL');
      // The environment's server is the one a plain check connects to.
      const verify = await call('POST', '/v1/settings/email/verify', {}, keys.admin, envApp);
      expect(verify.statusCode, verify.body).toBe(200);
    } finally {
      await envApp.close();
      await envRuntime.close();
    }
  });

  // Last: the API process's keyring does not have the new key, as a process started before a rotation would not.
  it('has `recoup keys rotate` re-encrypt the stored password under the new key', async () => {
    const rotated = new Keyring(
      [
        { id: 'k2', material: randomBytes(32) },
        { id: 'k1', material: keyring.material('k1')! },
      ],
      'test keyring',
    );
    const cipher = new FieldCipher(rotated);
    const report = await reencryptStoredValues(server.database, cipher, { scope: 'stale', now: START });
    expect(report.failed).toBe(0);
    const after = await server.database.db.selectFrom('settings').selectAll().executeTakeFirstOrThrow();
    expect(after.secret).toMatch(/^enc:v1:k2:/);
    expect((await loadEmailServer(server.database.db, cipher))?.server.password).toBe(PASSWORD);
  });
});
