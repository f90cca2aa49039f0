import { classifyDecline } from '../domain/declines.ts';
import { newAttemptRow } from '../engine/attempt-rows.ts';
import type { Trx } from '../store/database.ts';
import type { AttemptRow } from '../store/tables.ts';

/** A billing system's failed charges of one invoice, as last observed (a webhook, a sync). */
export interface BillingFailure {
  readonly source: 'stripe';
  readonly invoiceExternalId: string;
  /** How many charges the billing system has made on the invoice so far; the last of them failed as below. */
  readonly attempts: number;
  /** The method the last charge used, by its id in the billing system; null when it does not say. */
  readonly methodExternalId: string | null;
  readonly declineCode: string;
  readonly networkDeclineCode: string | null;
  readonly networkAdviceCode: string | null;
  readonly chargeId: string | null;
  /** When it was observed, epoch ms; charges whose time is not known are stamped so too (see below). */
  readonly at: number;
}

/** What recording failures did. */
export interface BillingAttemptsReport {
  /** Attempts recorded for the first time. */
  recorded: number;
  /** Of those, the declines that stop their method for good (lost, stolen, closed, do not try again…). */
  blocking: number;
  /** Failures whose method Recoup does not hold, recorded on their invoice's failure code only. */
  unattributed: number;
}

/**
 * Records a billing system's own failed charges as attempts on the methods they used, before Recoup plans
 * anything: a hard decline blocks that method for good, and every charge counts toward the card networks' caps.
 * Each charge is keyed by (invoice, its number), so a webhook and a later sync that both report it record it once.
 * Only the last charge's details are known; earlier ones count toward the caps on the same method, stamped at the
 * observation rather than when they happened, which only ever counts them for longer. An invoice Recoup has taken
 * into a case is left alone: the charges on it since are Recoup's own. Writes in the caller's transaction.
 */
export async function recordBillingAttempts(
  trx: Trx,
  failures: readonly BillingFailure[],
): Promise<BillingAttemptsReport> {
  const report: BillingAttemptsReport = { recorded: 0, blocking: 0, unattributed: 0 };
  if (failures.length === 0) return report;
  const invoices = await trx
    .selectFrom('invoices')
    .select(['id', 'external_id', 'total', 'amount_paid', 'currency', 'case_id', 'status'])
    .where(
      'external_id',
      'in',
      failures.map((f) => f.invoiceExternalId),
    )
    .execute();
  const byExternalId = new Map(invoices.map((i) => [i.external_id!, i]));
  const methodIds = failures.map((f) => f.methodExternalId).filter((id): id is string => id !== null);
  const methods =
    methodIds.length === 0
      ? []
      : await trx
          .selectFrom('payment_methods')
          .select(['id', 'external_id'])
          .where('external_id', 'in', methodIds)
          .execute();
  const methodByExternalId = new Map(methods.map((m) => [m.external_id!, m.id]));

  for (const failure of failures) {
    const invoice = byExternalId.get(failure.invoiceExternalId);
    if (!invoice || invoice.case_id !== null || invoice.status !== 'open') continue;
    await trx
      .updateTable('invoices')
      .set({ failure_code: failure.declineCode })
      .where('id', '=', invoice.id)
      .execute();
    const methodId = failure.methodExternalId ? methodByExternalId.get(failure.methodExternalId) : undefined;
    if (!methodId) {
      report.unattributed++;
      continue;
    }
    const verdict = classifyDecline({
      code: failure.declineCode,
      networkDeclineCode: failure.networkDeclineCode,
      networkAdviceCode: failure.networkAdviceCode,
    });
    const row = (n: number): AttemptRow => ({
      ...newAttemptRow({
        case_id: null,
        step_id: null,
        payment_method_id: methodId,
        amount: Math.max(0, invoice.total - invoice.amount_paid),
        currency: invoice.currency,
        idempotency_key: `${failure.source}:${failure.invoiceExternalId}:${n}`,
        status: 'failed',
        created_at: failure.at,
        source: failure.source,
        invoice_id: invoice.id,
      }),
      completed_at: failure.at,
    });
    const last: AttemptRow = {
      ...row(failure.attempts),
      charge_id: failure.chargeId,
      decline_code: failure.declineCode,
      decline_class: verdict.class,
      network_decline_code: failure.networkDeclineCode,
      network_advice_code: failure.networkAdviceCode,
      stop_method: verdict.stopMethod ? 1 : 0,
      retry_after_ms: verdict.retryAfterMs,
    };
    const rows = [...Array.from({ length: failure.attempts - 1 }, (_, i) => row(i + 1)), last];
    const inserted = await trx
      .insertInto('payment_attempts')
      .values(rows)
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returning('idempotency_key')
      .execute();
    report.recorded += inserted.length;
    if (verdict.stopMethod && inserted.some((r) => r.idempotency_key === last.idempotency_key))
      report.blocking++;
  }
  return report;
}
