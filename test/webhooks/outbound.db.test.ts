import { Value } from '@sinclair/typebox/value';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { recordExternalPayments, settleCases } from '../../src/engine/external-payments.ts';
import { openRuntime } from '../../src/runtime/runtime.ts';
import { writeTransaction } from '../../src/store/database.ts';
import { MAX_ATTEMPTS } from '../../src/webhooks/backoff.ts';
import { type WebhookDeps, deliverWebhooks, eventBody } from '../../src/webhooks/deliver.ts';
import { WebhookEventSchema } from '../../src/webhooks/events.ts';
import { fanOutEvents } from '../../src/webhooks/fan-out.ts';
import { verifyWebhookSignature } from '../../src/webhooks/signature.ts';
import {
  createSubscription,
  disableSubscription,
  listSubscriptions,
  replayDeliveries,
} from '../../src/webhooks/subscriptions.ts';
import { TEST_DB } from '../support/databases.ts';
import { seedFailedRenewals } from '../support/seed.ts';
import { DAY, HOUR, type World, createWorld } from '../support/world.ts';
import { expectOrderedPerCase } from './checks.ts';
import { type Answer, type Arrival, type Receiver, startReceiver } from './receiver.ts';

const START = Date.UTC(2026, 2, 2, 12);
const CUSTOMERS = 40;
// The receiver listens on 127.0.0.1, which the destination guard refuses unless private addresses are allowed.
const LOCAL = { allowPrivate: true };
const LOCAL_WORLD = { config: { webhookAllowPrivate: true } };

/** Fans out and delivers until nothing is pending, moving the delivery clock on past the retry times. */
async function drain(
  world: World,
  clock: { now: number },
  deps: WebhookDeps = world.runtime.deps,
): Promise<number> {
  const db = deps.database.db;
  let rounds = 0;
  for (; rounds < 5_000; rounds++) {
    await fanOutEvents(deps.database, { now: clock.now, limit: 1_000 });
    const report = await deliverWebhooks(deps, { now: clock.now, limit: 100, timeoutMs: 5_000 });
    if (report.claimed > 0) continue;
    const next = await db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
      .select((eb) => eb.fn.min('d.next_attempt_at').as('at'))
      .where('d.status', '=', 'pending')
      .where('s.disabled_at', 'is', null)
      .executeTakeFirst();
    if (next?.at === null || next?.at === undefined) return rounds;
    // Six hours on (the longest wait) makes every retry due at once: fewer rounds than one jump per retry.
    clock.now = Math.max(clock.now + 6 * HOUR, Number(next.at));
  }
  throw new Error('deliveries did not drain');
}

const accepted = (arrivals: readonly Arrival[], path: string) =>
  arrivals.filter((a) => a.path === path && a.answer === 'ok');

describe(`outbound webhooks on ${TEST_DB}`, () => {
  let world: World;
  let receiver: Receiver;
  afterEach(async () => {
    await receiver?.close();
    await world?.close();
  });

  it('delivers every event, signed, in order per case, through failures; skips disabled subscriptions; replays', async () => {
    world = await createWorld(START, LOCAL_WORLD);
    const db = world.runtime.database.db;
    const seen = new Map<string, number>();
    let dHealthy = false;
    receiver = await startReceiver(({ path }) => {
      const n = seen.get(path) ?? 0;
      seen.set(path, n + 1);
      if (path === '/d') return dHealthy ? 'ok' : 'fail';
      // The first requests fail (two 500s, then a dropped connection), then every 5th fails and every 11th drops.
      const answers: Answer[] = ['fail', 'fail', 'drop'];
      if (n < answers.length) return answers[n]!;
      if (n % 11 === 0) return 'drop';
      return n % 5 === 0 ? 'fail' : 'ok';
    });
    const a = await createSubscription(
      db,
      { url: `${receiver.url}/a`, description: 'everything' },
      START,
      LOCAL,
    );
    const b = await createSubscription(
      db,
      { url: `${receiver.url}/b`, eventTypes: ['case.*'] },
      START,
      LOCAL,
    );
    const c = await createSubscription(db, { url: `${receiver.url}/c`, eventTypes: ['*'] }, START, LOCAL);
    const d = await createSubscription(
      db,
      { url: `${receiver.url}/d`, eventTypes: ['case.recovered'] },
      START,
      LOCAL,
    );
    const never = await createSubscription(db, { url: `${receiver.url}/never` }, START, LOCAL);
    await disableSubscription(db, never.subscription.id, START);
    expect(a.secret).toMatch(/^whsec_/);
    expect(JSON.stringify(await listSubscriptions(db))).not.toContain(a.secret);

    await seedFailedRenewals(db, CUSTOMERS, START);
    // Two invoices on terms: their cases remind and escalate to a person at +45 days.
    for (let i = 0; i < 2; i++) {
      const customer = await world.customer({ name: `Terms Customer ${i}` });
      await world.invoice(customer, { total: 120_000, dueAt: START + 3 * DAY, collection: 'send_invoice' });
    }

    const clock = { now: Date.now() };
    let disabledC = false;
    let cArrivalsWhenDisabled = 0;
    for (let t = START; t <= START + 50 * DAY; t += 2 * DAY) {
      await world.advance(t);
      if (t === START + 6 * DAY) {
        // A payment from outside closes one case, and voiding another's invoice cancels it.
        await writeTransaction(world.runtime.database, async (trx) => {
          const inv7 = await trx
            .selectFrom('invoices')
            .selectAll()
            .where('id', '=', 'inv_7')
            .executeTakeFirstOrThrow();
          await trx
            .updateTable('invoices')
            .set({ amount_paid: inv7.total, status: 'paid' })
            .where('id', '=', 'inv_7')
            .execute();
          await recordExternalPayments(trx, [
            { invoice: inv7, amount: inv7.total, source: 'api', reference: 'portal:7', at: t },
          ]);
          const inv9 = await trx
            .selectFrom('invoices')
            .selectAll()
            .where('id', '=', 'inv_9')
            .executeTakeFirstOrThrow();
          await trx.updateTable('invoices').set({ status: 'void' }).where('id', '=', 'inv_9').execute();
          await settleCases(trx, [inv9.case_id!], t);
        });
      }
      await drain(world, clock);
      if (!disabledC && t >= START + 4 * DAY) {
        await disableSubscription(db, c.subscription.id, Date.now());
        disabledC = true;
        cArrivalsWhenDisabled = receiver.arrivals.filter((x) => x.path === '/c').length;
      }
    }

    const events = await db.selectFrom('outbox_events').selectAll().orderBy('seq').execute();
    const byId = new Map(events.map((e) => [e.id, e]));
    const types = new Set(events.map((e) => e.type));
    for (const type of [
      'case.opened',
      'payment.failed',
      'payment.succeeded',
      'message.sent',
      'case.recovered',
      'case.cancelled',
      'case.escalated',
    ])
      expect(types, type).toContain(type);
    expect(events.every((e) => e.fanned_out === 1)).toBe(true);
    const sources = events
      .filter((e) => e.type === 'payment.succeeded')
      .map((e) => JSON.parse(e.payload).source);
    expect(new Set(sources)).toEqual(new Set(['retry', 'api']));

    // The receiver failed and dropped requests, so some deliveries took several attempts; none is left undelivered.
    const arrivals = [...receiver.arrivals];
    expect(arrivals.some((x) => x.path === '/a' && x.answer === 'fail')).toBe(true);
    expect(arrivals.some((x) => x.path === '/a' && x.answer === 'drop')).toBe(true);
    const aDeliveries = await db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('subscription_id', '=', a.subscription.id)
      .execute();
    expect(aDeliveries.length).toBe(events.length);
    expect(aDeliveries.every((x) => x.status === 'delivered')).toBe(true);
    expect(aDeliveries.some((x) => x.attempts > 1)).toBe(true);

    // Every event arrived at subscription A at least once; none is missing and nothing unknown arrived.
    const aOk = accepted(arrivals, '/a');
    expect(new Set(aOk.map((x) => x.eventId))).toEqual(new Set(events.map((e) => e.id)));

    // Every request is signed with the subscription's secret, carries the catalogue's shape and the event's bytes.
    for (const x of arrivals.filter((x) => x.path === '/a')) {
      expect(verifyWebhookSignature(a.secret, x.signature, x.body), x.eventId).toBe(true);
      expect(verifyWebhookSignature(b.secret, x.signature, x.body)).toBe(false);
      const event = byId.get(x.eventId)!;
      expect(x.body).toBe(eventBody(event));
      const parsed = JSON.parse(x.body);
      expect(Value.Check(WebhookEventSchema, parsed), x.body).toBe(true);
      expect(parsed).toMatchObject({ id: x.eventId, type: x.eventType, sequence: event.seq });
      // No contact data: no email address, no name.
      expect(x.body).not.toMatch(/example\.com|Customer|Lovelace/);
    }

    // In order per case: no request for an event was made before every earlier event of its case was accepted.
    expectOrderedPerCase(arrivals, '/a', events, 1_000);
    expectOrderedPerCase(arrivals, '/b', events, 40);

    // B gets exactly the case.* events.
    const caseEvents = events.filter((e) => e.type.startsWith('case.'));
    expect(new Set(accepted(arrivals, '/b').map((x) => x.eventId))).toEqual(
      new Set(caseEvents.map((e) => e.id)),
    );
    for (const x of arrivals.filter((x) => x.path === '/b'))
      expect(verifyWebhookSignature(b.secret, x.signature, x.body)).toBe(true);

    // Disabled subscriptions get nothing: C nothing after it was disabled, the other nothing at all.
    expect(cArrivalsWhenDisabled).toBeGreaterThan(0);
    expect(arrivals.filter((x) => x.path === '/c').length).toBe(cArrivalsWhenDisabled);
    expect(arrivals.filter((x) => x.path === '/never')).toEqual([]);
    const neverDeliveries = await db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('subscription_id', '=', never.subscription.id)
      .execute();
    expect(neverDeliveries).toEqual([]);

    // D always failed: each delivery was tried MAX_ATTEMPTS times and given up; replaying them delivers them.
    const recovered = events.filter((e) => e.type === 'case.recovered');
    const dDeliveries = await db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('subscription_id', '=', d.subscription.id)
      .execute();
    expect(dDeliveries.length).toBe(recovered.length);
    expect(dDeliveries.every((x) => x.status === 'failed' && x.attempts === MAX_ATTEMPTS)).toBe(true);
    expect(dDeliveries.every((x) => x.last_status_code === 500 && x.last_error === 'HTTP 500')).toBe(true);
    const dRequests = arrivals.filter((x) => x.path === '/d');
    expect(dRequests.length).toBe(recovered.length * MAX_ATTEMPTS);
    dHealthy = true;
    expect(await replayDeliveries(db, { subscriptionId: d.subscription.id })).toBe(recovered.length);
    await drain(world, clock);
    expect(new Set(accepted(receiver.arrivals, '/d').map((x) => x.eventId))).toEqual(
      new Set(recovered.map((e) => e.id)),
    );
    expect(await replayDeliveries(db, { subscriptionId: d.subscription.id })).toBe(0);

    // Replaying chosen events sends exactly those again, with the same id and body.
    const chosen = [events[0]!, events[Math.floor(events.length / 2)]!, events.at(-1)!];
    const before = receiver.arrivals.length;
    expect(
      await replayDeliveries(db, { subscriptionId: a.subscription.id, eventIds: chosen.map((e) => e.id) }),
    ).toBe(3);
    await drain(world, clock);
    const again = accepted(receiver.arrivals.slice(before), '/a');
    expect(new Set(again.map((x) => x.eventId))).toEqual(new Set(chosen.map((e) => e.id)));
    for (const x of again) expect(x.body).toBe(eventBody(byId.get(x.eventId)!));

    // Replaying since an instant re-sends every event from then on to the subscription, case.* only for B.
    const since = START + 40 * DAY;
    const late = events.filter((e) => e.created_at >= since);
    expect(late.length).toBeGreaterThan(0);
    expect(await replayDeliveries(db, { subscriptionId: b.subscription.id, since })).toBe(
      late.filter((e) => e.type.startsWith('case.')).length,
    );
    expect(await replayDeliveries(db, { subscriptionId: a.subscription.id, since })).toBe(late.length);
    const beforeSince = receiver.arrivals.length;
    await drain(world, clock);
    expect(new Set(accepted(receiver.arrivals.slice(beforeSince), '/a').map((x) => x.eventId))).toEqual(
      new Set(late.map((e) => e.id)),
    );
    await expect(replayDeliveries(db, { subscriptionId: c.subscription.id, since })).rejects.toThrow(
      /disabled/,
    );
  }, 240_000);

  it('two delivering processes side by side never send the same delivery twice, and keep each case in order', async () => {
    world = await createWorld(START, LOCAL_WORLD);
    const db = world.runtime.database.db;
    receiver = await startReceiver(() => 'ok', { delayMs: 2 });
    const a = await createSubscription(db, { url: `${receiver.url}/a` }, START, LOCAL);
    await seedFailedRenewals(db, CUSTOMERS, START);
    for (let t = START; t <= START + 8 * DAY; t += 2 * DAY) await world.advance(t);
    // On PostgreSQL a second runtime with its own connection pool claims truly side by side. SQLite serves one
    // process through one connection (a second in the same process would block the event loop on its lock), so
    // there the second deliverer shares it under another owner: claims still interleave with requests in flight.
    const other =
      TEST_DB === 'postgres'
        ? await openRuntime(world.runtime.config, {
            logger: pino({ level: 'silent' }),
            owner: 'other-worker',
          })
        : null;
    const first = world.runtime.deps;
    const second: WebhookDeps = other?.deps ?? {
      ...first,
      settings: { ...first.settings, owner: 'other-worker' },
    };
    try {
      const clock = { now: Date.now() };
      // Small rounds (see drainInRounds) so that the two claim many times over, each racing the other.
      await Promise.all([drainInRounds(first, clock), drainInRounds(second, clock)]);
    } finally {
      await other?.close();
    }
    const events = await db.selectFrom('outbox_events').selectAll().orderBy('seq').execute();
    const arrivals = [...receiver.arrivals];
    expect(arrivals.length).toBe(events.length);
    expect(new Set(arrivals.map((x) => x.eventId))).toEqual(new Set(events.map((e) => e.id)));
    for (const x of arrivals) expect(verifyWebhookSignature(a.secret, x.signature, x.body)).toBe(true);
    expectOrderedPerCase(arrivals, '/a', events, 500);
    const owners = await db
      .selectFrom('webhook_deliveries')
      .select('lease_owner')
      .where('status', '!=', 'delivered')
      .execute();
    expect(owners).toEqual([]);
  }, 120_000);
});

/** Delivers in rounds of 10 heads and 3 behind each until nothing is pending. */
async function drainInRounds(deps: WebhookDeps, clock: { now: number }): Promise<void> {
  for (let idle = 0; idle < 5; ) {
    await fanOutEvents(deps.database, { now: clock.now, limit: 50 });
    const report = await deliverWebhooks(deps, { now: clock.now, limit: 10, perChain: 3, timeoutMs: 5_000 });
    if (report.claimed > 0) idle = 0;
    else {
      idle += 1;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
