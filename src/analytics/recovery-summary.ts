import { type RawBuilder, sql } from 'kysely';
import { type DeclineClass, classifyDecline } from '../domain/declines.ts';
import type { Db } from '../store/database.ts';
import type { CaseState } from '../store/tables.ts';

const DAY = 86_400_000;

/** The step a recovery is credited to when the customer paid without any message from us. */
export const NO_CONTACT_STEP = 'customer (no contact)';

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

/** The opening failure's decline class, or `none` for an invoice that nothing tried to charge. */
export type OpeningClass = DeclineClass | 'none';

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

/** Recovered ÷ failed, or null when nothing failed. */
export function recoveryRate(recovered: number, failed: number): number | null {
  return failed > 0 ? recovered / failed : null;
}

/** The median of a sorted list, or null when it is empty. */
export function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// PostgreSQL sums bigints as numeric, which pg returns as a string; a bigint comes back as a number.
function total(column: string): RawBuilder<number> {
  return sql<number>`cast(coalesce(sum(${sql.ref(column)}), 0) as bigint)`;
}

function countWhere(condition: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`cast(coalesce(sum(case when ${condition} then 1 else 0 end), 0) as bigint)`;
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

const CLASS_ORDER: readonly OpeningClass[] = ['soft', 'action_required', 'hard', 'none'];

async function classRecovery(db: Db): Promise<ClassRecovery[]> {
  // The opening failure is the case's earliest failed charge; B2B invoices have none.
  const opening = db
    .selectFrom('cases as c')
    .select((eb) => [
      'c.currency',
      'c.state',
      'c.amount_failed',
      'c.amount_recovered',
      eb
        .selectFrom('invoices as i')
        .select('i.failure_code')
        .whereRef('i.case_id', '=', 'c.id')
        .where('i.failure_code', 'is not', null)
        .orderBy('i.failed_at')
        .orderBy('i.id')
        .limit(1)
        .as('code'),
    ]);
  const rows = await db
    .selectFrom(opening.as('o'))
    .select((eb) => [
      'o.currency',
      'o.code',
      eb.fn.countAll<number>().as('cases'),
      total('o.amount_failed').as('failed'),
      total('o.amount_recovered').as('recovered'),
      countWhere(sql`o.state = 'recovered'`).as('recovered_cases'),
    ])
    .groupBy(['o.currency', 'o.code'])
    .execute();
  // Codes become classes here, in the one place that knows them, then merge.
  const merged = new Map<string, Omit<ClassRecovery, 'recoveryRate'>>();
  for (const r of rows) {
    const declineClass: OpeningClass = r.code ? classifyDecline({ code: r.code }).class : 'none';
    const key = `${r.currency}|${declineClass}`;
    const before = merged.get(key) ?? {
      currency: r.currency,
      declineClass,
      cases: 0,
      failedAmount: 0,
      recoveredAmount: 0,
      recoveredCases: 0,
    };
    merged.set(key, {
      ...before,
      cases: before.cases + Number(r.cases),
      failedAmount: before.failedAmount + Number(r.failed),
      recoveredAmount: before.recoveredAmount + Number(r.recovered),
      recoveredCases: before.recoveredCases + Number(r.recovered_cases),
    });
  }
  return [...merged.values()]
    .map((m) => ({ ...m, recoveryRate: recoveryRate(m.recoveredAmount, m.failedAmount) }))
    .sort(
      (a, b) =>
        a.currency.localeCompare(b.currency) ||
        CLASS_ORDER.indexOf(a.declineClass) - CLASS_ORDER.indexOf(b.declineClass),
    );
}

async function stepRecovery(db: Db): Promise<StepRecovery[]> {
  const credited = db
    .selectFrom('cases as c')
    .where('c.state', '=', 'recovered')
    .select((eb) => [
      'c.currency',
      'c.amount_recovered',
      eb
        .selectFrom('payment_attempts as a')
        .select('a.step_id')
        .whereRef('a.case_id', '=', 'c.id')
        .where('a.status', '=', 'succeeded')
        .orderBy('a.completed_at', 'desc')
        .limit(1)
        .as('retry_step'),
      eb
        .selectFrom('timeline_events as e')
        .select('e.step_id')
        .whereRef('e.case_id', '=', 'c.id')
        .where('e.type', '=', 'message.sent')
        .whereRef('e.at', '<=', 'c.closed_at')
        .orderBy('e.at', 'desc')
        .orderBy('e.id', 'desc')
        .limit(1)
        .as('message_step'),
    ]);
  const rows = await db
    .selectFrom(credited.as('r'))
    .select((eb) => [
      'r.currency',
      'r.retry_step',
      'r.message_step',
      eb.fn.countAll<number>().as('cases'),
      total('r.amount_recovered').as('recovered'),
    ])
    .groupBy(['r.currency', 'r.retry_step', 'r.message_step'])
    .execute();
  const merged = new Map<string, StepRecovery>();
  for (const r of rows) {
    const stepId = r.retry_step ?? r.message_step ?? NO_CONTACT_STEP;
    const key = `${r.currency}|${stepId}`;
    const before = merged.get(key) ?? { currency: r.currency, stepId, cases: 0, recoveredAmount: 0 };
    merged.set(key, {
      ...before,
      cases: before.cases + Number(r.cases),
      recoveredAmount: before.recoveredAmount + Number(r.recovered),
    });
  }
  return [...merged.values()].sort(
    (a, b) => a.currency.localeCompare(b.currency) || b.recoveredAmount - a.recoveredAmount,
  );
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
