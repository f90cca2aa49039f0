// A bench worker in its own process: opens Recoup, waits for "go", works due cases, reports steps, time and peak RSS.
import pino from 'pino';
import { loadConfig } from '../src/config/env.ts';
import { VirtualClock } from '../src/engine/clock.ts';
import { runBatch } from '../src/engine/run-batch.ts';
import { MemoryLedger } from '../src/gateways/sandbox/memory-ledger.ts';
import { openRuntime, workerId } from '../src/runtime/runtime.ts';
import { timeStatements } from './sql-time.ts';

const url = process.env['BENCH_DB_URL']!;
const now = Number(process.env['BENCH_NOW']);
const maxSteps = Number(process.env['BENCH_MAX_STEPS'] || Number.MAX_SAFE_INTEGER);

const runtime = await openRuntime(
  { ...loadConfig({}), databaseUrl: url },
  {
    clock: new VirtualClock(now),
    ledger: new MemoryLedger(),
    logger: pino({ level: 'silent' }),
    owner: workerId(),
  },
);
process.send!({ ready: true });
await new Promise<void>((resolve) => process.once('message', () => resolve()));
const sqlTimer = process.env['BENCH_SQL_TIME'] ? timeStatements() : null;
const started = performance.now();
let steps = 0;
while (steps < maxSteps) {
  const batch = await runBatch(runtime.deps, now);
  if (batch.claimed === 0) break;
  steps += batch.stepsDone;
}
const ms = performance.now() - started;
const sqlMs = sqlTimer?.stop() ?? null;
await runtime.close();
process.send!({ steps, ms, sqlMs, maxRssMb: process.resourceUsage().maxRSS / 1024 });
