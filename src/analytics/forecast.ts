import { sql } from 'kysely';
import type { Db } from '../store/database.ts';
import type { CaseState } from '../store/tables.ts';
import {
  type CurrencyForecast,
  type DurationCount,
  FORECAST_METHOD,
  forecastCollections,
  forecastModel,
} from './recovery-curve.ts';
import { OPEN_BALANCE_NOTE, openCaseBalances } from './receivables.ts';
import { DAY, instant, rowsOf } from './sql.ts';

/** The cash-flow forecast and the method behind it, in plain words. */
export interface Forecast {
  readonly method: string;
  /** Why its open amounts are less than the overview's open receivables. */
  readonly openBalanceNote: string;
  readonly currencies: readonly CurrencyForecast[];
}

/**
 * Expected collections over the next 30/60/90 days from `now`: the open cases' remaining balances
 * ({@link openCaseBalances}) against the recovery curve of every case so far. The database counts cases by
 * duration and outcome; the curve and the forecast are computed in recovery-curve.ts.
 */
export async function forecast(db: Db, now: number): Promise<Forecast> {
  const age = sql<number>`(${instant(now)} - c.opened_at) / ${sql.lit(DAY)}`;
  const [closed, open, balances] = await Promise.all([
    // Spelled as in the `cases_duration` index, which hands the rows over already grouped.
    rowsOf(
      db,
      sql<{ currency: string; state: CaseState; day: number; cases: number }>`
      select currency, state, (closed_at - opened_at) / 86400000 as day, count(*) as cases
      from cases where closed_at is not null
      group by currency, state, (closed_at - opened_at) / 86400000`,
    ),
    rowsOf(
      db,
      sql<{ currency: string; day: number; cases: number }>`
      select c.currency, ${age} as day, count(*) as cases
      from cases c where c.state = 'open'
      group by 1, 2`,
    ),
    openCaseBalances(db, now),
  ]);
  const history: DurationCount[] = [
    ...closed.map((r) => ({
      currency: r.currency,
      outcome: r.state === 'recovered' ? ('recovered' as const) : ('closed' as const),
      day: Number(r.day),
      cases: Number(r.cases),
    })),
    ...open.map((r) => ({
      currency: r.currency,
      outcome: 'open' as const,
      day: Number(r.day),
      cases: Number(r.cases),
    })),
  ];
  const model = forecastModel(history);
  const currencies = forecastCollections(model, balances);
  return { method: FORECAST_METHOD, openBalanceNote: OPEN_BALANCE_NOTE, currencies };
}
