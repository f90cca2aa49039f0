// The HTTP benchmark: autocannon against `recoup start`'s API with 100,000 cases in the database, beside a bare
// Fastify route returning the same JSON, measured in the same run.
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createApiKey } from '../src/access/api-keys.ts';
import { openDatabase } from '../src/store/database.ts';
import { migrate } from '../src/store/migrate.ts';
import { seedDueCases } from './seed.ts';

const DURATION_S = Number(process.env['BENCH_HTTP_SECONDS'] ?? 10);
const CONNECTIONS = 10;

function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; address: string }> {
  const child = fork(join(import.meta.dirname, 'http-server-child.ts'), {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, address: (m as { address: string }).address }));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
}

async function stopServer(child: ChildProcess): Promise<number> {
  const rss = new Promise<number>((resolve) =>
    child.once('message', (m) => resolve((m as { peakRssMb: number }).peakRssMb)),
  );
  child.send('rss');
  const peak = await rss;
  child.removeAllListeners('exit');
  child.kill();
  return peak;
}

async function load(
  options: autocannon.Options,
): Promise<{ rps: number; p99: number; p50: number; errors: number }> {
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION_S, ...options });
  const errors = result.errors + result.timeouts + result.non2xx;
  return { rps: result.requests.average, p99: result.latency.p99, p50: result.latency.p50, errors };
}

/** Runs the HTTP benchmark on one database URL and returns its figures under `http.<db>.…` and `http.…`. */
export async function httpBench(
  url: string,
  label: string,
  now: number,
  dir: string,
  log: (line: string) => void,
) {
  const results: Record<string, number> = {};
  log(`HTTP (${label}): seeding 100,000 cases`);
  const database = openDatabase(url);
  await migrate(database);
  await seedDueCases(database, 100_000, now);
  const { secret } = await createApiKey(database.db, { name: 'bench', scope: 'write', createdBy: null, now });
  await database.close();

  const recoup = await startServer({ BENCH_SERVER: 'recoup', BENCH_DB_URL: url, BENCH_NOW: String(now) });
  const auth = { authorization: `Bearer ${secret}` };
  const page = await fetch(`${recoup.address}/v1/cases?limit=50`, { headers: auth });
  if (page.status !== 200) throw new Error(`GET /v1/cases answered ${page.status}: ${await page.text()}`);
  const bareFile = join(dir, 'bare.json');
  writeFileSync(bareFile, await page.text());

  log(`HTTP (${label}): GET /v1/cases?limit=50 for ${DURATION_S} s`);
  const get = await load({ url: `${recoup.address}/v1/cases?limit=50`, headers: auth });
  log(`HTTP (${label}): POST /v1/invoices for ${DURATION_S} s`);
  let n = 0;
  const post = await load({
    url: `${recoup.address}/v1/invoices`,
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => {
          n += 1;
          return {
            ...request,
            body: JSON.stringify({
              customer_id: `cus_${(n % 100_000) + 1}`,
              number: `BENCH-${process.pid}-${n}`,
              currency: 'USD',
              total: 1_000 + (n % 5_000),
              due_at: new Date(now + 30 * 86_400_000).toISOString(),
              collection: 'send_invoice',
            }),
          };
        },
      },
    ],
  });
  results[`http.${label}.server_peak_rss_mb`] = await stopServer(recoup.child);

  const bare = await startServer({ BENCH_SERVER: 'bare', BENCH_BARE_FILE: bareFile });
  log(`HTTP (${label}): bare Fastify route, same JSON, for ${DURATION_S} s`);
  const bareRun = await load({ url: `${bare.address}/bare` });
  await stopServer(bare.child);

  const queryOnly = await startServer({ BENCH_SERVER: 'query-only', BENCH_DB_URL: url });
  const sample = await (await fetch(`${queryOnly.address}/query-only`)).text();
  if (sample !== readFileSync(bareFile, 'utf8')) throw new Error('the query-only route answers other JSON');
  log(`HTTP (${label}): the list's query and presenter alone, for ${DURATION_S} s`);
  const queryOnlyRun = await load({ url: `${queryOnly.address}/query-only` });
  await stopServer(queryOnly.child);

  const errors = get.errors + post.errors + bareRun.errors + queryOnlyRun.errors;
  if (errors > 0) {
    throw new Error(
      `HTTP bench saw errors: get ${get.errors}, post ${post.errors}, bare ${bareRun.errors}, ` +
        `query-only ${queryOnlyRun.errors}`,
    );
  }
  results[`http.${label}.cases_get.rps`] = get.rps;
  results[`http.${label}.cases_get.p50_ms`] = get.p50;
  results[`http.${label}.cases_get.p99_ms`] = get.p99;
  results[`http.${label}.bare_get.rps`] = bareRun.rps;
  results[`http.${label}.bare_get.p99_ms`] = bareRun.p99;
  results[`http.${label}.cases_get.ratio_to_bare`] = get.rps / bareRun.rps;
  results[`http.${label}.query_only_get.rps`] = queryOnlyRun.rps;
  results[`http.${label}.query_only_get.ratio_to_bare`] = queryOnlyRun.rps / bareRun.rps;
  results[`http.${label}.invoices_post.rps`] = post.rps;
  results[`http.${label}.invoices_post.p99_ms`] = post.p99;
  return results;
}
