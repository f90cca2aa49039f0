import { setTimeout as sleep } from 'node:timers/promises';
import { type DeliveryReport, deliverWebhooks, type WebhookDeps } from './deliver.ts';
import { countDueDeliveryWork } from './delivery-store.ts';
import { fanOutEvents } from './fan-out.ts';

const FAN_OUT_BATCH = 1_000;

/** How the delivery loop runs beside the engine. */
export interface DeliveryLoopOptions {
  readonly pollMs: number;
  readonly batchSize: number;
  readonly timeoutMs?: number;
  readonly concurrency?: number;
  readonly signal: AbortSignal;
  /** Asked when nothing was claimed: true lets the loop end once no delivery work is due. */
  readonly mayExit: () => boolean;
}

/** Totals over the life of a delivery loop. */
export interface DeliveryTotals {
  rounds: number;
  delivered: number;
  retrying: number;
  gaveUp: number;
}

/** Fans new outbox events out and delivers due webhooks until signalled (or idle, when `mayExit` says so). */
export async function runDeliveryLoop(
  deps: WebhookDeps,
  options: DeliveryLoopOptions,
): Promise<DeliveryTotals> {
  const totals: DeliveryTotals = { rounds: 0, delivered: 0, retrying: 0, gaveUp: 0 };
  while (!options.signal.aborted) {
    const now = Date.now();
    while ((await fanOutEvents(deps.database, { now, limit: FAN_OUT_BATCH })) === FAN_OUT_BATCH) {
      if (options.signal.aborted) return totals;
    }
    const report: DeliveryReport = await deliverWebhooks(deps, {
      now,
      limit: options.batchSize,
      timeoutMs: options.timeoutMs,
      concurrency: options.concurrency,
    });
    if (report.claimed > 0) {
      totals.rounds += 1;
      totals.delivered += report.delivered;
      totals.retrying += report.retrying;
      totals.gaveUp += report.gaveUp;
      if (report.retrying + report.gaveUp > 0) deps.logger.debug({ ...report }, 'webhook deliveries failed');
      continue;
    }
    if (options.mayExit() && (await countDueDeliveryWork(deps.database.db, Date.now())) === 0) break;
    await sleep(options.pollMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
  return totals;
}
