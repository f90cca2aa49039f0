/** One record read from an import file: its physical line and its non-empty cells by column name. */
export interface SourceRow {
  readonly line: number;
  // CSV cells are strings; JSONL values keep their JSON type so numbers and arrays can be checked as such.
  readonly values: ReadonlyMap<string, unknown>;
}

/** What a reader produces, in file order: rows to validate or problems found while reading. */
export type SourceItem =
  | ({ readonly kind: 'row' } & SourceRow)
  | { readonly kind: 'problem'; readonly line: number; readonly column: string; readonly message: string };

/** The columns a kind of file accepts, so readers can reject unknown ones where they appear. */
export interface ColumnSet {
  readonly known: readonly string[];
  readonly required: readonly string[];
}
