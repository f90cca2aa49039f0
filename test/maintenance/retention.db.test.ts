import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pruneExpired } from '../../src/maintenance/retention.ts';
import { runRetentionLoop } from '../../src/maintenance/retention-loop.ts';
import type { EngineDeps } from '../../src/engine/deps.ts';
import { VirtualClock } from '../../src/engine/clock.ts';
import type { Database } from '../../src/store/database.ts';
import { TEST_DB, freshDatabase } from '../support/databases.ts';
import { runRecoup } from '../support/processes.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1, 12);
const SETTINGS = { eventDays: 90, inboundDays: 30 };

// Each test runs the real CLI several times, and a CLI process loads all of Recoup: on a busy two-core CI machine
// that is up to 12 s a run, so these tests get three minutes each rather than the suite's one.
describe(`retention on ${TEST_DB}: expired rows go, records and unfinished work stay`, {
  timeout: 180_000,
}, () => {
  let database: Database;
  let url: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ database, url, cleanup } = await freshDatabase());
  });
  afterAll(() => cleanup());

  let seq = 0;
  async function event(
    ageDays: number,
    fannedOut: boolean,
    deliveries: ('pending' | 'delivered' | 'failed')[],
  ) {
    seq += 1;
    const id = `evt_${seq}`;
    const createdAt = NOW - ageDays * DAY;
    await database.db
      .insertInto('outbox_events')
      .values({
        id,
        type: 'case.opened',
        case_id: 'case_1',
        customer_id: 'cus_1',
        payload: '{}',
        created_at: createdAt,
        fanned_out: fannedOut ? 1 : 0,
      })
      .execute();
    const row = await database.db
      .selectFrom('outbox_events')
      .select('seq')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    for (const [k, status] of deliveries.entries()) {
      await database.db
        .insertInto('webhook_deliveries')
        .values({
          id: `del_${seq}_${k}`,
          subscription_id: `sub_${k}`,
          event_seq: row.seq,
          case_id: 'case_1',
          status,
          attempts: 1,
          next_attempt_at: createdAt,
          created_at: createdAt,
          delivered_at: status === 'delivered' ? createdAt : null,
        })
        .execute();
    }
    return id;
  }

  async function inbound(id: string, ageDays: number) {
    await database.db
      .insertInto('inbound_events')
      .values({
        source: 'stripe',
        event_id: id,
        type: 'invoice.paid',
        created_at: NOW - ageDays * DAY,
        received_at: NOW - ageDays * DAY,
        applied_at: NOW - ageDays * DAY,
        result: 'applied',
        detail: null,
      })
      .execute();
  }

  async function idempotencyKey(key: string, ageHours: number) {
    await database.db
      .insertInto('idempotency_keys')
      .values({
        actor: 'api_key:key_1',
        key,
        method: 'POST',
        path: '/v1/invoices',
        body_hash: 'h',
        status_code: 201,
        response: '{}',
        created_at: NOW - ageHours * 3_600_000,
      })
      .execute();
  }

  const ids = async (table: 'outbox_events' | 'webhook_deliveries') =>
    (await database.db.selectFrom(table).select('id').orderBy('id').execute()).map((r) => r.id);

  beforeEach(async () => {
    for (const table of [
      'webhook_deliveries',
      'outbox_events',
      'webhook_subscriptions',
      'inbound_events',
      'idempotency_keys',
    ] as const)
      await database.db.deleteFrom(table).execute();
    for (const k of [0, 1]) {
      await database.db
        .insertInto('webhook_subscriptions')
        .values({
          id: `sub_${k}`,
          url: 'https://hooks.example.com/recoup',
          event_types: '["*"]',
          secret: 'x',
          description: null,
          created_at: NOW,
          updated_at: NOW,
          disabled_at: null,
        })
        .execute();
    }
  });

  it('deletes delivered events past the window with their deliveries, in chunks, and keeps everything else', async () => {
    const gone = [
      await event(91, true, ['delivered', 'failed']),
      await event(120, true, []),
      await event(200, true, ['delivered']),
    ];
    const kept = [
      await event(91, true, ['delivered', 'pending']), // still being delivered to one subscriber
      await event(150, false, []), // not fanned out yet
      await event(89, true, ['delivered']), // inside the window
    ];
    await inbound('evt_old', 31);
    await inbound('evt_recent', 29);
    await idempotencyKey('old', 25);
    await idempotencyKey('fresh', 23);

    const dry = await pruneExpired(database, SETTINGS, NOW, { dryRun: true, chunk: 2 });
    expect(dry).toMatchObject({ events: 3, deliveries: 3, inboundEvents: 1, idempotencyKeys: 1 });
    expect(await ids('outbox_events')).toHaveLength(6); // a dry run deletes nothing

    const report = await pruneExpired(database, SETTINGS, NOW, { chunk: 2 });
    expect(report).toMatchObject({ events: 3, deliveries: 3, inboundEvents: 1, idempotencyKeys: 1 });
    expect(await ids('outbox_events')).toEqual([...kept].sort());
    expect(gone.some((id) => kept.includes(id))).toBe(false);
    const deliveries = await database.db.selectFrom('webhook_deliveries').select('status').execute();
    expect(deliveries.map((d) => d.status).sort()).toEqual(['delivered', 'delivered', 'pending']);
    const inboundLeft = await database.db.selectFrom('inbound_events').select('event_id').execute();
    expect(inboundLeft.map((r) => r.event_id)).toEqual(['evt_recent']);
    const keysLeft = await database.db.selectFrom('idempotency_keys').select('key').execute();
    expect(keysLeft.map((r) => r.key)).toEqual(['fresh']);

    // Once the last delivery finishes, the old event goes at the next run.
    await database.db.updateTable('webhook_deliveries').set({ status: 'failed' }).execute();
    const again = await pruneExpired(database, SETTINGS, NOW);
    expect(again.events).toBe(1);
    expect(await ids('outbox_events')).toEqual([kept[1], kept[2]].sort());
  });

  it('keeps more with a longer window', async () => {
    await event(100, true, ['delivered']);
    const report = await pruneExpired(database, { eventDays: 365, inboundDays: 30 }, NOW);
    expect(report.events).toBe(0);
    expect(await ids('outbox_events')).toHaveLength(1);
  });

  it("a worker's retention loop prunes on its schedule and stops with the worker", async () => {
    await event(100, true, ['delivered']);
    const deps = {
      database,
      clock: new VirtualClock(NOW),
      settings: { retention: SETTINGS },
      logger: { info: () => undefined, warn: () => undefined },
    } as unknown as EngineDeps;
    const stop = new AbortController();
    const loop = runRetentionLoop(deps, { firstAfterMs: 0, everyMs: 10 }, stop.signal);
    for (let i = 0; i < 200 && (await ids('outbox_events')).length > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(await ids('outbox_events')).toEqual([]);
    stop.abort();
    await loop; // resolves: the loop ends when its worker stops
  });

  it('recoup prune --dry-run counts and deletes nothing; recoup prune deletes; a too-short window is refused', async () => {
    await event(400, true, ['delivered']);
    const env = { RECOUP_DATABASE_URL: url, RECOUP_LOG_LEVEL: 'silent' };
    const dry = await runRecoup(['prune', '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/would delete 1 outbox events \(with 1 finished deliveries\)/);
    expect(await ids('outbox_events')).toHaveLength(1);
    const real = await runRecoup(['prune'], env);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toMatch(/^deleted 1 outbox events/);
    expect(await ids('outbox_events')).toEqual([]);
    const bad = await runRecoup(['prune'], { ...env, RECOUP_INBOUND_RETENTION_DAYS: '2' });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(
      "recoup: RECOUP_INBOUND_RETENTION_DAYS: expected a whole number from 4 to 36500, got '2'",
    );
  });
});
