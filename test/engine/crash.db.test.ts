import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { OUTBOX_CONCURRENCY, OutboxChannel } from '../../src/channels/email/outbox-channel.ts';
import { loadConfig } from '../../src/config/env.ts';
import { VirtualClock } from '../../src/engine/clock.ts';
import { tick } from '../../src/engine/tick.ts';
import { openRuntime } from '../../src/runtime/runtime.ts';
import { type Db, openDatabase } from '../../src/store/database.ts';
import { freshDatabaseUrl, TEST_DB, type TestDatabaseUrl } from '../support/databases.ts';
import { startRecoup } from '../support/processes.ts';
import { seedFailedRenewals } from '../support/seed.ts';

const DAY = 86_400_000;
const START = Date.UTC(2026, 2, 2, 12);
const CUSTOMERS = 300;
// The engine is run at noon UTC every other day for three weeks: every step of the card policy falls due.
const TICKS = Array.from({ length: 12 }, (_, i) => START + i * 2 * DAY);
const MIN_KILLS = 20;

/** The ids of the messages whose intent is recorded and whose outcome is not: what a kill leaves in doubt. */
async function sendingIds(db: Db): Promise<Set<string>> {
  const rows = await db.selectFrom('messages').select('id').where('status', '=', 'sending').execute();
  return new Set(rows.map((r) => r.id));
}

async function openSeeded(url: string, outbox: string, clock: VirtualClock) {
  const runtime = await openRuntime(
    { ...loadConfig({}), databaseUrl: url, outboxDir: outbox },
    {
      clock,
      logger: pino({ level: 'silent' }),
      channels: new Map([['email', new OutboxChannel({ from: 'billing@example.com', folder: outbox })]]),
    },
  );
  return runtime;
}

/** Each customer's outcome, keyed by external id, to compare a crashed run with an uninterrupted one. */
async function outcomes(db: Db) {
  const rows = await db
    .selectFrom('cases')
    .innerJoin('customers', 'customers.id', 'cases.customer_id')
    .select(['customers.external_id', 'cases.state', 'cases.amount_recovered'])
    .orderBy('customers.external_id')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.external_id, `${r.state}:${r.amount_recovered}`]));
}

describe(`crash safety on ${TEST_DB}: a worker SIGKILLed at random moments`, () => {
  const dropped: TestDatabaseUrl[] = [];
  afterAll(async () => {
    for (const d of dropped) await d.drop();
  });

  it('never charges or messages twice, leaves no step undone and ends where an uninterrupted run ends', async () => {
    const crashed = await freshDatabaseUrl();
    const reference = await freshDatabaseUrl();
    dropped.push(crashed, reference);
    const outbox = mkdtempSync(join(tmpdir(), 'recoup-crash-outbox-'));
    const refOutbox = mkdtempSync(join(tmpdir(), 'recoup-ref-outbox-'));

    const seeded = await openSeeded(crashed.url, outbox, new VirtualClock(START));
    await seedFailedRenewals(seeded.database.db, CUSTOMERS, START);
    await seeded.close();

    let kills = 0;
    let runs = 0;
    // What each kill left in doubt: messages whose intents it recorded and whose outcomes it never did.
    const inDoubtPerKill: number[] = [];
    const observer = openDatabase(crashed.url, { poolSize: 1 });
    const env = {
      RECOUP_DATABASE_URL: crashed.url,
      RECOUP_OUTBOX_DIR: outbox,
      RECOUP_LEASE_MS: '1000',
      RECOUP_BATCH_SIZE: '20',
    };
    for (const at of TICKS) {
      const args = ['worker', '--now', new Date(at).toISOString(), '--exit-when-idle', '--poll-ms', '100'];
      // Kill the tick's worker again and again at random moments until it finishes on its own.
      for (let killsHere = 0; ; ) {
        const before = await sendingIds(observer.db);
        const worker = startRecoup(args, env);
        runs += 1;
        await worker.started;
        if (killsHere < 3) {
          await sleep(Math.floor(Math.random() * 100));
          worker.child.kill('SIGKILL');
        }
        const exit = await worker.exited;
        if (exit.signal === 'SIGKILL') {
          kills += 1;
          killsHere += 1;
          inDoubtPerKill.push([...(await sendingIds(observer.db))].filter((id) => !before.has(id)).length);
          continue;
        }
        expect(exit.code, worker.stderr().slice(-2000)).toBe(0);
        break;
      }
    }
    await observer.close();
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
    // Each message's intent is recorded just before it goes out, so a kill leaves at most the channel's
    // concurrency in doubt, never a whole batch.
    expect(Math.max(...inDoubtPerKill)).toBeLessThanOrEqual(OUTBOX_CONCURRENCY);

    const check = await openSeeded(crashed.url, outbox, new VirtualClock(TICKS.at(-1)!));
    const db = check.database.db;
    const end = TICKS.at(-1)!;

    // No duplicate charge: at most one successful gateway charge per case step, and never more than was owed.
    const charges = await db.selectFrom('sandbox_charges').selectAll().execute();
    const succeededPerStep = new Map<string, number>();
    for (const c of charges) {
      if (JSON.parse(c.result).status !== 'succeeded') continue;
      const [, caseId, stepId] = c.idempotency_key.split(':');
      const key = `${caseId}:${stepId}`;
      succeededPerStep.set(key, (succeededPerStep.get(key) ?? 0) + 1);
    }
    expect([...succeededPerStep.values()].every((n) => n === 1)).toBe(true);
    const perCase = await db
      .selectFrom('cases')
      .select(['id', 'amount_failed', 'amount_recovered'])
      .execute();
    for (const c of perCase) expect(c.amount_recovered).toBeLessThanOrEqual(c.amount_failed);
    // Every gateway charge is known to the engine, with its outcome recorded.
    const attempts = await db.selectFrom('payment_attempts').selectAll().execute();
    expect(attempts.length).toBe(charges.length);
    expect(attempts.filter((a) => a.status === 'pending')).toEqual([]);

    // No duplicate message: one outbox file per step at most, and every file belongs to a recorded message.
    const files = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
    const keys = files.map(
      (f) => /X-Recoup-Idempotency-Key:\s+(\S+)/i.exec(readFileSync(join(outbox, f), 'utf8'))?.[1],
    );
    expect(keys.every((k) => k?.startsWith('recoup:'))).toBe(true);
    expect(new Set(keys).size).toBe(files.length);
    const messages = await db.selectFrom('messages').selectAll().execute();
    const byId = new Map(messages.map((m) => [m.id, m]));
    // The outbox tells whether an interrupted send left, so no message is left unknown: each file is a sent
    // message, and each sent message has its file.
    for (const f of files) expect(byId.get(f.replace('.eml', ''))?.status).toBe('sent');
    for (const m of messages.filter((m) => m.status === 'sent')) expect(files).toContain(`${m.id}.eml`);
    expect(messages.filter((m) => m.status === 'sending' || m.status === 'unknown')).toEqual([]);

    // Every due step was done exactly once or marked unknown; no open case is stuck behind a due step.
    const undone = await db
      .selectFrom('scheduled_steps')
      .selectAll()
      .where('status', '=', 'pending')
      .where('due_at', '<=', end)
      .execute();
    expect(undone).toEqual([]);
    const stuck = await db
      .selectFrom('cases')
      .select('id')
      .where('state', '=', 'open')
      .where((eb) => eb.or([eb('next_due_at', 'is', null), eb('next_due_at', '<=', end)]))
      .execute();
    expect(stuck).toEqual([]);
    const crashedOutcomes = await outcomes(db);
    await check.close();

    // The same population worked without interruption ends in the same place, customer by customer.
    const clock = new VirtualClock(START);
    const ref = await openSeeded(reference.url, refOutbox, clock);
    await seedFailedRenewals(ref.database.db, CUSTOMERS, START);
    for (const at of TICKS) {
      clock.set(at);
      await tick(ref.deps, at);
    }
    expect(crashedOutcomes).toEqual(await outcomes(ref.database.db));
    expect(Object.keys(crashedOutcomes)).toHaveLength(CUSTOMERS);
    await ref.close();
    console.log(
      `${TEST_DB}: ${kills} SIGKILLs over ${runs} worker runs; ${charges.length} charges, ${messages.length} messages; at most ${Math.max(...inDoubtPerKill)} in doubt after a kill`,
    );
  }, 900_000); // thirty-odd worker starts: on a loaded two-core CI machine each CLI start alone takes seconds
});
