const DAY_MS = 86_400_000;

export interface MethodFacts {
  id: string;
  /** Lower is tried first. */
  priority: number;
  status: 'active' | 'disabled';
  expMonth: number | null;
  expYear: number | null;
}

export interface AttemptFacts {
  methodId: string;
  /** Epoch ms, UTC. */
  at: number;
  outcome: 'succeeded' | 'failed' | 'pending';
  stopMethod: boolean;
  retryAfterMs: number | null;
}

export interface RetryLimits {
  maxAttemptsPerMethod: number;
  windowDays: number;
}

// Visa allows 15 reattempts per card in 30 days (20 since May 2025); 15 is safe under both.
export const DEFAULT_RETRY_LIMITS: RetryLimits = { maxAttemptsPerMethod: 15, windowDays: 30 };

export type RetryPlan =
  | { kind: 'charge'; methodId: string; rule: string }
  /** Nothing chargeable now, but a method becomes chargeable at `until`. */
  | { kind: 'wait'; until: number; rule: string }
  /** Nothing left to charge: every method is stopped, expired, disabled or already tried in this step. */
  | { kind: 'none'; rule: string };

export interface RetryInput {
  methods: MethodFacts[];
  attempts: AttemptFacts[];
  now: number;
  limits: RetryLimits;
  triedThisStep: ReadonlySet<string>;
}

type MethodState =
  | { kind: 'chargeable' }
  | { kind: 'blocked'; until: number; reason: string }
  | { kind: 'unavailable'; reason: string };

/** Picks the method to charge now, or says when one frees up, or that none ever will. */
export function planRetry(input: RetryInput): RetryPlan {
  if (!(input.limits.maxAttemptsPerMethod >= 1)) {
    throw new RangeError('limits.maxAttemptsPerMethod must be at least 1');
  }
  if (input.methods.length === 0) return { kind: 'none', rule: 'no payment method on file' };
  const ordered = [...input.methods].sort((a, b) => a.priority - b.priority || compareIds(a.id, b.id));
  const skipped: string[] = [];
  let soonest: { until: number; methodId: string } | null = null;
  for (const method of ordered) {
    const state = methodState(
      method,
      input.attempts.filter((a) => a.methodId === method.id),
      input,
    );
    if (state.kind === 'chargeable') {
      return {
        kind: 'charge',
        methodId: method.id,
        rule: explain(skipped, `charging ${method.id} (priority ${method.priority})`),
      };
    }
    skipped.push(`method ${method.id} skipped: ${state.reason}`);
    if (state.kind === 'blocked' && (soonest === null || state.until < soonest.until)) {
      soonest = { until: state.until, methodId: method.id };
    }
  }
  if (soonest !== null) {
    const next = `waiting until ${formatTime(soonest.until)} for ${soonest.methodId}`;
    return { kind: 'wait', until: soonest.until, rule: explain(skipped, next) };
  }
  return { kind: 'none', rule: explain(skipped, 'no method left to charge') };
}

/** True once the card's expiry month is over: a card marked 03/2026 still works on 31 March 2026, UTC. */
export function isExpired(method: MethodFacts, now: number): boolean {
  const end = expiryEnd(method);
  return end !== null && now >= end;
}

function methodState(method: MethodFacts, attempts: AttemptFacts[], input: RetryInput): MethodState {
  if (method.status === 'disabled') return { kind: 'unavailable', reason: 'disabled' };
  if (isExpired(method, input.now)) {
    return { kind: 'unavailable', reason: `card expired ${method.expMonth}/${method.expYear}` };
  }
  const stop = attempts.find((a) => a.stopMethod);
  if (stop) return { kind: 'unavailable', reason: `hard decline on ${formatDate(stop.at)}` };
  if (input.triedThisStep.has(method.id)) {
    return { kind: 'unavailable', reason: 'already tried in this step' };
  }
  const cap = capUntil(attempts, input);
  const advice = adviceUntil(attempts);
  const until = Math.max(cap ?? 0, advice ?? 0);
  if (until <= input.now) return { kind: 'chargeable' };
  const end = expiryEnd(method);
  if (end !== null && until >= end) {
    return { kind: 'unavailable', reason: `card expires before it may be retried on ${formatTime(until)}` };
  }
  const reason =
    until === cap
      ? `${input.limits.maxAttemptsPerMethod} attempts in ${input.limits.windowDays} days, capped until ${formatTime(until)}`
      : `network advice to wait until ${formatTime(until)}`;
  return { kind: 'blocked', until, reason };
}

// The window is [now - windowDays, now] inclusive, so an attempt at t stops counting at t + window + 1 ms.
// Attempts stamped after `now` (clock skew between workers) still count: the networks count them too.
function capUntil(attempts: AttemptFacts[], input: RetryInput): number | null {
  const windowMs = input.limits.windowDays * DAY_MS;
  const inWindow = attempts
    .map((a) => a.at)
    .filter((at) => at >= input.now - windowMs)
    .sort((a, b) => a - b);
  const excess = inWindow.length - input.limits.maxAttemptsPerMethod;
  if (excess < 0) return null;
  // Once this many of the oldest have left, the count is below the cap again.
  return inWindow[excess]! + windowMs + 1;
}

// The latest end of any advised wait: with several declines stamped at the same instant (steps due together),
// picking "the latest decline" would be arbitrary, and a wait that already ended cannot hold up anything.
function adviceUntil(attempts: AttemptFacts[]): number | null {
  let until: number | null = null;
  for (const a of attempts) {
    if (a.outcome !== 'failed' || a.retryAfterMs == null) continue;
    until = Math.max(until ?? 0, a.at + a.retryAfterMs);
  }
  return until;
}

function expiryEnd(method: MethodFacts): number | null {
  if (method.expMonth === null || method.expYear === null) return null;
  // Date.UTC months are 0-based, so passing the 1-based month gives the first instant of the next month.
  return Date.UTC(method.expYear, method.expMonth, 1);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function explain(skipped: string[], conclusion: string): string {
  return [...skipped, conclusion].join('; ');
}

function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
