import { afterEach, describe, expect, it } from 'vitest';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { DAY, HOUR } from '../support/world.ts';

const START = Date.UTC(2026, 2, 2, 9); // Monday 2 March 2026, 09:00 UTC
const writer = { scope: 'write' } as const;
const reader = { scope: 'read' } as const;

describe('invoice routes', () => {
  let api: ApiWorld;
  afterEach(async () => api?.close());

  const db = () => api.world.runtime.database.db;
  const post = (url: string, body?: unknown, headers?: Record<string, string>) =>
    api.call(writer, { method: 'POST', url, body, headers });
  const get = (url: string) => api.call(reader, { method: 'GET', url });
  const count = async (table: 'invoices' | 'payments' | 'messages' | 'payment_attempts') =>
    Number(
      (
        await db()
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const invoiceBody = (customerId: string, extra: Record<string, unknown> = {}) => ({
    customer_id: customerId,
    number: 'INV-1',
    currency: 'USD',
    total: 12_000,
    due_at: '2026-03-20T00:00:00.000Z',
    collection: 'send_invoice',
    ...extra,
  });
  const caseOf = (id: string) =>
    db().selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const pendingSteps = async (caseId: string) =>
    (
      await db()
        .selectFrom('scheduled_steps')
        .select('step_id')
        .where('case_id', '=', caseId)
        .where('status', '=', 'pending')
        .execute()
    ).length;

  /** A customer with a card that keeps declining, and a card invoice whose charge failed an hour ago, in a case. */
  async function failedCardInvoice(total = 12_000) {
    const customerId = await api.world.customer();
    await api.world.method(customerId, 'tok_insufficient_funds');
    const created = await post(
      '/v1/invoices',
      invoiceBody(customerId, {
        total,
        collection: 'charge_automatically',
        due_at: new Date(START - HOUR).toISOString(),
        failed_at: new Date(START - HOUR).toISOString(),
        failure_code: 'insufficient_funds',
      }),
    );
    expect(created.statusCode).toBe(201);
    await api.world.advance(START);
    const invoice = (await get(`/v1/invoices/${created.json().id}`)).json();
    expect(invoice.case_id).toMatch(/^case_/);
    return { customerId, invoice };
  }

  it('creates, gets and lists invoices with filters, walking every page exactly once', async () => {
    api = await createApiWorld(START);
    const ada = await api.world.customer();
    const bob = await api.world.customer({ name: 'Bob' });
    const created = await post('/v1/invoices', invoiceBody(ada, { external_id: 'ext-1' }));
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      customer_id: ada,
      external_id: 'ext-1',
      number: 'INV-1',
      currency: 'USD',
      total: 12_000,
      amount_paid: 0,
      amount_remaining: 12_000,
      due_at: '2026-03-20T00:00:00.000Z',
      status: 'open',
      collection: 'send_invoice',
      failed_at: null,
      failure_code: null,
      case_id: null,
      created_at: new Date(START).toISOString(),
    });
    const got = await get(`/v1/invoices/${created.json().id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(created.json());

    const ids = [created.json().id as string];
    for (let i = 2; i <= 7; i++) {
      const res = await post(
        '/v1/invoices',
        invoiceBody(i % 2 === 0 ? bob : ada, {
          number: `INV-${i}`,
          currency: i <= 4 ? 'USD' : 'EUR',
          due_at: `2026-03-${String(10 + i).padStart(2, '0')}T00:00:00.000Z`,
        }),
      );
      expect(res.statusCode).toBe(201);
      ids.push(res.json().id);
    }
    const seen: string[] = [];
    let url = '/v1/invoices?limit=3';
    for (let pages = 0; pages < 10; pages++) {
      const page = await get(url);
      expect(page.statusCode).toBe(200);
      const body = page.json();
      expect(body.data.length).toBeLessThanOrEqual(3);
      seen.push(...body.data.map((i: { id: string }) => i.id));
      if (body.next_cursor === null) break;
      url = `/v1/invoices?limit=3&cursor=${body.next_cursor}`;
    }
    expect(seen).toEqual([...ids].reverse()); // newest first, each exactly once
    expect(new Set(seen).size).toBe(7);

    const list = async (query: string) =>
      (await get(`/v1/invoices?${query}`)).json().data.map((i: { number: string }) => i.number);
    expect(await list(`customer_id=${bob}`)).toEqual(['INV-6', 'INV-4', 'INV-2']);
    expect(await list('currency=EUR')).toEqual(['INV-7', 'INV-6', 'INV-5']);
    expect(await list(`currency=USD&customer_id=${ada}`)).toEqual(['INV-3', 'INV-1']);
    expect(await list('due_after=2026-03-15T00:00:00Z&due_before=2026-03-17T00:00:00Z')).toEqual([
      'INV-6',
      'INV-5',
    ]);
    expect((await post(`/v1/invoices/${ids[2]}/void`)).statusCode).toBe(200);
    expect(await list('status=void')).toEqual(['INV-3']);
    expect(await list('status=open&currency=USD')).toEqual(['INV-4', 'INV-2', 'INV-1']);

    // A case opens for the invoices whose reminders are due; case_id then finds them.
    await api.world.advance(Date.UTC(2026, 2, 12, 9));
    const inCase = (await get(`/v1/invoices/${ids[1]}`)).json();
    expect(inCase.case_id).toMatch(/^case_/);
    expect(await list(`case_id=${inCase.case_id}`)).toEqual(['INV-4', 'INV-2']);

    const missing = await get('/v1/invoices/inv_nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().errors).toEqual([{ field: 'path.id', reason: 'not found' }]);
    const badCursor = await get('/v1/invoices?cursor=!!');
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json().errors[0].field).toBe('query.cursor');
    const typo = await get('/v1/invoices?stauts=open');
    expect(typo.statusCode).toBe(400);
    expect(typo.json().errors[0].field).toBe('query.stauts');
    const badStatus = await get('/v1/invoices?status=late');
    expect(badStatus.statusCode).toBe(400);
    expect(badStatus.json().errors[0].field).toBe('query.status');
  });

  it('refuses bad input naming the field, and writes nothing', async () => {
    api = await createApiWorld(START);
    const ada = await api.world.customer();
    const cases: [Record<string, unknown>, string, number][] = [
      [{ total: undefined }, 'body.total', 400],
      [{ total: '120.00' }, 'body.total', 400],
      [{ total: 0 }, 'body.total', 400],
      [{ total: 12.5 }, 'body.total', 400],
      [{ currency: 'usd' }, 'body.currency', 400],
      [{ currency: 'ABC' }, 'body.currency', 400],
      [{ due_at: '2026-03-20' }, 'body.due_at', 400],
      [{ collection: 'cheque' }, 'body.collection', 400],
      [{ customer_id: 'cus_nobody' }, 'body.customer_id', 400],
      [{ failed_at: '2026-03-01T00:00:00Z' }, 'body.failed_at', 400],
      [{ collection: 'charge_automatically', failed_at: '2026-04-01T00:00:00Z' }, 'body.failed_at', 400],
      [{ failure_code: 'insufficient_funds' }, 'body.failure_code', 400],
      [{ colour: 'red' }, 'body.colour', 400],
      [{ amount_paid: 100 }, 'body.amount_paid', 400],
      [{ failed_payment_method: 'pm_1' }, 'body.failed_payment_method', 400],
      [
        {
          collection: 'charge_automatically',
          failed_at: '2026-03-01T00:00:00Z',
          failed_payment_method: 'pm_nobody',
        },
        'body.failed_payment_method',
        400,
      ],
    ];
    for (const [change, field, status] of cases) {
      const res = await post('/v1/invoices', invoiceBody(ada, change));
      expect(res.statusCode, JSON.stringify(change)).toBe(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(res.json().detail).toContain(field);
    }
    expect(await count('invoices')).toBe(0);

    const forbidden = await api.call(reader, { method: 'POST', url: '/v1/invoices', body: invoiceBody(ada) });
    expect(forbidden.statusCode).toBe(403);
    expect(await count('invoices')).toBe(0);

    const first = await post('/v1/invoices', invoiceBody(ada, { external_id: 'dup' }));
    expect(first.statusCode).toBe(201);
    const dup = await post('/v1/invoices', invoiceBody(ada, { external_id: 'dup', number: 'INV-2' }));
    expect(dup.statusCode).toBe(409);
    expect(dup.json().errors[0].field).toBe('body.external_id');
    expect(await count('invoices')).toBe(1);

    const id = first.json().id as string;
    const patch = (body: unknown) => api.call(writer, { method: 'PATCH', url: `/v1/invoices/${id}`, body });
    const pay = (body: unknown) => post(`/v1/invoices/${id}/payments`, body);
    expect((await patch({})).json().errors[0].field).toBe('body');
    const currency = await patch({ currency: 'EUR' });
    expect(currency.statusCode).toBe(409);
    expect(currency.json().errors[0]).toEqual({
      field: 'body.currency',
      reason: "was USD; an invoice's currency cannot change",
    });
    expect((await patch({ currency: 'USD', number: 'INV-1b' })).statusCode).toBe(200);
    expect((await pay({ amount: 12_001 })).json().errors[0].field).toBe('body.amount');
    expect((await pay({ amount: 0 })).json().errors[0].field).toBe('body.amount');
    expect((await pay({ amount: '10.00' })).json().errors[0].field).toBe('body.amount');
    expect((await pay({ amount: 100, note: 'x' })).json().errors[0].field).toBe('body.note');
    expect(await count('payments')).toBe(0);
    expect((await pay({ amount: 5_000 })).statusCode).toBe(201);
    const below = await patch({ total: 4_000 });
    expect(below.statusCode).toBe(409);
    expect(below.json().errors[0]).toEqual({
      field: 'body.total',
      reason: 'must not be below the 50.00 already paid on this invoice',
    });
    const tooMuch = await pay({ amount: 7_001 });
    expect(tooMuch.statusCode).toBe(400);
    expect(tooMuch.json().detail).toBe(
      'body.amount: must not exceed the 70.00 USD still owed on this invoice',
    );
    expect((await get(`/v1/invoices/${id}`)).json()).toMatchObject({
      number: 'INV-1b',
      total: 12_000,
      amount_paid: 5_000,
      status: 'open',
    });
    expect(await count('payments')).toBe(1);

    expect((await post(`/v1/invoices/${id}/void`)).statusCode).toBe(200);
    const afterVoid = [
      await patch({ number: 'x' }),
      await pay({ amount: 1 }),
      await post(`/v1/invoices/${id}/void`),
    ];
    for (const res of afterVoid) {
      expect(res.statusCode).toBe(409);
      expect(res.json().errors[0].field).toBe('path.id');
    }
    expect((await post(`/v1/invoices/${id}/mark-uncollectible`)).statusCode).toBe(409);
    expect((await post('/v1/invoices/inv_nope/payments', { amount: 1 })).statusCode).toBe(404);
    expect(await count('payments')).toBe(1);
  });

  it('applies a reported lost card to the method named: that card is never charged, the other one is', async () => {
    api = await createApiWorld(START);
    const customerId = await api.world.customer();
    const first = await api.world.method(customerId, 'tok_ok', { priority: 1 });
    const second = await api.world.method(customerId, 'tok_ok', { priority: 2 });
    const created = await post(
      '/v1/invoices',
      invoiceBody(customerId, {
        collection: 'charge_automatically',
        due_at: new Date(START - HOUR).toISOString(),
        failed_at: new Date(START - HOUR).toISOString(),
        failure_code: 'lost_card',
        failed_payment_method: first, // the world's methods use their id as external id
      }),
    );
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().failed_payment_method_id).toBe(first);
    for (let t = START; t <= START + 2 * DAY; t += 6 * HOUR) await api.world.advance(t);
    const charged = await db().selectFrom('payment_attempts').select('payment_method_id').execute();
    expect(charged.map((a) => a.payment_method_id)).toEqual([second]);
    expect((await get(`/v1/invoices/${created.json().id}`)).json().status).toBe('paid');
  });

  it('closes the case on a partial then a full payment: steps cancelled, nothing more charged or sent', async () => {
    api = await createApiWorld(START);
    const { invoice } = await failedCardInvoice(12_000);
    const caseId = invoice.case_id as string;
    expect(await pendingSteps(caseId)).toBeGreaterThan(0);

    const partial = await post(`/v1/invoices/${invoice.id}/payments`, { amount: 5_000, reference: 'wire-1' });
    expect(partial.statusCode).toBe(201);
    expect(partial.json().payment).toMatchObject({
      invoice_id: invoice.id,
      case_id: caseId,
      amount: 5_000,
      currency: 'USD',
      source: 'api',
      reference: 'wire-1',
      received_at: new Date(START).toISOString(),
    });
    expect(partial.json().invoice).toMatchObject({
      amount_paid: 5_000,
      amount_remaining: 7_000,
      status: 'open',
    });
    expect(await caseOf(caseId)).toMatchObject({ state: 'open', amount_recovered: 5_000 });
    expect(await pendingSteps(caseId)).toBeGreaterThan(0);

    const again = await post(`/v1/invoices/${invoice.id}/payments`, { amount: 1_000, reference: 'wire-1' });
    expect(again.statusCode).toBe(409);
    expect(again.json().errors[0].field).toBe('body.reference');

    const full = await post(`/v1/invoices/${invoice.id}/payments`, { amount: 7_000, reference: 'wire-2' });
    expect(full.statusCode).toBe(201);
    expect(full.json().invoice).toMatchObject({ amount_paid: 12_000, amount_remaining: 0, status: 'paid' });
    expect(await caseOf(caseId)).toMatchObject({
      state: 'recovered',
      amount_recovered: 12_000,
      closed_at: START,
      next_due_at: null,
    });
    expect(await pendingSteps(caseId)).toBe(0);
    const timeline = await db()
      .selectFrom('timeline_events')
      .select(['type', 'rule'])
      .where('case_id', '=', caseId)
      .orderBy('id')
      .execute();
    expect(timeline.filter((e) => e.type === 'payment.recorded').map((e) => e.rule)).toEqual([
      'payment from api (wire-1)',
      'payment from api (wire-2)',
    ]);
    expect(timeline.at(-1)?.type).toBe('case.recovered');

    const messages = await count('messages');
    const attempts = await count('payment_attempts');
    expect(messages).toBe(1); // the day-0 reminder went out before the payments came in
    for (let t = START + 6 * HOUR; t <= START + 30 * DAY; t += 6 * HOUR) await api.world.advance(t);
    expect(await count('messages')).toBe(messages);
    expect(await count('payment_attempts')).toBe(attempts);
    expect(await caseOf(caseId)).toMatchObject({ state: 'recovered' });
    const paidAgain = await post(`/v1/invoices/${invoice.id}/payments`, { amount: 1 });
    expect(paidAgain.statusCode).toBe(409);
    expect(paidAgain.json().errors[0]).toEqual({
      field: 'path.id',
      reason: 'the invoice is paid; it takes no more payments',
    });
  });

  it('voids or writes off invoices, closing the case only when nothing else is owed', async () => {
    api = await createApiWorld(START);
    const { customerId, invoice: first } = await failedCardInvoice(12_000);
    const caseId = first.case_id as string;
    const second = await post(
      '/v1/invoices',
      invoiceBody(customerId, {
        number: 'INV-2',
        total: 3_000,
        collection: 'charge_automatically',
        failed_at: new Date(START).toISOString(),
      }),
    );
    await api.world.advance(START + HOUR);
    expect((await get(`/v1/invoices/${second.json().id}`)).json().case_id).toBe(caseId);

    const voided = await post(`/v1/invoices/${first.id}/void`);
    expect(voided.statusCode).toBe(200);
    expect(voided.json()).toMatchObject({ status: 'void', amount_remaining: 12_000 });
    expect(await caseOf(caseId)).toMatchObject({ state: 'open' });
    expect(await pendingSteps(caseId)).toBeGreaterThan(0);

    const written = await post(`/v1/invoices/${second.json().id}/mark-uncollectible`);
    expect(written.statusCode).toBe(200);
    expect(written.json().status).toBe('uncollectible');
    expect(await caseOf(caseId)).toMatchObject({ state: 'cancelled', closed_at: START + HOUR });
    expect(await pendingSteps(caseId)).toBe(0);
    const types = (
      await db()
        .selectFrom('timeline_events')
        .select('type')
        .where('case_id', '=', caseId)
        .orderBy('id')
        .execute()
    ).map((e) => e.type);
    expect(types.slice(-3)).toEqual(['invoice.voided', 'invoice.uncollectible', 'case.cancelled']);

    // A written-off invoice can still be voided, or paid after all; money for it is recorded.
    const late = await post(`/v1/invoices/${second.json().id}/payments`, {
      amount: 3_000,
      reference: 'late',
    });
    expect(late.statusCode).toBe(201);
    expect(late.json().invoice).toMatchObject({ status: 'paid', amount_paid: 3_000 });
    expect((await post(`/v1/invoices/${second.json().id}/void`)).statusCode).toBe(409);

    const messages = await count('messages');
    const attempts = await count('payment_attempts');
    for (let t = START + DAY; t <= START + 25 * DAY; t += 12 * HOUR) await api.world.advance(t);
    expect(await count('messages')).toBe(messages);
    expect(await count('payment_attempts')).toBe(attempts);
  });

  it('changes an open invoice, and a total lowered to what was paid settles it', async () => {
    api = await createApiWorld(START);
    const { invoice } = await failedCardInvoice(12_000);
    const patch = (body: unknown) =>
      api.call(writer, { method: 'PATCH', url: `/v1/invoices/${invoice.id}`, body });
    const changed = await patch({ number: 'INV-9', due_at: '2026-03-05T12:00:00+01:00', total: 15_000 });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({
      number: 'INV-9',
      due_at: '2026-03-05T11:00:00.000Z',
      total: 15_000,
      amount_remaining: 15_000,
      status: 'open',
    });
    const unchanged = await patch({ number: 'INV-9' });
    expect(unchanged.json().updated_at).toBe(changed.json().updated_at);
    expect((await post(`/v1/invoices/${invoice.id}/payments`, { amount: 6_000 })).statusCode).toBe(201);
    const settled = await patch({ total: 6_000 });
    expect(settled.json()).toMatchObject({ status: 'paid', amount_remaining: 0 });
    expect(await caseOf(invoice.case_id)).toMatchObject({ state: 'recovered', amount_recovered: 6_000 });
    expect(await pendingSteps(invoice.case_id)).toBe(0);
    const updates = await db()
      .selectFrom('timeline_events')
      .select('rule')
      .where('case_id', '=', invoice.case_id)
      .where('type', '=', 'invoice.updated')
      .execute();
    expect(updates.map((u) => u.rule)).toEqual([
      'changed through the API: number, total, due_at',
      'changed through the API: total',
    ]);
  });

  it('replays a create with the same Idempotency-Key and refuses the key with another body', async () => {
    api = await createApiWorld(START);
    const ada = await api.world.customer();
    const headers = { 'idempotency-key': 'create-inv-1' };
    const first = await post('/v1/invoices', invoiceBody(ada), headers);
    const replay = await post('/v1/invoices', invoiceBody(ada), headers);
    expect(first.statusCode).toBe(201);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
    expect(await count('invoices')).toBe(1);
    const other = await post('/v1/invoices', invoiceBody(ada, { total: 13_000 }), headers);
    expect(other.statusCode).toBe(422);
    expect(other.json().errors[0].field).toBe('header.idempotency-key');
    expect(await count('invoices')).toBe(1);
  });

  it('writes an audit-log row naming the invoice for every change, refused ones included', async () => {
    api = await createApiWorld(START);
    const ada = await api.world.customer();
    const created = await post('/v1/invoices', invoiceBody(ada));
    const id = created.json().id as string;
    await post(`/v1/invoices/${id}/payments`, { amount: 100_000 });
    await post(`/v1/invoices/${id}/payments`, { amount: 1_000 });
    await api.call({ role: 'manager' }, { method: 'POST', url: `/v1/invoices/${id}/mark-uncollectible` });
    // The audit row is written in onResponse, after the reply has reached the caller.
    const auditRows = () =>
      db()
        .selectFrom('audit_log')
        .select(['actor_type', 'method', 'route', 'object_type', 'object_id', 'status_code'])
        .where('object_id', '=', id)
        .orderBy('id')
        .execute();
    let rows = await auditRows();
    for (let i = 0; i < 50 && rows.length < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      rows = await auditRows();
    }
    // Order is not asserted: one request's onResponse may still be writing when the next one's finishes.
    expect(rows).toHaveLength(4);
    expect(rows).toEqual(
      expect.arrayContaining([
        {
          actor_type: 'api_key',
          method: 'POST',
          route: '/v1/invoices',
          object_type: 'invoice',
          object_id: id,
          status_code: 201,
        },
        {
          actor_type: 'api_key',
          method: 'POST',
          route: '/v1/invoices/:id/payments',
          object_type: 'invoice',
          object_id: id,
          status_code: 400,
        },
        {
          actor_type: 'api_key',
          method: 'POST',
          route: '/v1/invoices/:id/payments',
          object_type: 'invoice',
          object_id: id,
          status_code: 201,
        },
        {
          actor_type: 'user',
          method: 'POST',
          route: '/v1/invoices/:id/mark-uncollectible',
          object_type: 'invoice',
          object_id: id,
          status_code: 200,
        },
      ]),
    );
  });
});
