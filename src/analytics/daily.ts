import { sql } from 'kysely';
import type { Db } from '../store/database.ts';
import { failedOf, moneyColumns, paidOnTime } from './case-money.ts';
import { type Period, utcDate } from './period.ts';
import { DAY, instant, rowsOf, totalOf } from './sql.ts';

/** Money failed, recovered and collected on time on one UTC day in one currency, in integer minor units. */
export interface DailyAmounts {
  /** `YYYY-MM-DD`, UTC. */
  readonly date: string;
  readonly currency: string;
  /** Σ failed amount (see case-money.ts) of the cases opened that day. */
  readonly failedAmount: number;
  /** Σ of the payments received that day on cases, for money that had failed. */
  readonly recoveredAmount: number;
  /** Σ of the payments received that day on cases, on or before their invoice's due date: never failed. */
  readonly collectedOnTimeAmount: number;
}

/** One day's sums of one currency, keyed by epoch day; the days a query found nothing on are missing. */
interface DaySums {
  readonly day: number;
  readonly currency: string;
  readonly failed: number;
  readonly recovered: number;
  readonly onTime: number;
}

/**
 * Every UTC day that `period` touches, for every currency with any amount in it, zero-filled where nothing
 * happened: a chart's time axis is continuous, whichever database summed the days. Sorted by date, then currency.
 */
export function continuousDays(period: Period, sums: readonly DaySums[]): DailyAmounts[] {
  const byKey = new Map(sums.map((s) => [`${s.day}|${s.currency}`, s]));
  const currencies = [...new Set(sums.map((s) => s.currency))].sort();
  const days: DailyAmounts[] = [];
  for (let day = Math.floor(period.from / DAY); day * DAY < period.to; day++) {
    for (const currency of currencies) {
      const s = byKey.get(`${day}|${currency}`);
      days.push({
        date: utcDate(day * DAY),
        currency,
        failedAmount: s?.failed ?? 0,
        recoveredAmount: s?.recovered ?? 0,
        collectedOnTimeAmount: s?.onTime ?? 0,
      });
    }
  }
  return days;
}

/**
 * Failed, recovered and on-time amounts per UTC day and currency over `period` at `now`, every day of it (see
 * {@link continuousDays}). Days are whole epoch days, so integer division buckets them on both databases.
 */
export async function dailyAmounts(db: Db, period: Period, now: number): Promise<DailyAmounts[]> {
  const from = instant(period.from);
  const to = instant(period.to);
  const day = (column: string) => sql<number>`${sql.ref(column)} / ${sql.lit(DAY)}`;
  const onTime = paidOnTime('p', 'i');
  const [failed, paid] = await Promise.all([
    rowsOf(
      db,
      sql<{ day: number; currency: string; amount: number }>`
      select ${day('o.opened_at')} as day, o.currency, ${totalOf(failedOf('o'))} as amount
      from (
        select c.opened_at, c.currency, c.state, c.amount_failed, c.amount_recovered, ${moneyColumns('c', now)}
        from cases c where c.opened_at >= ${from} and c.opened_at < ${to}
      ) o
      group by ${day('o.opened_at')}, o.currency`,
    ),
    rowsOf(
      db,
      sql<{ day: number; currency: string; recovered: number; on_time: number }>`
      select ${day('p.received_at')} as day, p.currency,
        ${totalOf(sql`case when ${onTime} then 0 else p.amount end`)} as recovered,
        ${totalOf(sql`case when ${onTime} then p.amount else 0 end`)} as on_time
      from payments p join invoices i on i.id = p.invoice_id
      where p.case_id is not null and p.received_at >= ${from} and p.received_at < ${to}
      group by ${day('p.received_at')}, p.currency`,
    ),
  ]);
  const sums = new Map<
    string,
    { day: number; currency: string; failed: number; recovered: number; onTime: number }
  >();
  const at = (d: number, currency: string) => {
    const key = `${d}|${currency}`;
    const row = sums.get(key) ?? { day: d, currency, failed: 0, recovered: 0, onTime: 0 };
    sums.set(key, row);
    return row;
  };
  for (const r of failed) at(Number(r.day), r.currency).failed += Number(r.amount);
  for (const r of paid) {
    const row = at(Number(r.day), r.currency);
    row.recovered += Number(r.recovered);
    row.onTime += Number(r.on_time);
  }
  return continuousDays(period, [...sums.values()]);
}
