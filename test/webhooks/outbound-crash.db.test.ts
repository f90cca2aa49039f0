import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { VirtualClock } from '../../src/engine/clock.ts';
import { openRuntime } from '../../src/runtime/runtime.ts';
import { verifyWebhookSignature } from '../../src/webhooks/signature.ts';
import { createSubscription } from '../../src/webhooks/subscriptions.ts';
import { freshDatabaseUrl, TEST_DB, type TestDatabaseUrl } from '../support/databases.ts';
import { type RecoupProcess, startRecoup } from '../support/processes.ts';
import { seedFailedRenewals } from '../support/seed.ts';
import { expectOrderedPerCase } from './checks.ts';
import { type Receiver, startReceiver } from './receiver.ts';

const DAY = 86_400_000;
const START = Date.UTC(2026, 2, 2, 12);
const CUSTOMERS = 60;
// Every step of the card policy falls due across these ticks; each tick's worker is killed twice mid-request.
const TICKS = [0, 3, 7, 14, 21].map((d) => START + d * DAY);
const KILLS_PER_TICK = 2;
const MIN_KILLS_IN_FLIGHT = 8;

async function open(url: string) {
  return openRuntime(
    { ...loadConfig({}), databaseUrl: url },
    { clock: new VirtualClock(START), logger: pino({ level: 'silent' }) },
  );
}

const started: RecoupProcess[] = [];

/** Starts a worker that the test ends, if it is still running when the test does. */
function startWorker(args: string[], env: Record<string, string>): RecoupProcess {
  const worker = startRecoup(args, env);
  started.push(worker);
  return worker;
}

/**
 * Kills a worker with SIGKILL the moment the receiver has read a request from it, before it is answered; false
 * when the worker exits, or sends nothing within `waitMs`.
 */
async function killMidDelivery(worker: RecoupProcess, receiver: Receiver, waitMs = 60_000): Promise<boolean> {
  const outcome = await Promise.race([
    receiver.nextRequest().then(() => 'request' as const),
    worker.exited.then(() => 'exited' as const),
    sleep(waitMs).then(() => 'quiet' as const),
  ]);
  if (outcome !== 'request') return false;
  worker.child.kill('SIGKILL');
  await worker.exited;
  return true;
}

describe(`outbound webhooks on ${TEST_DB}: a delivering worker SIGKILLed mid-request`, () => {
  const dropped: TestDatabaseUrl[] = [];
  let receiver: Receiver | undefined;
  afterAll(async () => {
    for (const w of started)
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await receiver?.close();
    for (const d of dropped) await d.drop();
  });

  it('delivers every event at least once, in order per case, after restarts', async () => {
    const target = await freshDatabaseUrl();
    dropped.push(target);
    // Answers are held back a little so that a kill lands while a request is in flight; the first requests fail.
    receiver = await startReceiver(({ index }) => (index < 2 ? 'fail' : index === 2 ? 'drop' : 'ok'), {
      delayMs: 20,
    });
    const seeded = await open(target.url);
    await seedFailedRenewals(seeded.database.db, CUSTOMERS, START);
    // The receiver is on 127.0.0.1: the destination guard is turned off here and in the workers.
    const { secret } = await createSubscription(seeded.database.db, { url: `${receiver.url}/a` }, START, {
      allowPrivate: true,
    });
    await seeded.close();

    const env = {
      RECOUP_DATABASE_URL: target.url,
      RECOUP_OUTBOX_DIR: `${process.env['TMPDIR'] ?? '/tmp'}/recoup-webhook-crash-outbox`,
      RECOUP_LEASE_MS: '1000',
      RECOUP_BATCH_SIZE: '20',
      RECOUP_WEBHOOK_ALLOW_PRIVATE: 'true',
    };
    const webhookArgs = ['--poll-ms', '100', '--webhook-timeout-ms', '400'];
    let kills = 0;
    let runs = 0;
    for (const at of TICKS) {
      const args = ['worker', '--now', new Date(at).toISOString(), '--exit-when-idle', ...webhookArgs];
      for (let killsHere = 0; ; ) {
        const worker = startWorker(args, env);
        runs += 1;
        await worker.started;
        if (killsHere < KILLS_PER_TICK && (await killMidDelivery(worker, receiver))) {
          kills += 1;
          killsHere += 1;
          continue;
        }
        const exit = await worker.exited;
        expect(exit.code, worker.stderr().slice(-2000)).toBe(0);
        break;
      }
    }
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS_IN_FLIGHT);

    // Deliveries still waiting on a retry timer go out from a worker left running, killed once more on the way.
    const check = await open(target.url);
    const db = check.database.db;
    const undelivered = async () =>
      (await db.selectFrom('webhook_deliveries').select('id').where('status', '!=', 'delivered').execute())
        .length;
    const lastArgs = ['worker', '--now', new Date(TICKS.at(-1)!).toISOString(), ...webhookArgs];
    let worker = startWorker(lastArgs, env);
    await worker.started;
    if ((await undelivered()) > 0 && (await killMidDelivery(worker, receiver, 30_000))) {
      kills += 1;
      worker = startWorker(lastArgs, env);
      await worker.started;
    }
    const deadline = Date.now() + 120_000;
    while ((await undelivered()) > 0 && Date.now() < deadline) await sleep(250);
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    expect(exit.code, worker.stderr().slice(-2000)).toBe(0);

    const events = await db.selectFrom('outbox_events').selectAll().orderBy('seq').execute();
    const deliveries = await db.selectFrom('webhook_deliveries').selectAll().execute();
    await check.close();
    expect(events.length).toBeGreaterThan(CUSTOMERS * 5);
    expect(deliveries.length).toBe(events.length);
    expect(deliveries.filter((d) => d.status !== 'delivered')).toEqual([]);

    // Every event arrived at least once; duplicates are the deliveries a kill interrupted, told apart by event id.
    const arrivals = [...receiver.arrivals];
    const accepted = arrivals.filter((x) => x.answer === 'ok');
    const ids = new Set(accepted.map((x) => x.eventId));
    expect(ids).toEqual(new Set(events.map((e) => e.id)));
    expect(accepted.length - ids.size).toBeGreaterThan(0);
    for (const x of arrivals) expect(verifyWebhookSignature(secret, x.signature, x.body)).toBe(true);
    expectOrderedPerCase(arrivals, '/a', events, 1_000);
    console.log(
      `${TEST_DB}: ${kills} SIGKILLs mid-request over ${runs} worker runs; ${events.length} events, ` +
        `${arrivals.length} requests, ${accepted.length - ids.size} duplicates`,
    );
  }, 600_000);
});
