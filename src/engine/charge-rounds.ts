import { classifyDecline } from '../domain/declines.ts';
import { DEFAULT_RETRY_LIMITS, planRetry } from '../domain/retry-planner.ts';
import { type ChargeResult, GatewayUnavailableError, type InvoiceToSettle } from '../gateways/gateway.ts';
import type { AttemptRow } from '../store/tables.ts';
import { type CaseWork, addEvent, failWork } from './case-work.ts';
import { type ChargeUnit, unitSettled } from './charge-units.ts';
import type { EngineDeps } from './deps.ts';
import { chargeFacts, toMethodFacts } from './facts.ts';
import { newAttemptRow } from './attempt-rows.ts';
import { attemptKey } from './ids.ts';
import { mapLimit } from './map-limit.ts';

const GATEWAY_RETRY_MS = 15 * 60_000;

/** One charge to make: a new intent, or an earlier intent whose outcome a crash left unknown. */
interface Call {
  readonly work: CaseWork;
  readonly attempt: AttemptRow;
  readonly token: string;
  /** The attempt was recorded by an earlier run whose outcome is unknown: the gateway replays it as it was. */
  readonly resolving: boolean;
}

/**
 * Picks the next charge for each retry in the batch. A step charges its units (each invoice, or the whole balance)
 * oldest first, going down the customer's methods in priority order while they decline; every charge is (case,
 * step, method[, invoice]), so a rerun repeats the same keys.
 */
export function planCharges(works: readonly CaseWork[], now: number): Call[] {
  const calls: Call[] = [];
  const sharing = worksByMethod(works);
  for (const work of works) {
    if (work.decision.kind !== 'act' || work.policyStep.action !== 'retry') continue;
    if (work.stepStatus !== 'pending' || work.halted) continue;
    try {
      const call = planCharge(work, sharing, now);
      if (call) calls.push(call);
    } catch (error) {
      failWork(work, error); // one case's bad data must not stop the batch's other charges
    }
  }
  return calls;
}

// The next charge of one retry step, or null when the step is done, waits or is skipped. Whatever can fail comes
// before the attempt is shared with the batch's other cases.
function planCharge(work: CaseWork, sharing: Map<string, CaseWork[]>, now: number): Call | null {
  const unresolved = work.attempts.find((a) => a.status === 'pending');
  if (unresolved) {
    // Within a batch every charge ends resolved or halts its case: a pending one is an earlier run's.
    return {
      work,
      attempt: unresolved,
      token: tokenOf(work, unresolved.payment_method_id),
      resolving: true,
    };
  }
  const unit = work.units.find((u) => !unitSettled(u, work.attempts, work.closedInvoices));
  if (!unit) {
    work.stepStatus = 'done';
    return null;
  }
  // A method that declined in this step is not charged again in it, whichever invoice it declined.
  const tried = new Set(work.attempts.filter((a) => a.status === 'failed').map((a) => a.payment_method_id));
  // Every method declined in this step (most customers have one): the planner could only say so.
  if (tried.size > 0 && work.rows.methods.every((m) => tried.has(m.id))) {
    work.stepStatus = 'done';
    return null;
  }
  const limits = work.policy.policy.retryLimits ?? DEFAULT_RETRY_LIMITS;
  const plan = planRetry({
    methods: work.rows.methods.map(toMethodFacts),
    attempts: chargeFacts(work.rows),
    now,
    limits,
    triedThisStep: tried,
  });
  if (plan.kind === 'charge') {
    const token = tokenOf(work, plan.methodId);
    const attempt = newAttempt(work, unit, plan.methodId, now);
    work.attempts.push(attempt);
    work.newAttemptIds.add(attempt.id);
    // Every case of the batch that may charge this method counts it (one customer has a case per currency).
    for (const other of sharing.get(plan.methodId) ?? [work]) other.rows.attempts.push(attempt);
    addEvent(work, now, 'attempt.started', plan.rule, {
      method: plan.methodId,
      amount: attempt.amount,
      ...(unit.invoice ? { invoice: unit.invoice.id } : {}),
    });
    return { work, attempt, token, resolving: false };
  }
  if (work.attempts.length > 0) {
    work.stepStatus = 'done';
  } else if (plan.kind === 'wait') {
    work.stepDueAt = plan.until;
    addEvent(work, now, 'step.deferred', plan.rule, { until: plan.until });
  } else {
    work.stepStatus = 'skipped';
    addEvent(work, now, 'step.skipped', plan.rule);
  }
  return null;
}

// The works of a batch by the methods they may charge: a customer's cases in several currencies share them.
function worksByMethod(works: readonly CaseWork[]): Map<string, CaseWork[]> {
  const out = new Map<string, CaseWork[]>();
  for (const work of works) {
    for (const method of work.rows.methods) {
      const sharing = out.get(method.id);
      if (sharing) sharing.push(work);
      else out.set(method.id, [work]);
    }
  }
  return out;
}

/**
 * Makes the charges through the gateway and applies each outcome to its attempt and case. A charge that fails in a
 * way the gateway does not explain fails its case alone: its intent stays pending, to be resolved with the same key.
 */
export async function makeCharges(deps: EngineDeps, calls: readonly Call[], now: number): Promise<void> {
  await mapLimit(calls, deps.settings.gatewayConcurrency, async (call) => {
    try {
      await makeCharge(deps, call, now);
    } catch (error) {
      failWork(call.work, error);
    }
  });
}

async function makeCharge(deps: EngineDeps, { work, attempt, token, resolving }: Call, now: number) {
  let result: ChargeResult;
  try {
    result = await deps.gateway.charge({
      idempotencyKey: attempt.idempotency_key,
      token,
      amount: attempt.amount,
      currency: attempt.currency,
      description: `Recoup case ${work.rows.case.id}`,
      customerExternalId: work.rows.customer.external_id,
      invoice: await invoiceOf(deps, work, attempt),
      resolving,
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
  if (result.status === 'not_charged') {
    attempt.status = 'not_charged';
    work.closedInvoices.set(attempt.invoice_id!, {
      status: result.invoiceStatus,
      amountPaid: result.amountPaid,
    });
    addEvent(work, now, 'attempt.not_charged', result.message, {
      attempt: attempt.id,
      invoice: attempt.invoice_id,
      invoice_status: result.invoiceStatus,
    });
    return;
  }
  attempt.charge_id = result.chargeId;
  if (result.status === 'succeeded') {
    attempt.status = 'succeeded';
    const amount = result.amount ?? attempt.amount;
    work.payments.push({
      amount,
      attemptId: attempt.id,
      invoiceId: attempt.invoice_id,
      invoicePaid: result.invoicePaid ?? false,
    });
    const event = addEvent(work, now, 'attempt.succeeded', `charged ${attempt.payment_method_id}`, {
      attempt: attempt.id,
      amount,
      currency: attempt.currency,
      ...(attempt.invoice_id ? { invoice: attempt.invoice_id } : {}),
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
}

function newAttempt(work: CaseWork, unit: ChargeUnit, methodId: string, now: number): AttemptRow {
  const caseId = work.rows.case.id;
  const invoiceId = unit.invoice?.id ?? null;
  return newAttemptRow({
    case_id: caseId,
    step_id: work.stepId,
    payment_method_id: methodId,
    amount: unit.amount,
    currency: work.rows.case.currency,
    idempotency_key: attemptKey(caseId, work.stepId, methodId, invoiceId),
    status: 'pending',
    created_at: now,
    source: 'recoup',
    invoice_id: invoiceId,
  });
}

// The invoice an attempt is for, as the gateway is told of it; a case's whole balance names none. An earlier run's
// attempt may be for an invoice closed since (its charge's outcome is still to be learnt): read from the database.
async function invoiceOf(
  deps: EngineDeps,
  work: CaseWork,
  attempt: AttemptRow,
): Promise<InvoiceToSettle | null> {
  if (attempt.invoice_id === null) return null;
  const invoice =
    work.rows.openInvoices.find((i) => i.id === attempt.invoice_id) ??
    (await deps.database.db
      .selectFrom('invoices')
      .select(['id', 'external_id', 'number'])
      .where('id', '=', attempt.invoice_id)
      .executeTakeFirstOrThrow());
  return { id: invoice.id, externalId: invoice.external_id, number: invoice.number };
}

function tokenOf(work: CaseWork, methodId: string): string {
  const method = work.rows.methods.find((m) => m.id === methodId);
  if (!method) throw new Error(`payment method ${methodId} of case ${work.rows.case.id} is missing`);
  return method.token;
}
