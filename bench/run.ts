// `npm run bench`: the engine against raw SQL doing the same writes, in one run, on SQLite and PostgreSQL, plus
// peak memory with 100,000 and 1,000,000 due cases, the HTTP API, analytics, the Stripe sync and the CLI's
// start-up. Prints ratios and writes every figure to bench/results.json.
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/store/database.ts';
import { migrate } from '../src/store/migrate.ts';
import { rawPostgresSteps, rawSqliteSteps } from './raw-steps.ts';
import { analyticsBench, analyticsTable } from './analytics.ts';
import { cliBench, cliTable } from './cli.ts';
import { httpBench } from './http.ts';
import { seedDueCases } from './seed.ts';
import { stripeSyncBench } from './stripe-sync.ts';
import { timeStatements } from './sql-time.ts';

const CASES = Number(process.env['BENCH_CASES'] ?? 20_000);
const MEMORY_STEPS = Number(process.env['BENCH_MEMORY_STEPS'] ?? 30_000);
const SQLITE_ROUNDS = Number(process.env['BENCH_SQLITE_ROUNDS'] ?? 5);
const PG_URL = process.env['RECOUP_BENCH_PG_URL'] ?? 'postgres://root@127.0.0.1:5432/test';
const NOW = Date.UTC(2026, 2, 2, 12);
const results: Record<string, number> = {};
// `BENCH_ONLY=engine`, `BENCH_ONLY=http`, `BENCH_ONLY=analytics`, `BENCH_ONLY=stripe` or `BENCH_ONLY=cli` runs one part.
const ONLY = process.env['BENCH_ONLY'] ?? 'all';
const dir = mkdtempSync(join(tmpdir(), 'recoup-bench-'));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function log(line: string) {
  process.stderr.write(`${line}\n`);
}

async function seeded(url: string, n: number) {
  const database = openDatabase(url);
  await migrate(database);
  await seedDueCases(database, n, NOW);
  await database.close();
}

interface ChildReport {
  steps: number;
  ms: number;
  /** Time inside SQLite's statements, when BENCH_SQL_TIME asked for it. */
  sqlMs: number | null;
  maxRssMb: number;
}

/** Runs `workers` engine processes on one database, started together; returns total steps/s and each report. */
async function engineRun(url: string, workers: number, maxSteps?: number, env: Record<string, string> = {}) {
  const children = Array.from({ length: workers }, () =>
    fork(join(import.meta.dirname, 'engine-child.ts'), {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        BENCH_DB_URL: url,
        BENCH_NOW: String(NOW),
        BENCH_MAX_STEPS: maxSteps ? String(maxSteps) : '',
        ...env,
      },
    }),
  );
  await Promise.all(children.map((c) => new Promise((resolve) => c.once('message', resolve))));
  const started = performance.now();
  const reports = children.map(
    (c) => new Promise<ChildReport>((resolve) => c.once('message', (m) => resolve(m as ChildReport))),
  );
  for (const c of children) c.send('go');
  const done = await Promise.all(reports);
  const seconds = (performance.now() - started) / 1000;
  const steps = done.reduce((s, r) => s + r.steps, 0);
  return { stepsPerSecond: steps / seconds, steps, reports: done };
}

async function pgDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropPg(names: string[]) {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  for (const name of names) await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}

if (ONLY === 'all' || ONLY === 'engine') {
  // SQLite: one engine process (SQLite has one writer) against raw prepared statements doing the same writes (and,
  // for comparison with earlier runs, against the older five-row reference; see raw-steps.ts). This machine's speed
  // drifts by a third from minute to minute, so each round seeds every database afresh and runs them back to back,
  // and the figures are the medians: a ratio is the median of the rounds' own ratios.
  const rounds: { raw: number; fiveRows: number; engine: number }[] = [];
  for (let round = 1; round <= SQLITE_ROUNDS; round++) {
    log(`SQLite round ${round} of ${SQLITE_ROUNDS}: seeding ${CASES} due cases three times`);
    const files = ['raw', 'five-rows', 'engine'].map((name) => join(dir, `${name}-${round}.db`));
    const [rawFile, fiveRowsFile, engineFile] = files as [string, string, string];
    for (const file of files) await seeded(`sqlite:${file}`, CASES);
    const raw = rawSqliteSteps(rawFile, CASES, NOW, 'engine');
    const fiveRows = rawSqliteSteps(fiveRowsFile, CASES, NOW, 'five-rows');
    const engine = await engineRun(`sqlite:${engineFile}`, 1);
    if (engine.steps !== CASES) throw new Error(`expected ${CASES} steps on SQLite, got ${engine.steps}`);
    rounds.push({ raw, fiveRows, engine: engine.stepsPerSecond });
    for (const file of files) rmSync(file, { force: true });
  }
  results['raw.sqlite.steps_per_s'] = median(rounds.map((r) => r.raw));
  results['raw.sqlite.five_rows.steps_per_s'] = median(rounds.map((r) => r.fiveRows));
  results['engine.sqlite.steps_per_s'] = median(rounds.map((r) => r.engine));
  results['engine.sqlite.ratio_to_raw'] = median(rounds.map((r) => r.engine / r.raw));
  results['engine.sqlite.ratio_to_raw.min'] = Math.min(...rounds.map((r) => r.engine / r.raw));
  results['engine.sqlite.ratio_to_raw.max'] = Math.max(...rounds.map((r) => r.engine / r.raw));
  results['engine.sqlite.ratio_to_five_rows'] = median(rounds.map((r) => r.engine / r.fiveRows));
  // The ceiling the engine's SQL sets: one more round timing only what runs inside SQLite's statements, in both. If
  // the engine's JavaScript took no time at all, its steps/s over raw's would be raw's SQL time over the engine's.
  log('SQLite: one more round timing the SQL alone');
  const rawFile = join(dir, 'raw-sql.db');
  const engineFile = join(dir, 'engine-sql.db');
  await seeded(`sqlite:${rawFile}`, CASES);
  await seeded(`sqlite:${engineFile}`, CASES);
  const rawTimer = timeStatements();
  rawSqliteSteps(rawFile, CASES, NOW, 'engine');
  const rawSqlMs = rawTimer.stop();
  const timed = await engineRun(`sqlite:${engineFile}`, 1, undefined, { BENCH_SQL_TIME: '1' });
  results['raw.sqlite.sql_ms'] = rawSqlMs;
  results['engine.sqlite.sql_ms'] = timed.reports[0]!.sqlMs!;
  results['engine.sqlite.sql_share'] = timed.reports[0]!.sqlMs! / timed.reports[0]!.ms;
  results['engine.sqlite.sql_only_ratio_to_raw'] = rawSqlMs / timed.reports[0]!.sqlMs!;
  rmSync(rawFile, { force: true });
  rmSync(engineFile, { force: true });

  // PostgreSQL: raw batched SQL (the same writes, then the five-row subset), then one worker, then two workers
  // sharing the database.
  log(`PostgreSQL: seeding ${CASES} due cases four times`);
  const pgNames = ['recoup_bench_raw', 'recoup_bench_five_rows', 'recoup_bench_w1', 'recoup_bench_w2'];
  const [rawUrl, fiveRowsUrl, w1Url, w2Url] = await Promise.all(pgNames.map(pgDatabase));
  for (const url of [rawUrl, fiveRowsUrl, w1Url, w2Url]) await seeded(url!, CASES);
  results['raw.postgres.steps_per_s'] = await rawPostgresSteps(rawUrl!, CASES, NOW, 'engine');
  results['raw.postgres.five_rows.steps_per_s'] = await rawPostgresSteps(
    fiveRowsUrl!,
    CASES,
    NOW,
    'five-rows',
  );
  const one = await engineRun(w1Url!, 1);
  const two = await engineRun(w2Url!, 2);
  results['engine.postgres.workers1.steps_per_s'] = one.stepsPerSecond;
  results['engine.postgres.workers2.steps_per_s'] = two.stepsPerSecond;
  results['engine.postgres.steps_per_s'] = two.stepsPerSecond;
  results['engine.postgres.ratio_to_raw'] = two.stepsPerSecond / results['raw.postgres.steps_per_s'];
  results['engine.postgres.ratio_to_five_rows'] =
    two.stepsPerSecond / results['raw.postgres.five_rows.steps_per_s'];
  results['engine.postgres.workers2_over_workers1'] = two.stepsPerSecond / one.stepsPerSecond;
  if (two.steps !== CASES || one.steps !== CASES)
    throw new Error(`expected ${CASES} steps, got ${one.steps} and ${two.steps}`);
  await dropPg(pgNames);

  // Memory: the same amount of work with 100,000 and with 1,000,000 due cases waiting; work is claimed in batches.
  for (const [label, n] of [
    ['100k', 100_000],
    ['1m', 1_000_000],
  ] as const) {
    log(`Memory: seeding ${n} due cases on SQLite`);
    const file = join(dir, `memory-${label}.db`);
    await seeded(`sqlite:${file}`, n);
    const run = await engineRun(`sqlite:${file}`, 1, MEMORY_STEPS);
    results[`memory.rss_${label}_mb`] = run.reports[0]!.maxRssMb;
    results[`engine.sqlite.due_${label}.steps_per_s`] = run.stepsPerSecond;
  }
  results['memory.rss_1m_over_100k'] = results['memory.rss_1m_mb']! / results['memory.rss_100k_mb']!;
}

if (ONLY === 'all' || ONLY === 'http') {
  Object.assign(results, await httpBench(`sqlite:${join(dir, 'http.db')}`, 'sqlite', NOW, dir, log));
  const [httpPg] = await Promise.all(['recoup_bench_http'].map(pgDatabase));
  Object.assign(results, await httpBench(httpPg!, 'postgres', NOW, dir, log));
  await dropPg(['recoup_bench_http']);
  // The headline figures are the embedded default's.
  for (const name of [
    'cases_get.ratio_to_bare',
    'cases_get.p99_ms',
    'cases_get.rps',
    'invoices_post.rps',
    'invoices_post.p99_ms',
  ]) {
    results[`http.${name}`] = results[`http.sqlite.${name}`]!;
  }
}
if (ONLY === 'all' || ONLY === 'analytics') {
  Object.assign(results, await analyticsBench(`sqlite:${join(dir, 'analytics.db')}`, 'sqlite', NOW, log));
  rmSync(join(dir, 'analytics.db'), { force: true });
  const [analyticsPg] = await Promise.all(['recoup_bench_analytics'].map(pgDatabase));
  Object.assign(results, await analyticsBench(analyticsPg!, 'postgres', NOW, log));
  await dropPg(['recoup_bench_analytics']);
}
if (ONLY === 'all' || ONLY === 'stripe') {
  Object.assign(results, await stripeSyncBench(`sqlite:${join(dir, 'stripe.db')}`, 'sqlite', NOW, log));
  const [stripePg] = await Promise.all(['recoup_bench_stripe'].map(pgDatabase));
  Object.assign(results, await stripeSyncBench(stripePg!, 'postgres', NOW, log));
  await dropPg(['recoup_bench_stripe']);
  // The headline figures are the embedded default's.
  for (const name of [
    'sync_full.requests',
    'sync_full.seconds',
    'sync_incremental.requests',
    'sync_incremental.seconds',
    'sync_incremental.ratio_of_requests',
  ])
    results[`stripe.${name}`] = results[`stripe.sqlite.${name}`]!;
}
if (ONLY === 'all' || ONLY === 'cli') Object.assign(results, await cliBench(dir, NOW, log));
rmSync(dir, { recursive: true, force: true });

const rounded = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
// A run of one part keeps the other parts' figures from the last full run.
const resultsFile = join(import.meta.dirname, 'results.json');
const kept = ONLY !== 'all' && existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : {};
writeFileSync(resultsFile, `${JSON.stringify({ ...kept, ...rounded }, null, 2)}\n`);
const f = (v: number | undefined) => Math.round(v ?? 0).toLocaleString('en-US');
const pct = (v: number | undefined) => `${((v ?? 0) * 100).toFixed(1)}%`;
if (ONLY === 'all' || ONLY === 'engine') {
  console.log(`
Recoup engine benchmark (${CASES.toLocaleString('en-US')} due retry steps; each step = claim, decide, charge the sandbox, record)
SQLite: medians of ${SQLITE_ROUNDS} rounds; the rounds' ratios ranged ${pct(results['engine.sqlite.ratio_to_raw.min'])} to ${pct(results['engine.sqlite.ratio_to_raw.max'])}
SQLite, the SQL alone: the engine's statements took ${f(results['engine.sqlite.sql_ms'])} ms (${pct(results['engine.sqlite.sql_share'])} of its run), raw's ${f(results['raw.sqlite.sql_ms'])} ms;
  with no JavaScript at all the engine would reach ${pct(results['engine.sqlite.sql_only_ratio_to_raw'])} of raw

Raw SQL does the same writes as the engine (lease, intent, outcome, step, 2 events, outbox event, case); the
five-row reference of earlier runs writes only the final attempt, the step, the 2 events and the case.

                              steps/s   raw SQL steps/s   engine ÷ raw   target   five-row raw   engine ÷ that
  SQLite, 1 worker      ${f(results['engine.sqlite.steps_per_s']).padStart(12)}   ${f(results['raw.sqlite.steps_per_s']).padStart(15)}   ${pct(results['engine.sqlite.ratio_to_raw']).padStart(12)}   ≥ 25%   ${f(results['raw.sqlite.five_rows.steps_per_s']).padStart(12)}   ${pct(results['engine.sqlite.ratio_to_five_rows']).padStart(13)}
  PostgreSQL, 2 workers ${f(results['engine.postgres.steps_per_s']).padStart(12)}   ${f(results['raw.postgres.steps_per_s']).padStart(15)}   ${pct(results['engine.postgres.ratio_to_raw']).padStart(12)}   ≥ 20%   ${f(results['raw.postgres.five_rows.steps_per_s']).padStart(12)}   ${pct(results['engine.postgres.ratio_to_five_rows']).padStart(13)}
  PostgreSQL, 1 worker  ${f(results['engine.postgres.workers1.steps_per_s']).padStart(12)}
  2 workers ÷ 1 worker on PostgreSQL: ${results['engine.postgres.workers2_over_workers1']!.toFixed(2)}×

Peak RSS of a worker doing ${MEMORY_STEPS.toLocaleString('en-US')} steps (SQLite):
  with 100,000 due cases:   ${results['memory.rss_100k_mb']!.toFixed(0)} MB
  with 1,000,000 due cases: ${results['memory.rss_1m_mb']!.toFixed(0)} MB   (ratio ${results['memory.rss_1m_over_100k']!.toFixed(2)}, target ≤ 1.5)
`);
}
if (ONLY === 'all' || ONLY === 'http') {
  const row = (db: string) =>
    `  ${db.padEnd(10)} ${f(results[`http.${db}.cases_get.rps`]).padStart(8)} req/s  p99 ${results[`http.${db}.cases_get.p99_ms`]} ms   bare ${f(results[`http.${db}.bare_get.rps`]).padStart(8)} req/s   ratio ${pct(results[`http.${db}.cases_get.ratio_to_bare`])} (target ≥ 40%)   POST /v1/invoices ${f(results[`http.${db}.invoices_post.rps`])} req/s  p99 ${results[`http.${db}.invoices_post.p99_ms`]} ms`;
  const floor = (db: string) =>
    `  ${db.padEnd(10)} ${f(results[`http.${db}.query_only_get.rps`]).padStart(8)} req/s   ${pct(results[`http.${db}.query_only_get.ratio_to_bare`])} of bare; the full route is ${pct(results[`http.${db}.cases_get.rps`]! / results[`http.${db}.query_only_get.rps`]!)} of this`;
  console.log(
    `\nHTTP API with 100,000 cases (autocannon, 10 connections): GET /v1/cases?limit=50 against a bare Fastify route returning the same JSON\n${row('sqlite')}\n${row('postgres')}` +
      `\nThe list's own query and presenter on a route with nothing else (no auth, limits, validation, audit or schema):\n${floor('sqlite')}\n${floor('postgres')}`,
  );
}
if (ONLY === 'all' || ONLY === 'analytics') console.log(`\n${analyticsTable(results)}`);
if (ONLY === 'all' || ONLY === 'stripe') {
  const row = (db: string) => {
    const r = (name: string) => results[`stripe.${db}.${name}`];
    return `  ${db.padEnd(10)} full ${f(r('sync_full.requests')).padStart(7)} requests ${r('sync_full.seconds')!.toFixed(1).padStart(6)} s   incremental ${f(r('sync_incremental.requests')).padStart(6)} requests ${r('sync_incremental.seconds')!.toFixed(1).padStart(5)} s   ${pct(r('sync_incremental.ratio_of_requests'))} of full (target ≤ 20%)   missed: ${r('sync_incremental.changes_missed')} changes, ${r('sync_incremental.cards_missed')} cards`;
  };
  console.log(
    `\nStripe sync against the fake Stripe (10,000 customers, 10% in open cases; then 1% of invoices changed and 50 new cards)\n${row('sqlite')}\n${row('postgres')}`,
  );
}
if (ONLY === 'all' || ONLY === 'cli') console.log(`\n${cliTable(results)}`);
console.log('\nFigures written to bench/results.json');
