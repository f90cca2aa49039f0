import { sql } from 'kysely';
import type { Db } from '../store/database.ts';
import type { CaseState } from '../store/tables.ts';
import { recoveryBreakdown } from './breakdown.ts';
import { CLASS_ORDER, type OpeningClass } from './opening-failure.ts';
import { median, recoveryRate } from './rates.ts';
import { NO_CONTACT_STEP, creditedStep } from './recovery-credit.ts';
import { failedOf, moneyColumns, recoveredLateOf, recoveredOf } from './case-money.ts';
import { DAY, countWhere, rowsOf, total, totalOf } from './sql.ts';

export { NO_CONTACT_STEP } from './recovery-credit.ts';
export type { OpeningClass } from './opening-failure.ts';
export { median, recoveryRate } from './rates.ts';

/** Money failed and recovered in one currency; amounts are integer minor units and never mix currencies. */
export interface CurrencyRecovery {
  readonly currency: string;
  readonly cases: number;
  readonly failedAmount: number;
  readonly recoveredAmount: number;
  /** Paid on time on the cases' invoices: never failed, so neither failed nor recovered. */
  readonly collectedOnTimeAmount: number;
  /** Cases that recovered failed money. */
  readonly recoveredCases: number;
  /** Recovered ÷ failed, as Stripe defines its recovery rate; null when nothing failed. */
  readonly recoveryRate: number | null;
  /** From the case opening to its recovery; null when nothing was recovered. */
  readonly medianDaysToRecover: number | null;
}

/** Recovery among the cases whose opening failure had one decline class. */
export interface ClassRecovery {
  readonly currency: string;
  readonly declineClass: OpeningClass;
  readonly cases: number;
  readonly failedAmount: number;
  readonly recoveredAmount: number;
  readonly recoveredCases: number;
  readonly recoveryRate: number | null;
}

/**
 * Cases that recovered failed money, credited to one policy step: the retry that collected, or the last message
 * before payment; `recoveredAmount` leaves out what was paid on time.
 */
export interface StepRecovery {
  readonly currency: string;
  readonly stepId: string;
  readonly cases: number;
  readonly recoveredAmount: number;
}

export interface MessageCount {
  readonly channel: string;
  readonly status: string;
  readonly messages: number;
}

export interface StateCount {
  readonly state: CaseState;
  readonly cases: number;
}

/** Everything the demo and the dashboard show about recovery, each list in a stable order. */
export interface RecoverySummary {
  readonly currencies: readonly CurrencyRecovery[];
  readonly byDeclineClass: readonly ClassRecovery[];
  readonly byStep: readonly StepRecovery[];
  readonly messages: readonly MessageCount[];
  readonly casesByState: readonly StateCount[];
}

/**
 * Computes the recovery summary at `now` from the database (SQLite or PostgreSQL) with one query per figure;
 * failed and recovered as the dashboard counts them (see case-money.ts).
 */
export async function recoverySummary(db: Db, now: number): Promise<RecoverySummary> {
  const [currencies, byDeclineClass, byStep, messages, casesByState] = await Promise.all([
    currencyRecovery(db, now),
    classRecovery(db, now),
    stepRecovery(db, now),
    messageCounts(db),
    stateCounts(db),
  ]);
  return { currencies, byDeclineClass, byStep, messages, casesByState };
}

async function currencyRecovery(db: Db, now: number): Promise<CurrencyRecovery[]> {
  const perCase = sql`(select c.currency, c.state, c.opened_at, c.closed_at, c.amount_failed, c.amount_recovered,
    ${moneyColumns('c', now)} from cases c) o`;
  const [sums, durations] = await Promise.all([
    rowsOf(
      db,
      sql<{
        currency: string;
        cases: number;
        failed: number;
        recovered: number;
        on_time: number;
        late: number;
      }>`
      select o.currency, count(*) as cases, ${totalOf(failedOf('o'))} as failed,
        ${totalOf(recoveredOf('o'))} as recovered, ${total('o.on_time')} as on_time,
        ${countWhere(recoveredLateOf('o'))} as late
      from ${perCase} group by o.currency order by o.currency`,
    ),
    rowsOf(
      db,
      sql<{ currency: string; ms: number }>`
      select o.currency, o.closed_at - o.opened_at as ms from ${perCase}
      where ${recoveredLateOf('o')} order by o.currency, o.closed_at - o.opened_at`,
    ),
  ]);
  const daysByCurrency = new Map<string, number[]>();
  for (const d of durations) {
    const list = daysByCurrency.get(d.currency) ?? [];
    list.push(Number(d.ms) / DAY);
    daysByCurrency.set(d.currency, list);
  }
  return sums.map((s) => ({
    currency: s.currency,
    cases: Number(s.cases),
    failedAmount: Number(s.failed),
    recoveredAmount: Number(s.recovered),
    collectedOnTimeAmount: Number(s.on_time),
    recoveredCases: Number(s.late),
    recoveryRate: recoveryRate(Number(s.recovered), Number(s.failed)),
    medianDaysToRecover: median(daysByCurrency.get(s.currency) ?? []),
  }));
}

async function classRecovery(db: Db, now: number): Promise<ClassRecovery[]> {
  // The dashboard's decline-class breakdown over every case, in the classes' own order.
  const rows = await recoveryBreakdown(db, 'decline_class', now);
  return rows
    .map((r) => ({
      currency: r.currency,
      declineClass: r.key as OpeningClass,
      cases: r.cases,
      failedAmount: r.failedAmount,
      recoveredAmount: r.recoveredAmount,
      recoveredCases: r.recoveredCases,
      recoveryRate: r.recoveryRate,
    }))
    .sort(
      (a, b) =>
        a.currency.localeCompare(b.currency) ||
        CLASS_ORDER.indexOf(a.declineClass) - CLASS_ORDER.indexOf(b.declineClass),
    );
}

async function stepRecovery(db: Db, now: number): Promise<StepRecovery[]> {
  const rows = await rowsOf(
    db,
    sql<{ currency: string; step: string | null; cases: number; recovered: number }>`
    select r.currency, r.step, count(*) as cases, ${totalOf(recoveredOf('r'))} as recovered
    from (
      select c.currency, c.state, c.amount_recovered, ${moneyColumns('c', now)}, ${creditedStep('c')} as step
      from cases c where c.state = 'recovered'
    ) r
    where ${recoveredLateOf('r')}
    group by r.currency, r.step`,
  );
  return rows
    .map((r) => ({
      currency: r.currency,
      stepId: r.step ?? NO_CONTACT_STEP,
      cases: Number(r.cases),
      recoveredAmount: Number(r.recovered),
    }))
    .sort((a, b) => a.currency.localeCompare(b.currency) || b.recoveredAmount - a.recoveredAmount);
}

async function messageCounts(db: Db): Promise<MessageCount[]> {
  const rows = await db
    .selectFrom('messages')
    .select((eb) => ['channel', 'status', eb.fn.countAll<number>().as('n')])
    .groupBy(['channel', 'status'])
    .orderBy('channel')
    .orderBy('status')
    .execute();
  return rows.map((r) => ({ channel: r.channel, status: r.status, messages: Number(r.n) }));
}

async function stateCounts(db: Db): Promise<StateCount[]> {
  const rows = await db
    .selectFrom('cases')
    .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
    .groupBy('state')
    .orderBy('state')
    .execute();
  return rows.map((r) => ({ state: r.state, cases: Number(r.n) }));
}
