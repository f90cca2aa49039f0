import { DAY } from './sql.ts';

/** A half-open span of time `[from, to)` in epoch milliseconds UTC. */
export interface Period {
  readonly from: number;
  readonly to: number;
}

/** The period when none is given: the 30 days ending now. */
export const DEFAULT_PERIOD_DAYS = 30;

/** The longest period a query may span: three years, leap day included. */
export const MAX_PERIOD_MS = (3 * 365 + 1) * DAY;

/** Why a requested period was refused, naming the parameter at fault. */
export interface PeriodError {
  readonly field: 'from';
  readonly reason: string;
}

/**
 * The period a request asks for: `to` defaults to now and `from` to 30 days before `to`; refused when `from` is
 * not before `to` or the span is longer than three years.
 */
export function resolvePeriod(
  requested: { from?: number; to?: number },
  now: number,
): { ok: true; period: Period } | { ok: false; error: PeriodError } {
  const to = requested.to ?? now;
  const from = requested.from ?? to - DEFAULT_PERIOD_DAYS * DAY;
  // Only a given `from` can be at fault: the default one is always 30 days before `to`.
  if (!(from < to)) return { ok: false, error: { field: 'from', reason: 'must be before to' } };
  if (to - from > MAX_PERIOD_MS) {
    return { ok: false, error: { field: 'from', reason: 'the period may span at most 3 years' } };
  }
  return { ok: true, period: { from, to } };
}

/** The UTC calendar date of an instant, as `YYYY-MM-DD`. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
