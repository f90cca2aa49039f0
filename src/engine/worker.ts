import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineDeps } from './deps.ts';
import { openCases } from './open-cases.ts';
import { countDueCases } from '../store/scheduler.ts';
import { runBatch } from './run-batch.ts';

/** How a worker runs: how long it waits when idle, whether idle means done, and what stops it. */
export interface WorkerOptions {
  readonly pollMs: number;
  readonly exitWhenIdle: boolean;
  readonly signal: AbortSignal;
}

/**
 * The worker loop: open due cases, then work batches until none can be claimed, then wait. It stops between
 * batches when signalled, so a batch's outcome is always recorded before exit; a killed worker's leases expire.
 */
export async function runWorker(
  deps: EngineDeps,
  options: WorkerOptions,
): Promise<{ batches: number; steps: number }> {
  let batches = 0;
  let steps = 0;
  while (!options.signal.aborted) {
    const now = deps.clock.now();
    await openCases(deps, now);
    let idle = true;
    while (!options.signal.aborted) {
      const batch = await runBatch(deps, deps.clock.now());
      if (batch.claimed === 0) break;
      idle = false;
      batches += 1;
      steps += batch.stepsDone;
    }
    // Due cases leased by another (perhaps dead) worker are not "idle": wait for their leases to expire.
    if (idle && options.exitWhenIdle && (await countDueCases(deps.database.db, deps.clock.now())) === 0)
      break;
    if (idle) await sleep(options.pollMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
  return { batches, steps };
}
