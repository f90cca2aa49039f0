// Profiles the engine: `node --cpu-prof --import tsx bench/profile.ts` writes a .cpuprofile (BENCH_DB_URL to pick
// the database, BENCH_SEEDED=1 when it is already seeded, so the profile holds the engine's work alone).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config/env.ts';
import { VirtualClock } from '../src/engine/clock.ts';
import { runBatch } from '../src/engine/run-batch.ts';
import { MemoryLedger } from '../src/gateways/sandbox/memory-ledger.ts';
import { openRuntime } from '../src/runtime/runtime.ts';
import { openDatabase } from '../src/store/database.ts';
import { migrate } from '../src/store/migrate.ts';
import { seedDueCases } from './seed.ts';

const NOW = Date.UTC(2026, 2, 2, 12);
const n = Number(process.env['BENCH_CASES'] ?? 20_000);
const url =
  process.env['BENCH_DB_URL'] ?? `sqlite:${join(mkdtempSync(join(tmpdir(), 'recoup-prof-')), 'p.db')}`;
if (!process.env['BENCH_SEEDED']) {
  const seeding = openDatabase(url);
  await migrate(seeding);
  await seedDueCases(seeding, n, NOW);
  await seeding.close();
}
const runtime = await openRuntime(
  { ...loadConfig({}), databaseUrl: url },
  { clock: new VirtualClock(NOW), ledger: new MemoryLedger(), logger: pino({ level: 'silent' }) },
);
const started = performance.now();
let steps = 0;
for (;;) {
  const b = await runBatch(runtime.deps, NOW);
  if (b.claimed === 0) break;
  steps += b.stepsDone;
}
console.log(`${steps} steps, ${Math.round(steps / ((performance.now() - started) / 1000))} steps/s`);
