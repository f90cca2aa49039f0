import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { VirtualClock } from '../../src/engine/clock.ts';
import { openCases } from '../../src/engine/open-cases.ts';
import { openRuntime } from '../../src/runtime/runtime.ts';
import { freshDatabaseUrl, TEST_DB, type TestDatabaseUrl } from '../support/databases.ts';
import { runRecoup, runRecoupOk, startRecoup } from '../support/processes.ts';
import { seedFailedRenewals } from '../support/seed.ts';

const START = Date.UTC(2026, 2, 2, 12);
const CUSTOMERS = 200;
const MAX_FAILURES = 4;

describe(`poison cases with two workers on one ${TEST_DB} database`, () => {
  let target: TestDatabaseUrl;
  afterAll(async () => target?.drop());

  it('park the three corrupted cases as needs_attention while every other case is worked', async () => {
    target = await freshDatabaseUrl();
    const config = { ...loadConfig({}), databaseUrl: target.url };
    const open = () =>
      openRuntime(config, { clock: new VirtualClock(START), logger: pino({ level: 'silent' }) });
    const seeded = await open();
    const db = seeded.database.db;
    await seedFailedRenewals(db, CUSTOMERS, START);
    await openCases(seeded.deps, START);
    const caseOf = async (customer: string) =>
      (
        await db
          .selectFrom('cases')
          .select(['id', 'policy_version_id'])
          .where('customer_id', '=', customer)
          .executeTakeFirstOrThrow()
      ).id;
    // Three ways a case's data can break the engine: no pending step left, a step its policy does not have, and
    // a policy version whose stored document is not a policy.
    const noStep = await caseOf('cus_10');
    await db
      .updateTable('scheduled_steps')
      .set({ status: 'cancelled', completed_at: START })
      .where('case_id', '=', noStep)
      .execute();
    const unknownStep = await caseOf('cus_20');
    await db
      .updateTable('scheduled_steps')
      .set({ step_id: 'retry-from-nowhere' })
      .where('case_id', '=', unknownStep)
      .where('step_id', '=', 'remind-day-0')
      .execute();
    const brokenPolicy = await caseOf('cus_30');
    const policy = await db
      .selectFrom('cases')
      .innerJoin('policy_versions', 'policy_versions.id', 'cases.policy_version_id')
      .selectAll('policy_versions')
      .where('cases.id', '=', brokenPolicy)
      .executeTakeFirstOrThrow();
    await db
      .insertInto('policy_versions')
      // An old version, so that new cases do not open on it.
      .values({ ...policy, id: 'pv_broken', version: 0, document: '{"name": "broken"}' })
      .execute();
    await db
      .updateTable('cases')
      .set({ policy_version_id: 'pv_broken' })
      .where('id', '=', brokenPolicy)
      .execute();
    await seeded.close();

    const env = {
      RECOUP_DATABASE_URL: target.url,
      RECOUP_BATCH_SIZE: '40',
      RECOUP_OUTBOX_DIR: `/tmp/recoup-poison-${process.pid}`,
      RECOUP_CASE_MAX_FAILURES: String(MAX_FAILURES),
      // The clock is frozen (--now): a failed case must be due again at once to be retried at all.
      RECOUP_CASE_RETRY_MS: '0',
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
    for (const [i, exit] of exits.entries()) expect(exit.code, workers[i]!.stderr().slice(-1500)).toBe(0);

    const check = await open();
    const cdb = check.database.db;
    const poisoned = [noStep, unknownStep, brokenPolicy];
    const parked = await cdb
      .selectFrom('cases')
      .select(['id', 'state', 'error_count', 'last_error'])
      .where('state', '=', 'needs_attention')
      .orderBy('id')
      .execute();
    expect(parked.map((c) => c.id)).toEqual([...poisoned].sort());
    const byId = new Map(parked.map((c) => [c.id, c]));
    expect(byId.get(noStep)!.last_error).toContain('is open with no pending step');
    expect(byId.get(unknownStep)!.last_error).toContain('step retry-from-nowhere is not in policy');
    expect(byId.get(brokenPolicy)!.last_error).toContain('stored policy version pv_broken is invalid');
    for (const c of parked) expect(Number(c.error_count)).toBe(MAX_FAILURES);
    const events = await cdb
      .selectFrom('timeline_events')
      .select(['case_id', 'type'])
      .where('type', 'in', ['case.failed', 'case.needs_attention'])
      .execute();
    for (const id of poisoned) {
      expect(events.filter((e) => e.case_id === id && e.type === 'case.failed')).toHaveLength(MAX_FAILURES);
      expect(events.filter((e) => e.case_id === id && e.type === 'case.needs_attention')).toHaveLength(1);
    }
    expect(new Set(events.map((e) => e.case_id))).toEqual(new Set(poisoned));

    // Every other case ran its day-0 reminder and day-1 retry, and no step was done twice.
    const done = await cdb
      .selectFrom('scheduled_steps')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('step_id', 'in', ['remind-day-0', 'retry-1'])
      .where('status', '!=', 'pending')
      .where('case_id', 'not in', poisoned)
      .executeTakeFirstOrThrow();
    expect(Number(done.n)).toBe(2 * (CUSTOMERS - 3));
    const sent = await cdb
      .selectFrom('timeline_events')
      .select(['case_id', 'step_id'])
      .where('type', '=', 'message.sent')
      .execute();
    expect(new Set(sent.map((e) => `${e.case_id}:${e.step_id}`)).size).toBe(sent.length);
    await check.close();

    // An operator finds them and puts one back to work.
    const listed = await runRecoupOk(['cases', 'list', '--state', 'needs_attention'], env);
    for (const id of poisoned) expect(listed.stdout).toContain(id);
    const shown = await runRecoupOk(['cases', 'show', noStep], env);
    expect(shown.stdout).toContain(`Failed ${MAX_FAILURES} times in a row; last error: case ${noStep}`);
    const retried = await runRecoupOk(['cases', 'retry', noStep, '--reason', 'steps fixed'], env);
    expect(retried.stdout).toContain(`Case ${noStep} is open`);
    const after = await open();
    const row = await after.database.db
      .selectFrom('cases')
      .select(['state', 'error_count', 'last_error', 'next_due_at'])
      .where('id', '=', noStep)
      .executeTakeFirstOrThrow();
    expect({ ...row, error_count: Number(row.error_count) }).toMatchObject({
      state: 'open',
      error_count: 0,
      last_error: null,
    });
    const reopened = await after.database.db
      .selectFrom('timeline_events')
      .select('rule')
      .where('case_id', '=', noStep)
      .where('type', '=', 'case.reopened')
      .executeTakeFirstOrThrow();
    expect(reopened.rule).toContain('steps fixed');
    await after.close();
    const still = await runRecoupOk(['cases', 'list', '--state', 'needs_attention'], env);
    expect(still.stdout).not.toContain(noStep);
    // No such case: one line, exit 2.
    const missing = await runRecoup(['cases', 'retry', 'case_nope'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain("cases retry: no case 'case_nope'");
  }, 300_000);
});
