import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/store/database.ts';
import { TEST_DB, type TestDatabaseUrl, freshDatabaseUrl } from '../support/databases.ts';
import { runRecoup, runRecoupOk, startRecoup } from '../support/processes.ts';
import { stripeCliEnv } from '../support/stripe-cli.ts';
import { FakeStripeServer } from '../support/stripe-server.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// When the renewal of i1 failed: the card-subscription policy reminds at once and retries a day later.
const FAILED = Date.parse('2030-01-15T10:00:00Z');
// i2 fails later, for the worker that keeps running while Stripe cannot be reached.
const LATER_FAILED = FAILED + 5 * DAY;
const seconds = (ms: number) => Math.floor(ms / 1000);
const iso = (ms: number) => new Date(ms).toISOString();

// Each test runs the real CLI several times, and a CLI process loads all of Recoup: on a busy two-core CI machine
// that is up to 12 s a run, so these tests get three minutes each rather than the suite's one.
describe(`recoup worker --test-clock follows a Stripe test clock, on ${TEST_DB}`, {
  timeout: 180_000,
}, () => {
  let fake: FakeStripeServer;
  let target: TestDatabaseUrl;
  let dir: string;
  let env: Record<string, string>;
  let database: Database;

  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const recoup = (args: string[]) => runRecoupOk(args, env);
  const worker = (clock: string) =>
    recoup(['worker', '--test-clock', clock, '--exit-when-idle', '--poll-ms', '50']);
  const caseOf = (invoice: string) =>
    database.db
      .selectFrom('cases')
      .innerJoin('invoices', 'invoices.case_id', 'cases.id')
      .select(['cases.id', 'cases.state', 'cases.opened_at', 'cases.closed_at'])
      .where('invoices.external_id', '=', invoice)
      .executeTakeFirst();
  const stepsOf = async (caseId: string) =>
    Object.fromEntries(
      (
        await database.db
          .selectFrom('scheduled_steps')
          .select(['step_id', 'status', 'due_at', 'completed_at'])
          .where('case_id', '=', caseId)
          .execute()
      ).map((s) => [s.step_id, s]),
    );

  beforeAll(async () => {
    fake = await FakeStripeServer.start();
    target = await freshDatabaseUrl();
    dir = mkdtempSync(join(tmpdir(), 'recoup-test-clock-'));
    env = stripeCliEnv(fake, target.url);
    // Imported the day before, as a rehearsal would be set up: nothing is due yet.
    const before = ['--now', iso(FAILED - DAY)];
    await recoup([
      'import',
      'customers',
      file(
        'customers.csv',
        'external_id,name,email,time_zone\nc1,Ana Lima,ana@example.com,UTC\nc2,Bo Berg,bo@example.com,UTC\n',
      ),
      ...before,
    ]);
    await recoup([
      'import',
      'payment-methods',
      file(
        'methods.csv',
        'external_id,customer_external_id,token,type,brand,last4,exp_month,exp_year\n' +
          'pm1,c1,tok_ok,card,visa,4242,12,2035\npm2,c2,tok_ok,card,visa,4242,12,2035\n',
      ),
      ...before,
    ]);
    await recoup([
      'import',
      'invoices',
      file(
        'invoices.csv',
        'external_id,customer_external_id,currency,total,due_date,collection,failed_at,failure_code\n' +
          `i1,c1,usd,49.00,2030-01-15,charge_automatically,${iso(FAILED)},insufficient_funds\n` +
          `i2,c2,usd,19.00,2030-01-20,charge_automatically,${iso(LATER_FAILED)},insufficient_funds\n`,
      ),
      ...before,
    ]);
    database = openDatabase(target.url);
  }, 120_000);
  afterAll(async () => {
    await database?.close();
    await target?.drop();
    await fake?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('works what is due by the test clock: nothing before the failure, each step at the time the clock shows', async () => {
    const clock = fake.addTestClock(seconds(FAILED - HOUR))['id'] as string;

    await worker(clock);
    expect(await caseOf('i1')).toBeUndefined();

    const reminded = FAILED + 2 * HOUR;
    fake.advanceTestClock(clock, seconds(reminded));
    await worker(clock);
    const opened = await caseOf('i1');
    expect(opened).toMatchObject({ state: 'open', opened_at: reminded });
    let steps = await stepsOf(opened!.id);
    expect(steps['remind-day-0']).toMatchObject({ status: 'done', completed_at: reminded });
    expect(steps['retry-1']).toMatchObject({ status: 'pending', due_at: FAILED + DAY });
    const messages = await database.db
      .selectFrom('messages')
      .select(['created_at', 'sent_at'])
      .where('case_id', '=', opened!.id)
      .execute();
    expect(messages).toEqual([{ created_at: reminded, sent_at: reminded }]);
    expect(await caseOf('i2')).toBeUndefined(); // it fails later

    const retried = FAILED + DAY + 2 * HOUR;
    fake.advanceTestClock(clock, seconds(retried));
    await worker(clock);
    steps = await stepsOf(opened!.id);
    expect(steps['retry-1']).toMatchObject({ status: 'done', completed_at: retried });
    const attempts = await database.db
      .selectFrom('payment_attempts')
      .select(['status', 'created_at'])
      .where('case_id', '=', opened!.id)
      .execute();
    expect(attempts).toEqual([{ status: 'succeeded', created_at: retried }]);
    expect(await caseOf('i1')).toMatchObject({ state: 'recovered', closed_at: retried });
  });

  it('tick --test-clock reads the clock once and runs at its time', async () => {
    const clock = fake.addTestClock(seconds(FAILED - 2 * HOUR))['id'] as string;
    const result = await recoup(['tick', '--test-clock', clock]);
    expect(result.stdout).toMatch(new RegExp(`^tick ${iso(FAILED - 2 * HOUR)}: 0 invoices taken`));
  });

  it('refuses an unknown clock, a missing key and --now beside --test-clock: exit 2, one line', async () => {
    const cases: [string[], Record<string, string>, string][] = [
      [
        ['worker', '--test-clock', 'clock_nope'],
        env,
        'recoup: --test-clock: Stripe has no test clock clock_nope',
      ],
      [
        ['tick', '--test-clock', 'clock_nope'],
        env,
        'recoup: --test-clock: Stripe has no test clock clock_nope',
      ],
      [
        ['worker', '--test-clock', 'clock_nope', '--now', '2030-01-01T00:00:00Z'],
        env,
        "recoup: option '--test-clock <clock_id>' cannot be used with option '--now <instant>'",
      ],
      [
        ['worker', '--test-clock', 'clock_nope'],
        { ...env, RECOUP_STRIPE_SECRET_KEY: '' },
        'recoup: RECOUP_STRIPE_SECRET_KEY: required for --test-clock (a Stripe test mode key)',
      ],
    ];
    for (const [args, withEnv, line] of cases) {
      const result = await runRecoup(args, withEnv);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr.trim()).toBe(line);
    }
  });

  it('keeps its last time and warns while Stripe cannot be reached, then follows the clock again', async () => {
    const clock = fake.addTestClock(seconds(LATER_FAILED - DAY))['id'] as string;
    const running = startRecoup(['worker', '--test-clock', clock, '--poll-ms', '50'], {
      ...env,
      RECOUP_LOG_LEVEL: 'info',
    });
    try {
      await running.started;
      expect(running.stderr()).toContain(`"now":"${iso(LATER_FAILED - DAY)}"`);
      fake.breakAfter(
        0,
        (method, path) => method === 'GET' && path.startsWith('/v1/test_helpers/test_clocks/'),
      );
      await waitFor(() => running.stderr().includes('could not read the Stripe test clock'));
      const warning = running
        .stderr()
        .split('\n')
        .find((l) => l.includes('could not read the Stripe test clock'));
      expect(JSON.parse(warning!)).toMatchObject({ level: 40, now: iso(LATER_FAILED - DAY) });
      expect(await caseOf('i2')).toBeUndefined();

      const reminded = LATER_FAILED + 2 * HOUR;
      fake.advanceTestClock(clock, seconds(reminded));
      fake.heal();
      await waitFor(async () => (await caseOf('i2')) !== undefined);
      expect(await caseOf('i2')).toMatchObject({ state: 'open', opened_at: reminded });
    } finally {
      fake.heal();
      running.child.kill('SIGTERM');
    }
    const exit = await running.exited;
    expect(exit.code, running.stderr().slice(-2000)).toBe(0);
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await sleep(100);
  }
}
