import type { ColumnType } from 'kysely';

// Analytics: what the dashboard groups cases by, stored on the case when it opens.

/** Columns analytics adds to `cases`: merged into the core table type through `Tables`. */
export interface AnalyticsCaseColumns {
  /** The customer's `attributes.segment` when the case opened, `none` without one; defaults on insert. */
  segment: ColumnType<string, string | undefined, string>;
}

export interface AnalyticsTables {
  cases: AnalyticsCaseColumns;
}
