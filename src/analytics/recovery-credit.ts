import { type QueryExecutorProvider, type RawBuilder, sql } from 'kysely';
import type { Trx } from '../store/database.ts';
import { recoveredLate, stampOnTime } from './case-money.ts';

// What a case's outcome is credited to. Recovery summaries, the dashboard's step/channel/template breakdown and
// anything else that says "this step worked" share these expressions, so they can never disagree.

/** The step a recovery is credited to when the customer paid without any message from us. */
export const NO_CONTACT_STEP = 'customer (no contact)';

/** The key of a case that nothing has acted on yet (no retry, no message) and that was not recovered. */
export const NOT_CONTACTED_STEP = 'not contacted';

// Each subquery reads one partial index of migration 008 (or 001) backwards from the case: one seek per case.

/** The step of the case's latest succeeded retry, or null. */
export function succeededRetryStep(caseAlias: string): RawBuilder<string | null> {
  return sql<string | null>`(select a.step_id from payment_attempts a
    where a.case_id = ${sql.ref(`${caseAlias}.id`)} and a.status = 'succeeded'
    order by a.completed_at desc limit 1)`;
}

/** The step of the last message sent to the case, at or before its closing when `untilClosed`; or null. */
export function lastMessageStep(caseAlias: string, untilClosed: boolean): RawBuilder<string | null> {
  const bound = untilClosed ? sql` and e.at <= ${sql.ref(`${caseAlias}.closed_at`)}` : sql``;
  return sql<string | null>`(select e.step_id from timeline_events e
    where e.case_id = ${sql.ref(`${caseAlias}.id`)} and e.type = 'message.sent'${bound}
    order by e.at desc, e.id desc limit 1)`;
}

/** The step of the case's last payment attempt, whatever its outcome; or null. */
export function lastAttemptStep(caseAlias: string): RawBuilder<string | null> {
  return sql<string | null>`(select a.step_id from payment_attempts a
    where a.case_id = ${sql.ref(`${caseAlias}.id`)}
    order by a.created_at desc, a.id desc limit 1)`;
}

/**
 * The step a recovered case is credited to: the retry that collected the money, otherwise the last message sent
 * before the payment; null when the customer paid without any contact (shown as {@link NO_CONTACT_STEP}).
 */
function recoveryCreditStep(caseAlias: string): RawBuilder<string | null> {
  return sql<string | null>`coalesce(${succeededRetryStep(caseAlias)}, ${lastMessageStep(caseAlias, true)})`;
}

/**
 * The step any case is attributed to: a case that recovered failed money to its {@link recoveryCreditStep}; any
 * other case (a case paid on time among them: nothing of ours collected failed money there) to the last message it
 * was sent, or, when it got none, its last retry; null when nothing acted on it. Only the subqueries a case needs
 * run (coalesce stops at the first value on both databases).
 */
export function attributedStep(caseAlias: string): RawBuilder<string | null> {
  return sql<string | null>`case when ${recoveredLate(caseAlias)}
    then ${recoveryCreditStep(caseAlias)}
    else coalesce(${lastMessageStep(caseAlias, false)}, ${lastAttemptStep(caseAlias)}) end`;
}

/**
 * What a case is stamped with when it closes: its {@link attributedStep}, or `''` when nothing acted on it (so
 * that "stamped, no step" differs from "not stamped yet", which is null).
 */
export function creditOnClose(caseAlias: string): RawBuilder<string> {
  return sql<string>`coalesce(${attributedStep(caseAlias)}, '')`;
}

/**
 * The step a case is attributed to, read from its stamp once it is closed and worked out live while it is open;
 * the same value {@link attributedStep} gives, without its per-case seeks for closed cases.
 */
export function creditedStep(caseAlias: string): RawBuilder<string | null> {
  const stamp = sql.ref(`${caseAlias}.credited_step`);
  return sql<string | null>`case when ${stamp} is not null then nullif(${stamp}, '')
    else ${attributedStep(caseAlias)} end`;
}

/**
 * Stamps the credit (and what was collected on time) of the given cases that are closed, in the transaction that closed them and after every
 * retry, message and timeline event of that transaction is written. Cases never reopen, so the stamp is final.
 */
export async function stampCredit(trx: Trx, caseIds: readonly string[]): Promise<void> {
  if (caseIds.length === 0) return;
  // What was paid on time first: the credit reads it.
  await stampOnTime(trx, caseIds);
  await sql`update cases set credited_step = ${creditOnClose('cases')}
    where id in (${sql.join(caseIds)}) and state <> 'open' and credited_step is null`.execute(trx);
}

/** Stamps every closed case not stamped yet: for cases closed before stamps existed, or loaded in bulk. */
export async function stampClosedCases(db: QueryExecutorProvider): Promise<void> {
  await stampOnTime(db, 'all');
  await sql`update cases set credited_step = ${creditOnClose('cases')}
    where state <> 'open' and credited_step is null`.execute(db);
}
