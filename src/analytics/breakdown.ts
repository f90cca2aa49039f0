import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../store/database.ts';
import { failedOf, moneyColumns, recoveredLate, recoveredLateOf, recoveredOf } from './case-money.ts';
import { openingClass, openingFailureCode } from './opening-failure.ts';
import type { Period } from './period.ts';
import { NOT_CONTACTED_STEP, NO_CONTACT_STEP, creditedStep } from './recovery-credit.ts';
import { recoveryRate } from './rates.ts';
import { countWhere, instant, rowsOf, totalOf } from './sql.ts';
import { type StepContact, stepContacts } from './step-contacts.ts';

/** What recovery can be broken down by. */
export const BREAKDOWN_DIMENSIONS = ['step', 'channel', 'template', 'segment', 'decline_class'] as const;
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number];

/** Recovery among the cases that share one key of a dimension, in one currency. */
export interface BreakdownRow {
  readonly currency: string;
  readonly key: string;
  readonly cases: number;
  readonly failedAmount: number;
  readonly recoveredAmount: number;
  readonly recoveredCases: number;
  /** Recovered ÷ failed; null when nothing failed. */
  readonly recoveryRate: number | null;
}

interface RawRow {
  currency: string;
  policy_version_id: string | null;
  recovered: number | null;
  k: string | null;
  cases: number;
  failed: number;
  recovered_amount: number;
  recovered_cases: number;
}

const ATTRIBUTED = new Set<BreakdownDimension>(['step', 'channel', 'template']);

/**
 * Recovery per currency and key of one dimension over the cases opened in `period` (every case without one) that
 * have a failed amount at `now` (see case-money.ts: a case paid on time, or not due yet, is no failure to recover).
 * `step`, `channel` and `template` attribute each case to one step ({@link creditedStep}: a recovered case to
 * the retry that collected or the last message before the payment, any other case to its last message or
 * retry); `segment` is the case's segment; `decline_class` the class of its opening failure. Rows are sorted by
 * currency, then by recovered amount, largest first.
 */
export async function recoveryBreakdown(
  db: Db,
  dimension: BreakdownDimension,
  now: number,
  period?: Period,
): Promise<BreakdownRow[]> {
  const attributed = ATTRIBUTED.has(dimension);
  const key: RawBuilder<string | null> =
    dimension === 'segment'
      ? sql<string>`c.segment`
      : dimension === 'decline_class'
        ? openingFailureCode('c')
        : creditedStep('c');
  const within = period
    ? sql`where c.opened_at >= ${instant(period.from)} and c.opened_at < ${instant(period.to)}`
    : sql``;
  // Only the attributed dimensions need the policy (to name a step's channel) and whether the case recovered
  // (to tell "paid without contact" from "not contacted yet").
  const policy = attributed && dimension !== 'step' ? sql`c.policy_version_id` : sql`null`;
  const recovered = attributed ? sql`case when ${recoveredLate('c')} then 1 else 0 end` : sql`null`;
  const rows = await rowsOf(
    db,
    sql<RawRow>`
    select o.currency, o.policy_version_id, o.recovered, o.k,
      count(*) as cases,
      ${totalOf(failedOf('o'))} as failed,
      ${totalOf(recoveredOf('o'))} as recovered_amount,
      ${countWhere(recoveredLateOf('o'))} as recovered_cases
    from (
      select c.currency, c.state, c.amount_failed, c.amount_recovered, ${moneyColumns('c', now)},
        ${policy} as policy_version_id, ${recovered} as recovered, ${key} as k
      from cases c ${within}
    ) o
    where ${failedOf('o')} > 0
    group by o.currency, o.policy_version_id, o.recovered, o.k`,
  );
  const contacts =
    dimension === 'channel' || dimension === 'template' ? await policyContacts(db, rows) : null;
  const merged = new Map<string, Omit<BreakdownRow, 'recoveryRate'>>();
  for (const r of rows) {
    const name = keyOf(dimension, r, contacts);
    const mapKey = `${r.currency}\u0000${name}`;
    const before = merged.get(mapKey) ?? {
      currency: r.currency,
      key: name,
      cases: 0,
      failedAmount: 0,
      recoveredAmount: 0,
      recoveredCases: 0,
    };
    merged.set(mapKey, {
      ...before,
      cases: before.cases + Number(r.cases),
      failedAmount: before.failedAmount + Number(r.failed),
      recoveredAmount: before.recoveredAmount + Number(r.recovered_amount),
      recoveredCases: before.recoveredCases + Number(r.recovered_cases),
    });
  }
  return [...merged.values()]
    .map((m) => ({ ...m, recoveryRate: recoveryRate(m.recoveredAmount, m.failedAmount) }))
    .sort(
      (a, b) =>
        a.currency.localeCompare(b.currency) ||
        b.recoveredAmount - a.recoveredAmount ||
        a.key.localeCompare(b.key),
    );
}

/** The name a raw key is shown under: steps become their channel or template, codes their class. */
function keyOf(
  dimension: BreakdownDimension,
  r: RawRow,
  contacts: ReadonlyMap<string, ReadonlyMap<string, StepContact>> | null,
): string {
  if (dimension === 'segment') return r.k ?? 'none';
  if (dimension === 'decline_class') return openingClass(r.k);
  if (r.k === null) return Number(r.recovered) === 1 ? NO_CONTACT_STEP : NOT_CONTACTED_STEP;
  if (dimension === 'step') return r.k;
  const contact = contacts?.get(r.policy_version_id ?? '')?.get(r.k);
  if (!contact) return 'unknown';
  return dimension === 'channel' ? contact.channel : contact.template;
}

/** What each step sends, for every policy version the rows name. */
async function policyContacts(db: Db, rows: readonly RawRow[]) {
  const ids = [...new Set(rows.map((r) => r.policy_version_id).filter((id): id is string => id !== null))];
  if (ids.length === 0) return new Map<string, Map<string, StepContact>>();
  const versions = await db
    .selectFrom('policy_versions')
    .select(['id', 'document'])
    .where('id', 'in', ids)
    .execute();
  return new Map(versions.map((v) => [v.id, stepContacts(v.document)]));
}
