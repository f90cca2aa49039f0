import { stampPaidMessages } from '../analytics/message-payments.ts';
import { stampCredit } from '../analytics/recovery-credit.ts';
import { insertMany } from '../store/batch.ts';
import type { Trx } from '../store/database.ts';
import type { NewOutboxEvent } from '../store/schema/webhooks.ts';
import { ACTIVE_CASE_STATES, type InvoiceRow, type NewTimelineEvent } from '../store/tables.ts';
import { lockCasesForEvents, outboxEvent, writeOutboxEvents } from '../webhooks/outbox.ts';
import { newId } from './ids.ts';

/** A payment the engine did not collect itself: from an import, the billing system or (later) the API. */
export interface ExternalPayment {
  readonly invoice: InvoiceRow;
  readonly amount: number;
  readonly source: 'import' | 'api';
  readonly reference: string;
  readonly at: number;
}

/**
 * Records payments against invoices the caller has already updated (their amount_paid and status), then settles
 * the affected cases, all inside the caller's transaction, so that a case is closed, with every pending step
 * cancelled, in the same commit as its payment.
 */
export async function recordExternalPayments(trx: Trx, payments: readonly ExternalPayment[]): Promise<void> {
  if (payments.length === 0) return;
  const caseIds = payments.map((p) => p.invoice.case_id).filter((id): id is string => id !== null);
  // A closed case is not updated below, so its lock is taken here: one case's events commit in sequence order.
  await lockCasesForEvents(trx, caseIds);
  await insertMany(
    trx,
    'payments',
    payments.map((p) => ({
      id: newId('pay'),
      invoice_id: p.invoice.id,
      case_id: p.invoice.case_id,
      amount: p.amount,
      currency: p.invoice.currency,
      source: p.source,
      reference: p.reference,
      received_at: p.at,
    })),
    { onConflictDoNothing: true },
  );
  await stampPaidMessages(trx, caseIds);
  const events: NewTimelineEvent[] = [];
  const outbox: NewOutboxEvent[] = payments.map((p) =>
    outboxEvent(
      'payment.succeeded',
      p.at,
      { caseId: p.invoice.case_id, customerId: p.invoice.customer_id },
      {
        amount: p.amount,
        currency: p.invoice.currency,
        source: p.source,
        attempt_id: null,
        payment_method_id: null,
        step_id: null,
        invoice_id: p.invoice.id,
        invoice_external_id: p.invoice.external_id,
        reference: p.reference,
      },
    ),
  );
  for (const p of payments) {
    if (!p.invoice.case_id) continue;
    await trx
      .updateTable('cases')
      .set((eb) => ({ amount_recovered: eb('amount_recovered', '+', p.amount) }))
      .where('id', '=', p.invoice.case_id)
      .where('state', 'in', ACTIVE_CASE_STATES)
      .execute();
    events.push({
      case_id: p.invoice.case_id,
      at: p.at,
      type: 'payment.recorded',
      policy_version_id: null,
      step_id: null,
      rule: `payment from ${p.source} (${p.reference})`,
      data: JSON.stringify({ invoice: p.invoice.id, amount: p.amount, currency: p.invoice.currency }),
    });
  }
  await insertMany(trx, 'timeline_events', events);
  await writeOutboxEvents(trx, outbox);
  await settleCases(trx, caseIds, payments[0]!.at);
}

/**
 * Closes each open or parked case among `caseIds` that has nothing left to collect: `recovered` when money came
 * in, otherwise `cancelled` (its invoices were voided). Pending steps are cancelled in the same transaction, so no
 * later tick can remind a customer who has paid.
 */
export async function settleCases(trx: Trx, caseIds: readonly string[], at: number): Promise<string[]> {
  const ids = [...new Set(caseIds)];
  if (ids.length === 0) return [];
  const open = await trx
    .selectFrom('cases')
    .select(['id', 'customer_id', 'currency', 'policy_version_id', 'amount_failed', 'amount_recovered'])
    .where('id', 'in', ids)
    .where('state', 'in', ACTIVE_CASE_STATES)
    .execute();
  if (open.length === 0) return [];
  const owing = await trx
    .selectFrom('invoices')
    .select('case_id')
    .where(
      'case_id',
      'in',
      open.map((c) => c.id),
    )
    .where('status', '=', 'open')
    .whereRef('amount_paid', '<', 'total')
    .execute();
  const stillOwing = new Set(owing.map((r) => r.case_id));
  const closing = open.filter((c) => !stillOwing.has(c.id));
  const outbox: NewOutboxEvent[] = [];
  for (const c of closing) {
    const state = c.amount_recovered > 0 ? 'recovered' : 'cancelled';
    await trx
      .updateTable('cases')
      // The lease stays: a worker mid-step still records what its charge or message did, but its state-changing
      // writes are guarded by `state = 'open'` and `status = 'pending'`, so it cannot reopen this case.
      .set({ state, closed_at: at, next_due_at: null })
      .where('id', '=', c.id)
      .where('state', 'in', ACTIVE_CASE_STATES)
      .execute();
    await trx
      .updateTable('scheduled_steps')
      .set({ status: 'cancelled', completed_at: at })
      .where('case_id', '=', c.id)
      .where('status', '=', 'pending')
      .execute();
    await trx
      .insertInto('timeline_events')
      .values({
        case_id: c.id,
        at,
        type: state === 'recovered' ? 'case.recovered' : 'case.cancelled',
        policy_version_id: c.policy_version_id,
        step_id: null,
        rule:
          state === 'recovered'
            ? 'nothing left to pay: every pending step cancelled'
            : 'its invoices were voided',
        data: '{}',
      })
      .execute();
    const subject = { caseId: c.id, customerId: c.customer_id };
    outbox.push(
      state === 'recovered'
        ? outboxEvent('case.recovered', at, subject, {
            currency: c.currency,
            amount_failed: c.amount_failed,
            amount_recovered: c.amount_recovered,
          })
        : outboxEvent('case.cancelled', at, subject, {
            currency: c.currency,
            reason: 'invoices_voided',
            step_id: null,
          }),
    );
  }
  await stampCredit(
    trx,
    closing.map((c) => c.id),
  );
  await writeOutboxEvents(trx, outbox);
  return closing.map((c) => c.id);
}
