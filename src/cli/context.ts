import { existsSync } from 'node:fs';
import { type RecoupConfig, loadConfig } from '../config/env.ts';
import type { Clock } from '../engine/clock.ts';
import type { Runtime, RuntimeOptions } from '../runtime/runtime.ts';
import { parseDatabaseUrl } from '../store/database-url.ts';
import { commandClock } from './now-option.ts';
import { type UnavailableContext, UnavailableError, explainUnavailable } from './unavailable.ts';

/**
 * Loads the configuration first (bad settings fail before anything is opened), then opens Recoup. The runtime is
 * imported here, when a command runs, so that `recoup --help` and a mistyped option answer without loading it. Its
 * clock is the caller's, else the one the command's `--now` or `--test-clock` gave, else the system clock. A database,
 * folder or port out of reach, on opening or later (a worker whose server went away), becomes an UnavailableError.
 */
export async function withRuntime<T>(
  fn: (runtime: Runtime) => Promise<T>,
  options: RuntimeOptions & { config?: RecoupConfig; clock?: Clock } = {},
): Promise<T> {
  const config = options.config ?? loadConfig();
  const { openRuntime } = await import('../runtime/runtime.ts');
  const clock = options.clock ?? commandClock();
  try {
    const runtime = await openRuntime(config, clock ? { ...options, clock } : options);
    try {
      return await fn(runtime);
    } finally {
      await runtime.close();
    }
  } catch (error) {
    throw unavailable(error, { databaseUrl: config.databaseUrl, setting: 'RECOUP_DATABASE_URL' });
  }
}

/** The error as an UnavailableError when infrastructure caused it (the original kept as its cause), else as is. */
export function unavailable(error: unknown, context: UnavailableContext): unknown {
  if (error instanceof UnavailableError) return error;
  const line = explainUnavailable(error, context);
  return line === null ? error : new UnavailableError(line, { cause: error });
}

/**
 * Whether the configured database is already there, so a read-only command can do without it rather than create
 * it: false only for a SQLite file not made yet (or `:memory:`, which starts empty); a PostgreSQL one is assumed.
 */
export function databaseExists(config: RecoupConfig): boolean {
  const { dialect, target } = parseDatabaseUrl(config.databaseUrl);
  return dialect !== 'sqlite' || existsSync(target);
}
