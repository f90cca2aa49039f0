import { planCase } from '../domain/case-plan.ts';
import { classifyDecline } from '../domain/declines.ts';
import type { CompiledPolicy, PolicyStep } from '../domain/policy.ts';
import type { FieldError } from '../domain/validation.ts';
import type { EngineDeps } from '../engine/deps.ts';
import { type DryRunDay, type PlannedRun, byDay, dryRun } from '../engine/dry-run.ts';
import { chargeFacts, toMethodFacts, toStepFacts } from '../engine/facts.ts';
import { adHocStep } from '../engine/manual-steps.ts';
import { type CaseFactRows, loadCaseFacts } from '../store/case-facts.ts';
import type { CaseRow } from '../store/tables.ts';
import { checkPolicySource } from './policies.ts';

const DAY_MS = 86_400_000;
const classify = (code: string) => classifyDecline({ code }).class;

/** Which policy to try on a case: a document being edited, a stored version, or (neither) the case's own. */
export interface DryRunRequest {
  readonly caseId: string;
  readonly document?: unknown;
  readonly versionId?: string | undefined;
  readonly templates: ReadonlySet<string>;
  readonly now: number;
}

/** What the policy would do to the case, day by day, and what the answer takes for granted. */
export interface DryRunResult {
  /** The stored version tried; null for a document. */
  readonly policyVersionId: string | null;
  readonly timeZone: string;
  readonly days: DryRunDay[];
  readonly assumptions: string[];
}

/** A dry run that cannot be made: `field` names the input at fault; `errors` lists a document's problems. */
export class DryRunError extends Error {
  constructor(
    readonly kind: 'not_found' | 'invalid',
    readonly field: string,
    readonly reason: string,
    readonly errors: readonly FieldError[] = [],
  ) {
    super(`${field}: ${reason}`);
  }
}

/**
 * Computes what a policy would do to a case from now on, with the engine's pure decisions and the case's facts as
 * they are, and writes nothing. Its own version replays the case's pending steps as planned (pauses included);
 * another version or a document is laid out from the case's anchor as if the case started on it now.
 */
export async function dryRunPolicy(deps: EngineDeps, request: DryRunRequest): Promise<DryRunResult> {
  const db = deps.database.db;
  const caseRow = (await db
    .selectFrom('cases')
    .selectAll()
    .where('id', '=', request.caseId)
    .executeTakeFirst()) as CaseRow | undefined;
  if (!caseRow) throw new DryRunError('not_found', 'body.case_id', `no case with id '${request.caseId}'`);
  const versionId = request.document === undefined ? (request.versionId ?? caseRow.policy_version_id) : null;
  const policy = versionId === null ? checkDocument(request) : await storedPolicy(deps, versionId);
  const [rows] = await loadCaseFacts(db, [caseRow], request.now - deps.settings.lookbackDays * DAY_MS);
  const own = versionId === caseRow.policy_version_id;
  const ownAnchor = (await storedPolicy(deps, caseRow.policy_version_id)).policy.anchor;
  const steps = dryRun({
    policy,
    plan: own ? pendingPlan(rows!, policy) : freshPlan(rows!, policy, ownAnchor, request.now),
    facts: toStepFacts(rows!, classify),
    methods: rows!.methods.map(toMethodFacts),
    attempts: chargeFacts(rows!),
    now: request.now,
  });
  const assumptions = [
    'every charge is declined (a successful one would close the case and cancel every later step)',
    'no payment, dispute, pause or new invoice arrives meanwhile',
  ];
  if (!own) {
    assumptions.push(
      'the case starts on this policy now: steps whose time has passed do not run, except the latest of them',
    );
  }
  if (caseRow.paused === 1) assumptions.push('the case is paused: shown as if it were resumed now');
  if (caseRow.state !== 'open') assumptions.push(`the case is ${caseRow.state}: nothing more happens to it`);
  return {
    policyVersionId: versionId,
    timeZone: rows!.customer.time_zone,
    days: byDay(steps, rows!.customer.time_zone),
    assumptions,
  };
}

// The document is checked exactly as POST /v1/policies/validate checks text (JSON is policy text too), so the
// editor shows the same errors whichever way it asks.
function checkDocument(request: DryRunRequest): CompiledPolicy {
  const checked = checkPolicySource(JSON.stringify(request.document), 'json', request.templates);
  if (checked.ok) return checked.value;
  const n = checked.errors.length;
  throw new DryRunError(
    'invalid',
    'body.document',
    `not a valid policy: ${n} ${n === 1 ? 'error' : 'errors'}`,
    checked.errors,
  );
}

async function storedPolicy(deps: EngineDeps, versionId: string): Promise<CompiledPolicy> {
  const row = await deps.database.db
    .selectFrom('policy_versions')
    .select('id')
    .where('id', '=', versionId)
    .executeTakeFirst();
  if (!row) throw new DryRunError('not_found', 'body.policy_version_id', `no policy version '${versionId}'`);
  await deps.policies.load([versionId]);
  return deps.policies.get(versionId);
}

/** The case's pending steps as planned, each with its definition (the policy's, or an ad-hoc step's). */
function pendingPlan(rows: CaseFactRows, policy: CompiledPolicy): PlannedRun[] {
  return rows.pendingSteps.flatMap((row) => {
    const step: PolicyStep | null = policy.policy.steps.find((s) => s.id === row.step_id) ?? adHocStep(row);
    return step ? [{ step, dueAt: row.due_at }] : [];
  });
}

/** The policy laid out from the case's anchor as if the case opened on it now (see planCase). */
function freshPlan(
  rows: CaseFactRows,
  policy: CompiledPolicy,
  ownAnchor: CompiledPolicy['policy']['anchor'],
  now: number,
): PlannedRun[] {
  // The case's anchor counts from its first failure or from its due date, as its own policy says; a policy that
  // counts from the other is anchored on the case's open invoices the way a case opening on it would be.
  const invoices = rows.openInvoices;
  const anchor =
    policy.policy.anchor === ownAnchor || invoices.length === 0
      ? rows.case.anchor_at
      : policy.policy.anchor === 'due_date'
        ? Math.min(...invoices.map((i) => i.due_at))
        : Math.min(...invoices.map((i) => i.failed_at ?? i.due_at));
  const byId = new Map(policy.policy.steps.map((s) => [s.id, s]));
  return planCase(policy, anchor, now)
    .filter((s) => s.status === 'pending')
    .map((s) => ({ step: byId.get(s.stepId)!, dueAt: s.dueAt }));
}
