import type { RowReader } from '../row-reader.ts';
import type { ColumnSet } from '../source-row.ts';

/** One validated row, ready to compare with the database: `fields` are already in the table's column shape. */
export interface ImportRow<F> {
  readonly line: number;
  readonly externalId: string;
  readonly customerExternalId: string | null;
  readonly fields: F;
}

/** What one kind of file holds: its columns and how a row of it is validated. */
export interface RowSpec<F> {
  readonly columns: ColumnSet;
  /** The validated row, or null when a cell failed (the reader holds the problems). */
  parse(row: RowReader): ImportRow<F> | null;
}

/** Most external systems' ids fit comfortably; the cap keeps the unique index small. */
export const EXTERNAL_ID_MAX = 200;
