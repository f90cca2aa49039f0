import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, updateUser } from '../../src/access/users.ts';
import { runBatch } from '../../src/engine/run-batch.ts';
import type { ChargeRequest, PaymentGateway } from '../../src/gateways/gateway.ts';
import { type ApiWorld, type Caller, createApiWorld } from '../support/api.ts';
import { TEST_DB } from '../support/databases.ts';
import { EVENT_DATA } from '../../src/webhooks/events.ts';
import { DAY, HOUR } from '../support/world.ts';

let api: ApiWorld;
beforeAll(async () => {
  api = await createApiWorld();
});
afterAll(async () => api?.close());

const db = () => api.world.runtime.database.db;
const now = () => api.world.clock.now();
const MANAGER = { role: 'manager' } as const;

/**
 * A customer with one card and a charge that failed a day ago: the tick opens its case, which runs its day-0
 * reminder and retry-1 at once (a late case gets one contact, not a burst); retry-2 is due in two days.
 */
async function openCardCase(
  token = 'tok_insufficient_funds',
  input: { total?: number; currency?: string; name?: string } = {},
): Promise<string> {
  const customer = await api.world.customer({ name: input.name ?? 'Ada Lovelace' });
  await api.world.method(customer, token);
  const invoice = await api.world.invoice(customer, {
    total: input.total ?? 12_000,
    currency: input.currency ?? 'USD',
    dueAt: now() - DAY,
  });
  await api.world.advance(now());
  const row = await db()
    .selectFrom('invoices')
    .select('case_id')
    .where('id', '=', invoice)
    .executeTakeFirstOrThrow();
  return row.case_id!;
}

async function attemptsOf(caseId: string) {
  return db()
    .selectFrom('payment_attempts')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

// Sessions last 12 hours of the virtual clock, which these tests move by days: sign in again before each call.
async function as(caller: Caller): Promise<Caller> {
  if (caller !== 'anonymous' && 'role' in caller) await api.signIn(caller.role);
  return caller;
}

async function timelineOf(caseId: string) {
  const res = await api.call(await as(MANAGER), { method: 'GET', url: `/v1/cases/${caseId}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().timeline as {
    type: string;
    rule: string;
    step_id: string | null;
    data: Record<string, unknown>;
  }[];
}

/**
 * Starts a worker's batch two days on (retry-2 falls due) and holds its charge at the gateway; resolves once the
 * charge is held, with the batch and what lets the charge (changed by `alter`) go through.
 */
async function retryHeldAtTheGateway(alter: (request: ChargeRequest) => ChargeRequest = (r) => r) {
  const { deps } = api.world.runtime;
  let entered!: () => void;
  let release!: () => void;
  const inside = new Promise<void>((r) => {
    entered = r;
  });
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const gateway: PaymentGateway = {
    name: deps.gateway.name,
    chargesPerInvoice: deps.gateway.chargesPerInvoice,
    async charge(request: ChargeRequest) {
      entered();
      await gate;
      return deps.gateway.charge(alter(request));
    },
  };
  const due = now() + 2 * DAY;
  api.world.clock.set(due);
  const batch = runBatch({ ...deps, gateway }, due);
  await inside;
  return { batch, release };
}

async function post(caseId: string, action: string, body: unknown = {}, caller: Caller = MANAGER) {
  return api.call(await as(caller), { method: 'POST', url: `/v1/cases/${caseId}/${action}`, body });
}

describe(`cases API on ${TEST_DB}: list and show`, () => {
  it('walks every case exactly once, newest first, and filters by every field', async () => {
    const eur = await openCardCase('tok_insufficient_funds', { total: 5_000, currency: 'EUR' });
    const small = await openCardCase('tok_insufficient_funds', { total: 900 });
    const big = await openCardCase('tok_insufficient_funds', { total: 250_000 });
    const b2bCustomer = await api.world.customer();
    await api.world.invoice(b2bCustomer, {
      total: 7_700,
      dueAt: now() + DAY,
      collection: 'send_invoice',
    });
    await api.world.advance(now() + HOUR);
    const b2b = (
      await db()
        .selectFrom('cases')
        .select('id')
        .where('customer_id', '=', b2bCustomer)
        .executeTakeFirstOrThrow()
    ).id;
    expect((await post(small, 'pause', { reason: 'checking' })).statusCode).toBe(200);
    await db().updateTable('cases').set({ escalated_at: now() }).where('id', '=', big).execute();
    const cutoff = now();
    api.world.clock.set(now() + HOUR);
    const late = await openCardCase();

    const all = (await db().selectFrom('cases').select('id').orderBy('id', 'desc').execute()).map(
      (r) => r.id,
    );
    const seen: string[] = [];
    let url = '/v1/cases?limit=2';
    for (let page = 0; page < 100; page++) {
      const res = await api.call({ scope: 'read' }, { method: 'GET', url });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.data.length).toBeLessThanOrEqual(2);
      seen.push(...body.data.map((c: { id: string }) => c.id));
      if (body.next_cursor === null) break;
      url = `/v1/cases?limit=2&cursor=${body.next_cursor}`;
    }
    expect(seen).toEqual(all);

    const ids = async (query: string) => {
      const res = await api.call({ scope: 'read' }, { method: 'GET', url: `/v1/cases?limit=100&${query}` });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().data.map((c: { id: string }) => c.id) as string[];
    };
    expect(await ids('currency=EUR')).toEqual([eur]);
    expect(await ids('policy=b2b-invoice')).toEqual([b2b]);
    expect(await ids('paused=true')).toEqual([small]);
    expect(await ids('paused=false')).not.toContain(small);
    expect(await ids('escalated=true')).toEqual([big]);
    expect(await ids('min_amount=200000')).toEqual([big]);
    expect(await ids('max_amount=900')).toEqual([small]);
    expect(await ids('min_amount=900&max_amount=7700&currency=USD')).toEqual([b2b, small]);
    const customer = (
      await db().selectFrom('cases').select('customer_id').where('id', '=', eur).executeTakeFirstOrThrow()
    ).customer_id;
    expect(await ids(`customer_id=${customer}`)).toEqual([eur]);
    expect(await ids(`opened_after=${new Date(cutoff + 1).toISOString()}`)).toEqual([late]);
    expect(await ids(`opened_before=${new Date(cutoff + 1).toISOString()}`)).not.toContain(late);
    expect(await ids('state=recovered')).toEqual([]);

    const summary = (
      await api.call({ scope: 'read' }, { method: 'GET', url: `/v1/cases?limit=1&currency=EUR` })
    ).json().data[0];
    expect(summary).toMatchObject({
      id: eur,
      state: 'open',
      paused: false,
      currency: 'EUR',
      policy: { name: 'card-subscription', version: 1, id: 'card-subscription@1' },
      amount_failed: 5_000,
      amount_owed: 5_000,
      amount_recovered: 0,
      customer_name: 'Ada Lovelace',
    });
  });

  it('refuses bad filters naming the query field', async () => {
    const problem = async (query: string) => {
      const res = await api.call({ scope: 'read' }, { method: 'GET', url: `/v1/cases?${query}` });
      expect(res.statusCode, res.body).toBe(400);
      return res.json().errors.map((e: { field: string }) => e.field);
    };
    expect(await problem('state=sleeping')).toContain('query.state');
    expect(await problem('min_amount=500&max_amount=100')).toContain('query.min_amount');
    expect(await problem('min_amount=-1')).toContain('query.min_amount');
    expect(await problem('opened_before=yesterday')).toContain('query.opened_before');
    expect(await problem('cursor=not-ours')).toContain('query.cursor');
    expect(await problem('limit=1000')).toContain('query.limit');
    expect(await problem('colour=red')).toContain('query.colour');
  });

  it('shows a case with its invoices, steps and a timeline naming policy version, step and rule', async () => {
    const caseId = await openCardCase();
    const res = await api.call(await as({ role: 'viewer' }), { method: 'GET', url: `/v1/cases/${caseId}` });
    expect(res.statusCode, res.body).toBe(200);
    const c = res.json();
    expect(c.invoices).toHaveLength(1);
    expect(c.invoices[0]).toMatchObject({
      total: 12_000,
      amount_paid: 0,
      amount_remaining: 12_000,
      status: 'open',
    });
    expect(c.steps.map((s: { step_id: string }) => s.step_id)).toContain('retry-7');
    expect(c.steps.find((s: { step_id: string }) => s.step_id === 'retry-1')).toMatchObject({
      status: 'done',
    });
    const failed = c.timeline.find((e: { type: string }) => e.type === 'attempt.failed');
    expect(failed).toMatchObject({
      policy_version_id: 'card-subscription@1',
      step_id: 'retry-1',
      rule: expect.stringContaining('insufficient_funds'),
      data: { decline_class: 'soft' },
    });
    const missing = await api.call(await as({ role: 'viewer' }), {
      method: 'GET',
      url: '/v1/cases/case_nope',
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().errors[0].field).toBe('path.id');
  });
});

describe(`cases API on ${TEST_DB}: a collector's actions`, () => {
  it('pause: the engine does nothing for the case; resume: the plan moves by the pause and then it acts', async () => {
    const caseId = await openCardCase();
    const start = now();
    const stepsBefore = await db()
      .selectFrom('scheduled_steps')
      .selectAll()
      .where('case_id', '=', caseId)
      .where('status', '=', 'pending')
      .execute();
    const paused = await post(caseId, 'pause', { reason: 'customer promised to pay by Friday' });
    expect(paused.statusCode, paused.body).toBe(200);
    expect(paused.json()).toMatchObject({ paused: true, state: 'open' });
    expect((await post(caseId, 'pause')).statusCode).toBe(200); // again: nothing changes

    const attempts = (await attemptsOf(caseId)).length;
    const events = (await timelineOf(caseId)).length;
    for (let t = start + 6 * HOUR; t <= start + 4 * DAY; t += 6 * HOUR) await api.world.advance(t);
    expect(await attemptsOf(caseId)).toHaveLength(attempts);
    expect(await timelineOf(caseId)).toHaveLength(events);

    const resumed = await api.call(
      { scope: 'write' },
      {
        method: 'POST',
        url: `/v1/cases/${caseId}/resume`,
      },
    );
    expect(resumed.statusCode, resumed.body).toBe(200);
    expect(resumed.json().paused).toBe(false);
    const shift = now() - start;
    const stepsAfter = await db()
      .selectFrom('scheduled_steps')
      .selectAll()
      .where('case_id', '=', caseId)
      .where('status', '=', 'pending')
      .execute();
    for (const s of stepsAfter) {
      expect(s.due_at).toBe(stepsBefore.find((b) => b.step_id === s.step_id)!.due_at + shift);
    }
    // retry-2 was two days away when the case was paused; it is two days away again.
    const retry2 = stepsAfter.find((s) => s.step_id === 'retry-2')!;
    expect(retry2.due_at).toBe(now() + 2 * DAY);
    await api.world.advance(now() + DAY);
    expect(await attemptsOf(caseId)).toHaveLength(attempts);
    await api.world.advance(retry2.due_at);
    const after = await attemptsOf(caseId);
    expect(after).toHaveLength(attempts + 1);
    expect(after.at(-1)!.step_id).toBe('retry-2');

    const timeline = await timelineOf(caseId);
    expect(timeline.find((e) => e.type === 'case.paused')).toMatchObject({
      rule: 'paused by manager@example.com: customer promised to pay by Friday',
      data: {
        by: { kind: 'user', name: 'manager@example.com' },
        reason: 'customer promised to pay by Friday',
      },
    });
    expect(timeline.filter((e) => e.type === 'case.paused')).toHaveLength(1);
    const resumeEvent = timeline.find((e) => e.type === 'case.resumed')!;
    expect(resumeEvent.rule).toMatch(/^resumed by API key rcp_\w+; \d+ pending steps moved 4d later/);
    expect(resumeEvent.data).toMatchObject({ by: { kind: 'api_key' }, shifted_ms: 4 * DAY });
  });

  it('cancel: the case closes, every pending step is cancelled, and closed cases answer 409 naming path.id', async () => {
    const caseId = await openCardCase();
    const res = await post(caseId, 'cancel', { reason: 'customer left; agreed with sales' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ state: 'cancelled', next_due_at: null });
    expect(res.json().closed_at).toBe(new Date(now()).toISOString());
    // Closing stamps what the case is credited to: the reminder it got on opening.
    const stamped = await db()
      .selectFrom('cases')
      .select('credited_step')
      .where('id', '=', caseId)
      .executeTakeFirst();
    expect(stamped?.credited_step).toMatch(/^remind/);
    const pending = await db()
      .selectFrom('scheduled_steps')
      .select('step_id')
      .where('case_id', '=', caseId)
      .where('status', '=', 'pending')
      .execute();
    expect(pending).toEqual([]);
    const event = (await timelineOf(caseId)).find((e) => e.type === 'case.cancelled')!;
    expect(event.rule).toMatch(
      /^cancelled by manager@example.com: customer left; agreed with sales; \d+ pending steps cancelled$/,
    );

    const attempts = (await attemptsOf(caseId)).length;
    await api.world.advance(now() + 5 * DAY);
    expect(await attemptsOf(caseId)).toHaveLength(attempts);

    for (const [action, body] of [
      ['pause', {}],
      ['resume', {}],
      ['retry', {}],
      ['cancel', { reason: 'again' }],
    ] as const) {
      const refused = await post(caseId, action, body);
      expect(refused.statusCode, `${action}: ${refused.body}`).toBe(409);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.json().errors).toEqual([
        { field: 'path.id', reason: expect.stringContaining('the case is cancelled') },
      ]);
    }
    // What a customer said after the case closed still belongs to its history.
    expect((await post(caseId, 'notes', { text: 'Customer called to say thanks.' })).statusCode).toBe(201);
    expect((await post('case_nope', 'pause')).statusCode).toBe(404);
  });

  it('retry now: the next retry step runs at the next tick, once, under the engine’s rules', async () => {
    const caseId = await openCardCase();
    expect(await attemptsOf(caseId)).toHaveLength(1);
    api.world.clock.set(now() + HOUR);
    const res = await post(caseId, 'retry', { reason: 'customer topped up the card' }, { role: 'agent' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().next_due_at).toBe(new Date(now()).toISOString());
    await api.world.advance(now());
    const attempts = await attemptsOf(caseId);
    expect(attempts).toHaveLength(2);
    expect(attempts[1]).toMatchObject({ step_id: 'retry-2', status: 'failed' });
    expect(attempts[1]!.idempotency_key).toBe(`recoup:${caseId}:retry-2:${attempts[1]!.payment_method_id}`);
    const requested = (await timelineOf(caseId)).find((e) => e.type === 'retry.requested')!;
    expect(requested).toMatchObject({
      step_id: 'retry-2',
      rule: 'retry now requested by agent@example.com: customer topped up the card: step retry-2 made due',
    });
    // retry-2 ran early; it does not run again at its planned time.
    await api.world.advance(now() + 3 * DAY);
    expect((await attemptsOf(caseId)).filter((a) => a.step_id === 'retry-2')).toHaveLength(1);
  });

  it('retry now never retries a hard-declined method', async () => {
    const caseId = await openCardCase('tok_lost_card');
    const first = await attemptsOf(caseId);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ decline_class: 'hard', stop_method: 1 });
    api.world.clock.set(now() + HOUR);
    expect((await post(caseId, 'retry')).statusCode).toBe(200);
    await api.world.advance(now());
    expect(await attemptsOf(caseId)).toHaveLength(1);
    const step = await db()
      .selectFrom('scheduled_steps')
      .selectAll()
      .where('case_id', '=', caseId)
      .where('step_id', '=', 'retry-2')
      .executeTakeFirstOrThrow();
    expect(step.status).toBe('skipped');
    const skipped = (await timelineOf(caseId)).find(
      (e) => e.type === 'step.skipped' && e.step_id === 'retry-2',
    );
    expect(skipped?.rule).toMatch(/hard decline/);
  });

  it('retry now is refused while paused and when the customer has no payment method', async () => {
    const caseId = await openCardCase();
    expect((await post(caseId, 'pause')).statusCode).toBe(200);
    const paused = await post(caseId, 'retry');
    expect(paused.statusCode).toBe(409);
    expect(paused.json().errors[0]).toEqual({
      field: 'path.id',
      reason: 'the case is paused; resume it first',
    });

    const customer = await api.world.customer();
    await api.world.invoice(customer, { total: 3_000, dueAt: now() + DAY, collection: 'send_invoice' });
    await api.world.advance(now() + HOUR);
    const b2b = await db()
      .selectFrom('cases')
      .select(['id', 'next_due_at'])
      .where('customer_id', '=', customer)
      .executeTakeFirstOrThrow();
    const refused = await post(b2b.id, 'retry');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().errors[0]).toEqual({
      field: 'path.id',
      reason: 'the customer has no active payment method to charge',
    });
    const unchanged = await db()
      .selectFrom('cases')
      .select('next_due_at')
      .where('id', '=', b2b.id)
      .executeTakeFirstOrThrow();
    expect(unchanged.next_due_at).toBe(b2b.next_due_at);
  });

  it('resume is refused while a dispute on one of the case’s invoices is open', async () => {
    const caseId = await openCardCase();
    const invoice = await db()
      .selectFrom('invoices')
      .select('id')
      .where('case_id', '=', caseId)
      .executeTakeFirstOrThrow();
    await db()
      .insertInto('inbound_disputes')
      .values({
        source: 'stripe',
        dispute_id: 'dp_123',
        invoice_id: invoice.id,
        case_id: caseId,
        status: 'open',
        reason: 'fraudulent',
        outcome: null,
        opened_at: now(),
        closed_at: null,
      })
      .execute();
    expect((await post(caseId, 'pause', { reason: 'dispute' })).statusCode).toBe(200);
    const refused = await post(caseId, 'resume');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().errors).toEqual([
      { field: 'path.id', reason: 'dispute dp_123 is still open; the case resumes when it is resolved' },
    ]);
    const c = await db()
      .selectFrom('cases')
      .select('paused')
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    expect(c.paused).toBe(1);
    await db()
      .updateTable('inbound_disputes')
      .set({ status: 'closed' })
      .where('dispute_id', '=', 'dp_123')
      .execute();
    expect((await post(caseId, 'resume')).statusCode).toBe(200);
  });

  it('a note shows in the timeline with its author', async () => {
    const caseId = await openCardCase();
    const res = await post(
      caseId,
      'notes',
      { text: 'Promised to pay 50 now, rest next month.' },
      { role: 'agent' },
    );
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      type: 'note.added',
      rule: 'note by agent@example.com',
      data: {
        text: 'Promised to pay 50 now, rest next month.',
        by: { kind: 'user', name: 'agent@example.com' },
      },
    });
    const timeline = await timelineOf(caseId);
    expect(timeline.at(-1)).toMatchObject({
      type: 'note.added',
      data: { by: { name: 'agent@example.com' } },
    });

    const tooLong = await post(caseId, 'notes', { text: 'x'.repeat(5_001) });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().errors[0].field).toBe('body.text');
    const blank = await post(caseId, 'notes', { text: '   ' });
    expect(blank.json().errors[0].field).toBe('body.text');
    const viewer = await post(caseId, 'notes', { text: 'hello' }, { role: 'viewer' });
    expect(viewer.statusCode).toBe(403);
    const readKey = await post(caseId, 'pause', {}, { scope: 'read' });
    expect(readKey.statusCode).toBe(403);
    const agentCancels = await post(caseId, 'cancel', { reason: 'no' }, { role: 'agent' });
    expect(agentCancels.statusCode).toBe(403);
  });

  it('a worker finishing a step it claimed before a cancel or pause cannot undo it', async () => {
    for (const action of ['cancel', 'pause'] as const) {
      const caseId = await openCardCase();
      const { batch, release } = await retryHeldAtTheGateway();
      const res = await post(caseId, action, { reason: 'while a worker is charging' });
      expect(res.statusCode, res.body).toBe(200);
      release();
      await batch;
      const c = await db().selectFrom('cases').selectAll().where('id', '=', caseId).executeTakeFirstOrThrow();
      if (action === 'cancel') {
        expect(c.state).toBe('cancelled');
        // Releasing its lease does not give the closed case a due time back.
        expect(c.next_due_at).toBeNull();
        const pending = await db()
          .selectFrom('scheduled_steps')
          .select('step_id')
          .where('case_id', '=', caseId)
          .where('status', '=', 'pending')
          .execute();
        expect(pending).toEqual([]);
      } else {
        expect(c).toMatchObject({ state: 'open', paused: 1 });
      }
      // The charge that was in flight is recorded, and nothing more happens afterwards.
      const attempts = (await attemptsOf(caseId)).length;
      expect(attempts).toBe(2);
      await api.world.advance(now() + 4 * DAY);
      expect(await attemptsOf(caseId)).toHaveLength(attempts);
    }
  });

  it('a payment recorded while a worker charges the same invoice is kept, not written over', async () => {
    const caseId = await openCardCase('tok_insufficient_funds', { total: 12_000 });
    const invoice = await db()
      .selectFrom('invoices')
      .select('id')
      .where('case_id', '=', caseId)
      .executeTakeFirstOrThrow();
    // The card works again by the time the worker's retry reaches the gateway.
    const { batch, release } = await retryHeldAtTheGateway((request) => ({ ...request, token: 'tok_ok' }));
    const paid = await api.call(await as(MANAGER), {
      method: 'POST',
      url: `/v1/invoices/${invoice.id}/payments`,
      body: { amount: 5_000 },
    });
    expect(paid.statusCode, paid.body).toBe(201);
    release();
    await batch;
    const row = await db()
      .selectFrom('invoices')
      .select(['amount_paid', 'status'])
      .where('id', '=', invoice.id)
      .executeTakeFirstOrThrow();
    const payments = await db()
      .selectFrom('payments')
      .select(['amount', 'source'])
      .where('invoice_id', '=', invoice.id)
      .orderBy('amount')
      .execute();
    // Both payments happened, and the invoice counts both: an overpayment shows, none is lost.
    expect(payments).toEqual([
      { amount: 5_000, source: 'api' },
      { amount: 12_000, source: 'retry' },
    ]);
    expect(row).toEqual({ amount_paid: 17_000, status: 'paid' });
    const c = await db()
      .selectFrom('cases')
      .select(['state', 'amount_recovered'])
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    expect(c).toEqual({ state: 'recovered', amount_recovered: 17_000 });
  });
});

/** A B2B customer (invoice terms, so a policy without retry steps) with one card on file; returns the case. */
async function openInvoiceCase(token: string): Promise<{ caseId: string; methodId: string }> {
  const customer = await api.world.customer();
  const methodId = await api.world.method(customer, token);
  await api.world.invoice(customer, { total: 3_000, dueAt: now() + DAY, collection: 'send_invoice' });
  await api.world.advance(now() + HOUR);
  const c = await db()
    .selectFrom('cases')
    .select(['id', 'policy_version_id'])
    .where('customer_id', '=', customer)
    .executeTakeFirstOrThrow();
  expect(c.policy_version_id).toBe('b2b-invoice@1');
  return { caseId: c.id, methodId };
}

describe(`cases API on ${TEST_DB}: retry now without a retry step, assign, and cancel events`, () => {
  it('retry now plans an ad-hoc step when the policy has none, and charges once when asked twice at once', async () => {
    const { caseId, methodId } = await openInvoiceCase('tok_ok');
    const write: Caller = { scope: 'write' };
    const answers = await Promise.all([post(caseId, 'retry', {}, write), post(caseId, 'retry', {}, write)]);
    for (const res of answers) expect(res.statusCode, res.body).toBe(200);
    const adHoc = await db()
      .selectFrom('scheduled_steps')
      .selectAll()
      .where('case_id', '=', caseId)
      .where('action', '=', 'retry')
      .execute();
    expect(adHoc).toMatchObject([{ step_id: 'manual-retry-1', status: 'pending', due_at: now() }]);
    const requested = (await timelineOf(caseId)).filter((e) => e.type === 'retry.requested');
    expect(requested).toHaveLength(2);
    expect(requested[0]!.rule).toMatch(
      /no retry step of its policy is left, so ad-hoc step manual-retry-1 was added/,
    );
    expect(requested[1]!.rule).toMatch(/step manual-retry-1 made due$/);

    // Two workers race for the case; the gateway sees one charge.
    const { deps } = api.world.runtime;
    const charges: ChargeRequest[] = [];
    const gateway: PaymentGateway = {
      name: deps.gateway.name,
      chargesPerInvoice: deps.gateway.chargesPerInvoice,
      async charge(request: ChargeRequest) {
        charges.push(request);
        return deps.gateway.charge(request);
      },
    };
    await Promise.all(
      ['worker-a', 'worker-b'].map((owner) =>
        runBatch({ ...deps, gateway, settings: { ...deps.settings, owner } }, now()),
      ),
    );
    await api.world.advance(now() + HOUR);
    expect(charges).toHaveLength(1);
    expect(charges[0]!.idempotencyKey).toBe(`recoup:${caseId}:manual-retry-1:${methodId}`);
    const attempts = await attemptsOf(caseId);
    expect(attempts).toMatchObject([{ step_id: 'manual-retry-1', status: 'succeeded', amount: 3_000 }]);
    const c = await api.call(write, { method: 'GET', url: `/v1/cases/${caseId}` });
    expect(c.json()).toMatchObject({ state: 'recovered', amount_recovered: 3_000 });
    expect(c.json().steps.find((s: { step_id: string }) => s.step_id === 'manual-retry-1')).toMatchObject({
      action: 'retry',
      status: 'done',
    });
  });

  it('each later retry now is a new ad-hoc step with its own idempotency key', async () => {
    const { caseId, methodId } = await openInvoiceCase('tok_insufficient_funds');
    for (const step of ['manual-retry-1', 'manual-retry-2']) {
      api.world.clock.set(now() + HOUR);
      expect((await post(caseId, 'retry', {}, { scope: 'write' })).statusCode).toBe(200);
      await api.world.advance(now());
      const last = (await attemptsOf(caseId)).at(-1)!;
      expect(last).toMatchObject({ step_id: step, status: 'failed' });
      expect(last.idempotency_key).toBe(`recoup:${caseId}:${step}:${methodId}`);
    }
    expect(await attemptsOf(caseId)).toHaveLength(2);
    const c = await db()
      .selectFrom('cases')
      .select('state')
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    expect(c.state).toBe('open'); // its reminders are still to come
  });

  it('assign: sets and clears the assignee, shows it, filters by it, and names body.user_id for a bad user', async () => {
    const caseId = await openCardCase();
    const other = await openCardCase();
    const userId = async (email: string) =>
      (await db().selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
    const agent = await userId('agent@example.com');

    const res = await post(caseId, 'assign', { user_id: agent }, { role: 'agent' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().assignee).toEqual({ id: agent, email: 'agent@example.com' });
    expect((await post(caseId, 'assign', { user_id: agent }, { role: 'agent' })).statusCode).toBe(200);
    const assigned = (await timelineOf(caseId)).filter((e) => e.type === 'case.assigned');
    expect(assigned).toHaveLength(1); // assigning again changed nothing
    expect(assigned[0]).toMatchObject({
      rule: 'assigned to agent@example.com by agent@example.com',
      data: { user_id: agent, previous_user_id: null, by: { kind: 'user', name: 'agent@example.com' } },
    });

    const ids = async (query: string) => {
      const list = await api.call({ scope: 'read' }, { method: 'GET', url: `/v1/cases?limit=100&${query}` });
      expect(list.statusCode, list.body).toBe(200);
      return list.json().data.map((c: { id: string; assignee: unknown }) => c.id) as string[];
    };
    expect(await ids(`assignee=${agent}`)).toEqual([caseId]);
    expect(await ids('assignee=none')).toContain(other);
    expect(await ids('assignee=none')).not.toContain(caseId);
    expect(await ids(`assignee=${agent}&opened_after=${new Date(now() + 1).toISOString()}`)).toEqual([]);
    const shown = await api.call({ scope: 'read' }, { method: 'GET', url: `/v1/cases/${other}` });
    expect(shown.json().assignee).toBeNull();

    const unknown = await post(other, 'assign', { user_id: 'usr_nobody' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors).toEqual([
      { field: 'body.user_id', reason: "no user with id 'usr_nobody'" },
    ]);
    const gone = await createUser(db(), {
      email: 'former@example.com',
      role: 'agent',
      password: 'a long enough password',
      now: now(),
    });
    await updateUser(db(), gone.id, { disabled: true }, now());
    const disabled = await post(other, 'assign', { user_id: gone.id });
    expect(disabled.statusCode).toBe(400);
    expect(disabled.json().errors[0]).toEqual({
      field: 'body.user_id',
      reason: 'user former@example.com is disabled',
    });
    expect((await post(other, 'assign', { user_id: agent }, { role: 'viewer' })).statusCode).toBe(403);
    expect(await ids(`assignee=${agent}`)).toEqual([caseId]);
    // Whoever works cases sees who can take one: enabled people whose role works cases, never a viewer.
    const assignees = await api.call({ role: 'agent' }, { method: 'GET', url: '/v1/assignees' });
    expect(assignees.statusCode, assignees.body).toBe(200);
    const emails = assignees.json().data.map((u: { email: string }) => u.email) as string[];
    expect(emails).toContain('agent@example.com');
    expect(emails).toContain('manager@example.com');
    expect(emails).not.toContain('viewer@example.com');
    expect(emails).not.toContain('former@example.com');
    const viewer = await userId('viewer@example.com');
    const toViewer = await post(other, 'assign', { user_id: viewer });
    expect(toViewer.statusCode).toBe(400);
    expect(toViewer.json().errors[0]).toEqual({
      field: 'body.user_id',
      reason: 'user viewer@example.com is a viewer and cannot work cases',
    });

    const cleared = await post(caseId, 'assign', { user_id: null }, { role: 'agent' });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json().assignee).toBeNull();
    expect((await timelineOf(caseId)).at(-1)).toMatchObject({
      type: 'case.assigned',
      rule: 'unassigned by agent@example.com',
      data: { user_id: null, previous_user_id: agent },
    });
    expect(await ids(`assignee=${agent}`)).toEqual([]);

    expect((await post(other, 'cancel', { reason: 'settled elsewhere' })).statusCode).toBe(200);
    const closed = await post(other, 'assign', { user_id: agent });
    expect(closed.statusCode).toBe(409);
    expect(closed.json().errors[0].reason).toBe('the case is cancelled; only an open case can be assigned');
  });

  it('cancel announces case.cancelled to webhook subscribers, with reason manual', async () => {
    const caseId = await openCardCase();
    expect((await post(caseId, 'cancel', { reason: 'customer left' })).statusCode).toBe(200);
    const events = await api.call(
      { scope: 'read' },
      { method: 'GET', url: `/v1/events?case_id=${caseId}&type=case.cancelled` },
    );
    expect(events.statusCode, events.body).toBe(200);
    expect(events.json().data).toHaveLength(1);
    const data = events.json().data[0].data;
    expect(data).toEqual({ currency: 'USD', reason: 'manual', step_id: null });
    expect(Value.Check(EVENT_DATA['case.cancelled'], data)).toBe(true);
  });
});

describe(`cases API on ${TEST_DB}: cases the engine fails on`, () => {
  it('lists a parked case under needs_attention with its error, counts it, and puts it back to work', async () => {
    const caseId = await openCardCase();
    // Its data broken under the engine: no pending step, yet due.
    await db()
      .updateTable('scheduled_steps')
      .set({ status: 'cancelled', completed_at: now() })
      .where('case_id', '=', caseId)
      .execute();
    await db().updateTable('cases').set({ next_due_at: now() }).where('id', '=', caseId).execute();
    const { deps } = api.world.runtime;
    const failures = { ...deps.settings.failures, maxFailures: 2 };
    const engine = { ...deps, settings: { ...deps.settings, failures } };

    await runBatch(engine, now());
    const failing = await api.call(await as(MANAGER), { method: 'GET', url: `/v1/cases/${caseId}` });
    expect(failing.json()).toMatchObject({
      state: 'open',
      error_count: 1,
      last_error: `case ${caseId} is open with no pending step`,
      next_due_at: new Date(now() + failures.retryMs).toISOString(),
    });
    api.world.clock.set(now() + failures.retryMs);
    await runBatch(engine, now());

    const listed = await api.call(await as(MANAGER), {
      method: 'GET',
      url: '/v1/cases?state=needs_attention',
    });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().data).toEqual([
      expect.objectContaining({
        id: caseId,
        state: 'needs_attention',
        error_count: 2,
        last_error: `case ${caseId} is open with no pending step`,
      }),
    ]);
    const types = (await timelineOf(caseId)).map((e) => e.type);
    expect(types.filter((t) => t === 'case.failed')).toHaveLength(2);
    expect(types.at(-1)).toBe('case.needs_attention');
    const metrics = await api.call({ scope: 'read' }, { method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('recoup_cases{state="needs_attention"} 1');

    // A viewer may not; an agent puts it back to work, due now, its failures forgotten.
    expect((await post(caseId, 'retry', {}, { role: 'viewer' })).statusCode).toBe(403);
    const retried = await post(caseId, 'retry', { reason: 'looked at it' }, { role: 'agent' });
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toMatchObject({
      state: 'open',
      error_count: 0,
      last_error: null,
      next_due_at: new Date(now()).toISOString(),
    });
    expect((await timelineOf(caseId)).at(-1)).toMatchObject({
      type: 'case.reopened',
      rule: 'retried by agent@example.com: looked at it: back to work after failing; due now',
    });
    const audit = await db()
      .selectFrom('audit_log')
      .select(['route', 'object_id'])
      .where('object_id', '=', caseId)
      .where('route', 'like', '%/retry')
      .where('status_code', '=', 200)
      .execute();
    expect(audit).toHaveLength(1);
    const bad = await api.call(await as(MANAGER), { method: 'GET', url: '/v1/cases?state=stuck' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('query.state');
  });
});
