// Failed deliveries are retried after 10 s, doubling each time up to 6 h, each wait jittered by ±20% so that a
// receiver coming back up is not hit by every retry at once. The 23rd failure, about three days after the first,
// gives up: the delivery is marked failed and stays replayable.

/** The first retry's wait. */
export const RETRY_BASE_MS = 10_000;
/** The longest wait between two attempts. */
export const RETRY_CAP_MS = 6 * 3_600_000;
/** Attempts before a delivery is given up: their nominal waits add up to about three days. */
export const MAX_ATTEMPTS = 23;

/** How long to wait after the `failedAttempts`-th failed attempt (1 for the first), given a random in [0, 1). */
export function retryDelayMs(failedAttempts: number, random = Math.random()): number {
  const nominal = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(Math.min(RETRY_CAP_MS, nominal * (0.8 + 0.4 * random)));
}
