import { sql } from 'kysely';
import type { Db } from '../store/database.ts';
import type { OpenBalance } from './recovery-curve.ts';
import { DAY, instant, rowsOf, totalOf } from './sql.ts';

/**
 * Why the overview's open receivables and the forecast's open amount differ, for people: both are Σ (total −
 * amount_paid) of open invoices, but the forecast counts only those in open cases.
 */
export const OPEN_BALANCE_NOTE =
  'Open receivables are the balance (total − amount paid) of every open invoice. The forecast starts from the ' +
  'part of it in open cases ("open in cases"); the rest is owed on invoices no open case holds: not yet due or ' +
  'not yet failed (no case opened for them yet), or left in a case that has closed (exhausted or written off).';

/**
 * The open cases' remaining balances (their open invoices' total − amount_paid) by currency and case age: what
 * the forecast weighs, and the "open in cases" figure of the overview, from this one query.
 */
export async function openCaseBalances(db: Db, now: number): Promise<OpenBalance[]> {
  const age = sql<number>`(${instant(now)} - c.opened_at) / ${sql.lit(DAY)}`;
  const rows = await rowsOf(
    db,
    // CROSS JOIN keeps SQLite's join order (open cases, then each one's open invoices: a seek per open case);
    // PostgreSQL plans it like any inner join.
    sql<{ currency: string; age: number; balance: number }>`
    select c.currency, ${age} as age, ${totalOf(sql`i.total - i.amount_paid`)} as balance
    from cases c
    cross join invoices i
    where c.state = 'open' and i.case_id = c.id and i.status = 'open' and i.case_id is not null
    group by 1, 2`,
  );
  return rows.map((r) => ({ currency: r.currency, ageDays: Number(r.age), balance: Number(r.balance) }));
}
