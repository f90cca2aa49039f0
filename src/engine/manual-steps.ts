import type { PolicyStep } from '../domain/policy.ts';

// A person can ask for a step the case's policy does not have (retry now when no retry step is left, send a
// reminder now). An ad-hoc step's number is the first one no step planned for the case uses, so its id never
// collides with one of the policy's own steps (every one of which is planned when the case opens), and it runs
// through the engine like a step of the policy: its charges carry their own idempotency keys (case, step, method).

const MANUAL_RETRY = /^manual-retry-\d+$/;

/** The id of a case's `n`-th ad-hoc retry step (1-based). */
export function manualRetryStepId(n: number): string {
  return `manual-retry-${n}`;
}

/** The id of a case's `n`-th manual reminder (1-based); it names the message and its timeline events. */
export function manualRemindStepId(n: number): string {
  return `manual-remind-${n}`;
}

/** The first ad-hoc step id `make(n)` that none of `taken` already uses. */
export function nextManualStepId(make: (n: number) => string, taken: Iterable<string>): string {
  const used = new Set(taken);
  let n = 1;
  while (used.has(make(n))) n += 1;
  return make(n);
}

/** The step an ad-hoc scheduled step stands for, or null when the row is no ad-hoc step. */
export function adHocStep(row: { step_id: string; action: string }): PolicyStep | null {
  if (row.action === 'retry' && MANUAL_RETRY.test(row.step_id)) {
    return { id: row.step_id, offset: 'PT0S', action: 'retry' };
  }
  return null;
}
