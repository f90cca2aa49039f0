import { sql } from 'kysely';
import type { Db } from '../store/database.ts';
import type { CaseState } from '../store/tables.ts';
import { recoveryBreakdown } from './breakdown.ts';
import { CLASS_ORDER, type OpeningClass } from './opening-failure.ts';
import { median, recoveryRate } from './rates.ts';
import { NO_CONTACT_STEP, creditedStep } from './recovery-credit.ts';
import { DAY, countWhere, total } from './sql.ts';

export { NO_CONTACT_STEP } from './recovery-credit.ts';
export type { OpeningClass } from './opening-failure.ts';
export { median, recoveryRate } from './rates.ts';

/** Money failed and recovered in one currency; amounts are integer minor units and never mix currencies. */
export interface CurrencyRecovery {
  readonly currency: string;
  readonly cases: number;
  readonly failedAmount: number;
  readonly recoveredAmount: number;
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

/** Recovered cases credited to one policy step: the retry that collected, or the last message before payment. */
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

/** Computes the recovery summary from the database (SQLite or PostgreSQL) with one query per figure. */
export async function recoverySummary(db: Db): Promise<RecoverySummary> {
  const [currencies, byDeclineClass, byStep, messages, casesByState] = await Promise.all([
    currencyRecovery(db),
    classRecovery(db),
    stepRecovery(db),
    messageCounts(db),
    stateCounts(db),
  ]);
  return { currencies, byDeclineClass, byStep, messages, casesByState };
}

async function currencyRecovery(db: Db): Promise<CurrencyRecovery[]> {
  const [sums, durations] = await Promise.all([
    db
      .selectFrom('cases')
      .select((eb) => [
        'currency',
        eb.fn.countAll<number>().as('cases'),
        total('amount_failed').as('failed'),
        total('amount_recovered').as('recovered'),
        countWhere(sql`state = 'recovered'`).as('recovered_cases'),
      ])
      .groupBy('currency')
      .orderBy('currency')
      .execute(),
    db
      .selectFrom('cases')
      .select(['currency', sql<number>`closed_at - opened_at`.as('ms')])
      .where('state', '=', 'recovered')
      .orderBy('currency')
      .orderBy(sql`closed_at - opened_at`)
      .execute(),
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
    recoveredCases: Number(s.recovered_cases),
    recoveryRate: recoveryRate(Number(s.recovered), Number(s.failed)),
    medianDaysToRecover: median(daysByCurrency.get(s.currency) ?? []),
  }));
}

async function classRecovery(db: Db): Promise<ClassRecovery[]> {
  // The dashboard's decline-class breakdown over every case, in the classes' own order.
  const rows = await recoveryBreakdown(db, 'decline_class');
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

async function stepRecovery(db: Db): Promise<StepRecovery[]> {
  const rows = await db
    .selectFrom(
      db
        .selectFrom('cases as c')
        .where('c.state', '=', 'recovered')
        .select(['c.currency', 'c.amount_recovered', creditedStep('c').as('step')])
        .as('r'),
    )
    .select((eb) => [
      'r.currency',
      'r.step',
      eb.fn.countAll<number>().as('cases'),
      total('r.amount_recovered').as('recovered'),
    ])
    .groupBy(['r.currency', 'r.step'])
    .execute();
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
