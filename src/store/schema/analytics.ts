import type { ColumnType } from 'kysely';

// Analytics: what the dashboard groups cases by, stored on the case when it opens.

/** Columns analytics adds to `cases`: merged into the core table type through `Tables`. */
export interface AnalyticsCaseColumns {
  /** The customer's `attributes.segment` when the case opened, `none` without one; defaults on insert. */
  segment: ColumnType<string, string | undefined, string>;
  /**
   * The step a closed case's outcome is credited to, stamped in the transaction that closes it (`''` when nothing
   * acted on it); null while the case is open. See src/analytics/recovery-credit.ts.
   */
  credited_step: ColumnType<string | null, string | null | undefined, string | null>;
  /**
   * What a closed case collected on time (payments on or before the due date of invoices whose charge never
   * failed), stamped with its credit; null while the case is open. See src/analytics/case-money.ts.
   */
  amount_on_time: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface AnalyticsTables {
  cases: AnalyticsCaseColumns;
}
