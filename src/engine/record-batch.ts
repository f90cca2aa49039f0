import { sql } from 'kysely';
import { stampPaidMessages } from '../analytics/message-payments.ts';
import { stampCredit } from '../analytics/recovery-credit.ts';
import { allocatePayment } from '../domain/allocation.ts';
import { type FailurePolicy, onCaseFailure } from '../domain/case-failures.ts';
import { insertMany, updateMany } from '../store/batch.ts';
import { type Database, type Trx, writeTransaction } from '../store/database.ts';
import { releaseCases, renewLeases } from '../store/scheduler.ts';
import type { CaseFact } from '../store/case-facts.ts';
import type { NewTimelineEvent, PaymentsTable } from '../store/tables.ts';
import { batchOutboxEvents } from '../webhooks/engine-events.ts';
import { lockCasesForEvents, writeOutboxEvents } from '../webhooks/outbox.ts';
import { type CaseWork, addEvent } from './case-work.ts';
import type { EngineSettings } from './deps.ts';
import { unitSettled } from './charge-units.ts';
import { type ExternalPayment, recordExternalPayments, settleCases } from './external-payments.ts';
import { newId } from './ids.ts';

/**
 * Records the charge intents of a round before anything is charged, renewing the leases in the same
 * transaction; returns the cases still held, the only ones allowed to act. A lease taken less than a third of its
 * life ago cannot have expired, so a fresh batch skips the renewal.
 */
export async function recordIntents(
  database: Database,
  works: readonly CaseWork[],
  lease: { owner: string; claimedAt: number; leaseMs: number },
): Promise<Set<string>> {
  return writeTransaction(database, async (trx) => {
    const ids = works.map((w) => w.rows.case.id);
    const wallNow = Date.now();
    let owned = new Set(ids);
    if (wallNow - lease.claimedAt >= lease.leaseMs / 3) {
      owned = new Set(await renewLeases(trx, lease.owner, ids, wallNow + lease.leaseMs));
    }
    const mine = works.filter((w) => owned.has(w.rows.case.id));
    const attempts = mine.flatMap((w) =>
      w.attempts.filter((a) => w.newAttemptIds.has(a.id) && a.status === 'pending'),
    );
    await insertMany(trx, 'payment_attempts', attempts);
    // Recorded intents are not recorded again by the next round of the same batch. Messages record their own,
    // group by group, as they leave (see recordMessageIntents).
    for (const w of mine) w.newAttemptIds.clear();
    return owned;
  });
}

/** A case whose work failed in a batch: its row as claimed (with its failures so far), its step, and why. */
export interface CaseFailure {
  readonly case: Pick<CaseFact, 'id' | 'policy_version_id' | 'error_count'>;
  readonly stepId: string | null;
  readonly error: string;
}

/**
 * Records a batch's outcomes in one transaction. Message outcomes are facts about the world and are always kept;
 * everything that decides the case's future is written only for cases this worker still leases, and never
 * reopens a case that a payment closed meanwhile. The failed cases among them (and `failures`, cases that failed
 * before acting) are retried later or parked; a case worked without error forgets its earlier failures.
 */
export async function recordOutcomes(
  database: Database,
  works: readonly CaseWork[],
  failures: readonly CaseFailure[],
  settings: Pick<EngineSettings, 'owner' | 'failures'>,
  now: number,
) {
  const { owner } = settings;
  return writeTransaction(database, async (trx) => {
    const sent = works.filter((w) => w.message && w.message.status !== 'sending').map((w) => w.message!);
    await updateMany(
      trx,
      'messages',
      {
        keys: ['id'],
        set: ['status', 'provider_id', 'provider_response', 'error', 'sent_at'],
      },
      sent,
    );

    // Settled first: the release writes the new due time of the cases a step only moved. What settling adds to a
    // case whose lease was lost is never written.
    settleWorks(works, now);
    const owned = await releaseCases(trx, owner, [
      ...works.map((w) => ({ id: w.rows.case.id, nextDueAt: nextDue(w), moveDue: onlyMovesDue(w) })),
      ...failures.map((f) => ({ id: f.case.id, nextDueAt: null, moveDue: false })),
    ]);
    const failed = [...failures, ...works.filter((w) => w.error !== null).map(failureOf)];
    await recordFailures(
      trx,
      failed.filter((f) => owned.has(f.case.id)),
      settings.failures,
      now,
    );
    const mine = works.filter((w) => owned.has(w.rows.case.id));
    await forgetFailures(trx, mine);
    if (mine.length === 0) {
      await stampPaidMessages(trx, answerable(works));
      await writeEvents(trx, works, owned, now);
      return owned;
    }

    await updateMany(
      trx,
      'messages',
      { keys: ['id'], set: ['status', 'sent_at'] },
      mine.flatMap((w) => (w.resolvedMessage ? [w.resolvedMessage] : [])),
    );
    await updateMany(
      trx,
      'payment_attempts',
      {
        keys: ['id'],
        set: [
          'status',
          'charge_id',
          'decline_code',
          'decline_class',
          'network_decline_code',
          'network_advice_code',
          'stop_method',
          'retry_after_ms',
          'completed_at',
        ],
        where: sql`payment_attempts.status = 'pending'`,
      },
      mine.flatMap((w) => w.attempts.filter((a) => a.status !== 'pending')),
    );
    await recordPayments(trx, mine, now);
    await writeSteps(trx, mine, now);
    await writeCases(trx, mine, now);
    await insertMany(
      trx,
      'timeline_events',
      mine.flatMap((w) => w.timeline),
    );
    await stampCredit(
      trx,
      mine.filter((w) => w.caseState !== 'open').map((w) => w.rows.case.id),
    );
    await recordClosedInvoices(trx, mine, now);
    await stampPaidMessages(trx, answerable(works));
    await writeEvents(trx, works, owned, now);
    return owned;
  });
}

/**
 * Records each failure on its case (still open: a payment may have closed it meanwhile) with a timeline event: the
 * error and the count, and the next try pushed back (see onCaseFailure), or the case parked as `needs_attention`.
 * Written after the release, whose due time it overrides. Failures are rare: a statement per case is cheap here.
 */
async function recordFailures(
  trx: Trx,
  failures: readonly CaseFailure[],
  policy: FailurePolicy,
  now: number,
): Promise<void> {
  for (const f of failures) {
    const outcome = onCaseFailure(f.case.error_count, now, policy);
    const result = await trx
      .updateTable('cases')
      .set(
        outcome.kind === 'park'
          ? { state: 'needs_attention', error_count: outcome.errorCount, last_error: f.error }
          : { error_count: outcome.errorCount, last_error: f.error, next_due_at: outcome.retryAt },
      )
      .where('id', '=', f.case.id)
      .where('state', '=', 'open')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) continue;
    const event = {
      case_id: f.case.id,
      at: now,
      policy_version_id: f.case.policy_version_id,
      step_id: f.stepId,
    };
    const events: NewTimelineEvent[] = [
      {
        ...event,
        type: 'case.failed',
        rule: f.error,
        data: JSON.stringify({
          error: f.error,
          error_count: outcome.errorCount,
          retry_at: outcome.kind === 'retry' ? outcome.retryAt : null,
        }),
      },
    ];
    if (outcome.kind === 'park') {
      events.push({
        ...event,
        type: 'case.needs_attention',
        rule: `failed ${outcome.errorCount} times in a row; the engine leaves it until a person retries it`,
        data: JSON.stringify({ error_count: outcome.errorCount }),
      });
    }
    await insertMany(trx, 'timeline_events', events);
  }
}

/** Clears the failures of cases that were worked without error this time (only those that had any: no cost else). */
async function forgetFailures(trx: Trx, works: readonly CaseWork[]): Promise<void> {
  const healed = works
    .filter((w) => w.error === null && w.rows.case.error_count > 0)
    .map((w) => w.rows.case.id);
  if (healed.length === 0) return;
  await trx
    .updateTable('cases')
    .set({ error_count: 0, last_error: null })
    .where('id', 'in', healed)
    .where('state', '=', 'open')
    .execute();
}

/** The failure of a work that failed. */
export function failureOf(w: CaseWork): CaseFailure {
  return { case: w.rows.case, stepId: w.stepId, error: w.error! };
}

/** The cases whose messages a payment may now answer: one was just charged, or one of their messages was sent. */
function answerable(works: readonly CaseWork[]): string[] {
  return works
    .filter((w) => w.payments.length > 0 || w.message?.status === 'sent')
    .map((w) => w.rows.case.id);
}

/** Writes the batch's outbox events; cases leased by another worker are locked first (see writeOutboxEvents). */
async function writeEvents(trx: Trx, works: readonly CaseWork[], owned: ReadonlySet<string>, now: number) {
  const others = works.filter((w) => !owned.has(w.rows.case.id) && w.message?.status === 'sent');
  await lockCasesForEvents(
    trx,
    others.map((w) => w.rows.case.id),
  );
  await writeOutboxEvents(trx, batchOutboxEvents(works, owned, now));
}

async function recordPayments(trx: Trx, works: readonly CaseWork[], now: number): Promise<void> {
  const payments: PaymentsTable[] = [];
  const invoices: { id: string; amount_paid: number; updated_at: number }[] = [];
  const paidInFull: string[] = [];
  const settledElsewhere = await settledMeanwhile(trx, works);
  for (const w of works) {
    // Money the billing system recorded first is not counted again, in the invoice or in the case.
    w.payments = w.payments.filter((p) => p.invoiceId === null || !settledElsewhere.has(p.invoiceId));
    for (const paid of w.payments) {
      // A charge for the case's balance goes to its invoices oldest first; a charge for one invoice, to that one.
      const open = w.rows.openInvoices.filter((i) => paid.invoiceId === null || i.id === paid.invoiceId);
      const balances = open.map((i) => ({ invoiceId: i.id, total: i.total, amountPaid: i.amount_paid }));
      for (const a of allocatePayment(balances, paid.amount)) {
        payments.push({
          id: newId('pay'),
          invoice_id: a.invoiceId,
          case_id: w.rows.case.id,
          amount: a.amount,
          currency: w.rows.case.currency,
          source: 'retry',
          reference: paid.attemptId,
          received_at: now,
        });
        // What the charge adds, not the balance read when the batch was claimed: a payment recorded on the same
        // invoice meanwhile (the API, an import, the billing system) must not be written over.
        invoices.push({ id: a.invoiceId, amount_paid: a.amount, updated_at: now });
      }
      if (paid.invoicePaid && paid.invoiceId !== null && open.length > 0) paidInFull.push(paid.invoiceId);
    }
  }
  await insertMany(trx, 'payments', payments, { onConflictDoNothing: true });
  await updateMany(trx, 'invoices', { keys: ['id'], set: ['updated_at'], add: ['amount_paid'] }, invoices);
  if (invoices.length > 0) {
    await trx
      .updateTable('invoices')
      .set({ status: 'paid' })
      .where(
        'id',
        'in',
        invoices.map((i) => i.id),
      )
      .where('status', '=', 'open')
      .whereRef('amount_paid', '>=', 'total')
      .execute();
  }
  // The billing system says its invoice is paid in full by the charge: Recoup's copy agrees with it.
  if (paidInFull.length > 0) {
    await trx
      .updateTable('invoices')
      .set((eb) => ({ status: 'paid', amount_paid: eb.ref('total') }))
      .where('id', 'in', paidInFull)
      .where('status', '=', 'open')
      .execute();
  }
}

/**
 * The invoices a charge paid in the billing system that are no longer open in Recoup: the billing system told of the
 * payment first (Stripe's `invoice.paid` can outrun the charge's own answer), and it is recorded once, as theirs.
 */
async function settledMeanwhile(trx: Trx, works: readonly CaseWork[]): Promise<Set<string>> {
  const ids = works.flatMap((w) =>
    w.payments.filter((p) => p.invoicePaid && p.invoiceId).map((p) => p.invoiceId!),
  );
  if (ids.length === 0) return new Set();
  const closed = await trx
    .selectFrom('invoices')
    .select('id')
    .where('id', 'in', ids)
    .where('status', '!=', 'open')
    .execute();
  return new Set(closed.map((r) => r.id));
}

/**
 * Brings Recoup's copy of each invoice the billing system had closed (found instead of charged) in line with it,
 * then settles their cases the way an inbound update does: a payment recorded for what was paid there, and a case
 * with nothing left to collect closed, all in this transaction.
 */
async function recordClosedInvoices(trx: Trx, works: readonly CaseWork[], now: number): Promise<void> {
  const closed = new Map(works.flatMap((w) => [...w.closedInvoices]));
  if (closed.size === 0) return;
  const rows = await trx
    .selectFrom('invoices')
    .selectAll()
    .where('id', 'in', [...closed.keys()])
    .where('status', '=', 'open')
    .execute();
  const payments: ExternalPayment[] = [];
  for (const row of rows) {
    const { status } = closed.get(row.id)!;
    const amountPaid = status === 'paid' ? row.total : row.amount_paid;
    await trx
      .updateTable('invoices')
      .set({ status, amount_paid: amountPaid, updated_at: now })
      .where('id', '=', row.id)
      .execute();
    if (amountPaid > row.amount_paid) {
      const reference = `${row.external_id ?? row.id}:${status}`;
      payments.push({
        invoice: row,
        amount: amountPaid - row.amount_paid,
        source: 'import',
        reference,
        at: now,
      });
    }
  }
  await recordExternalPayments(trx, payments);
  await settleCases(
    trx,
    rows.map((r) => r.case_id).filter((id): id is string => id !== null),
    now,
  );
}

/**
 * Applies what the step did to the case: recovered once every charge unit is paid, cancelled, or exhausted when
 * nothing is left and no person has it. A case whose invoices the billing system closed is settled after the writes
 * by recordClosedInvoices, from the invoices as they then are.
 */
function settleWorks(works: readonly CaseWork[], now: number): void {
  for (const w of works) {
    const settled = w.units.every((u) => unitSettled(u, w.attempts, w.closedInvoices));
    if (settled && w.closedInvoices.size > 0) continue;
    if (settled && w.payments.length > 0) {
      w.caseState = 'recovered';
      const amount = w.payments.reduce((sum, p) => sum + p.amount, 0);
      addEvent(w, now, 'case.recovered', 'the amount due was paid by a retry', { amount });
    } else if (w.caseState === 'open' && nextDue(w) === null && w.escalatedAt === null) {
      w.caseState = 'exhausted';
      addEvent(w, now, 'case.exhausted', 'every step of the policy has run');
    }
    // An escalated case with no steps left stays open: a collector works it now, and a payment still recovers it.
  }
}

async function writeSteps(trx: Trx, works: readonly CaseWork[], now: number): Promise<void> {
  await updateMany(
    trx,
    'scheduled_steps',
    {
      keys: ['case_id', 'step_id'],
      set: ['status', 'due_at', 'completed_at'],
      where: sql`scheduled_steps.status = 'pending'`,
    },
    works.flatMap((w) => [
      {
        case_id: w.rows.case.id,
        step_id: w.stepId,
        status: w.stepStatus,
        due_at: w.stepDueAt,
        completed_at: w.stepStatus === 'pending' ? null : now,
      },
      ...passedOverSteps(w, now),
    ]),
  );
  const closed = works.filter((w) => w.caseState !== 'open').map((w) => w.rows.case.id);
  if (closed.length > 0) {
    await trx
      .updateTable('scheduled_steps')
      .set({ status: 'cancelled', completed_at: now })
      .where('case_id', 'in', closed)
      .where('status', '=', 'pending')
      .execute();
  }
}

/** The rows of the reminders a work passed over, which keep their due times. */
function passedOverSteps(w: CaseWork, now: number) {
  if (w.passedOver.length === 0) return [];
  const dueAt = new Map(w.rows.pendingSteps.map((s) => [s.step_id, s.due_at]));
  return w.passedOver.map((p) => ({
    case_id: w.rows.case.id,
    step_id: p.stepId,
    status: p.status,
    due_at: dueAt.get(p.stepId)!,
    completed_at: now,
  }));
}

/**
 * Whether the step leaves its case open and only moves its next due time, which releasing the lease writes (see
 * releaseCases) and which touches one index; closing, escalating or recovering also rewrites the several indexes
 * that hold the state and amounts (measured: 5× the cost), so only those cases are written again by writeCases.
 */
function onlyMovesDue(w: CaseWork): boolean {
  return (
    w.caseState === 'open' &&
    w.payments.length === 0 &&
    w.closedInvoices.size === 0 &&
    w.escalatedAt === w.rows.case.escalated_at
  );
}

/** Writes the new state of each case that a step closed, escalated or paid. */
async function writeCases(trx: Trx, works: readonly CaseWork[], now: number): Promise<void> {
  await updateMany(
    trx,
    'cases',
    {
      keys: ['id'],
      set: ['state', 'next_due_at', 'closed_at', 'escalated_at'],
      add: ['amount_recovered'],
      where: sql`cases.state = 'open'`,
    },
    works
      .filter((w) => !onlyMovesDue(w))
      .map((w) => ({
        id: w.rows.case.id,
        state: w.caseState,
        next_due_at: w.caseState === 'open' ? nextDue(w) : null,
        closed_at: w.caseState === 'open' ? null : now,
        escalated_at: w.escalatedAt,
        amount_recovered: w.payments.reduce((sum, p) => sum + p.amount, 0),
      })),
  );
}

/** The case's next due time once this step's outcome is applied; null when no step is left. */
function nextDue(w: CaseWork): number | null {
  let next: number | null = w.stepStatus === 'pending' ? w.stepDueAt : null;
  for (const s of w.rows.pendingSteps) {
    if (s.step_id === w.stepId || w.passedOver.some((p) => p.stepId === s.step_id)) continue;
    if (next === null || s.due_at < next) next = s.due_at;
  }
  return next;
}
