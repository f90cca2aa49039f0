import { classifyDecline } from '../domain/declines.ts';
import { DEFAULT_RETRY_LIMITS, planRetry } from '../domain/retry-planner.ts';
import { type ChargeResult, GatewayUnavailableError } from '../gateways/gateway.ts';
import type { AttemptRow } from '../store/tables.ts';
import { type CaseWork, addEvent } from './case-work.ts';
import type { EngineDeps } from './deps.ts';
import { toAttemptFacts, toMethodFacts } from './facts.ts';
import { attemptKey, newId } from './ids.ts';
import { mapLimit } from './map-limit.ts';

const GATEWAY_RETRY_MS = 15 * 60_000;

/** One charge to make: a new intent, or an earlier intent whose outcome a crash left unknown. */
interface Call {
  readonly work: CaseWork;
  readonly attempt: AttemptRow;
  readonly token: string;
}

/**
 * Picks the next method to charge for each retry in the batch. A step goes down the customer's methods in
 * priority order until one succeeds; every charge is (case, step, method), so a rerun repeats the same keys.
 */
export function planCharges(works: readonly CaseWork[], now: number): Call[] {
  const calls: Call[] = [];
  for (const work of works) {
    if (work.decision.kind !== 'act' || work.policyStep.action !== 'retry') continue;
    if (work.stepStatus !== 'pending' || work.payment || work.halted) continue;
    const unresolved = work.attempts.find((a) => a.status === 'pending');
    if (unresolved) {
      calls.push({ work, attempt: unresolved, token: tokenOf(work, unresolved.payment_method_id) });
      continue;
    }
    const tried = new Set(work.attempts.map((a) => a.payment_method_id));
    // Every method tried in this step (most customers have one): the planner could only say so, and the step is done.
    if (tried.size > 0 && work.rows.methods.every((m) => tried.has(m.id))) {
      work.stepStatus = 'done';
      continue;
    }
    const limits = work.policy.policy.retryLimits ?? DEFAULT_RETRY_LIMITS;
    const plan = planRetry({
      methods: work.rows.methods.map(toMethodFacts),
      attempts: work.rows.attempts.map(toAttemptFacts),
      now,
      limits,
      triedThisStep: tried,
    });
    if (plan.kind === 'charge') {
      const attempt = newAttempt(work, plan.methodId, now);
      work.attempts.push(attempt);
      work.newAttemptIds.add(attempt.id);
      work.rows.attempts.push(attempt);
      calls.push({ work, attempt, token: tokenOf(work, plan.methodId) });
      addEvent(work, now, 'attempt.started', plan.rule, { method: plan.methodId, amount: attempt.amount });
    } else if (work.attempts.length > 0) {
      work.stepStatus = 'done';
    } else if (plan.kind === 'wait') {
      work.stepDueAt = plan.until;
      addEvent(work, now, 'step.deferred', plan.rule, { until: plan.until });
    } else {
      work.stepStatus = 'skipped';
      addEvent(work, now, 'step.skipped', plan.rule);
    }
  }
  return calls;
}

/** Makes the charges through the gateway and applies each outcome to its attempt and case. */
export async function makeCharges(deps: EngineDeps, calls: readonly Call[], now: number): Promise<void> {
  await mapLimit(calls, deps.settings.gatewayConcurrency, async ({ work, attempt, token }) => {
    let result: ChargeResult;
    try {
      result = await deps.gateway.charge({
        idempotencyKey: attempt.idempotency_key,
        token,
        amount: attempt.amount,
        currency: attempt.currency,
        description: `Recoup case ${work.rows.case.id}`,
        customerExternalId: work.rows.customer.external_id,
      });
    } catch (error) {
      if (!(error instanceof GatewayUnavailableError)) throw error;
      // The charge may or may not have happened: keep the intent and ask again later with the same key.
      work.stepDueAt = now + GATEWAY_RETRY_MS;
      addEvent(work, now, 'attempt.unknown', 'gateway unavailable; the same charge will be retried', {
        attempt: attempt.id,
      });
      work.halted = true;
      return;
    }
    attempt.completed_at = now;
    attempt.charge_id = result.chargeId;
    if (result.status === 'succeeded') {
      attempt.status = 'succeeded';
      work.payment = { amount: attempt.amount, attemptId: attempt.id };
      work.stepStatus = 'done';
      const event = addEvent(work, now, 'attempt.succeeded', `charged ${attempt.payment_method_id}`, {
        attempt: attempt.id,
        amount: attempt.amount,
        currency: attempt.currency,
      });
      work.outcomeAttempts.set(event, attempt);
      return;
    }
    const verdict = classifyDecline({
      code: result.declineCode,
      networkDeclineCode: result.networkDeclineCode,
      networkAdviceCode: result.networkAdviceCode,
    });
    Object.assign(attempt, {
      status: 'failed',
      decline_code: result.declineCode,
      decline_class: verdict.class,
      network_decline_code: result.networkDeclineCode,
      network_advice_code: result.networkAdviceCode,
      stop_method: verdict.stopMethod ? 1 : 0,
      retry_after_ms: verdict.retryAfterMs,
    });
    const event = addEvent(work, now, 'attempt.failed', verdict.rule, {
      attempt: attempt.id,
      method: attempt.payment_method_id,
      decline_code: result.declineCode,
      decline_class: verdict.class,
    });
    work.outcomeAttempts.set(event, attempt);
  });
}

function newAttempt(work: CaseWork, methodId: string, now: number): AttemptRow {
  return {
    id: newId('att'),
    case_id: work.rows.case.id,
    step_id: work.stepId,
    payment_method_id: methodId,
    amount: work.amountDue,
    currency: work.rows.case.currency,
    idempotency_key: attemptKey(work.rows.case.id, work.stepId, methodId),
    status: 'pending',
    charge_id: null,
    decline_code: null,
    decline_class: null,
    network_decline_code: null,
    network_advice_code: null,
    stop_method: 0,
    retry_after_ms: null,
    created_at: now,
    completed_at: null,
  };
}

function tokenOf(work: CaseWork, methodId: string): string {
  const method = work.rows.methods.find((m) => m.id === methodId);
  if (!method) throw new Error(`payment method ${methodId} of case ${work.rows.case.id} is missing`);
  return method.token;
}
