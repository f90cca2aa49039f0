import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { VirtualClock } from '../../src/engine/clock.ts';
import { openRuntime } from '../../src/runtime/runtime.ts';
import { freshDatabaseUrl, TEST_DB, type TestDatabaseUrl } from '../support/databases.ts';
import { startRecoup } from '../support/processes.ts';
import { seedFailedRenewals } from '../support/seed.ts';

const START = Date.UTC(2026, 2, 2, 12);
const CUSTOMERS = 1500;

describe(`two workers on one ${TEST_DB} database`, () => {
  let target: TestDatabaseUrl;
  afterAll(async () => target?.drop());

  it('share the due cases and never do a step twice', async () => {
    target = await freshDatabaseUrl();
    const config = { ...loadConfig({}), databaseUrl: target.url };
    const seeded = await openRuntime(config, {
      clock: new VirtualClock(START),
      logger: pino({ level: 'silent' }),
    });
    await seedFailedRenewals(seeded.database.db, CUSTOMERS, START);
    await seeded.close();

    const env = {
      RECOUP_DATABASE_URL: target.url,
      RECOUP_BATCH_SIZE: '50',
      RECOUP_OUTBOX_DIR: `/tmp/recoup-workers-${process.pid}`,
    };
    const args = [
      'worker',
      '--now',
      new Date(START + 86_400_000).toISOString(),
      '--exit-when-idle',
      '--poll-ms',
      '50',
    ];
    const workers = [startRecoup(args, env), startRecoup(args, env)];
    const exits = await Promise.all(workers.map((w) => w.exited));
    for (const [i, exit] of exits.entries()) expect(exit.code, workers[i]!.stderr().slice(0, 1500)).toBe(0);

    // Both took part: each logged at exit how many steps it did.
    const steps = workers.map((w) =>
      Number(/"msg":"worker stopped"/.test(w.stderr()) && /"steps":(\d+)/.exec(w.stderr())?.[1]),
    );
    expect(steps.every((n) => n > 0)).toBe(true);

    const check = await openRuntime(config, {
      clock: new VirtualClock(START),
      logger: pino({ level: 'silent' }),
    });
    const db = check.database.db;
    const started = await db
      .selectFrom('timeline_events')
      .select(['case_id', 'step_id', 'data'])
      .where('type', '=', 'attempt.started')
      .execute();
    const perAttempt = new Set(started.map((e) => `${e.case_id}:${e.step_id}:${JSON.parse(e.data).method}`));
    expect(perAttempt.size).toBe(started.length);
    const sent = await db
      .selectFrom('timeline_events')
      .select(['case_id', 'step_id'])
      .where('type', '=', 'message.sent')
      .execute();
    expect(new Set(sent.map((e) => `${e.case_id}:${e.step_id}`)).size).toBe(sent.length);
    const attempts = await db
      .selectFrom('payment_attempts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(attempts.n)).toBe(started.length);
    // Day 0's reminder and day 1's retry were due for every customer: all done, by one worker or the other.
    const done = await db
      .selectFrom('scheduled_steps')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('step_id', 'in', ['remind-day-0', 'retry-1'])
      .where('status', '!=', 'pending')
      .executeTakeFirstOrThrow();
    expect(Number(done.n)).toBe(2 * CUSTOMERS);
    expect(steps[0]! + steps[1]!).toBeGreaterThanOrEqual(2 * CUSTOMERS);
    await check.close();
  }, 120_000);
});
