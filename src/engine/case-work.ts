import { describeFailure } from '../domain/case-failures.ts';
import type { CompiledPolicy, PolicyStep } from '../domain/policy.ts';
import type { StepDecision } from '../domain/step-decision.ts';
import type { CaseFactRows } from '../store/case-facts.ts';
import type { AttemptRow, CaseState, MessagesTable, NewTimelineEvent, StepStatus } from '../store/tables.ts';
import { type ChargeUnit, chargeUnits } from './charge-units.ts';
import { amountDueOf } from './facts.ts';

/** Money a retry collected: how much, by which attempt, for which invoice (null: the case's balance). */
export interface RetryPayment {
  readonly amount: number;
  readonly attemptId: string;
  readonly invoiceId: string | null;
  /** The billing system marked the invoice paid in full by this charge (Stripe's invoices/{id}/pay). */
  readonly invoicePaid: boolean;
}

/** An invoice the billing system had closed when Recoup came to charge it: nothing was charged. */
export interface ClosedInvoice {
  readonly status: 'paid' | 'void' | 'uncollectible';
  /** What the billing system counts as paid on it, minor units. */
  readonly amountPaid: number;
}

/** What one claimed case does in a batch: its due step, the decision, and every outcome to record. */
export interface CaseWork {
  readonly rows: CaseFactRows;
  readonly policy: CompiledPolicy;
  readonly stepId: string;
  readonly policyStep: PolicyStep;
  readonly decision: StepDecision;
  readonly amountDue: number;
  /** What each charge of a retry step is for, oldest invoice first. */
  readonly units: readonly ChargeUnit[];
  /** The step's final status; 'pending' with `stepDueAt` when it waits. */
  stepStatus: StepStatus;
  stepDueAt: number;
  caseState: CaseState;
  escalatedAt: number | null;
  /** Attempts of this step: new intents and earlier ones being resolved, updated in place with outcomes. */
  attempts: AttemptRow[];
  newAttemptIds: Set<string>;
  /**
   * The step's message to send: a new row, or a row whose earlier send failed and is safe to repeat; with the saved
   * template version it was rendered from (null: the shipped file).
   */
  message: (MessagesTable & { template_version: number | null }) | null;
  messageMode: 'insert' | 'resend' | null;
  /**
   * A message a crash left between "sending" and "recorded", as its channel now tells of it: `sent` when it left,
   * else `unknown` (the channel cannot tell), never sent again by the engine; a person resends it or marks it sent.
   */
  resolvedMessage: { id: string; status: 'sent' | 'unknown'; sent_at: number | null } | null;
  /** Other due reminders of the case that will not be sent (see chooseDueStep), written with the step. */
  passedOver: { stepId: string; status: 'superseded' | 'skipped' }[];
  payments: RetryPayment[];
  /** Invoices found closed in the billing system instead of charged, by Recoup invoice id. */
  closedInvoices: Map<string, ClosedInvoice>;
  /** Set when the gateway could not be reached: no further charge is tried for this case in this batch. */
  halted: boolean;
  /**
   * Why working this case failed in this batch (see describeFailure); null while it goes well. A failed case acts
   * no further (it is also halted): what it did before is recorded, and the failure retries or parks it.
   */
  error: string | null;
  timeline: NewTimelineEvent[];
  /** The attempt each of the timeline's `attempt.succeeded` and `attempt.failed` events reports. */
  outcomeAttempts: Map<NewTimelineEvent, AttemptRow>;
}

/**
 * A case's work as a batch starts it: the step it runs and what it decided, with nothing recorded or done yet.
 * `chargesPerInvoice` is the gateway's: whether a retry charges each invoice on its own.
 */
export function startCaseWork(
  start: Pick<
    CaseWork,
    'rows' | 'policy' | 'stepId' | 'policyStep' | 'decision' | 'stepDueAt' | 'attempts'
  > & {
    chargesPerInvoice?: boolean;
  },
): CaseWork {
  const amountDue = amountDueOf(start.rows);
  return {
    rows: start.rows,
    policy: start.policy,
    stepId: start.stepId,
    policyStep: start.policyStep,
    decision: start.decision,
    amountDue,
    units: chargeUnits(start.rows, start.chargesPerInvoice ?? false, amountDue),
    stepStatus: 'pending',
    stepDueAt: start.stepDueAt,
    caseState: start.rows.case.state,
    escalatedAt: start.rows.case.escalated_at,
    attempts: start.attempts,
    newAttemptIds: new Set(),
    message: null,
    messageMode: null,
    resolvedMessage: null,
    passedOver: [],
    payments: [],
    closedInvoices: new Map(),
    halted: false,
    error: null,
    timeline: [],
    outcomeAttempts: new Map(),
  };
}

/** Marks a case's work as failed in this batch: it acts no further, and the failure is recorded on the case. */
export function failWork(work: CaseWork, error: unknown): void {
  work.error ??= describeFailure(error);
  work.halted = true;
}

/** Appends a timeline event that names the policy version, step and rule behind it; returns the event. */
export function addEvent(
  work: CaseWork,
  at: number,
  type: string,
  rule: string | null,
  data: Record<string, unknown> = {},
): NewTimelineEvent {
  const event: NewTimelineEvent = {
    case_id: work.rows.case.id,
    at,
    type,
    policy_version_id: work.rows.case.policy_version_id,
    step_id: work.stepId,
    rule,
    data: JSON.stringify(data),
  };
  work.timeline.push(event);
  return event;
}
