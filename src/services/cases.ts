import { type RawBuilder, sql } from 'kysely';
import { stampCredit } from '../analytics/recovery-credit.ts';
import { roleGrants } from '../api/auth/permissions.ts';
import { manualRetryStepId, nextManualStepId } from '../engine/manual-steps.ts';
import { type Database, type Queryable, type Trx, writeTransaction } from '../store/database.ts';
import {
  ACTIVE_CASE_STATES,
  type CaseState,
  type InvoiceRow,
  type StepRow,
  type TimelineRow,
} from '../store/tables.ts';
import { outboxEvent, writeOutboxEvents } from '../webhooks/outbox.ts';
import { type Actor, actorData } from './actor.ts';

/** Which cases a list shows; every filter is optional and they combine with AND. */
export interface CaseFilter {
  readonly state?: CaseState;
  readonly customerId?: string;
  readonly currency?: string;
  /** A policy name: cases on any version of it. */
  readonly policy?: string;
  readonly paused?: boolean;
  readonly escalated?: boolean;
  /** Bounds on what the case's open invoices still owe, inclusive, in minor units. */
  readonly minOwed?: number;
  readonly maxOwed?: number;
  /** Opened strictly before this instant (epoch ms). */
  readonly openedBefore?: number;
  /** Opened at or after this instant (epoch ms). */
  readonly openedAfter?: number;
  /** Assigned to this user id; null: assigned to nobody. */
  readonly assignee?: string | null;
}

/** A case as lists show it: its state, its policy version, and what was, is and came in owed. */
export interface CaseSummary {
  readonly id: string;
  readonly customer_id: string;
  readonly customer_name: string;
  readonly currency: string;
  readonly state: CaseState;
  readonly paused: number;
  readonly policy_version_id: string;
  readonly policy_name: string;
  readonly policy_version: number;
  readonly anchor_at: number;
  readonly opened_at: number;
  readonly closed_at: number | null;
  readonly next_due_at: number | null;
  readonly escalated_at: number | null;
  readonly amount_failed: number;
  readonly amount_recovered: number;
  /** What the case's open invoices still owe now. */
  readonly amount_owed: number;
  /** The person working the case, if anyone. */
  readonly assignee_user_id: string | null;
  readonly assignee_email: string | null;
  /** Failures in a row of the engine's work on it (0 when healthy), and what the latest said. */
  readonly error_count: number;
  readonly last_error: string | null;
}

/** A case with everything that explains it: invoices, planned steps and the timeline, oldest first. */
export interface CaseDetail {
  readonly summary: CaseSummary;
  readonly invoices: InvoiceRow[];
  readonly steps: StepRow[];
  readonly timeline: TimelineRow[];
}

/**
 * Why a change to a case cannot be made: there is no such case, its state does not allow it, or an input names
 * something unusable; `field` is the input at fault (the case's id unless said otherwise).
 */
export class CaseActionError extends Error {
  constructor(
    readonly kind: 'not_found' | 'conflict' | 'invalid',
    readonly reason: string,
    readonly field = 'path.id',
  ) {
    super(reason);
  }
}

// What the open invoices still owe, per case, as one correlated sub-select: it rides the invoices_case index, so a
// page of cases costs one statement rather than one query per case. Cast because PostgreSQL sums bigint to
// numeric, which its driver hands back as a string; bigint comes back as a number (see store/database.ts).
const OWED = sql<number>`(select cast(coalesce(sum(case when i.total > i.amount_paid then i.total - i.amount_paid else 0 end), 0) as bigint) from invoices i where i.case_id = c.id and i.status = 'open')`;

// Case lists are written as SQL templates rather than with the query builder: GET /v1/cases is a benchmarked hot
// path, and building and compiling the query through the builder cost more than running it.
const SUMMARY = sql`select c.id, c.customer_id, cu.name as customer_name, c.currency, c.state, c.paused,
  c.policy_version_id, p.name as policy_name, p.version as policy_version, c.anchor_at, c.opened_at, c.closed_at,
  c.next_due_at, c.escalated_at, c.amount_failed, c.amount_recovered, ${OWED} as amount_owed,
  c.assignee_user_id, au.email as assignee_email, c.error_count, c.last_error
  from cases c
  join customers cu on cu.id = c.customer_id
  join policy_versions p on p.id = c.policy_version_id
  left join users au on au.id = c.assignee_user_id`;

function conditions(f: CaseFilter, after: string | null): RawBuilder<unknown>[] {
  const where: RawBuilder<unknown>[] = [];
  if (after !== null) where.push(sql`c.id < ${after}`);
  if (f.state !== undefined) where.push(sql`c.state = ${f.state}`);
  if (f.customerId !== undefined) where.push(sql`c.customer_id = ${f.customerId}`);
  if (f.currency !== undefined) where.push(sql`c.currency = ${f.currency}`);
  if (f.policy !== undefined) where.push(sql`p.name = ${f.policy}`);
  // Literals, not parameters: only a literal `paused = 1` lets SQLite's planner use the partial index cases_paused.
  if (f.paused !== undefined) where.push(f.paused ? sql`c.paused = 1` : sql`c.paused = 0`);
  if (f.escalated !== undefined)
    where.push(f.escalated ? sql`c.escalated_at is not null` : sql`c.escalated_at is null`);
  if (f.minOwed !== undefined) where.push(sql`${OWED} >= ${f.minOwed}`);
  if (f.maxOwed !== undefined) where.push(sql`${OWED} <= ${f.maxOwed}`);
  if (f.openedBefore !== undefined) where.push(sql`c.opened_at < ${f.openedBefore}`);
  if (f.openedAfter !== undefined) where.push(sql`c.opened_at >= ${f.openedAfter}`);
  // A person's queue rides the partial index cases_assignee; unassigned cases are most of them, so that filter
  // walks the primary key like an unfiltered list.
  if (f.assignee !== undefined) {
    where.push(
      f.assignee === null ? sql`c.assignee_user_id is null` : sql`c.assignee_user_id = ${f.assignee}`,
    );
  }
  return where;
}

/** The query behind listCases, for whoever must run it another way (the HTTP benchmark's query-only route). */
export function caseListQuery(
  filter: CaseFilter,
  page: { readonly after: string | null; readonly limit: number },
): RawBuilder<CaseSummary> {
  const where = conditions(filter, page.after);
  const clause = where.length === 0 ? sql`` : sql`where ${sql.join(where, sql` and `)}`;
  return sql<CaseSummary>`${SUMMARY} ${clause} order by c.id desc limit ${page.limit}`;
}

/** Up to `limit` cases matching `filter`, newest first, after the cursor id `after`. */
export async function listCases(
  db: Queryable,
  filter: CaseFilter,
  page: { readonly after: string | null; readonly limit: number },
): Promise<CaseSummary[]> {
  return (await caseListQuery(filter, page).execute(db)).rows;
}

/** One case as lists show it, or null. */
export async function getCaseSummary(db: Queryable, id: string): Promise<CaseSummary | null> {
  const result = await sql<CaseSummary>`${SUMMARY} where c.id = ${id}`.execute(db);
  return result.rows[0] ?? null;
}

/** A case with its invoices, its planned steps (in time order) and its whole timeline, or null. */
export async function getCaseDetail(db: Queryable, id: string): Promise<CaseDetail | null> {
  const summary = await getCaseSummary(db, id);
  if (!summary) return null;
  const [invoices, steps, timeline] = await Promise.all([
    db.selectFrom('invoices').selectAll().where('case_id', '=', id).orderBy('due_at').orderBy('id').execute(),
    db
      .selectFrom('scheduled_steps')
      .selectAll()
      .where('case_id', '=', id)
      .orderBy('due_at')
      .orderBy('position')
      .execute(),
    db.selectFrom('timeline_events').selectAll().where('case_id', '=', id).orderBy('id').execute(),
  ]);
  return { summary, invoices, steps, timeline };
}

/**
 * Pauses an open case: the scheduler claims no paused case, so its pending steps wait. Pausing a paused case
 * changes nothing. The update is guarded by `state = 'open'`, and workers never write `paused`, so a worker
 * finishing a step it claimed before the pause cannot undo it.
 */
export async function pauseCase(
  database: Database,
  input: { id: string; actor: Actor; reason?: string | undefined; now: number },
): Promise<void> {
  await writeTransaction(database, async (trx) => {
    const changed = await setPaused(trx, input.id, true);
    if (!changed) return;
    await addEvent(trx, changed, input.now, 'case.paused', `paused by ${byline(input.actor, input.reason)}`, {
      by: actorData(input.actor),
      reason: input.reason ?? null,
    });
  });
}

/**
 * Sets an open case's paused flag; returns the case when that changed it, and null when it was already so. A case
 * that is missing or closed is an error (requireOpen).
 */
async function setPaused(trx: Trx, id: string, paused: boolean) {
  const changed = await trx
    .updateTable('cases')
    .set({ paused: paused ? 1 : 0 })
    .where('id', '=', id)
    .where('state', '=', 'open')
    .where('paused', '=', paused ? 0 : 1)
    .returning(['id', 'policy_version_id'])
    .executeTakeFirst();
  if (!changed) await requireOpen(trx, id, paused ? 'paused' : 'resumed');
  return changed ?? null;
}

/**
 * Resumes a paused case by re-planning it: every pending step moves later by the time the case spent paused (since
 * its latest `case.paused` event), so the policy carries on with the spacing it had. Steps that came due while
 * paused therefore neither run in a burst at the next tick nor get skipped; the step that was next when the case
 * was paused is next again, as far away as it was then. Resuming an unpaused case changes nothing.
 */
export async function resumeCase(
  database: Database,
  input: { id: string; actor: Actor; reason?: string | undefined; now: number },
): Promise<void> {
  await writeTransaction(database, async (trx) => {
    const changed = await setPaused(trx, input.id, false);
    if (!changed) return;
    // A dispute pauses its case until the billing system reports it resolved; a person cannot overrule that.
    const disputes = await trx
      .selectFrom('inbound_disputes')
      .innerJoin('invoices', 'invoices.id', 'inbound_disputes.invoice_id')
      .select('inbound_disputes.dispute_id')
      .where('invoices.case_id', '=', input.id)
      .where('inbound_disputes.status', '=', 'open')
      .execute();
    if (disputes.length > 0) {
      const ids = disputes.map((d) => d.dispute_id).join(', ');
      throw new CaseActionError(
        'conflict',
        `dispute ${ids} is still open; the case resumes when it is resolved`,
      );
    }
    const pausedAt = await trx
      .selectFrom('timeline_events')
      .select('at')
      .where('case_id', '=', input.id)
      .where('type', '=', 'case.paused')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const shift = pausedAt ? Math.max(0, input.now - Number(pausedAt.at)) : 0;
    const moved =
      shift === 0
        ? 0
        : Number(
            (
              await trx
                .updateTable('scheduled_steps')
                .set((eb) => ({ due_at: eb('due_at', '+', shift) }))
                .where('case_id', '=', input.id)
                .where('status', '=', 'pending')
                .executeTakeFirst()
            ).numUpdatedRows,
          );
    const next = await trx
      .updateTable('cases')
      .set({
        next_due_at: sql<
          number | null
        >`(select min(s.due_at) from scheduled_steps s where s.case_id = cases.id and s.status = 'pending')`,
      })
      .where('id', '=', input.id)
      .returning('next_due_at')
      .executeTakeFirstOrThrow();
    const plan =
      moved === 0 ? 'no pending step moved' : `${moved} pending steps moved ${describeSpan(shift)} later`;
    await addEvent(
      trx,
      changed,
      input.now,
      'case.resumed',
      `resumed by ${byline(input.actor, input.reason)}; ${plan} (the time it was paused)`,
      {
        by: actorData(input.actor),
        reason: input.reason ?? null,
        shifted_ms: shift,
        steps_moved: moved,
        next_due_at: next.next_due_at === null ? null : Number(next.next_due_at),
      },
    );
  });
}

/**
 * Cancels an open or parked (needs_attention) case: it closes as `cancelled` and every pending step is cancelled in the same transaction. The
 * updates are guarded by `state = 'open'` and `status = 'pending'`, exactly as the engine's own writes are, so a
 * worker finishing a step on this case meanwhile cannot reopen it or revive a step.
 */
export async function cancelCase(
  database: Database,
  input: { id: string; actor: Actor; reason: string; now: number },
): Promise<void> {
  await writeTransaction(database, async (trx) => {
    const changed = await trx
      .updateTable('cases')
      .set({ state: 'cancelled', closed_at: input.now, next_due_at: null })
      .where('id', '=', input.id)
      .where('state', 'in', ACTIVE_CASE_STATES)
      .returning(['id', 'policy_version_id', 'customer_id', 'currency'])
      .executeTakeFirst();
    if (!changed) {
      await requireOpen(trx, input.id, 'cancelled');
      return;
    }
    const steps = await trx
      .updateTable('scheduled_steps')
      .set({ status: 'cancelled', completed_at: input.now })
      .where('case_id', '=', input.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    const cancelled = Number(steps.numUpdatedRows);
    await addEvent(
      trx,
      changed,
      input.now,
      'case.cancelled',
      `cancelled by ${byline(input.actor, input.reason)}; ${cancelled} pending steps cancelled`,
      { by: actorData(input.actor), reason: input.reason, steps_cancelled: cancelled },
    );
    await stampCredit(trx, [changed.id]);
    // The update above holds the case's row lock, which orders its outbox events (see writeOutboxEvents).
    await writeOutboxEvents(trx, [
      outboxEvent(
        'case.cancelled',
        input.now,
        { caseId: changed.id, customerId: changed.customer_id },
        { currency: changed.currency, reason: 'manual', step_id: null },
      ),
    ]);
  });
}

/**
 * Retry now: makes the case's next pending retry step due at once, so the next tick charges. When its policy has
 * no retry step left, an ad-hoc step (`manual-retry-<n>`) is planned instead, due now. Either way the charge goes
 * through every rule a scheduled retry does (methods in priority order, hard declines never retried, network
 * caps and advised waits, the step's own idempotency key), because it is a step the engine runs. Asking again
 * before the tick makes the same step due, so two requests charge once. Refused while the case is paused (resume
 * it first), while a worker holds its lease (the worker would write back the due time it had read), and when the
 * customer has no active payment method. Returns the step made due. A parked (`needs_attention`) case is put back
 * to work instead (reopenParked), and null is returned.
 */
export async function retryCaseNow(
  database: Database,
  input: { id: string; actor: Actor; reason?: string | undefined; now: number; wallNow: number },
): Promise<string | null> {
  return writeTransaction(database, async (trx) => {
    if (await reopenParked(trx, input)) return null;
    // The update comes first: it takes the case's row lock, so concurrent requests see each other's ad-hoc step.
    const changed = await trx
      .updateTable('cases')
      .set({
        next_due_at: sql<number>`case when next_due_at is null or next_due_at > ${input.now} then ${input.now} else next_due_at end`,
      })
      .where('id', '=', input.id)
      .where('state', '=', 'open')
      .where('paused', '=', 0)
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', input.wallNow)]))
      .returning(['id', 'policy_version_id', 'customer_id'])
      .executeTakeFirst();
    // Throwing from here on rolls back the due time set above.
    if (!changed) {
      const c = await requireOpen(trx, input.id, 'retried');
      if (c.paused === 1) throw new CaseActionError('conflict', 'the case is paused; resume it first');
      throw new CaseActionError(
        'conflict',
        'a worker is working this case right now; try again in a few seconds',
      );
    }
    const method = await trx
      .selectFrom('payment_methods')
      .select('id')
      .where('customer_id', '=', changed.customer_id)
      .where('status', '=', 'active')
      .limit(1)
      .executeTakeFirst();
    if (!method) throw new CaseActionError('conflict', 'the customer has no active payment method to charge');
    const planned = await trx
      .selectFrom('scheduled_steps')
      .select(['step_id', 'due_at'])
      .where('case_id', '=', input.id)
      .where('status', '=', 'pending')
      .where('action', '=', 'retry')
      .orderBy('due_at')
      .orderBy('position')
      .limit(1)
      .executeTakeFirst();
    const step = planned ?? (await planManualRetry(trx, input.id, input.now));
    const dueAt = Math.min(Number(step.due_at), input.now);
    await trx
      .updateTable('scheduled_steps')
      .set({ due_at: dueAt })
      .where('case_id', '=', input.id)
      .where('step_id', '=', step.step_id)
      .where('status', '=', 'pending')
      .execute();
    const what = planned
      ? `step ${step.step_id} made due`
      : `no retry step of its policy is left, so ad-hoc step ${step.step_id} was added, due now`;
    await addEvent(
      trx,
      { ...changed, step_id: step.step_id },
      input.now,
      'retry.requested',
      `retry now requested by ${byline(input.actor, input.reason)}: ${what}`,
      {
        by: actorData(input.actor),
        reason: input.reason ?? null,
        step: step.step_id,
        ad_hoc: !planned,
        was_due_at: planned ? Number(planned.due_at) : null,
      },
    );
    return step.step_id;
  });
}

/**
 * Puts a parked (`needs_attention`) case back to work: open, its failures forgotten, due at once (its steps stay as
 * they were, so the engine runs the step that failed); a `case.reopened` event names who did it. Returns whether the
 * case was parked.
 */
async function reopenParked(
  trx: Trx,
  input: { id: string; actor: Actor; reason?: string | undefined; now: number },
): Promise<boolean> {
  const reopened = await trx
    .updateTable('cases')
    .set({ state: 'open', error_count: 0, last_error: null, next_due_at: input.now })
    .where('id', '=', input.id)
    .where('state', '=', 'needs_attention')
    .returning(['id', 'policy_version_id'])
    .executeTakeFirst();
  if (!reopened) return false;
  await addEvent(
    trx,
    reopened,
    input.now,
    'case.reopened',
    `retried by ${byline(input.actor, input.reason)}: back to work after failing; due now`,
    { by: actorData(input.actor), reason: input.reason ?? null },
  );
  return true;
}

/** Plans an ad-hoc retry step for a case, due at `now`, with the first `manual-retry-<n>` id the case has not used. */
async function planManualRetry(trx: Trx, caseId: string, now: number) {
  const taken = await trx
    .selectFrom('scheduled_steps')
    .select('step_id')
    .where('case_id', '=', caseId)
    .execute();
  const stepId = nextManualStepId(
    manualRetryStepId,
    taken.map((s) => s.step_id),
  );
  // Position -1 puts it before any policy step due at the same instant, as the policies put retries first.
  await trx
    .insertInto('scheduled_steps')
    .values({
      case_id: caseId,
      step_id: stepId,
      position: -1,
      action: 'retry',
      due_at: now,
      status: 'pending',
      completed_at: null,
    })
    .execute();
  return { step_id: stepId, due_at: now };
}

/**
 * Assigns an open case to an enabled user, or unassigns any case (`userId: null`), with a `case.assigned`
 * timeline event naming both in the same transaction. Assigning the case to whom it is assigned changes nothing.
 */
export async function assignCase(
  database: Database,
  input: { id: string; userId: string | null; actor: Actor; now: number },
): Promise<void> {
  await writeTransaction(database, async (trx) => {
    const c = await trx
      .selectFrom('cases')
      .select(['id', 'policy_version_id', 'state', 'assignee_user_id'])
      .where('id', '=', input.id)
      .executeTakeFirst();
    if (!c) throw new CaseActionError('not_found', `no case '${input.id}'`);
    let email: string | null = null;
    if (input.userId !== null) {
      const user = await trx
        .selectFrom('users')
        .select(['email', 'disabled_at', 'role'])
        .where('id', '=', input.userId)
        .executeTakeFirst();
      if (!user) throw new CaseActionError('invalid', `no user with id '${input.userId}'`, 'body.user_id');
      if (user.disabled_at !== null) {
        throw new CaseActionError('invalid', `user ${user.email} is disabled`, 'body.user_id');
      }
      if (!roleGrants(user.role).includes('cases:work')) {
        throw new CaseActionError(
          'invalid',
          `user ${user.email} is a ${user.role} and cannot work cases`,
          'body.user_id',
        );
      }
      if (c.state !== 'open') {
        throw new CaseActionError('conflict', `the case is ${c.state}; only an open case can be assigned`);
      }
      email = user.email;
    }
    if (c.assignee_user_id === input.userId) return;
    await trx
      .updateTable('cases')
      .set({ assignee_user_id: input.userId })
      .where('id', '=', input.id)
      .execute();
    await addEvent(
      trx,
      c,
      input.now,
      'case.assigned',
      email === null ? `unassigned by ${input.actor.name}` : `assigned to ${email} by ${input.actor.name}`,
      {
        by: actorData(input.actor),
        user_id: input.userId,
        email,
        previous_user_id: c.assignee_user_id,
      },
    );
  });
}

/**
 * Adds a note to a case's timeline, naming its author. Closed cases take notes too: what a customer said after
 * the case closed belongs to its history.
 */
export async function addCaseNote(
  database: Database,
  input: { id: string; actor: Actor; text: string; now: number },
): Promise<TimelineRow> {
  return writeTransaction(database, async (trx) => {
    const c = await trx
      .selectFrom('cases')
      .select(['id', 'policy_version_id'])
      .where('id', '=', input.id)
      .executeTakeFirst();
    if (!c) throw new CaseActionError('not_found', `no case '${input.id}'`);
    return addEvent(trx, c, input.now, 'note.added', `note by ${input.actor.name}`, {
      by: actorData(input.actor),
      text: input.text,
    });
  });
}

/** The case's state after a refused guarded update: not there (404), or closed (409); else the row. */
async function requireOpen(trx: Trx, id: string, verb: string) {
  const c = await trx.selectFrom('cases').select(['state', 'paused']).where('id', '=', id).executeTakeFirst();
  if (!c) throw new CaseActionError('not_found', `no case '${id}'`);
  if (c.state !== 'open') {
    throw new CaseActionError('conflict', `the case is ${c.state}; only an open case can be ${verb}`);
  }
  return c;
}

async function addEvent(
  trx: Trx,
  c: { id: string; policy_version_id: string; step_id?: string },
  at: number,
  type: string,
  rule: string,
  data: Record<string, unknown>,
): Promise<TimelineRow> {
  const row = await trx
    .insertInto('timeline_events')
    .values({
      case_id: c.id,
      at,
      type,
      policy_version_id: c.policy_version_id,
      step_id: c.step_id ?? null,
      rule,
      data: JSON.stringify(data),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return row;
}

function byline(actor: Actor, reason: string | undefined): string {
  return reason ? `${actor.name}: ${reason}` : actor.name;
}

function describeSpan(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const days = Math.floor(minutes / 1_440);
  const hours = Math.floor((minutes % 1_440) / 60);
  const parts = [days ? `${days}d` : '', hours ? `${hours}h` : '', minutes % 60 ? `${minutes % 60}m` : ''];
  return parts.filter(Boolean).join(' ') || `${Math.round(ms / 1000)}s`;
}
