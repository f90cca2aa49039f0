import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { sql } from 'kysely';
import { type RecoverySummary, recoverySummary } from '../../analytics/recovery-summary.ts';
import { createUser } from '../../access/users.ts';
import { loadConfig } from '../../config/env.ts';
import { VirtualClock } from '../../engine/clock.ts';
import { MemoryLedger } from '../../gateways/sandbox/memory-ledger.ts';
import { createLogger } from '../../runtime/logger.ts';
import { type Runtime, openRuntime } from '../../runtime/runtime.ts';
import { generatePopulation } from '../../simulate/population.ts';
import { type SimulationReport, runSimulation } from '../../simulate/runner.ts';
import { parseDatabaseUrl } from '../../store/database-url.ts';
import { openDatabase } from '../../store/database.ts';
import { UsageError } from '../errors.ts';
import { money, table } from '../format.ts';

const DEMO_OUTBOX = '.recoup/demo-outbox';

/** A demo run as its options asked for it, already checked. */
export interface DemoRun {
  customers: number;
  days: number;
  seed: number;
  start: number;
  database: string;
  serve: boolean;
  port: number | undefined;
}

/** Runs the demo: a fresh database, the simulated business through the real engine, its summary, the dashboard. */
export async function runDemo(run: DemoRun, began: number): Promise<void> {
  const { customers, days, seed, start } = run;
  await prepareDatabase(run.database);
  rmSync(DEMO_OUTBOX, { recursive: true, force: true });

  // Never a real mail server: thousands of reminders to made-up people belong in the local outbox.
  const config = {
    ...loadConfig(),
    databaseUrl: run.database,
    outboxDir: DEMO_OUTBOX,
    smtpUrl: null,
  };
  const runtime = await openRuntime(config, {
    clock: new VirtualClock(start),
    ledger: new MemoryLedger(),
    logger: createLogger('warn'),
  });
  try {
    const population = generatePopulation({ seed, customers, start, days });
    const progress = dayProgress(days);
    const report = await runSimulation(runtime, population, { days, start, onDay: progress.update });
    progress.stop();
    const summary = await recoverySummary(runtime.database.db, runtime.deps.clock.now());
    console.log(render(run, report, summary));
    console.log(
      `\nSimulated ${days} days in ${((performance.now() - began) / 1000).toFixed(1)} s of wall time.`,
    );
    console.log(hints(run.database));
    if (run.serve) await serveDemo(runtime, { port: run.port ?? config.port, host: config.host });
  } finally {
    await runtime.close();
  }
}

/**
 * Serves the API and the dashboard on the demo's data until Ctrl-C, signed in with a fresh admin user. The clock
 * stays at the simulation's last moment and no worker runs, so the dashboard shows the world the demo ended in.
 */
async function serveDemo(runtime: Runtime, listen: { port: number; host: string }): Promise<void> {
  const password = randomBytes(12).toString('base64url');
  const email = 'demo@recoup.dev';
  await createUser(runtime.database.db, {
    email,
    name: 'Demo admin',
    role: 'admin',
    password,
    now: runtime.deps.clock.now(),
  });
  // Loaded when used: the API server is a third of what every other command would load for nothing.
  const { buildApi } = await import('../../api/server.ts');
  const app = await buildApi(runtime);
  const address = await app.listen(listen);
  console.log(
    `\nDashboard: ${address}/\n  sign in as ${email} with password ${password}\n  (Ctrl-C stops the demo server)`,
  );
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  await app.close();
}

/** Deletes a SQLite demo file (with its WAL files), or checks that a PostgreSQL database is empty. */
async function prepareDatabase(url: string): Promise<void> {
  let parsed: ReturnType<typeof parseDatabaseUrl>;
  try {
    parsed = parseDatabaseUrl(url);
  } catch (error) {
    throw new UsageError(`--database: ${(error as Error).message.replace(/^RECOUP_DATABASE_URL: /, '')}`);
  }
  if (parsed.dialect === 'sqlite') {
    if (parsed.target !== ':memory:') {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${parsed.target}${suffix}`, { force: true });
    }
    return;
  }
  const database = openDatabase(url, { poolSize: 1 });
  try {
    const { rows } = await sql<{ n: number }>`
      select count(*) as n from information_schema.tables where table_schema = current_schema()`.execute(
      database.db,
    );
    // The demo never drops tables: a database with anything in it may be someone's real data.
    if (Number(rows[0]?.n ?? 0) > 0) {
      throw new UsageError('--database: the PostgreSQL database is not empty; the demo needs an empty one');
    }
  } finally {
    await database.close();
  }
}

/** A progress bar on stderr in a terminal; otherwise a line every tenth of the run. */
function dayProgress(days: number): { update: (day: number) => void; stop: () => void } {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: 'simulating |{bar}| day {value}/{total} | {duration_formatted}', stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    bar.start(days, 0);
    return { update: (day) => bar.update(day), stop: () => bar.stop() };
  }
  const every = Math.max(1, Math.ceil(days / 10));
  return {
    update: (day) => {
      if (day % every === 0 || day === days) process.stderr.write(`simulated day ${day}/${days}\n`);
    },
    stop: () => undefined,
  };
}

function render(run: DemoRun, report: SimulationReport, s: RecoverySummary): string {
  const failedShare = report.renewals > 0 ? percent(report.failedRenewals / report.renewals) : '-';
  const headline = s.currencies
    .map((c) => `${c.currency} ${c.recoveryRate === null ? '-' : percent(c.recoveryRate)}`)
    .join(', ');
  return [
    `Recoup demo: ${run.customers} customers over ${run.days} days from ${isoDate(run.start)} ` +
      `(seed ${run.seed}) in ${redact(run.database)}`,
    `Billing: ${report.renewals} renewals charged, ${report.failedRenewals} failed (${failedShare}); ` +
      `${report.invoicesIssued} B2B invoices issued. Customers added ${report.cardsAdded} cards and paid ` +
      `${report.portalPayments} invoices in the portal. They opened ${report.remindersOpened} reminders and ` +
      `followed a link in ${report.remindersClicked} (simulated as the tracking pixel and click redirect record them).`,
    '',
    `Recovery rate: ${headline || 'no cases'}`,
    '',
    'Failed vs recovered, per currency',
    table(
      ['currency', 'cases', 'failed', 'recovered', 'rate', 'recovered cases', 'median days', 'paid on time'],
      s.currencies.map((c) => [
        c.currency,
        String(c.cases),
        money(c.failedAmount, c.currency),
        money(c.recoveredAmount, c.currency),
        c.recoveryRate === null ? '-' : percent(c.recoveryRate),
        String(c.recoveredCases),
        c.medianDaysToRecover === null ? '-' : c.medianDaysToRecover.toFixed(1),
        money(c.collectedOnTimeAmount, c.currency),
      ]),
    ),
    '',
    'By decline class of the opening failure ("none": an invoice on terms, nothing was charged)',
    table(
      ['currency', 'class', 'cases', 'failed', 'recovered', 'rate'],
      s.byDeclineClass.map((c) => [
        c.currency,
        c.declineClass,
        String(c.cases),
        money(c.failedAmount, c.currency),
        money(c.recoveredAmount, c.currency),
        c.recoveryRate === null ? '-' : percent(c.recoveryRate),
      ]),
    ),
    '',
    'Recovered cases by the policy step that recovered them',
    table(
      ['currency', 'step', 'cases', 'recovered'],
      s.byStep.map((r) => [r.currency, r.stepId, String(r.cases), money(r.recoveredAmount, r.currency)]),
    ),
    '',
    'Messages by channel',
    table(
      ['channel', 'status', 'messages'],
      s.messages.map((m) => [m.channel, m.status, String(m.messages)]),
    ),
    '',
    'Cases by state',
    table(
      ['state', 'cases'],
      s.casesByState.map((c) => [c.state, String(c.cases)]),
    ),
  ].join('\n');
}

function hints(database: string): string {
  const env = `RECOUP_DATABASE_URL=${redact(database)}`;
  return [
    '',
    'Look around:',
    `  ${env} recoup cases list --state recovered`,
    `  ${env} recoup cases show <id>`,
    `  ${env} RECOUP_OUTBOX_DIR=${DEMO_OUTBOX} recoup messages list`,
  ].join('\n');
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
