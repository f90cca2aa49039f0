import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel } from '../../src/channels/channel.ts';
import { OutboxChannel } from '../../src/channels/email/outbox-channel.ts';
import { tick } from '../../src/engine/tick.ts';
import type { ChargeRequest, PaymentGateway } from '../../src/gateways/gateway.ts';
import { TEST_DB } from '../support/databases.ts';
import { DAY, type World, createWorld } from '../support/world.ts';

const START = Date.UTC(2026, 2, 2, 12);

let world: World;
beforeAll(async () => {
  world = await createWorld(START);
});
afterAll(async () => world?.close());

const db = () => world.runtime.database.db;

/** Makes every update of one case's steps fail, as a corrupt row or a broken constraint would. */
async function refuseStepWrites(caseId: string) {
  if (TEST_DB === 'postgres') {
    await sql`create function refuse_steps() returns trigger language plpgsql as $$
      begin raise exception 'refused by the test'; end $$`.execute(db());
    await sql`create trigger refuse_steps before update on scheduled_steps for each row
      when (old.case_id = ${sql.lit(caseId)}) execute function refuse_steps()`.execute(db());
  } else {
    await sql`create trigger refuse_steps before update on scheduled_steps
      when old.case_id = ${sql.lit(caseId)} begin select raise(abort, 'refused by the test'); end`.execute(
      db(),
    );
  }
}

describe(`a case whose outcome cannot be written, on ${TEST_DB}`, () => {
  it('fails alone: the batch is recorded, its charge is resolved once later, and its failures are forgotten', async () => {
    const cases: string[] = [];
    for (let i = 0; i < 3; i++) {
      const customer = await world.customer({ name: `Customer ${i}` });
      await world.method(customer, 'tok_ok');
      await world.invoice(customer, { total: 4_000 + i, dueAt: START, failedAt: START });
    }
    await world.advance(START);
    for (const c of await db().selectFrom('cases').select('id').orderBy('id').execute()) cases.push(c.id);
    const [broken, ...others] = cases as [string, ...string[]];
    await refuseStepWrites(broken);

    // Day 1: every case charges its card; the broken case's outcome cannot be written.
    await world.advance(START + DAY);
    const states = await db()
      .selectFrom('cases')
      .select(['id', 'state', 'error_count', 'last_error', 'next_due_at'])
      .orderBy('id')
      .execute();
    for (const c of states.filter((s) => others.includes(s.id))) {
      expect(c).toMatchObject({ state: 'recovered', last_error: null });
    }
    const failed = states.find((s) => s.id === broken)!;
    expect(failed.state).toBe('open');
    expect(Number(failed.error_count)).toBe(1);
    expect(failed.last_error).toContain('refused by the test');
    expect(Number(failed.next_due_at)).toBe(START + DAY + 60_000);
    // Its charge was made but not recorded: the intent stays pending, to be resolved with the same key.
    const pending = await db()
      .selectFrom('payment_attempts')
      .selectAll()
      .where('case_id', '=', broken)
      .execute();
    expect(pending.map((a) => a.status)).toEqual(['pending']);

    await sql`drop trigger refuse_steps${sql.raw(TEST_DB === 'postgres' ? ' on scheduled_steps' : '')}`.execute(
      db(),
    );
    await world.advance(START + DAY + 60_000);
    const healed = await db()
      .selectFrom('cases')
      .select(['state', 'error_count', 'last_error'])
      .where('id', '=', broken)
      .executeTakeFirstOrThrow();
    expect({ ...healed, error_count: Number(healed.error_count) }).toEqual({
      state: 'recovered',
      error_count: 0,
      last_error: null,
    });
    const attempts = await db()
      .selectFrom('payment_attempts')
      .selectAll()
      .where('case_id', '=', broken)
      .execute();
    expect(attempts.map((a) => a.status)).toEqual(['succeeded']);
    const payments = await db().selectFrom('payments').selectAll().where('case_id', '=', broken).execute();
    const invoice = await db()
      .selectFrom('invoices')
      .select('total')
      .where('case_id', '=', broken)
      .executeTakeFirstOrThrow();
    expect(payments.map((p) => Number(p.amount))).toEqual([Number(invoice.total)]);
    const types = await db()
      .selectFrom('timeline_events')
      .select('type')
      .where('case_id', '=', broken)
      .where('type', 'in', ['case.failed', 'case.recovered'])
      .orderBy('id')
      .execute();
    expect(types.map((t) => t.type)).toEqual(['case.failed', 'case.recovered']);
  }, 60_000);

  it('a charge that fails in a way the gateway does not explain fails its case alone', async () => {
    const opened = world.clock.now();
    const customers: string[] = [];
    for (let i = 0; i < 3; i++) {
      const customer = await world.customer({ name: `Charged ${i}` });
      await world.method(customer, 'tok_ok');
      await world.invoice(customer, { total: 7_000 + i, dueAt: opened, failedAt: opened });
      customers.push(customer);
    }
    await world.advance(opened);
    const caseOf = async (customer: string) =>
      (
        await db()
          .selectFrom('cases')
          .select('id')
          .where('customer_id', '=', customer)
          .executeTakeFirstOrThrow()
      ).id;
    const broken = await caseOf(customers[0]!);
    const { deps } = world.runtime;
    const gateway: PaymentGateway = {
      name: deps.gateway.name,
      chargesPerInvoice: deps.gateway.chargesPerInvoice,
      async charge(request: ChargeRequest) {
        if (request.description?.includes(broken))
          throw new Error('the gateway answered something unreadable');
        return deps.gateway.charge(request);
      },
    };
    const day1 = opened + DAY;
    world.clock.set(day1);
    await tick({ ...deps, gateway }, day1);

    for (const customer of customers.slice(1)) {
      const c = await db()
        .selectFrom('cases')
        .select('state')
        .where('id', '=', await caseOf(customer))
        .executeTakeFirstOrThrow();
      expect(c.state).toBe('recovered');
    }
    const failed = await db()
      .selectFrom('cases')
      .select(['state', 'error_count', 'last_error', 'next_due_at'])
      .where('id', '=', broken)
      .executeTakeFirstOrThrow();
    expect({
      ...failed,
      error_count: Number(failed.error_count),
      next_due_at: Number(failed.next_due_at),
    }).toEqual({
      state: 'open',
      error_count: 1,
      last_error: 'the gateway answered something unreadable',
      next_due_at: day1 + 60_000,
    });
    const intents = await db()
      .selectFrom('payment_attempts')
      .select('status')
      .where('case_id', '=', broken)
      .execute();
    expect(intents.map((a) => a.status)).toEqual(['pending']);

    // The gateway answers again: the same intent is resolved, once.
    await world.advance(day1 + 60_000);
    const attempts = await db()
      .selectFrom('payment_attempts')
      .select('status')
      .where('case_id', '=', broken)
      .execute();
    expect(attempts.map((a) => a.status)).toEqual(['succeeded']);
    const healed = await db()
      .selectFrom('cases')
      .select(['state', 'error_count'])
      .where('id', '=', broken)
      .executeTakeFirstOrThrow();
    expect({ ...healed, error_count: Number(healed.error_count) }).toEqual({
      state: 'recovered',
      error_count: 0,
    });
  }, 60_000);
});

describe(`a message its channel cannot take, on ${TEST_DB}`, () => {
  it('fails its case alone; the next run finds the message never left and sends it once', async () => {
    let refuse = true;
    const outbox = mkdtempSync(join(tmpdir(), 'recoup-outbox-'));
    const files = new OutboxChannel({ from: 'billing@example.com', folder: outbox });
    const email: Channel = {
      name: 'email',
      concurrency: files.concurrency,
      send: (message) =>
        refuse && message.to === 'broken@example.com'
          ? Promise.reject(new Error('the channel fell over'))
          : files.send(message),
      wasSent: (id) => files.wasSent(id),
    };
    const own = await createWorld(START, { channels: new Map([['email', email]]) });
    try {
      const db = own.runtime.database.db;
      for (const name of ['broken', 'fine-1', 'fine-2']) {
        const customer = await own.customer({ name, email: `${name}@example.com` });
        await own.method(customer, 'tok_ok');
        await own.invoice(customer, { total: 5_000, dueAt: START, failedAt: START });
      }
      await own.advance(START);

      const cases = await db
        .selectFrom('cases')
        .innerJoin('customers', 'customers.id', 'cases.customer_id')
        .select(['cases.id', 'customers.name', 'cases.error_count', 'cases.last_error'])
        .execute();
      const broken = cases.find((c) => c.name === 'broken')!;
      expect(Number(broken.error_count)).toBe(1);
      expect(broken.last_error).toContain('the channel fell over');
      for (const c of cases.filter((c) => c !== broken)) expect(Number(c.error_count)).toBe(0);
      const statuses = async (caseId: string) =>
        (await db.selectFrom('messages').select('status').where('case_id', '=', caseId).execute()).map(
          (m) => m.status,
        );
      // Its intent was committed before the send: the message waits, `sending`, for the next run to settle it.
      expect(await statuses(broken.id)).toEqual(['sending']);
      for (const c of cases.filter((c) => c !== broken)) expect(await statuses(c.id)).toEqual(['sent']);

      refuse = false;
      await own.advance(START + 60_000);
      expect(await statuses(broken.id)).toEqual(['sent']);
      expect(readdirSync(outbox).filter((f) => f.endsWith('.eml'))).toHaveLength(3);
    } finally {
      await own.close();
    }
  }, 60_000);
});
