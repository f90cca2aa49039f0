import { describeFailure } from '../domain/case-failures.ts';
import { classifyDecline } from '../domain/declines.ts';
import { decideStep } from '../domain/step-decision.ts';
import { loadCaseFacts } from '../store/case-facts.ts';
import { claimDueCases } from '../store/scheduler.ts';
import { type CaseWork, addEvent, failWork, startCaseWork } from './case-work.ts';
import { makeCharges, planCharges } from './charge-rounds.ts';
import type { EngineDeps } from './deps.ts';
import { dueStepOf, passOver } from './due-step.ts';
import { toStepFacts } from './facts.ts';
import { adHocStep } from './manual-steps.ts';
import { prepareMessages, sendMessages } from './message-sends.ts';
import { type CaseFailure, failureOf, recordIntents, recordOutcomes } from './record-batch.ts';
import { startHeartbeat } from './lease-heartbeat.ts';

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
 * gateway and channels, and record every outcome in one transaction. The leases are renewed on a timer while the
 * batch works. A case whose work fails fails alone: the rest of the batch goes on, and the failure is recorded on
 * the case, which is retried later or parked (see recordOutcomes).
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
  // The moment a worker starts working (`npm run bench` times a worker's start by the first of these).
  deps.logger.debug({ claimed: claimed.length }, 'batch claimed');
  const heartbeat = startHeartbeat(
    deps,
    claimed.map((c) => c.id),
  );
  try {
    await deps.policies.load(claimed.map((c) => c.policy_version_id));
    const rows = await loadCaseFacts(database.db, claimed, now - settings.lookbackDays * DAY_MS);

    const works: CaseWork[] = [];
    const failures: CaseFailure[] = [];
    for (const r of rows) {
      try {
        works.push(startWork(deps, r, now));
      } catch (error) {
        failures.push({ case: r.case, stepId: null, error: describeFailure(error) });
      }
    }
    // A second pass prepares only what the first left undone.
    await isolated(works, (some) =>
      prepareMessages(
        deps,
        some.filter((w) => w.message === null && w.stepStatus === 'pending'),
        now,
        classify,
      ),
    );
    let calls = planCharges(works, now);
    let owned = await recordIntentsIsolated(database, works, lease);
    const acting = works.filter((w) => owned.has(w.rows.case.id) && w.error === null);
    // Cases that failed before acting: only the failure is recorded.
    failures.push(...works.filter((w) => w.error !== null).map(failureOf));
    await Promise.all([
      sendMessages(deps, acting, now, lease),
      makeCharges(
        deps,
        calls.filter((c) => owned.has(c.work.rows.case.id) && c.work.error === null),
        now,
      ),
    ]);
    // A declined charge falls through to the customer's next method in the same step, one round per method.
    for (calls = planCharges(acting, now); calls.length > 0; calls = planCharges(acting, now)) {
      owned = await recordIntentsIsolated(database, acting, lease);
      await makeCharges(
        deps,
        calls.filter((c) => owned.has(c.work.rows.case.id) && c.work.error === null),
        now,
      );
    }
    // Renewals stop before the leases are given back, so a released case is not taken for a lost one.
    await heartbeat.stop();
    if (acting.length > 0 || failures.length > 0) await recordIsolated(deps, acting, failures, now);
    for (const f of [...failures, ...acting.filter((w) => w.error !== null).map(failureOf)]) {
      deps.logger.warn({ case: f.case.id, step: f.stepId, err: f.error }, 'working a case failed');
    }
    return { claimed: claimed.length, stepsDone: acting.filter((w) => w.stepStatus !== 'pending').length };
  } finally {
    await heartbeat.stop();
  }
}

/**
 * Runs a step of the batch over its works; when it throws, runs it again over each work alone so that only the
 * case at fault fails. Only for steps that do nothing outside the process until they succeed (no send, no charge).
 */
async function isolated(works: CaseWork[], step: (works: CaseWork[]) => Promise<unknown>): Promise<void> {
  try {
    await step(works);
  } catch {
    for (const work of works) {
      if (work.error !== null) continue;
      try {
        await step([work]);
      } catch (error) {
        failWork(work, error);
      }
    }
  }
}

/** recordIntents, with each case recorded alone when the batch's transaction fails (it is rolled back whole). */
async function recordIntentsIsolated(
  database: EngineDeps['database'],
  works: CaseWork[],
  lease: Parameters<typeof recordIntents>[2],
): Promise<Set<string>> {
  const ready = works.filter((w) => w.error === null);
  try {
    return await recordIntents(database, ready, lease);
  } catch {
    const owned = new Set<string>();
    for (const work of ready) {
      try {
        for (const id of await recordIntents(database, [work], lease)) owned.add(id);
      } catch (error) {
        failWork(work, error);
      }
    }
    return owned;
  }
}

/**
 * recordOutcomes; when the batch's transaction fails (it is rolled back whole), each case is recorded alone, and a
 * case whose own outcome cannot be written is recorded as failed. Its charges stay pending intents, which the
 * next run resolves with the same keys, as after a crash.
 */
async function recordIsolated(
  deps: EngineDeps,
  works: readonly CaseWork[],
  failures: CaseFailure[],
  now: number,
): Promise<void> {
  const { database, settings } = deps;
  // Recording settles each case (state, timeline): a second try starts from the work as it was.
  const before = works.map((w) => ({ w, caseState: w.caseState, events: w.timeline.length }));
  try {
    await recordOutcomes(database, works, failures, settings, now);
    return;
  } catch (error) {
    deps.logger.warn(
      { err: describeFailure(error) },
      'recording a batch failed; recording its cases one by one',
    );
  }
  const unrecorded: CaseFailure[] = [];
  for (const { w, caseState, events } of before) {
    w.caseState = caseState;
    w.timeline.length = events;
    try {
      await recordOutcomes(database, [w], [], settings, now);
    } catch (error) {
      unrecorded.push({ case: w.rows.case, stepId: w.stepId, error: describeFailure(error) });
    }
  }
  await recordOutcomes(database, [], [...failures, ...unrecorded], settings, now);
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
