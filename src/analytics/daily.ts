import { sql } from 'kysely';
import type { Db } from '../store/database.ts';
import { type Period, utcDate } from './period.ts';
import { DAY, instant, rowsOf, total } from './sql.ts';

/** Money failed and recovered on one UTC day in one currency, in integer minor units. */
export interface DailyAmounts {
  /** `YYYY-MM-DD`, UTC. */
  readonly date: string;
  readonly currency: string;
  /** Σ amount_failed of the cases opened that day. */
  readonly failedAmount: number;
  /** Σ of the payments received that day on cases. */
  readonly recoveredAmount: number;
}

/**
 * Failed and recovered amounts per UTC day and currency over `period`, only days with either; sorted by date,
 * then currency. Days are whole epoch days, so integer division buckets them on both databases.
 */
export async function dailyAmounts(db: Db, period: Period): Promise<DailyAmounts[]> {
  const from = instant(period.from);
  const to = instant(period.to);
  const day = (column: string) => sql<number>`${sql.ref(column)} / ${sql.lit(DAY)}`;
  const [failed, recovered] = await Promise.all([
    rowsOf(
      db,
      sql<{ day: number; currency: string; amount: number }>`
      select ${day('opened_at')} as day, currency, ${total('amount_failed')} as amount
      from cases where opened_at >= ${from} and opened_at < ${to}
      group by ${day('opened_at')}, currency`,
    ),
    rowsOf(
      db,
      sql<{ day: number; currency: string; amount: number }>`
      select ${day('received_at')} as day, currency, ${total('amount')} as amount
      from payments where case_id is not null and received_at >= ${from} and received_at < ${to}
      group by ${day('received_at')}, currency`,
    ),
  ]);
  const rows = new Map<string, { day: number; currency: string; failed: number; recovered: number }>();
  const at = (d: number, currency: string) => {
    const key = `${d}|${currency}`;
    const row = rows.get(key) ?? { day: d, currency, failed: 0, recovered: 0 };
    rows.set(key, row);
    return row;
  };
  for (const r of failed) at(Number(r.day), r.currency).failed += Number(r.amount);
  for (const r of recovered) at(Number(r.day), r.currency).recovered += Number(r.amount);
  return [...rows.values()]
    .sort((a, b) => a.day - b.day || a.currency.localeCompare(b.currency))
    .map((r) => ({
      date: utcDate(r.day * DAY),
      currency: r.currency,
      failedAmount: r.failed,
      recoveredAmount: r.recovered,
    }));
}
