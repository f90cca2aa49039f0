import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineDeps } from '../engine/deps.ts';
import { pruneExpired } from './retention.ts';

/** When a worker prunes: the first run a while after start (short-lived processes never do), then periodically. */
export interface RetentionSchedule {
  readonly firstAfterMs: number;
  readonly everyMs: number;
}

export const DEFAULT_RETENTION_SCHEDULE: RetentionSchedule = { firstAfterMs: 60_000, everyMs: 3_600_000 };

/**
 * Prunes expired rows on a schedule until stopped. A failed run is logged and tried again at the next one: pruning
 * is housekeeping, and must never stop the worker that dunning depends on.
 */
export async function runRetentionLoop(
  deps: EngineDeps,
  schedule: RetentionSchedule,
  signal: AbortSignal,
): Promise<void> {
  let wait = schedule.firstAfterMs;
  for (;;) {
    await sleep(wait, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) return;
    wait = schedule.everyMs;
    try {
      const report = await pruneExpired(deps.database, deps.settings.retention, deps.clock.now());
      if (Object.values(report).some((n) => n > 0)) deps.logger.info(report, 'pruned expired rows');
    } catch (error) {
      deps.logger.warn({ err: error }, 'pruning expired rows failed; trying again at the next run');
    }
  }
}
