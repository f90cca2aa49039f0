// A server for the HTTP benchmark in its own process, so the load generator does not share its event loop:
// `recoup` (the real API on BENCH_DB_URL), `bare` (one Fastify route returning BENCH_BARE_FILE's JSON) or
// `query-only` (one Fastify route that runs GET /v1/cases's own query and presenter and nothing else: no
// authentication, rate limit, validation, audit, metrics or response schema; the least a route reading the page from
// the database can cost).
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import pino from 'pino';
import { presentCase } from '../src/api/routes/cases.ts';
import { buildApi } from '../src/api/server.ts';
import { toPage } from '../src/api/http/pagination.ts';
import { loadConfig } from '../src/config/env.ts';
import { VirtualClock } from '../src/engine/clock.ts';
import { MemoryLedger } from '../src/gateways/sandbox/memory-ledger.ts';
import { openRuntime } from '../src/runtime/runtime.ts';
import { caseListQuery } from '../src/services/cases.ts';
import { openDatabase } from '../src/store/database.ts';

const kind = process.env['BENCH_SERVER']!;
let peakRss = 0;
setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100).unref();

if (kind === 'bare') {
  const body = JSON.parse(readFileSync(process.env['BENCH_BARE_FILE']!, 'utf8'));
  const app = Fastify();
  app.get('/bare', async () => body);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  process.send!({ address });
} else if (kind === 'query-only') {
  const { db } = openDatabase(process.env['BENCH_DB_URL']!);
  const page = caseListQuery({}, { after: null, limit: 51 }).compile(db);
  const app = Fastify();
  app.get('/query-only', async () => toPage((await db.executeQuery(page)).rows, 50, presentCase));
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  process.send!({ address });
} else {
  const runtime = await openRuntime(
    { ...loadConfig({}), databaseUrl: process.env['BENCH_DB_URL']! },
    {
      clock: new VirtualClock(Number(process.env['BENCH_NOW'])),
      ledger: new MemoryLedger(),
      logger: pino({ level: 'silent' }),
    },
  );
  // The limiter stays in the request path (its cost is measured) with a limit the load cannot reach.
  const app = await buildApi(runtime, { rateLimits: { perMinute: 1_000_000_000, loginPerMinute: 10 } });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  process.send!({ address });
}
process.on('message', (m) => {
  if (m === 'rss') process.send!({ peakRssMb: peakRss / 1_048_576 });
});
