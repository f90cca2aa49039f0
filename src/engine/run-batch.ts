import { classifyDecline } from '../domain/declines.ts';
import { decideStep } from '../domain/step-decision.ts';
import { loadCaseFacts } from '../store/case-facts.ts';
import { claimDueCases } from '../store/scheduler.ts';
import { type CaseWork, addEvent, startCaseWork } from './case-work.ts';
import { makeCharges, planCharges } from './charge-rounds.ts';
import type { EngineDeps } from './deps.ts';
import { dueStepOf, passOver } from './due-step.ts';
import { toStepFacts } from './facts.ts';
import { adHocStep } from './manual-steps.ts';
import { prepareMessages, sendMessages } from './message-sends.ts';
import { recordIntents, recordOutcomes } from './record-batch.ts';

const DAY_MS = 86_400_000;
const classify = (code: string) => classifyDecline({ code }).class;

/** What one batch did. */
export interface BatchReport {
  readonly claimed: number;
  readonly stepsDone: number;
}

/**
 * One turn of the engine: lease a batch of due cases, decide each one's earliest due step with the pure domain,
 * record intents (a charge round's at once, messages a channel's few at a time as they leave), act through the
 * gateway and channels, and record every outcome in one transaction.
 */
export async function runBatch(deps: EngineDeps, now: number): Promise<BatchReport> {
  const { database, settings } = deps;
  const claimedAt = Date.now();
  const lease = { owner: settings.owner, claimedAt, leaseMs: settings.leaseMs };
  const claimed = await claimDueCases(database, {
    owner: settings.owner,
    now,
    wallNow: claimedAt,
    leaseMs: settings.leaseMs,
    limit: settings.batchSize,
  });
  if (claimed.length === 0) return { claimed: 0, stepsDone: 0 };
  await deps.policies.load(claimed.map((c) => c.policy_version_id));
  const rows = await loadCaseFacts(database.db, claimed, now - settings.lookbackDays * DAY_MS);

  const works = rows.map((r) => startWork(deps, r, now));
  await prepareMessages(deps, works, now, classify);
  let calls = planCharges(works, now);
  let owned = await recordIntents(database, works, lease);
  const acting = works.filter((w) => owned.has(w.rows.case.id));
  await Promise.all([
    sendMessages(deps, acting, now, lease),
    makeCharges(
      deps,
      calls.filter((c) => owned.has(c.work.rows.case.id)),
      now,
    ),
  ]);
  // A declined charge falls through to the customer's next method in the same step, one round per method.
  for (calls = planCharges(acting, now); calls.length > 0; calls = planCharges(acting, now)) {
    owned = await recordIntents(database, acting, lease);
    await makeCharges(
      deps,
      calls.filter((c) => owned.has(c.work.rows.case.id)),
      now,
    );
  }
  if (acting.length > 0) await recordOutcomes(database, acting, settings.owner, now);
  return { claimed: claimed.length, stepsDone: acting.filter((w) => w.stepStatus !== 'pending').length };
}

function startWork(deps: EngineDeps, rows: Parameters<typeof toStepFacts>[0], now: number): CaseWork {
  const policy = deps.policies.get(rows.case.policy_version_id);
  const { due, passedOver } = dueStepOf(rows, policy, now);
  if (!due) throw new Error(`case ${rows.case.id} is open with no pending step`);
  // A step a person asked for (retry now with no retry step left) is not in the policy but is planned all the same.
  const policyStep = policy.policy.steps.find((s) => s.id === due.step_id) ?? adHocStep(due);
  if (!policyStep) throw new Error(`step ${due.step_id} is not in policy ${rows.case.policy_version_id}`);
  const decision = decideStep(policy.policy, policyStep, toStepFacts(rows, classify), now);
  const work = startCaseWork({
    rows,
    policy,
    stepId: due.step_id,
    policyStep,
    decision,
    stepDueAt: due.due_at,
    attempts: rows.attempts.filter((a) => a.case_id === rows.case.id && a.step_id === due.step_id),
    chargesPerInvoice: deps.gateway.chargesPerInvoice,
  });
  if (passOver(work, passedOver, now)) return work;
  if (due.due_at > now) return work; // claimed on a stale due time: only the case's next_due_at is corrected
  if (decision.kind === 'skip') {
    work.stepStatus = 'skipped';
    addEvent(work, now, 'step.skipped', decision.rule);
  } else if (decision.kind === 'defer') {
    work.stepDueAt = decision.until;
    if (!rows.case.paused) addEvent(work, now, 'step.deferred', decision.rule, { until: decision.until });
  } else if (decision.step.action === 'escalate') {
    work.stepStatus = 'done';
    work.escalatedAt = work.escalatedAt ?? now;
    addEvent(work, now, 'case.escalated', decision.rule, { queue: decision.step.queue ?? 'collections' });
  } else if (decision.step.action === 'cancel') {
    work.stepStatus = 'done';
    work.caseState = 'cancelled';
    addEvent(work, now, 'case.cancelled', decision.rule);
  }
  return work;
}
