import type { EngineDeps } from './deps.ts';
import { openCases } from './open-cases.ts';
import { runBatch } from './run-batch.ts';

/** What a tick did. */
export interface TickReport {
  readonly invoicesTaken: number;
  readonly batches: number;
  readonly stepsDone: number;
}

/**
 * Runs everything due up to `now`: opens the cases that are due, then works batches until no due case can be
 * claimed. Deterministic for a given database and `now`, which is what `recoup tick --now` and the simulator need.
 */
export async function tick(
  deps: EngineDeps,
  now: number,
  onBatch?: (report: { claimed: number; stepsDone: number }) => void,
): Promise<TickReport> {
  const invoicesTaken = await openCases(deps, now);
  let batches = 0;
  let stepsDone = 0;
  for (;;) {
    const batch = await runBatch(deps, now);
    if (batch.claimed === 0) break;
    batches += 1;
    stepsDone += batch.stepsDone;
    onBatch?.(batch);
  }
  return { invoicesTaken, batches, stepsDone };
}
