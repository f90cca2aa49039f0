import { afterEach, describe, expect, it } from 'vitest';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { DAY, HOUR } from '../support/world.ts';

const START = Date.UTC(2026, 2, 2, 9); // Monday 2 March 2026, 09:00 UTC
const writer = { scope: 'write' } as const;
const reader = { scope: 'read' } as const;

describe('payment method routes', () => {
  let api: ApiWorld;
  afterEach(async () => api?.close());

  const db = () => api.world.runtime.database.db;
  const post = (body: unknown, headers?: Record<string, string>) =>
    api.call(writer, { method: 'POST', url: '/v1/payment-methods', body, headers });
  const patch = (id: string, body: unknown) =>
    api.call(writer, { method: 'PATCH', url: `/v1/payment-methods/${id}`, body });
  const get = (url: string) => api.call(reader, { method: 'GET', url });
  const count = async () =>
    Number(
      (
        await db()
          .selectFrom('payment_methods')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const card = (customerId: string, extra: Record<string, unknown> = {}) => ({
    customer_id: customerId,
    token: 'tok_ok',
    type: 'card',
    brand: 'visa',
    last4: '4242',
    exp_month: 12,
    exp_year: 2030,
    ...extra,
  });

  it('creates, gets and lists payment methods with filters, walking every page exactly once', async () => {
    api = await createApiWorld(START);
    const ada = await api.world.customer();
    const bob = await api.world.customer({ name: 'Bob' });
    const first = await post(card(ada, { external_id: 'pm-ext-1' }));
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      customer_id: ada,
      external_id: 'pm-ext-1',
      token: 'tok_ok',
      type: 'card',
      brand: 'visa',
      last4: '4242',
      exp_month: 12,
      exp_year: 2030,
      priority: 1,
      status: 'active',
      created_at: new Date(START).toISOString(),
      updated_at: new Date(START).toISOString(),
    });
    expect((await get(`/v1/payment-methods/${first.json().id}`)).json()).toEqual(first.json());

    // Without a priority a new method goes after those already on file.
    const second = await post(card(ada, { token: 'tok_insufficient_funds', last4: '0002' }));
    expect(second.json().priority).toBe(2);
    const debit = await post({ customer_id: bob, token: 'tok_bank_1', type: 'bank_debit' });
    expect(debit.statusCode).toBe(201);
    expect(debit.json()).toMatchObject({ priority: 1, exp_month: null, exp_year: null, brand: null });
    const ids = [first.json().id, second.json().id, debit.json().id] as string[];
    for (let i = 0; i < 4; i++) ids.push((await post(card(bob, { priority: 10 + i }))).json().id);

    const seen: string[] = [];
    let url = '/v1/payment-methods?limit=2';
    for (let pages = 0; pages < 10; pages++) {
      const body = (await get(url)).json();
      seen.push(...body.data.map((m: { id: string }) => m.id));
      if (body.next_cursor === null) break;
      url = `/v1/payment-methods?limit=2&cursor=${body.next_cursor}`;
    }
    expect(seen).toEqual([...ids].reverse());

    const disabled = await patch(ids[1]!, { status: 'disabled', priority: 5 });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json()).toMatchObject({ status: 'disabled', priority: 5 });
    const list = async (query: string) =>
      (await get(`/v1/payment-methods?${query}`)).json().data.map((m: { id: string }) => m.id);
    expect(await list(`customer_id=${ada}`)).toEqual([ids[1], ids[0]]);
    expect(await list('status=disabled')).toEqual([ids[1]]);
    expect(await list(`customer_id=${ada}&status=active`)).toEqual([ids[0]]);
    expect(await list(`customer_id=${bob}`)).toHaveLength(5);

    const renewed = await patch(ids[0]!, { exp_month: 3, exp_year: 2032 });
    expect(renewed.json()).toMatchObject({ exp_month: 3, exp_year: 2032, status: 'active' });
    expect((await get(`/v1/payment-methods/${ids[0]}`)).json()).toEqual(renewed.json());

    const missing = await get('/v1/payment-methods/pm_nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().errors[0].field).toBe('path.id');
    expect((await patch('pm_nope', { priority: 1 })).statusCode).toBe(404);
    expect((await get('/v1/payment-methods?status=gone')).json().errors[0].field).toBe('query.status');
  });

  it('refuses a card number and other bad input naming the field, and writes nothing', async () => {
    api = await createApiWorld(START);
    const ada = await api.world.customer();
    const pan = await post(card(ada, { token: '4242 4242 4242 4242' }));
    expect(pan.statusCode).toBe(400);
    expect(pan.json().errors).toEqual([
      {
        field: 'body.token',
        reason:
          "looks like a card number: send the gateway's token (e.g. tok_… or pm_…), never the card number",
      },
    ]);
    expect(pan.body).not.toContain('4242 4242');
    const cases: [Record<string, unknown>, string, number][] = [
      [{ token: '4000056655665556' }, 'body.token', 400],
      [{ token: '3782-822463-10005' }, 'body.token', 400],
      [{ token: '' }, 'body.token', 400],
      [{ token: undefined }, 'body.token', 400],
      [{ type: 'paypal' }, 'body.type', 400],
      [{ last4: '42' }, 'body.last4', 400],
      [{ last4: 'abcd' }, 'body.last4', 400],
      [{ exp_month: 13 }, 'body.exp_month', 400],
      [{ exp_month: '12' }, 'body.exp_month', 400],
      [{ exp_year: 28 }, 'body.exp_year', 400],
      [{ exp_month: undefined, exp_year: undefined }, 'body.exp_month', 400],
      [{ exp_year: undefined }, 'body.exp_year', 400],
      [{ priority: 0 }, 'body.priority', 400],
      [{ customer_id: 'cus_nobody' }, 'body.customer_id', 400],
      [{ pan: '4242424242424242' }, 'body.pan', 400],
    ];
    for (const [change, field, status] of cases) {
      const res = await post(card(ada, change));
      expect(res.statusCode, JSON.stringify(change)).toBe(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect(await count()).toBe(0);
    expect(
      (await api.call(reader, { method: 'POST', url: '/v1/payment-methods', body: card(ada) })).statusCode,
    ).toBe(403);
    expect(await count()).toBe(0);

    // Sandbox tokens that carry a 13-digit instant are tokens, not card numbers.
    const sim = await post(card(ada, { token: 'tok_sim_insufficient_funds_until_1772442000000' }));
    expect(sim.statusCode).toBe(201);
    const dup = await post(card(ada, { external_id: 'same' }));
    expect(dup.statusCode).toBe(201);
    const again = await post(card(ada, { external_id: 'same' }));
    expect(again.statusCode).toBe(409);
    expect(again.json().errors[0].field).toBe('body.external_id');
    expect(await count()).toBe(2);

    const debit = (await post({ customer_id: ada, token: 'tok_bank', type: 'bank_debit' })).json();
    const half = await patch(debit.id, { exp_month: 4 });
    expect(half.statusCode).toBe(400);
    expect(half.json().errors[0].field).toBe('body.exp_year');
    expect((await patch(debit.id, {})).json().errors[0].field).toBe('body');
    expect((await patch(debit.id, { token: 'tok_other' })).json().errors[0].field).toBe('body.token');
    expect((await patch(debit.id, { status: 'deleted' })).json().errors[0].field).toBe('body.status');
    expect((await get(`/v1/payment-methods/${debit.id}`)).json()).toEqual(debit);
  });

  it('never charges a method disabled through the API, and charges the one added in its place', async () => {
    api = await createApiWorld(START);
    const ada = await api.world.customer();
    const old = (await post(card(ada, { token: 'tok_insufficient_funds' }))).json();
    await api.world.invoice(ada, { total: 4_900, dueAt: START - HOUR });
    await api.world.advance(START);
    expect((await patch(old.id, { status: 'disabled' })).statusCode).toBe(200);
    const fresh = await post(card(ada, { token: 'tok_ok', last4: '1881' }));
    expect(fresh.json().priority).toBe(2);
    for (let t = START + 6 * HOUR; t <= START + 5 * DAY; t += 6 * HOUR) await api.world.advance(t);
    const attempts = await db()
      .selectFrom('payment_attempts')
      .select(['payment_method_id', 'status'])
      .execute();
    expect(attempts).toEqual([{ payment_method_id: fresh.json().id, status: 'succeeded' }]);
    expect((await db().selectFrom('cases').select('state').executeTakeFirstOrThrow()).state).toBe(
      'recovered',
    );
  });

  it('replays a create with the same Idempotency-Key and writes an audit row naming the method', async () => {
    api = await createApiWorld(START);
    const ada = await api.world.customer();
    const headers = { 'idempotency-key': 'pm-1' };
    const first = await post(card(ada), headers);
    const replay = await post(card(ada), headers);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
    expect((await post(card(ada, { last4: '0000' }), headers)).statusCode).toBe(422);
    expect(await count()).toBe(1);
    let rows: { route: string; status_code: number }[] = [];
    for (let i = 0; i < 50 && rows.length < 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      rows = await db()
        .selectFrom('audit_log')
        .select(['route', 'status_code'])
        .where('object_type', '=', 'payment_method')
        .where('object_id', '=', first.json().id)
        .execute();
    }
    expect(rows).toEqual([{ route: '/v1/payment-methods', status_code: 201 }]);
  });
});
