// Start-up (issue 14, point 11): how long a user waits for `recoup --version`, for `recoup cases list` on a small
// SQLite database, and for a fresh worker to claim its first batch. Each spawns the real bin/recoup.js, as a user
// would, a few times; the figures are medians, since this machine's speed drifts from one second to the next.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/store/database.ts';
import { migrate } from '../src/store/migrate.ts';
import { seedDueCases } from './seed.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'recoup.js');
const RUNS = Number(process.env['BENCH_CLI_RUNS'] ?? 7);
// Twice the default batch, so the first claim is a full batch as on a busy installation.
const CASES = 1_000;

/** The targets, printed beside the figures. */
export const CLI_TARGETS_MS: Record<string, number> = {
  'cli.version_ms': 300,
  'cli.cases_list_ms': 600,
  'worker.first_claim_ms': 2_000,
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Milliseconds from spawning `recoup …args` until it exits 0, or until its stderr shows `until` (then it is killed:
 * a worker does not exit by itself). Fails on any other exit, with what the command printed.
 */
function timeRecoup(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  until?: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let reached: number | null = null;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (until && reached === null && stderr.includes(until)) {
        reached = performance.now() - began;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code) => {
      if (reached !== null) resolve(reached);
      else if (code === 0 && !until) resolve(performance.now() - began);
      else reject(new Error(`recoup ${args.join(' ')} exited ${code}:\n${stderr}`));
    });
  });
}

/** Times the three start-ups against a SQLite database of {@link CASES} due cases; figures `cli.…`, `worker.…`. */
export async function cliBench(
  dir: string,
  now: number,
  log: (line: string) => void,
): Promise<Record<string, number>> {
  // What a user runs after `npm install`: the precompiled CLI, brought up to date with the sources first.
  execFileSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'build-cli.mjs')], {
    stdio: 'inherit',
  });
  const template = join(dir, 'cli-template.db');
  const database = openDatabase(`sqlite:${template}`);
  await migrate(database);
  await seedDueCases(database, CASES, now);
  await database.close();
  const env = { RECOUP_DATABASE_URL: `sqlite:${template}`, RECOUP_LOG_LEVEL: 'warn' };
  // One run first, untimed: it applies the shipped policies and creates the key file, as any installation's first
  // command does, and brings the files into the page cache.
  await timeRecoup(['cases', 'list'], env, dir);

  const runs = async (name: string, once: () => Promise<number>) => {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await once());
    log(`${name}: ${times.map((t) => Math.round(t)).join(', ')} ms`);
    return median(times);
  };
  const results: Record<string, number> = {};
  results['cli.version_ms'] = await runs('recoup --version', () => timeRecoup(['--version'], env, dir));
  results['cli.cases_list_ms'] = await runs('recoup cases list', () =>
    timeRecoup(['cases', 'list'], env, dir),
  );
  results['worker.first_claim_ms'] = await runs('recoup worker, until its first claim', async () => {
    // Each worker starts on a copy of the same database, so each finds the same due cases.
    const copy = join(dir, 'cli-worker.db');
    copyFileSync(template, copy);
    const ms = await timeRecoup(
      ['worker', '--now', new Date(now).toISOString()],
      { RECOUP_DATABASE_URL: `sqlite:${copy}`, RECOUP_LOG_LEVEL: 'debug' },
      dir,
      '"msg":"batch claimed"',
    );
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${copy}${suffix}`, { force: true });
    return ms;
  });
  return results;
}

/** The figures beside their targets. */
export function cliTable(results: Record<string, number | undefined>): string {
  const rows = Object.entries(CLI_TARGETS_MS).map(
    ([name, target]) =>
      `  ${name.padEnd(24)} ${Math.round(results[name] ?? 0)
        .toLocaleString('en-US')
        .padStart(6)} ms   target < ${target.toLocaleString('en-US')} ms`,
  );
  // Start-up is mostly reading and compiling modules: other processes on the machine slow it more than most figures.
  const load = loadavg()[0]!.toFixed(1);
  return `Start-up: the real bin/recoup.js, medians of ${RUNS} runs (a SQLite database of ${CASES.toLocaleString('en-US')} due cases; load average ${load})\n${rows.join('\n')}`;
}
