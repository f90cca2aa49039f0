import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/domain/input-error.ts';
import { ImportError } from '../../src/import/errors.ts';
import { importFile } from '../../src/import/import-file.ts';
import { WebhookRejectedError } from '../../src/integrations/inbound/errors.ts';
import { createInvoice } from '../../src/services/invoices.ts';
import { TEST_DB } from '../support/databases.ts';
import { DAY, HOUR, type World, createWorld } from '../support/world.ts';
import { deliverGeneric } from '../integrations/inbound/support.ts';

const START = Date.UTC(2026, 2, 2, 12); // Monday 2 March 2026, 12:00 UTC
const iso = (ms: number) => new Date(ms).toISOString();

async function runDays(world: World, days: number) {
  for (let t = world.clock.now(); t <= START + days * DAY; t += 6 * HOUR) await world.advance(t);
}

/** Recoup's own charges per method, and the case's state once the policy has run its course. */
async function outcome(world: World) {
  const db = world.runtime.database.db;
  const attempts = await db
    .selectFrom('payment_attempts')
    .select(['payment_method_id', 'status'])
    .where('source', '=', 'recoup')
    .execute();
  const state = (await db.selectFrom('cases').select('state').executeTakeFirstOrThrow()).state;
  const charged = (methodId: string) => attempts.filter((a) => a.payment_method_id === methodId).length;
  return { charged, state };
}

describe(`a billing system's failure applies to the method it failed on (${TEST_DB})`, () => {
  let world: World;
  let dir: string;
  afterEach(async () => {
    await world?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A world with one customer and cards that would all be approved, so only the rules keep one from a charge. */
  async function customerWithCards(count: number) {
    world = await createWorld(START);
    dir = mkdtempSync(join(tmpdir(), 'recoup-failed-method-'));
    const customer = await world.customer();
    const cards: string[] = [];
    for (let i = 1; i <= count; i++) cards.push(await world.method(customer, 'tok_ok', { priority: i }));
    return { customer, cards };
  }

  function importInvoice(customer: string, extra: Record<string, string>) {
    const columns = {
      external_id: 'INV-1',
      customer_external_id: customer,
      currency: 'USD',
      total: '99.00',
      due_date: iso(START),
      collection: 'charge_automatically',
      failed_at: iso(START),
      failure_code: 'lost_card',
      ...extra,
    };
    const csv = join(dir, 'invoices.csv');
    writeFileSync(csv, `${Object.keys(columns).join(',')}\n${Object.values(columns).join(',')}\n`);
    return importFile(world.runtime.database, 'invoices', csv, {
      now: START,
      cipher: world.runtime.deps.cipher,
    });
  }

  it('import, one card reported lost: the card is never charged and the case runs out without it', async () => {
    const { customer, cards } = await customerWithCards(1);
    await importInvoice(customer, {});
    await runDays(world, 25);
    const { charged, state } = await outcome(world);
    expect(charged(cards[0]!)).toBe(0);
    expect(state).toBe('cancelled'); // the shipped policy's last step cancels the subscription on day 21
  });

  it('import, two cards: the first (by default) is lost, so the second is charged', async () => {
    const { customer, cards } = await customerWithCards(2);
    await importInvoice(customer, {});
    expect(
      await world.runtime.database.db.selectFrom('invoices').select('failed_payment_method_id').execute(),
    ).toEqual([{ failed_payment_method_id: cards[0] }]);
    await runDays(world, 3);
    const { charged, state } = await outcome(world);
    expect([charged(cards[0]!), charged(cards[1]!)]).toEqual([0, 1]);
    expect(state).toBe('recovered');
  });

  it('import naming the second card: that one is lost, and the first is charged', async () => {
    const { customer, cards } = await customerWithCards(2);
    await importInvoice(customer, { failed_payment_method: cards[1]! });
    await runDays(world, 3);
    const { charged, state } = await outcome(world);
    expect([charged(cards[0]!), charged(cards[1]!)]).toEqual([1, 0]);
    expect(state).toBe('recovered');
  });

  it('import refuses a method the customer does not have, naming the column, and writes nothing', async () => {
    const { customer } = await customerWithCards(1);
    const error = await importInvoice(customer, { failed_payment_method: 'pm_nobody' }).catch((e) => e);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).errors).toEqual([
      {
        line: 2,
        column: 'failed_payment_method',
        message: "the customer has no payment method 'pm_nobody'",
      },
    ]);
    expect(await world.runtime.database.db.selectFrom('invoices').selectAll().execute()).toEqual([]);
  });

  it('API: an invoice created with a lost card named is collected from the other card', async () => {
    const { customer, cards } = await customerWithCards(2);
    const db = world.runtime.database.db;
    const input = {
      customer_id: customer,
      number: 'INV-1',
      currency: 'USD',
      total: 9_900,
      due_at: START,
      collection: 'charge_automatically' as const,
      failed_at: START,
      failure_code: 'stolen_card',
    };
    const unknown = await createInvoice(db, { ...input, failed_payment_method: 'pm_nobody' }, START).catch(
      (e) => e,
    );
    expect(unknown).toBeInstanceOf(InputError);
    expect(unknown).toMatchObject({ field: 'failed_payment_method' });
    const invoice = await createInvoice(db, { ...input, failed_payment_method: cards[1]! }, START);
    expect(invoice.failed_payment_method_id).toBe(cards[1]);
    await runDays(world, 3);
    const { charged, state } = await outcome(world);
    expect([charged(cards[0]!), charged(cards[1]!)]).toEqual([1, 0]);
    expect(state).toBe('recovered');
  });

  it('generic inbound webhook: the named card is not charged again, the other one is', async () => {
    world = await createWorld(START);
    dir = mkdtempSync(join(tmpdir(), 'recoup-failed-method-'));
    const event = (id: string, type: string, data: object) => ({ id, type, created: START, data });
    await deliverGeneric(world, event('ev_c', 'customer.upserted', { external_id: 'C-1', name: 'Ada' }));
    for (const [n, priority] of [
      ['PM-1', 1],
      ['PM-2', 2],
    ] as const) {
      await deliverGeneric(
        world,
        event(`ev_${n}`, 'payment_method.upserted', {
          external_id: n,
          customer_external_id: 'C-1',
          token: 'tok_ok',
          priority,
        }),
      );
    }
    const invoice = (failedMethod: string) =>
      event(`ev_inv_${failedMethod}`, 'invoice.upserted', {
        external_id: 'INV-1',
        customer_external_id: 'C-1',
        currency: 'EUR',
        total: 12_000,
        due_at: START,
        collection: 'charge_automatically',
        failed_at: START,
        failure_code: 'lost_card',
        failed_payment_method: failedMethod,
      });
    const refused = await deliverGeneric(world, invoice('PM-9')).catch((e) => e);
    expect(refused).toBeInstanceOf(WebhookRejectedError);
    expect(refused.message).toContain('failed_payment_method');
    expect(refused.message).toContain("the customer has no payment method 'PM-9'");
    await deliverGeneric(world, invoice('PM-1'));
    await runDays(world, 3);
    const methods = await world.runtime.database.db
      .selectFrom('payment_methods')
      .select(['id', 'external_id'])
      .orderBy('priority')
      .execute();
    const { charged, state } = await outcome(world);
    expect(methods.map((m) => charged(m.id))).toEqual([0, 1]);
    expect(state).toBe('recovered');
  });
});
