import { expect } from 'vitest';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'recoup.js');

/** A `recoup` child process, as a user would start it, with promises for its start and its exit. */
export interface RecoupProcess {
  readonly child: ChildProcess;
  /** Resolves once the worker has logged that it started (its runtime is open and migrated). */
  readonly started: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
}

/** Starts `node bin/recoup.js …args` with extra environment variables. */
export function startRecoup(args: string[], env: Record<string, string>): RecoupProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, RECOUP_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.includes('"msg":"worker started"')) markStarted();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      markStarted();
      resolve({ code, signal });
    });
  });
  return { child, started, exited, stdout: () => out, stderr: () => err };
}

/** Runs `recoup …args` to completion and returns its exit code and output. */
export async function runRecoup(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = startRecoup(args, env);
  const { code } = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Runs `recoup …args` to completion and fails the test, naming the command and its stderr, unless it exits 0. */
export async function runRecoupOk(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const result = await runRecoup(args, env);
  expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result;
}
