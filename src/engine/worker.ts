import { setTimeout as sleep } from 'node:timers/promises';
import {
  DEFAULT_RETENTION_SCHEDULE,
  type RetentionSchedule,
  runRetentionLoop,
} from '../maintenance/retention-loop.ts';
import { countDueCases } from '../store/scheduler.ts';
import { type DeliveryTotals, runDeliveryLoop } from '../webhooks/delivery-loop.ts';
import type { EngineDeps } from './deps.ts';
import { openCases } from './open-cases.ts';
import { runBatch } from './run-batch.ts';

/** How a worker runs: how long it waits when idle, whether idle means done, and what stops it. */
export interface WorkerOptions {
  readonly pollMs: number;
  readonly exitWhenIdle: boolean;
  readonly signal: AbortSignal;
  /** Deliver outbound webhooks beside the engine (default), with these request settings; null to leave them. */
  readonly webhooks?: { readonly timeoutMs?: number; readonly concurrency?: number } | null;
  /** When to prune expired events, inbound ids and idempotency keys (default: a minute in, then hourly); null: never. */
  readonly retention?: RetentionSchedule | null;
  /**
   * Runs at the top of every pass of the engine loop, before it reads the clock: a clock that follows another
   * (a Stripe test clock) reads it here. It must not throw unless the worker should stop.
   */
  readonly beforeLoop?: () => Promise<void>;
}

/**
 * The worker: the engine loop and, beside it, the webhook delivery loop and retention (except in a worker that exits
 * once idle: a one-shot run is no place for housekeeping). Each stops between batches when signalled, so a batch's
 * outcome is always recorded before exit; a killed worker's leases expire. If the engine or delivery loop fails the
 * other is stopped too, and the error is thrown once both have ended.
 */
export async function runWorker(
  deps: EngineDeps,
  options: WorkerOptions,
): Promise<{ batches: number; steps: number; webhooks: DeliveryTotals | null }> {
  const stop = new AbortController();
  const forward = () => stop.abort();
  options.signal.addEventListener('abort', forward, { once: true });
  if (options.signal.aborted) stop.abort();
  let engineDone = false;
  const failFast = <T>(p: Promise<T>) =>
    p.catch((error: unknown) => {
      stop.abort();
      throw error;
    });
  const engine = failFast(runEngineLoop(deps, { ...options, signal: stop.signal })).finally(() => {
    engineDone = true;
  });
  const webhooks =
    options.webhooks === null
      ? Promise.resolve(null)
      : failFast(
          runDeliveryLoop(deps, {
            pollMs: options.pollMs,
            batchSize: deps.settings.batchSize,
            timeoutMs: options.webhooks?.timeoutMs,
            concurrency: options.webhooks?.concurrency,
            signal: stop.signal,
            // Once the engine is done no new events come: the loop may end when nothing is left to deliver now.
            mayExit: () => options.exitWhenIdle && engineDone,
          }),
        );
  const retention =
    options.retention === null || options.exitWhenIdle
      ? Promise.resolve()
      : runRetentionLoop(deps, options.retention ?? DEFAULT_RETENTION_SCHEDULE, stop.signal);
  const [e, w] = await Promise.allSettled([engine, webhooks]);
  stop.abort(); // the engine and deliveries have ended: retention has nothing left to serve
  await retention;
  options.signal.removeEventListener('abort', forward);
  if (e.status === 'rejected') throw e.reason;
  if (w.status === 'rejected') throw w.reason;
  return { ...e.value, webhooks: w.value };
}

/** Opens due cases, then works batches until none can be claimed, then waits. */
async function runEngineLoop(
  deps: EngineDeps,
  options: WorkerOptions,
): Promise<{ batches: number; steps: number }> {
  let batches = 0;
  let steps = 0;
  while (!options.signal.aborted) {
    await options.beforeLoop?.();
    if (options.signal.aborted) break;
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
