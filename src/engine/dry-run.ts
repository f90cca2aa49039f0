import { DateTime } from 'luxon';
import type { CompiledPolicy, PolicyStep } from '../domain/policy.ts';
import {
  type AttemptFacts,
  DEFAULT_RETRY_LIMITS,
  type MethodFacts,
  type RetryPlan,
  planRetry,
} from '../domain/retry-planner.ts';
import { type StepFacts, decideStep } from '../domain/step-decision.ts';

// A dry run is pure: it replays what the engine would decide for a case's planned steps, in time order, with the
// same domain functions the engine calls (step decision with its contact hours and message limits, retry planner),
// carrying forward what each step would change (messages sent, charges tried, the case closed by a cancel step).
// The outcome of a charge cannot be known, so every charge is assumed declined, softly: the worst case, in which
// the whole policy runs.

/** A step planned for a moment: the policy's own, or an ad-hoc one already planned for the case. */
export interface PlannedRun {
  readonly step: PolicyStep;
  readonly dueAt: number;
}

/** What the engine would do with one step, when, and by which rule. */
export interface DryRunStep {
  readonly stepId: string;
  readonly action: PolicyStep['action'];
  readonly channel: string | null;
  readonly template: string | null;
  readonly at: number;
  readonly would: 'run' | 'skip';
  readonly reason: string;
}

/** The steps of one calendar day in the customer's time zone (`2026-03-02`). */
export interface DryRunDay {
  readonly date: string;
  readonly steps: DryRunStep[];
}

/** Everything a dry run needs, loaded beforehand. */
export interface DryRunInput {
  readonly policy: CompiledPolicy;
  /** The steps still to run, in any order. */
  readonly plan: readonly PlannedRun[];
  readonly facts: StepFacts;
  readonly methods: readonly MethodFacts[];
  readonly attempts: readonly AttemptFacts[];
  readonly now: number;
}

// Deferrals re-queue a step, so the loop is bounded by more than the step count; a policy never needs this many.
const MAX_DECISIONS = 10_000;

interface Queued {
  readonly step: PolicyStep;
  readonly at: number;
  readonly order: number;
  readonly waited: readonly string[];
}

/** What the engine would do, step by step from `now`, if nothing but the policy acted on the case. */
export function dryRun(input: DryRunInput): DryRunStep[] {
  // A paused case is shown as if resumed: a pause defers every step to "now", forever.
  let facts: StepFacts = { ...input.facts, paused: false };
  const attempts = [...input.attempts];
  const limits = input.policy.policy.retryLimits ?? DEFAULT_RETRY_LIMITS;
  const queue: Queued[] = input.plan.map((p, order) => ({
    step: p.step,
    at: Math.max(p.dueAt, input.now),
    order,
    waited: [],
  }));
  const out: DryRunStep[] = [];
  const result = (q: Queued, would: 'run' | 'skip', rule: string) =>
    out.push({
      stepId: q.step.id,
      action: q.step.action,
      channel: q.step.action === 'remind' ? q.step.channel : null,
      template: q.step.action === 'remind' ? q.step.template : null,
      at: q.at,
      would,
      reason: [...q.waited, rule].join('; then '),
    });
  const later = (q: Queued, until: number, rule: string) => {
    if (until <= q.at) result(q, 'skip', `${rule} (never allowed)`);
    else queue.push({ ...q, at: until, waited: [...q.waited, `deferred from ${iso(q.at)}: ${rule}`] });
  };

  for (let n = 0; queue.length > 0 && n < MAX_DECISIONS; n++) {
    queue.sort((a, b) => a.at - b.at || a.order - b.order);
    const q = queue.shift()!;
    const decision = decideStep(input.policy.policy, q.step, facts, q.at);
    if (decision.kind === 'skip') {
      result(q, 'skip', decision.rule);
      continue;
    }
    if (decision.kind === 'defer') {
      later(q, decision.until, decision.rule);
      continue;
    }
    if (q.step.action === 'retry') {
      // As the engine does: down the customer's methods in priority order within the step, each declined.
      const tried = new Set<string>();
      const charged: string[] = [];
      let plan: RetryPlan;
      for (;;) {
        plan = planRetry({ methods: [...input.methods], attempts, now: q.at, limits, triedThisStep: tried });
        if (plan.kind !== 'charge') break;
        charged.push(plan.rule);
        tried.add(plan.methodId);
        attempts.push({
          methodId: plan.methodId,
          at: q.at,
          outcome: 'failed',
          stopMethod: false,
          retryAfterMs: null,
        });
      }
      if (charged.length > 0) {
        facts = { ...facts, attempts: facts.attempts + charged.length };
        result(q, 'run', `${charged.join('; then ')} (every charge assumed declined)`);
      } else if (plan.kind === 'wait') {
        later(q, plan.until, plan.rule);
      } else {
        result(q, 'skip', plan.rule);
      }
      continue;
    }
    if (q.step.action === 'remind') {
      facts = { ...facts, recentMessageTimes: [...facts.recentMessageTimes, q.at] };
    } else if (q.step.action === 'cancel') {
      facts = { ...facts, caseOpen: false };
    }
    result(q, 'run', decision.rule);
  }
  return out;
}

/** Groups steps by calendar day in `timeZone`, in time order. */
export function byDay(steps: readonly DryRunStep[], timeZone: string): DryRunDay[] {
  const days: DryRunDay[] = [];
  for (const step of [...steps].sort((a, b) => a.at - b.at)) {
    const date = DateTime.fromMillis(step.at, { zone: timeZone }).toISODate()!;
    const last = days.at(-1);
    if (last?.date === date) last.steps.push(step);
    else days.push({ date, steps: [step] });
  }
  return days;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
