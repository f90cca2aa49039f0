import { type DeclineClass, classifyDecline } from '../domain/declines.ts';
import type { AttemptFacts, MethodFacts } from '../domain/retry-planner.ts';
import type { StepFacts } from '../domain/step-decision.ts';
import type { CaseFactRows, MethodFact } from '../store/case-facts.ts';
import type { AttemptRow } from '../store/tables.ts';

/** A payment method row as the retry planner sees it. */
export function toMethodFacts(row: MethodFact): MethodFacts {
  return {
    id: row.id,
    priority: row.priority,
    status: row.status,
    expMonth: row.exp_month,
    expYear: row.exp_year,
  };
}

/**
 * The attempts that reached the payment network, as the retry planner sees them: one the billing system made moot
 * (its invoice was already closed, so nothing was charged) counts toward no cap. A failed charge the billing
 * system reported on an open invoice (import, API, inbound webhook) counts as an attempt on the method it names,
 * classified by the same decline rules, so a lost card is not charged again while other methods still are.
 */
export function chargeFacts(rows: Pick<CaseFactRows, 'attempts' | 'openInvoices'>): AttemptFacts[] {
  const attempts = rows.attempts.flatMap((row): AttemptFacts[] =>
    row.status === 'not_charged'
      ? []
      : [
          {
            methodId: row.payment_method_id,
            at: row.created_at,
            outcome: row.status,
            stopMethod: row.stop_method === 1,
            retryAfterMs: row.retry_after_ms,
          },
        ],
  );
  const reported = rows.openInvoices.flatMap((invoice): AttemptFacts[] => {
    if (invoice.failed_payment_method_id === null || invoice.failure_code === null) return [];
    const verdict = classifyDecline({ code: invoice.failure_code });
    return [
      {
        methodId: invoice.failed_payment_method_id,
        at: invoice.failed_at ?? invoice.due_at,
        outcome: 'failed',
        stopMethod: verdict.stopMethod,
        retryAfterMs: verdict.retryAfterMs,
      },
    ];
  });
  return [...attempts, ...reported];
}

/** The unpaid remainder of a case's open invoices. */
export function amountDueOf(rows: CaseFactRows): number {
  return rows.openInvoices.reduce((sum, i) => sum + Math.max(0, i.total - i.amount_paid), 0);
}

/** The decline class of the case's latest failed charge, or of the billing system's failure that opened it. */
export function lastDeclineClassOf(
  rows: CaseFactRows,
  classify: (code: string) => DeclineClass,
): DeclineClass | null {
  const own = rows.attempts.filter((a) => a.case_id === rows.case.id && a.status === 'failed');
  const latest = own.reduce<AttemptRow | null>(
    (best, a) => (!best || a.created_at >= best.created_at ? a : best),
    null,
  );
  if (latest?.decline_class) return latest.decline_class as DeclineClass;
  const opening = rows.openInvoices.find((i) => i.failure_code);
  return opening?.failure_code ? classify(opening.failure_code) : null;
}

/** Everything the pure step decision needs, derived from a case's rows. */
export function toStepFacts(rows: CaseFactRows, classify: (code: string) => DeclineClass): StepFacts {
  return {
    caseOpen: rows.case.state === 'open',
    paused: rows.case.paused === 1,
    amountDue: amountDueOf(rows),
    attempts: rows.attempts.filter((a) => a.case_id === rows.case.id).length,
    lastDeclineClass: lastDeclineClassOf(rows, classify),
    customerAttributes: JSON.parse(rows.customer.attributes) as Record<string, unknown>,
    timeZone: rows.customer.time_zone,
    optedOut: JSON.parse(rows.customer.opted_out) as string[],
    email: rows.customer.email,
    recentMessageTimes: rows.messages.filter((m) => m.status !== 'failed').map((m) => m.created_at),
  };
}
