// The recovery curve by age and the cash-flow forecast built on it: pure arithmetic over counts the database
// aggregated, so it is tested without one.

/** How a case's history ended so far: recovered, closed any other way, or still open (its history goes on). */
export type CaseOutcome = 'recovered' | 'closed' | 'open';

/** How many cases of one currency ended (or, if open, have lasted) `day` whole days after opening. */
export interface DurationCount {
  readonly currency: string;
  readonly outcome: CaseOutcome;
  readonly day: number;
  readonly cases: number;
}

/** The remaining balance of open cases of one currency that have been open `ageDays` whole days. */
export interface OpenBalance {
  readonly currency: string;
  readonly ageDays: number;
  readonly balance: number;
}

/** Expected collections in one currency, in integer minor units; each horizon includes the shorter ones. */
export interface CurrencyForecast {
  readonly currency: string;
  readonly openAmount: number;
  readonly next30Days: number;
  readonly next60Days: number;
  readonly next90Days: number;
}

export const HORIZON_DAYS = [30, 60, 90] as const;
export type Horizon = (typeof HORIZON_DAYS)[number];

/** Ages are grouped into weeks: enough cases per group for a stable estimate, fine enough to follow the curve. */
export const AGE_BUCKET_DAYS = 7;

/** A week with fewer cases than this at its start is estimated from all currencies together. */
export const MIN_CASES_AT_RISK = 30;

/** The method, in plain words, for the API and the dashboard to show beside the figures. */
export const FORECAST_METHOD =
  'Expected collections are the remaining balance of each open case multiplied by the probability that a case ' +
  'of its age is recovered within the next 30, 60 or 90 days, added up per currency. The probabilities come ' +
  'from the recovery curve of past cases: for every day of age since opening we take the cases still open on ' +
  'that day and measure the share recovered that day and the share closed in any other way (exhausted, ' +
  'cancelled, written off); chaining these daily rates gives, for a case open at a given age, the chance that ' +
  'it is recovered before it closes otherwise within the horizon. Cases still open count for the days they ' +
  'have been open so far, so recent history is used without biasing the rates. Ages are grouped by week; a ' +
  `week in which a currency has fewer than ${MIN_CASES_AT_RISK} past cases uses the curve of all currencies ` +
  'together, and ages beyond the available history use the oldest week that has enough cases. A forecast is an ' +
  'expectation, not a promise: individual cases are either paid or not.';

/** Daily hazards of one population of cases, by whole days of age. */
export interface RecoveryCurve {
  /** Cases whose history reaches each day (closed on or after it, or open at least that long). */
  readonly atRisk: readonly number[];
  /** Of those, the share recovered on that day. */
  readonly recoveredRate: readonly number[];
  /** Of those, the share closed on that day by any outcome, recovery included. */
  readonly closedRate: readonly number[];
}

/** Builds the daily hazards from case durations; open cases are censored at their current age. */
export function recoveryCurve(counts: readonly Omit<DurationCount, 'currency'>[]): RecoveryCurve {
  const days = counts.reduce((max, c) => Math.max(max, c.day), -1) + 1;
  const recovered = new Array<number>(days).fill(0);
  const closed = new Array<number>(days).fill(0);
  const reaching = new Array<number>(days).fill(0);
  for (const c of counts) {
    if (c.day < 0 || c.cases <= 0) continue;
    reaching[c.day]! += c.cases;
    if (c.outcome === 'recovered') recovered[c.day]! += c.cases;
    if (c.outcome !== 'open') closed[c.day]! += c.cases;
  }
  const atRisk = new Array<number>(days).fill(0);
  for (let d = days - 1, running = 0; d >= 0; d--) {
    running += reaching[d]!;
    atRisk[d] = running;
  }
  return {
    atRisk,
    recoveredRate: atRisk.map((n, d) => (n > 0 ? recovered[d]! / n : 0)),
    closedRate: atRisk.map((n, d) => (n > 0 ? closed[d]! / n : 0)),
  };
}

/**
 * The probability that a case still open at `ageDays` is recovered within the next `horizonDays` (the
 * Aalen–Johansen estimate of the cumulative incidence of recovery): the daily recovery rates, each weighted by
 * the chance of the case still being open that day.
 */
export function recoveryWithin(curve: RecoveryCurve, ageDays: number, horizonDays: number): number {
  let open = 1;
  let recovered = 0;
  const end = Math.min(ageDays + horizonDays, curve.atRisk.length);
  for (let d = Math.max(0, ageDays); d < end; d++) {
    recovered += open * curve.recoveredRate[d]!;
    open *= 1 - curve.closedRate[d]!;
  }
  return recovered;
}

/** Recovery probabilities per week of age for each horizon, with the fallbacks described in the method. */
export interface ForecastModel {
  /** The probability that an open case of this currency and age is recovered within the horizon. */
  probability(currency: string, ageDays: number, horizon: Horizon): number;
}

type WeekTable = ReadonlyMap<number, Readonly<Record<Horizon, number>>>;

/** The weeks of a curve with enough history, each with its probability per horizon. */
function weekTable(curve: RecoveryCurve): WeekTable {
  const table = new Map<number, Record<Horizon, number>>();
  for (let week = 0; week * AGE_BUCKET_DAYS < curve.atRisk.length; week++) {
    const age = week * AGE_BUCKET_DAYS;
    if (curve.atRisk[age]! < MIN_CASES_AT_RISK) continue;
    table.set(week, {
      30: recoveryWithin(curve, age, 30),
      60: recoveryWithin(curve, age, 60),
      90: recoveryWithin(curve, age, 90),
    });
  }
  return table;
}

/** Estimates the model from every past and present case's duration and outcome. */
export function forecastModel(counts: readonly DurationCount[]): ForecastModel {
  const overall = weekTable(recoveryCurve(counts));
  const byCurrency = new Map<string, DurationCount[]>();
  for (const c of counts) {
    const list = byCurrency.get(c.currency) ?? [];
    list.push(c);
    byCurrency.set(c.currency, list);
  }
  const tables = new Map(
    [...byCurrency].map(([currency, list]) => [currency, weekTable(recoveryCurve(list))]),
  );
  const lastWeek = Math.max(-1, ...overall.keys());
  return {
    probability(currency, ageDays, horizon) {
      const week = Math.floor(Math.max(0, ageDays) / AGE_BUCKET_DAYS);
      const own = tables.get(currency)?.get(week) ?? overall.get(week);
      if (own) return own[horizon];
      // Older than (or between) the weeks with enough history: the oldest reliable week at or before it.
      for (let w = Math.min(week, lastWeek); w >= 0; w--) {
        const fallback = overall.get(w);
        if (fallback) return fallback[horizon];
      }
      return 0;
    },
  };
}

/** Expected collections per currency: each open balance × its probability, rounded to minor units at the end. */
export function forecastCollections(
  model: ForecastModel,
  balances: readonly OpenBalance[],
): CurrencyForecast[] {
  const sums = new Map<string, { open: number; 30: number; 60: number; 90: number }>();
  for (const b of balances) {
    const sum = sums.get(b.currency) ?? { open: 0, 30: 0, 60: 0, 90: 0 };
    sum.open += b.balance;
    for (const h of HORIZON_DAYS) sum[h] += b.balance * model.probability(b.currency, b.ageDays, h);
    sums.set(b.currency, sum);
  }
  return [...sums]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, s]) => ({
      currency,
      openAmount: s.open,
      next30Days: Math.round(s[30]),
      next60Days: Math.round(s[60]),
      next90Days: Math.round(s[90]),
    }));
}
