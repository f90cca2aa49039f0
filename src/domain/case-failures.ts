/** How the engine treats a case whose work keeps failing: retried later and later, then parked for a person. */
export interface FailurePolicy {
  /** The delay before the first retry; each further failure doubles it, up to `maxRetryMs`. */
  readonly retryMs: number;
  readonly maxRetryMs: number;
  /** The failure that parks the case as `needs_attention` instead of retrying it. */
  readonly maxFailures: number;
}

/** Defaults: retried after 1, 2, 4 and 8 minutes, parked at the 5th failure; no wait longer than an hour. */
export const DEFAULT_FAILURE_POLICY: FailurePolicy = {
  retryMs: 60_000,
  maxRetryMs: 3_600_000,
  maxFailures: 5,
};

/** What a failure does to its case: parked, or retried at `retryAt`. */
export type FailureOutcome =
  | { readonly kind: 'park'; readonly errorCount: number }
  | { readonly kind: 'retry'; readonly errorCount: number; readonly retryAt: number };

/**
 * Decides what a failure at `now` (the engine's clock) does to a case that had failed `previousFailures` times in a
 * row: the delay doubles with each failure (exponential backoff, so a case broken for good costs little while a
 * passing fault clears), and the `maxFailures`-th parks it.
 */
export function onCaseFailure(previousFailures: number, now: number, policy: FailurePolicy): FailureOutcome {
  const errorCount = previousFailures + 1;
  if (errorCount >= policy.maxFailures) return { kind: 'park', errorCount };
  const delay = Math.min(policy.retryMs * 2 ** (errorCount - 1), policy.maxRetryMs);
  return { kind: 'retry', errorCount, retryAt: now + delay };
}

// What could be a secret in an error's text: API keys and signing secrets, and the password of a URL.
const SECRETS: readonly [RegExp, string][] = [
  [/\b(sk|rk|whsec)_[A-Za-z0-9_]+/g, '$1_***'],
  [/(\/\/[^\s:@/]+):[^\s@/]+@/g, '$1:***@'],
];

/**
 * The error as it is stored on the case and shown to people: the message only (a stack names source files, not the
 * problem), on one line, bounded, and with anything that looks like a secret masked.
 */
export function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  let line = message.replace(/\s+/g, ' ').trim() || 'unknown error';
  for (const [pattern, mask] of SECRETS) line = line.replace(pattern, mask);
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}
