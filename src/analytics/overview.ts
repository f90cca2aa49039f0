import { sql } from 'kysely';
import type { Db } from '../store/database.ts';
import { failedOf, moneyColumns, recoveredLateOf, recoveredOf } from './case-money.ts';
import type { Period } from './period.ts';
import { recoveryRate } from './rates.ts';
import { openCaseBalances } from './receivables.ts';
import { DAY, countWhere, distinctValues, instant, isPostgres, rowsOf, total, totalOf } from './sql.ts';

/** Open balance by days past due at `now`; `current` is open but not yet due. */
export interface Aging {
  readonly current: number;
  readonly days1To30: number;
  readonly days31To60: number;
  readonly days61To90: number;
  readonly days90Plus: number;
}

/** The dashboard's headline figures for one currency; amounts are integer minor units of that currency. */
export interface OverviewCurrency {
  readonly currency: string;
  /**
   * What failed on the cases opened in the period, as of now: failed charges left unpaid, and invoices unpaid at
   * their due date (see case-money.ts).
   */
  readonly failedAmount: number;
  /** What those cases recovered of it. */
  readonly recoveredAmount: number;
  readonly recoveryRate: number | null;
  /** Paid on those cases on or before the due date of an invoice whose charge never failed: never failed. */
  readonly collectedOnTimeAmount: number;
  /** Cases opened in the period with a failed amount now. */
  readonly failedCases: number;
  /** Cases opened in the period that are recovered now, with failed money among what they recovered. */
  readonly recoveredCases: number;
  readonly casesOpened: number;
  /** Cases open now, whenever they opened. */
  readonly activeCases: number;
  /** Σ (total − amount_paid) of open invoices past their due date at now. */
  readonly openOverdueAmount: number;
  /** Σ (total − amount_paid) of every open invoice at now: the open receivables. */
  readonly openAmount: number;
  /** The part of {@link openAmount} in open cases: the forecast's open amount. */
  readonly openInCasesAmount: number;
  /** Median days from opening to recovery of the period's recovered cases; null when none recovered. */
  readonly medianDaysToRecover: number | null;
  /** Open receivables ÷ amount invoiced in the period × days in the period; null when nothing was invoiced. */
  readonly dsoDays: number | null;
  readonly aging: Aging;
}

interface Figures {
  cases?: {
    cases: number;
    failed: number;
    recovered: number;
    on_time: number;
    failed_cases: number;
    recovered_cases: number;
    median_ms: number | null;
  };
  inCases?: number;
  active?: number;
  open?: {
    open_amount: number;
    current: number;
    d1_30: number;
    d31_60: number;
    d61_90: number;
    d90_plus: number;
  };
  invoiced?: number;
}

/**
 * The overview of one period at `now`, one row per currency that has any figure: recovery over the cases opened
 * in the period, and the state of cases and receivables now. Each figure is one aggregate query over an index of
 * migration 008 (021 for the cases); nothing is summed across currencies. The open balance in cases is the
 * forecast's own query, so the two pages cannot disagree about it.
 */
export async function overview(db: Db, period: Period, now: number): Promise<OverviewCurrency[]> {
  const opened = sql`c.opened_at >= ${instant(period.from)} and c.opened_at < ${instant(period.to)}`;
  const recoveryMs = sql`case when ${recoveredLateOf('o')} then o.closed_at - o.opened_at end`;
  // Both medians skip the nulls of cases not recovered; better-sqlite3 builds SQLite with its median().
  const medianMs = isPostgres(db)
    ? sql`percentile_cont(0.5) within group (order by ${recoveryMs})`
    : sql`median(${recoveryMs})`;
  const [cases, active, open, invoiced, inCases] = await Promise.all([
    rowsOf(
      db,
      sql<{
        currency: string;
        cases: number;
        failed: number;
        recovered: number;
        on_time: number;
        failed_cases: number;
        recovered_cases: number;
        median_ms: number | null;
      }>`
      select o.currency, count(*) as cases, ${totalOf(failedOf('o'))} as failed,
        ${totalOf(recoveredOf('o'))} as recovered,
        ${total('o.on_time')} as on_time,
        ${countWhere(sql`${failedOf('o')} > 0`)} as failed_cases,
        ${countWhere(recoveredLateOf('o'))} as recovered_cases,
        cast(${medianMs} as double precision) as median_ms
      from (
        select c.currency, c.state, c.opened_at, c.closed_at, c.amount_failed, c.amount_recovered,
          ${moneyColumns('c', now)}
        from cases c where ${opened}
      ) o
      group by o.currency`,
    ),
    rowsOf(
      db,
      sql<{ currency: string; n: number }>`
      select currency, count(*) as n from cases where state = 'open' group by currency`,
    ),
    openReceivables(db, now),
    rowsOf(
      db,
      sql<{ currency: string; invoiced: number }>`
      with recursive ${distinctValues('cur', 'invoices', 'currency')}
      select cur.value as currency, (
        select ${total('i.total')} from invoices i
        where i.currency = cur.value and i.created_at >= ${instant(period.from)} and i.created_at < ${instant(period.to)}
      ) as invoiced
      from cur where cur.value is not null`,
    ),
    openCaseBalances(db, now),
  ]);
  const by = new Map<string, Figures>();
  const at = (currency: string) => {
    const figures = by.get(currency) ?? {};
    by.set(currency, figures);
    return figures;
  };
  for (const r of cases) at(r.currency).cases = r;
  for (const r of active) at(r.currency).active = Number(r.n);
  for (const r of open) at(r.currency).open = r;
  for (const r of inCases) at(r.currency).inCases = (at(r.currency).inCases ?? 0) + r.balance;
  // Every currency ever invoiced is listed; only those invoiced in the period count.
  for (const r of invoiced) if (Number(r.invoiced) > 0) at(r.currency).invoiced = Number(r.invoiced);
  const days = (period.to - period.from) / DAY;
  return [...by.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, f]) => {
      const failed = Number(f.cases?.failed ?? 0);
      const recovered = Number(f.cases?.recovered ?? 0);
      const o = f.open;
      const aging: Aging = {
        current: Number(o?.current ?? 0),
        days1To30: Number(o?.d1_30 ?? 0),
        days31To60: Number(o?.d31_60 ?? 0),
        days61To90: Number(o?.d61_90 ?? 0),
        days90Plus: Number(o?.d90_plus ?? 0),
      };
      const invoicedAmount = f.invoiced ?? 0;
      return {
        currency,
        failedAmount: failed,
        recoveredAmount: recovered,
        recoveryRate: recoveryRate(recovered, failed),
        collectedOnTimeAmount: Number(f.cases?.on_time ?? 0),
        failedCases: Number(f.cases?.failed_cases ?? 0),
        recoveredCases: Number(f.cases?.recovered_cases ?? 0),
        casesOpened: Number(f.cases?.cases ?? 0),
        activeCases: f.active ?? 0,
        openOverdueAmount: aging.days1To30 + aging.days31To60 + aging.days61To90 + aging.days90Plus,
        openAmount: Number(o?.open_amount ?? 0),
        openInCasesAmount: f.inCases ?? 0,
        medianDaysToRecover:
          f.cases?.median_ms === null || f.cases?.median_ms === undefined
            ? null
            : Number(f.cases.median_ms) / DAY,
        dsoDays: invoicedAmount > 0 ? (Number(o?.open_amount ?? 0) / invoicedAmount) * days : null,
        aging,
      };
    });
}

/** Open invoices' balance per currency, in total and by days past due at `now`. */
async function openReceivables(db: Db, now: number) {
  const balance = sql`total - amount_paid`;
  // Bucket edges as instants: "1–30 days past due" is due in [now − 30 days, now).
  const edge = (days: number) => instant(now - days * DAY);
  const within = (after: number, upTo: number) =>
    totalOf(sql`case when due_at < ${edge(after)} and due_at >= ${edge(upTo)} then ${balance} else 0 end`);
  const rows = await rowsOf(
    db,
    sql<{
      currency: string;
      open_amount: number;
      current: number;
      d1_30: number;
      d31_60: number;
      d61_90: number;
      d90_plus: number;
    }>`
    select currency,
      ${totalOf(balance)} as open_amount,
      ${totalOf(sql`case when due_at >= ${instant(now)} then ${balance} else 0 end`)} as current,
      ${within(0, 30)} as d1_30,
      ${within(30, 60)} as d31_60,
      ${within(60, 90)} as d61_90,
      ${totalOf(sql`case when due_at < ${edge(90)} then ${balance} else 0 end`)} as d90_plus
    from invoices where status = 'open'
    group by currency`,
  );
  return rows.map((r) => ({
    currency: r.currency,
    open_amount: Number(r.open_amount),
    current: Number(r.current),
    d1_30: Number(r.d1_30),
    d31_60: Number(r.d31_60),
    d61_90: Number(r.d61_90),
    d90_plus: Number(r.d90_plus),
  }));
}
