import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebhookRejectedError } from '../../../src/integrations/inbound/errors.ts';
import { handleGenericWebhook } from '../../../src/integrations/inbound/generic-webhook.ts';
import { openContact } from '../../../src/store/customer-contacts.ts';
import { DAY, HOUR, type World, createWorld } from '../../support/world.ts';
import { GENERIC_SECRET, deliverGeneric, everything, webhookContext } from './support.ts';

const START = Date.UTC(2026, 2, 2, 12); // Monday 2 March 2026, 12:00 UTC

const customer = (created = START) => ({
  id: 'ev_cus_1',
  type: 'customer.upserted',
  created,
  data: {
    external_id: 'C-1',
    name: 'Grace Hopper',
    email: 'grace@example.com',
    phone: null,
    address: { line1: '1 Navy Way', city: 'Arlington', country: 'us' },
    locale: 'en-US',
    time_zone: 'America/New_York',
    attributes: { plan: 'pro' },
  },
});

const method = {
  id: 'ev_pm_1',
  type: 'payment_method.upserted',
  created: START,
  data: {
    external_id: 'PM-1',
    customer_external_id: 'C-1',
    token: 'tok_insufficient_funds',
    brand: 'visa',
    last4: '4242',
    exp_month: 12,
    exp_year: 2030,
  },
};

const invoice = (overrides: Record<string, unknown> = {}, created = START) => ({
  id: `ev_inv_${created}`,
  type: 'invoice.upserted',
  created,
  data: {
    external_id: 'INV-1',
    customer_external_id: 'C-1',
    currency: 'EUR',
    total: 12_000,
    due_at: START,
    collection: 'charge_automatically',
    failed_at: START,
    failure_code: 'insufficient_funds',
    ...overrides,
  },
});

async function rejection(promise: Promise<unknown>): Promise<WebhookRejectedError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebhookRejectedError);
  return error as WebhookRejectedError;
}

describe('generic inbound webhook', () => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld(START);
  });
  afterEach(async () => world?.close());
  const db = () => world.runtime.database.db;

  it('applies signed events: a customer, a method and a failed invoice open a case; a payment closes it', async () => {
    expect(await deliverGeneric(world, customer())).toEqual({
      status: 'applied',
      eventId: 'ev_cus_1',
      type: 'customer.upserted',
    });
    expect((await deliverGeneric(world, method)).status).toBe('applied');
    expect((await deliverGeneric(world, invoice())).status).toBe('applied');
    const row = await db().selectFrom('customers').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      external_id: 'C-1',
      time_zone: 'America/New_York',
      attributes: '{"plan":"pro"}',
    });
    expect(openContact(world.runtime.deps.cipher, row)).toEqual({
      email: 'grace@example.com',
      phone: null,
      address: { line1: '1 Navy Way', city: 'Arlington', country: 'US' },
    });
    expect(await db().selectFrom('payment_methods').selectAll().executeTakeFirstOrThrow()).toMatchObject({
      customer_id: row.id,
      token: 'tok_insufficient_funds',
      priority: 1,
      status: 'active',
    });

    await world.advance(START + DAY + 2 * HOUR); // opened, then retry-1 is declined
    expect(await db().selectFrom('payment_attempts').select('status').execute()).toEqual([
      { status: 'failed' },
    ]);

    const paid = {
      id: 'ev_pay_1',
      type: 'invoice.payment_recorded',
      created: world.clock.now(),
      data: { invoice_external_id: 'INV-1', currency: 'EUR', amount_paid: 12_000 },
    };
    expect((await deliverGeneric(world, paid)).status).toBe('applied');
    expect(
      await db().selectFrom('cases').select(['state', 'amount_recovered']).executeTakeFirstOrThrow(),
    ).toEqual({
      state: 'recovered',
      amount_recovered: 12_000,
    });
    // Replayed, or reported again under a new id with the same cumulative amount: no second payment.
    expect((await deliverGeneric(world, paid)).status).toBe('duplicate');
    expect((await deliverGeneric(world, { ...paid, id: 'ev_pay_2' })).status).toBe('ignored');
    expect(await db().selectFrom('payments').select('amount').execute()).toEqual([{ amount: 12_000 }]);
  });

  it('uses the documented signature: hex HMAC-SHA256 of "<t>.<raw body>" in t=…,v1=…', async () => {
    const body = JSON.stringify(customer());
    const t = Math.floor(START / 1000);
    const v1 = createHmac('sha256', GENERIC_SECRET).update(`${t}.${body}`).digest('hex');
    const result = await handleGenericWebhook(webhookContext(world, GENERIC_SECRET), {
      rawBody: Buffer.from(body),
      signature: `t=${t},v1=${v1}`,
      now: START,
    });
    expect(result.status).toBe('applied');
    // A sender that puts the timestamp in a header of its own signs the same string.
    const again = await handleGenericWebhook(webhookContext(world, GENERIC_SECRET), {
      rawBody: Buffer.from(body),
      signature: `v1=${v1}`,
      timestamp: t,
      now: START,
    });
    expect(again.status).toBe('duplicate');
  });

  it('refuses a bad signature or a timestamp outside 300 s either way, writing nothing', async () => {
    const before = await everything(db());
    const wrong = await rejection(deliverGeneric(world, customer(), { secret: 'another-secret-0123456789' }));
    expect([wrong.status, wrong.reason]).toEqual([400, 'invalid-signature']);
    const stale = await rejection(deliverGeneric(world, customer(), { ageSeconds: 301 }));
    expect([stale.status, stale.reason]).toEqual([400, 'timestamp-outside-tolerance']);
    const future = await rejection(deliverGeneric(world, customer(), { ageSeconds: -301 }));
    expect(future.reason).toBe('timestamp-outside-tolerance');
    const ctx = webhookContext(world, GENERIC_SECRET);
    const missing = await rejection(handleGenericWebhook(ctx, { rawBody: '{}', signature: undefined }));
    expect(missing.reason).toBe('missing-signature');
    const garbled = await rejection(handleGenericWebhook(ctx, { rawBody: '{}', signature: 'v1=abc' }));
    expect(garbled.reason).toBe('invalid-signature');
    expect(await everything(db())).toEqual(before);
  });

  it('refuses a body that breaks the contract, naming every field, and writes nothing', async () => {
    await deliverGeneric(world, customer());
    const before = await everything(db());
    const cases: [object | string, string[]][] = [
      ['{"id":', ['(root): not valid JSON']],
      [invoice({ total: '120.00' }), ['data.total: expected integer']],
      [
        invoice({ totl: 12_000, currency: 'eur' }),
        [
          "data.currency: expected string to match '^[A-Z]{3}$' (ISO 4217 code, e.g. EUR)",
          'data.totl: Unexpected property',
        ],
      ],
      [invoice({ amount_paid: 13_000 }), ['data.amount_paid: must not exceed total']],
      [invoice({ collection: 'send_invoice' }), ['data.failed_at: needs collection charge_automatically']],
      [
        { ...customer(), data: { ...customer().data, email: 'grace@', name: undefined } },
        ['data.name: is required'],
      ],
      [
        { ...customer(), data: { ...customer().data, email: 'grace@' } },
        ['data.email: expected an email address such as ana@example.com'],
      ],
      [
        { ...method, data: { ...method.data, token: '4242 4242 4242 4242' } },
        ['data.token: looks like a card number'],
      ],
      [
        { ...customer(), data: { ...customer().data, address: { country: 'USA' } } },
        ['data.address: address country: expected an ISO 3166-1 alpha-2 code such as DE'],
      ],
      [
        { ...customer(), type: 'customer.deleted' },
        ['type: expected one of customer.upserted, payment_method.upserted, invoice.upserted'],
      ],
      [{ ...customer(), created: START + HOUR }, ["created: is in the future by the receiver's clock"]],
    ];
    for (const [event, expected] of cases) {
      const error = await rejection(deliverGeneric(world, event));
      expect(error.reason).toBe('malformed-payload');
      for (const line of expected) expect(error.message).toContain(line);
    }
    expect(await everything(db())).toEqual(before);
  });

  it('keeps the newest state: an older invoice.upserted does not overwrite a newer one', async () => {
    await deliverGeneric(world, customer());
    await deliverGeneric(
      world,
      invoice({ total: 15_000, failed_at: undefined, collection: undefined }, START),
    );
    await deliverGeneric(
      world,
      invoice({ total: 14_000, failed_at: undefined, collection: undefined }, START - HOUR),
    );
    expect(await db().selectFrom('invoices').select('total').executeTakeFirstOrThrow()).toEqual({
      total: 15_000,
    });
    const seen = await db()
      .selectFrom('inbound_events')
      .select(['event_id', 'result', 'detail'])
      .orderBy('created_at')
      .execute();
    expect(seen[0]).toMatchObject({ result: 'ignored', detail: expect.stringContaining('stale') });
  });

  it('refuses a payment for an invoice it has never seen, naming the field', async () => {
    const before = await everything(db());
    const error = await rejection(
      deliverGeneric(world, {
        id: 'ev_pay',
        type: 'invoice.payment_recorded',
        created: START,
        data: { invoice_external_id: 'NOPE', currency: 'EUR', amount_paid: 100 },
      }),
    );
    expect([error.status, error.reason]).toEqual([422, 'conflict']);
    expect(error.errors[0]!.field).toBe('data.invoice_external_id');
    expect(await everything(db())).toEqual(before);
  });

  it('pauses on dispute.opened, resumes on dispute.closed, and a void cancels the case', async () => {
    await deliverGeneric(world, customer());
    await deliverGeneric(world, method);
    await deliverGeneric(world, invoice());
    await world.advance(START);
    const dispute = (type: string, created: number, data: object) => ({
      id: `ev_${type}`,
      type,
      created,
      data,
    });
    world.clock.set(START + HOUR);
    await deliverGeneric(
      world,
      dispute('dispute.opened', START + HOUR, {
        external_id: 'D-1',
        invoice_external_id: 'INV-1',
        reason: 'not received',
      }),
    );
    expect(await db().selectFrom('cases').select('paused').executeTakeFirstOrThrow()).toEqual({ paused: 1 });
    await world.advance(START + 2 * DAY);
    expect(await db().selectFrom('payment_attempts').selectAll().execute()).toEqual([]);

    await deliverGeneric(
      world,
      dispute('dispute.closed', START + 2 * DAY, { external_id: 'D-1', outcome: 'won' }),
    );
    expect(await db().selectFrom('cases').select('paused').executeTakeFirstOrThrow()).toEqual({ paused: 0 });

    await deliverGeneric(world, {
      id: 'ev_void',
      type: 'invoice.voided',
      created: START + 2 * DAY,
      data: { invoice_external_id: 'INV-1' },
    });
    expect(await db().selectFrom('cases').select('state').executeTakeFirstOrThrow()).toEqual({
      state: 'cancelled',
    });
    expect(
      await db().selectFrom('scheduled_steps').selectAll().where('status', '=', 'pending').execute(),
    ).toEqual([]);
  });
});
