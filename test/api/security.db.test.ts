import { Writable } from 'node:stream';
import pino from 'pino';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/access/api-keys.ts';
import { buildApi } from '../../src/api/server.ts';
import { REDACTED_PATHS } from '../../src/runtime/logger.ts';
import { type ApiWorld, PASSWORD, createApiWorld } from '../support/api.ts';

let api: ApiWorld;
beforeAll(async () => {
  api = await createApiWorld();
});
afterAll(async () => api.close());

describe('security of the API', () => {
  it('sends security headers', async () => {
    const res = await api.call({ scope: 'read' }, { method: 'GET', url: '/v1/customers' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['strict-transport-security']).toContain('max-age=');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('refuses a cookie-authenticated change without the session CSRF token', async () => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/customers',
      headers: { cookie: api.sessions.admin.cookie },
      payload: { name: 'No Token' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().errors[0].field).toBe('header.x-csrf-token');
    const wrong = await api.app.inject({
      method: 'POST',
      url: '/v1/customers',
      headers: { cookie: api.sessions.admin.cookie, 'x-csrf-token': api.sessions.manager.csrf },
      payload: { name: 'Wrong Token' },
    });
    expect(wrong.statusCode).toBe(403);
  });

  it('stores only a hash of an API key, and a revoked key stops working', async () => {
    const db = api.world.runtime.database.db;
    const made = await createApiKey(db, {
      name: 'temp',
      scope: 'read',
      createdBy: null,
      now: api.world.clock.now(),
    });
    const stored = await db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', made.key.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(made.secret.slice(16));
    const ok = await api.app.inject({
      method: 'GET',
      url: '/v1/customers',
      headers: { authorization: `Bearer ${made.secret}` },
    });
    expect(ok.statusCode).toBe(200);
    await api.call({ scope: 'admin' }, { method: 'POST', url: `/v1/api-keys/${made.key.id}/revoke` });
    const after = await api.app.inject({
      method: 'GET',
      url: '/v1/customers',
      headers: { authorization: `Bearer ${made.secret}` },
    });
    expect(after.statusCode).toBe(401);
  });

  it('keeps the audit log append-only in the database itself', async () => {
    await api.call({ scope: 'write' }, { method: 'POST', url: '/v1/customers', body: { name: 'Audited' } });
    const db = api.world.runtime.database.db;
    await expect(sql`update audit_log set actor_id = 'someone else'`.execute(db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`delete from audit_log`.execute(db)).rejects.toThrow(/append-only/);
    const rows = await db.selectFrom('audit_log').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
  });

  it('replays an idempotent POST, refuses the key with another body, and never stores a one-time secret', async () => {
    const headers = { 'idempotency-key': 'create-customer-1' };
    const first = await api.call(
      { scope: 'write' },
      { method: 'POST', url: '/v1/customers', body: { name: 'Once' }, headers },
    );
    const again = await api.call(
      { scope: 'write' },
      { method: 'POST', url: '/v1/customers', body: { name: 'Once' }, headers },
    );
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
    const other = await api.call(
      { scope: 'write' },
      { method: 'POST', url: '/v1/customers', body: { name: 'Twice' }, headers },
    );
    expect(other.statusCode).toBe(422);
    const keyRequest = await api.call(
      { scope: 'admin' },
      {
        method: 'POST',
        url: '/v1/api-keys',
        body: { name: 'x', scope: 'read' },
        headers: { 'idempotency-key': 'k1' },
      },
    );
    expect(keyRequest.statusCode).toBe(400);
    expect(keyRequest.json().errors[0].field).toBe('header.idempotency-key');
  });

  it('rate-limits per API key and per address, with a problem document', async () => {
    const app = await buildApi(api.world.runtime, { rateLimits: { perMinute: 3, loginPerMinute: 2 } });
    try {
      const get = (key: string) =>
        app.inject({ method: 'GET', url: '/v1/customers', headers: { authorization: `Bearer ${key}` } });
      for (let i = 0; i < 3; i++) expect((await get(api.keys.read)).statusCode).toBe(200);
      const limited = await get(api.keys.read);
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['content-type']).toContain('application/problem+json');
      expect((await get(api.keys.write)).statusCode).toBe(200);
      const login = () =>
        app.inject({
          method: 'POST',
          url: '/v1/session',
          payload: { email: 'viewer@example.com', password: 'wrong password!' },
        });
      expect((await login()).statusCode).toBe(401);
      expect((await login()).statusCode).toBe(401);
      expect((await login()).statusCode).toBe(429);
    } finally {
      await app.close();
    }
  });

  it('never writes passwords, keys or contact data to the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: 'trace', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    const runtime = { ...api.world.runtime, deps: { ...api.world.runtime.deps, logger } };
    const app = await buildApi(runtime, { logRequests: true });
    try {
      await app.inject({
        method: 'POST',
        url: '/v1/session',
        payload: { email: 'admin@example.com', password: PASSWORD },
      });
      await app.inject({
        method: 'POST',
        url: '/v1/customers',
        headers: { authorization: `Bearer ${api.keys.write}` },
        payload: { name: 'Quiet', email: 'quiet.person@example.net' },
      });
      await app.inject({
        method: 'GET',
        url: '/v1/customers',
        headers: { authorization: `Bearer ${api.keys.read}` },
      });
    } finally {
      await app.close();
    }
    const log = lines.join('');
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toContain(api.keys.write);
    expect(log).not.toContain(api.keys.read);
    expect(log).not.toContain('quiet.person');
  });
});
