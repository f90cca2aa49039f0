import { type QueryExecutorProvider, type RawBuilder, sql } from 'kysely';
import { instant } from './sql.ts';

// What part of a case's money failed and what part came in on time. A B2B case opens before its invoice is due
// (pre-due reminders), so its amount_failed is what was owed then, not what went unpaid: money paid on or before
// the due date of an invoice whose charge never failed was never late. Every analytics figure that says "failed"
// or "recovered" reads these expressions, so the overview, the breakdowns, the daily chart and the recovery
// credit cannot disagree about it.

/**
 * Payments on the case received on or before the due date of an invoice no charge had failed for. One seek in
 * `payments_case` per case, then one invoice by its key per payment.
 */
function onTimeLive(caseAlias: string): RawBuilder<number> {
  return sql<number>`(select coalesce(sum(p.amount), 0) from payments p
    join invoices i on i.id = p.invoice_id
    where p.case_id = ${sql.ref(`${caseAlias}.id`)} and ${paidOnTime('p', 'i')})`;
}

/** True for a payment (alias `p`) on an invoice (alias `i`) that had not failed when it came in. */
export function paidOnTime(payment: string, invoice: string): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(`${invoice}.failed_at`)} is null
    and ${sql.ref(`${payment}.received_at`)} <= ${sql.ref(`${invoice}.due_at`)}`;
}

/**
 * What the case collected on time: read from its stamp once it is closed, worked out live while it is open (or
 * for a closed case not stamped yet: the stamp is an index-only read, the live sum a seek per case).
 */
function collectedOnTime(caseAlias: string): RawBuilder<number> {
  return sql<number>`coalesce(${sql.ref(`${caseAlias}.amount_on_time`)}, ${onTimeLive(caseAlias)})`;
}

/**
 * The open balance of an open case's invoices that are not due yet at `now` and whose charge never failed: not
 * failed yet. Zero for a closed case, without a seek.
 */
function notDueYet(caseAlias: string, now: number): RawBuilder<number> {
  return sql<number>`case when ${sql.ref(`${caseAlias}.state`)} = 'open' then
    (select coalesce(sum(i.total - i.amount_paid), 0) from invoices i
      where i.case_id = ${sql.ref(`${caseAlias}.id`)} and i.status = 'open' and i.failed_at is null
        and i.due_at > ${instant(now)})
    else 0 end`;
}

/**
 * The select-list items `on_time` (what the case collected on time) and `not_due` (what an open case owes that is
 * not due yet at `now`) of a case, for a derived table whose rows {@link failedOf}, {@link recoveredOf} and
 * {@link recoveredLateOf} read along with the case's own `state`, `amount_failed` and `amount_recovered`.
 */
export function moneyColumns(caseAlias: string, now: number): RawBuilder<unknown> {
  return sql`${collectedOnTime(caseAlias)} as on_time, ${notDueYet(caseAlias, now)} as not_due`;
}

/**
 * A case's failed amount at `now`: what failed charges left unpaid, and what was still unpaid when an invoice fell
 * due. Its amount_failed (what it owed when its invoices joined it) less what it collected on time and what is not
 * due yet.
 */
export function failedOf(row: string): RawBuilder<number> {
  return sql<number>`(${sql.ref(`${row}.amount_failed`)} - ${sql.ref(`${row}.on_time`)} - ${sql.ref(`${row}.not_due`)})`;
}

/** What a case recovered after something failed: its amount_recovered less what it collected on time. */
export function recoveredOf(row: string): RawBuilder<number> {
  return sql<number>`(${sql.ref(`${row}.amount_recovered`)} - ${sql.ref(`${row}.on_time`)})`;
}

/** True for a recovered case that recovered failed money, not only money paid on time. */
function lateRecovery(
  state: RawBuilder<unknown>,
  recovered: RawBuilder<unknown>,
  onTime: RawBuilder<unknown>,
) {
  return sql<boolean>`(${state} = 'recovered' and ${recovered} > ${onTime})`;
}

/** {@link lateRecovery} of a derived-table row carrying {@link moneyColumns}. */
export function recoveredLateOf(row: string): RawBuilder<boolean> {
  return lateRecovery(sql.ref(`${row}.state`), sql.ref(`${row}.amount_recovered`), sql.ref(`${row}.on_time`));
}

/** {@link lateRecovery} of a row of `cases` itself. */
export function recoveredLate(caseAlias: string): RawBuilder<boolean> {
  return lateRecovery(
    sql.ref(`${caseAlias}.state`),
    sql.ref(`${caseAlias}.amount_recovered`),
    collectedOnTime(caseAlias),
  );
}

/**
 * Stamps what the given cases (every case when `all`) collected on time, once they are closed; cases never
 * reopen and payments are recorded in the transaction that closes a case, so the stamp is final.
 */
export async function stampOnTime(
  db: QueryExecutorProvider,
  cases: readonly string[] | 'all',
): Promise<void> {
  if (cases !== 'all' && cases.length === 0) return;
  const scope = cases === 'all' ? sql`` : sql` and id in (${sql.join(cases)})`;
  await sql`update cases set amount_on_time = ${onTimeLive('cases')}
    where state <> 'open' and amount_on_time is null${scope}`.execute(db);
}
