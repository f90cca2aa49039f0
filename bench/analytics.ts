// The analytics benchmark (issue 5, acceptance point 5): seeds 1,000,000 invoices and about 200,000 cases, then
// calls every dashboard analytics route through the real API (Fastify's inject: routing, authentication,
// validation, serialisation) with varied periods, and reports p50/p95 per call.
import pino from 'pino';
import { createApiKey } from '../src/access/api-keys.ts';
import { BREAKDOWN_DIMENSIONS } from '../src/analytics/breakdown.ts';
import { buildApi } from '../src/api/server.ts';
import { loadConfig } from '../src/config/env.ts';
import { VirtualClock } from '../src/engine/clock.ts';
import { MemoryLedger } from '../src/gateways/sandbox/memory-ledger.ts';
import { openRuntime } from '../src/runtime/runtime.ts';
import { createRandom } from '../src/simulate/random.ts';
import { openDatabase } from '../src/store/database.ts';
import { migrate } from '../src/store/migrate.ts';
import { BENCH_KEYRING, seedAnalytics } from './seed-analytics.ts';

const DAY = 86_400_000;
const CALLS = Number(process.env['BENCH_ANALYTICS_CALLS'] ?? 30);
const INVOICES = Number(process.env['BENCH_ANALYTICS_INVOICES'] ?? 1_000_000);

// The periods a dashboard asks for: its period picker's presets, the default 30 days most often, ending anywhere
// in the last year.
const PERIOD_DAYS = [7, 30, 30, 30, 90, 90, 365];

/** The nearest-rank percentile of a list of timings. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Seeds a migrated, empty database at `url` and times every analytics call on it; figures under `analytics.<label>.…`. */
export async function analyticsBench(
  url: string,
  label: 'sqlite' | 'postgres',
  now: number,
  log: (line: string) => void,
): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  log(`Analytics (${label}): seeding ${INVOICES.toLocaleString('en-US')} invoices`);
  const database = openDatabase(url);
  await migrate(database);
  const seeded = await seedAnalytics(database, now, { invoices: INVOICES });
  await database.close();
  log(
    `Analytics (${label}): seeded ${seeded.invoices.toLocaleString('en-US')} invoices, ` +
      `${seeded.cases.toLocaleString('en-US')} cases (${seeded.openCases.toLocaleString('en-US')} open), ` +
      `${seeded.payments.toLocaleString('en-US')} payments, ${seeded.attempts.toLocaleString('en-US')} attempts, ` +
      `${seeded.messages.toLocaleString('en-US')} messages, ${seeded.timelineEvents.toLocaleString('en-US')} ` +
      `timeline events in ${(seeded.ms / 1000).toFixed(1)} s`,
  );
  results[`analytics.${label}.seed_s`] = seeded.ms / 1000;
  results[`analytics.${label}.invoices`] = seeded.invoices;
  results[`analytics.${label}.cases`] = seeded.cases;

  Object.assign(results, await timeAnalyticsCalls(url, label, now, log));
  // The kernel's high-water mark for this process: seeding and serving, and any part run before this one.
  results[`analytics.${label}.peak_rss_mb`] = process.resourceUsage().maxRSS / 1024;
  return results;
}

/** Times every analytics call through the API on a seeded database: `analytics.<label>.<call>.p50_ms`/`p95_ms`. */
export async function timeAnalyticsCalls(
  url: string,
  label: string,
  now: number,
  log: (line: string) => void,
): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  // The real runtime and API on the seeded database, with the seed's key (no key file touched).
  const runtime = await openRuntime(
    {
      ...loadConfig({}),
      databaseUrl: url,
      encryptionKeys: BENCH_KEYRING,
    },
    { clock: new VirtualClock(now), ledger: new MemoryLedger(), logger: pino({ level: 'silent' }) },
  );
  const app = await buildApi(runtime, { rateLimits: { perMinute: 1_000_000_000, loginPerMinute: 10 } });
  const { secret } = await createApiKey(runtime.database.db, {
    name: 'bench',
    scope: 'read',
    createdBy: null,
    now,
  });
  const headers = { authorization: `Bearer ${secret}` };

  const calls: [string, (period: string) => string][] = [
    ['overview', (p) => `/v1/analytics/overview?${p}`],
    ['daily', (p) => `/v1/analytics/daily?${p}`],
    ...BREAKDOWN_DIMENSIONS.map((d): [string, (p: string) => string] => [
      `breakdown_${d}`,
      (p) => `/v1/analytics/breakdown?dimension=${d}&${p}`,
    ]),
    ['messages', (p) => `/v1/analytics/messages?${p}`],
    ['forecast', () => '/v1/analytics/forecast'],
  ];
  const random = createRandom(5);
  const periods = Array.from({ length: CALLS }, () => {
    const to = now - random.int(0, 365) * DAY - random.int(0, 23) * 3_600_000;
    const from = to - random.pick(PERIOD_DAYS) * DAY;
    return `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
  });
  try {
    for (const [name, urlOf] of calls) {
      // One call first, not counted: the first read of a cold file is the operating system's, not ours.
      await app.inject({ method: 'GET', url: urlOf(periods[0]!), headers });
      const timings: number[] = [];
      for (const period of periods) {
        const started = performance.now();
        const res = await app.inject({ method: 'GET', url: urlOf(period), headers });
        timings.push(performance.now() - started);
        if (res.statusCode !== 200)
          throw new Error(`${urlOf(period)} answered ${res.statusCode}: ${res.body}`);
      }
      timings.sort((a, b) => a - b);
      results[`analytics.${label}.${name}.p50_ms`] = percentile(timings, 50);
      results[`analytics.${label}.${name}.p95_ms`] = percentile(timings, 95);
      log(
        `Analytics (${label}): ${name.padEnd(24)} p50 ${percentile(timings, 50).toFixed(1).padStart(7)} ms` +
          `   p95 ${percentile(timings, 95).toFixed(1).padStart(7)} ms`,
      );
    }
  } finally {
    await app.close();
    await runtime.close();
  }
  return results;
}

/** The table `npm run bench` prints for the analytics figures of both databases. */
export function analyticsTable(results: Record<string, number>): string {
  const names = [
    'overview',
    'daily',
    ...BREAKDOWN_DIMENSIONS.map((d) => `breakdown_${d}`),
    'messages',
    'forecast',
  ];
  const cell = (db: string, name: string, p: string) => {
    const v = results[`analytics.${db}.${name}.${p}_ms`];
    return (v === undefined ? '-' : v.toFixed(1)).padStart(9);
  };
  const lines = names.map(
    (n) =>
      `  ${n.padEnd(26)}${cell('sqlite', n, 'p50')}${cell('sqlite', n, 'p95')}   ${cell('postgres', n, 'p50')}${cell('postgres', n, 'p95')}`,
  );
  const facts = (db: string) =>
    `  ${db}: seeded in ${(results[`analytics.${db}.seed_s`] ?? 0).toFixed(1)} s; peak RSS of the bench process ` +
    `so far ${(results[`analytics.${db}.peak_rss_mb`] ?? 0).toFixed(0)} MB`;
  return [
    `Analytics API with ${(results['analytics.sqlite.invoices'] ?? INVOICES).toLocaleString('en-US')} invoices and ` +
      `${(results['analytics.sqlite.cases'] ?? 0).toLocaleString('en-US')} cases: ${CALLS} calls each over ` +
      'varied periods (7 days to a year), through the HTTP layer; target p95 < 300 ms',
    `  ${'call'.padEnd(26)}${'SQLite p50'.padStart(9)}${'p95'.padStart(9)}   ${'PG p50'.padStart(9)}${'p95'.padStart(9)}`,
    ...lines,
    facts('sqlite'),
    facts('postgres'),
  ].join('\n');
}
