import { describeFailure } from '../domain/case-failures.ts';
import { renewLeases } from '../store/scheduler.ts';
import type { EngineDeps } from './deps.ts';

/** A batch's lease renewal on a timer; `stop` ends it and waits for a renewal under way. */
export interface Heartbeat {
  stop(): Promise<void>;
}

/**
 * Renews the leases on a batch's cases every third of the lease for as long as the batch works, so a slow gateway
 * or channel cannot let another worker take the cases mid-batch: a lease then ends only when its worker stops
 * beating (it died or hung). A renewal that finds a case no longer held, or that fails, is logged as a warning: the
 * batch records nothing for a case it lost (see recordOutcomes), and the log says why.
 */
export function startHeartbeat(deps: EngineDeps, ids: readonly string[]): Heartbeat {
  const { database, logger, settings } = deps;
  let held = ids;
  let beating: Promise<void> = Promise.resolve();
  const beat = async () => {
    try {
      const kept = new Set(
        await renewLeases(database.db, settings.owner, held, Date.now() + settings.leaseMs),
      );
      const lost = held.filter((id) => !kept.has(id));
      if (lost.length === 0) return;
      held = held.filter((id) => kept.has(id));
      logger.warn(
        { owner: settings.owner, lost: lost.length, cases: lost.slice(0, 20) },
        'leases lost while working a batch: another worker may work these cases; this batch records nothing for them',
      );
    } catch (error) {
      logger.warn({ owner: settings.owner, err: describeFailure(error) }, 'renewing the batch leases failed');
    }
  };
  const timer = setInterval(
    () => {
      beating = beating.then(beat);
    },
    Math.max(1, Math.floor(settings.leaseMs / 3)),
  );
  let stopped: Promise<void> | null = null;
  return {
    stop() {
      clearInterval(timer);
      stopped ??= beating;
      return stopped;
    },
  };
}
