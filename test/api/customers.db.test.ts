import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiWorld, createApiWorld } from '../support/api.ts';

let api: ApiWorld;
beforeAll(async () => {
  api = await createApiWorld();
});
afterAll(async () => api.close());

const writer = { scope: 'write' } as const;

describe('customers over the API', () => {
  it('creates a customer whose contact data is readable through the API and encrypted in the table', async () => {
    const res = await api.call(writer, {
      method: 'POST',
      url: '/v1/customers',
      body: {
        name: 'Lin Wu',
        email: 'lin.wu@example.org',
        phone: '+4930123456',
        locale: 'de-DE',
        time_zone: 'Europe/Berlin',
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({
      email: 'lin.wu@example.org',
      phone: '+4930123456',
      time_zone: 'Europe/Berlin',
    });
    const got = await api.call(writer, { method: 'GET', url: `/v1/customers/${created.id}` });
    expect(got.json().email).toBe('lin.wu@example.org');
    const raw = await sql<{
      email: string;
      phone: string;
    }>`select email, phone from customers where id = ${created.id}`.execute(api.world.runtime.database.db);
    expect(raw.rows[0]!.email).not.toContain('lin.wu');
    expect(raw.rows[0]!.phone).not.toContain('30123456');
  });

  it('names the field of a bad time zone, locale or phone and writes nothing', async () => {
    const before = await api.world.runtime.database.db.selectFrom('customers').select('id').execute();
    for (const [field, value] of [
      ['time_zone', 'Mars/Olympus'],
      ['locale', 'not a locale!'],
      ['phone', '12345'],
      ['email', 'nobody'],
    ] as const) {
      const res = await api.call(writer, {
        method: 'POST',
        url: '/v1/customers',
        body: { name: 'X', [field]: value },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].field).toBe(`body.${field}`);
    }
    const after = await api.world.runtime.database.db.selectFrom('customers').select('id').execute();
    expect(after.length).toBe(before.length);
  });

  it('refuses prototype keys and broken JSON naming where they are, and writes nothing', async () => {
    const before = await api.world.runtime.database.db.selectFrom('customers').select('id').execute();
    for (const [payload, field] of [
      ['{"name":"X","metadata":{"__proto__":{"admin":true}}}', 'body.metadata.__proto__'],
      ['{"name":"X","constructor":{"prototype":{}}}', 'body.constructor'],
      ['{"name":', 'body'],
      ['  ', 'body'],
    ] as const) {
      const res = await api.app.inject({
        method: 'POST',
        url: '/v1/customers',
        headers: { authorization: `Bearer ${api.keys.write}`, 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode, payload).toBe(400);
      expect(res.json().errors[0].field, payload).toBe(field);
    }
    const after = await api.world.runtime.database.db.selectFrom('customers').select('id').execute();
    expect(after.length).toBe(before.length);
  });

  it('refuses a second customer with the same external id', async () => {
    const body = { name: 'Dup', external_id: 'crm-42' };
    expect((await api.call(writer, { method: 'POST', url: '/v1/customers', body })).statusCode).toBe(201);
    const again = await api.call(writer, { method: 'POST', url: '/v1/customers', body });
    expect(again.statusCode).toBe(409);
    expect(again.json().errors[0].field).toBe('body.external_id');
  });

  it('pages through every customer exactly once, newest first', async () => {
    for (let i = 0; i < 7; i++) {
      await api.call(writer, { method: 'POST', url: '/v1/customers', body: { name: `Page ${i}` } });
    }
    const seen: string[] = [];
    let url = '/v1/customers?limit=3';
    for (;;) {
      const page = (await api.call(writer, { method: 'GET', url })).json();
      seen.push(...page.data.map((c: { id: string }) => c.id));
      if (!page.next_cursor) break;
      url = `/v1/customers?limit=3&cursor=${page.next_cursor}`;
    }
    const all = await api.world.runtime.database.db
      .selectFrom('customers')
      .select('id')
      .orderBy('id', 'desc')
      .execute();
    expect(seen).toEqual(all.map((r) => r.id));
  });

  it('updates contact data and records who did it in the audit log', async () => {
    const created = (
      await api.call(writer, { method: 'POST', url: '/v1/customers', body: { name: 'Audit Me' } })
    ).json();
    const res = await api.call(
      { role: 'manager' },
      {
        method: 'PATCH',
        url: `/v1/customers/${created.id}`,
        body: { email: 'audit@example.com' },
      },
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().email).toBe('audit@example.com');
    const entry = await api.world.runtime.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('object_id', '=', created.id)
      .where('method', '=', 'PATCH')
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor_type: 'user', object_type: 'customer', status_code: 200 });
  });
});
