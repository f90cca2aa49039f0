import type { CellParser } from './cells.ts';
import type { ImportProblem } from './errors.ts';
import type { SourceRow } from './source-row.ts';

/** Reads one row's cells through parsers, collecting a problem for every cell that fails. */
export class RowReader {
  readonly problems: ImportProblem[] = [];

  constructor(private readonly row: SourceRow) {}

  get line(): number {
    return this.row.line;
  }

  /** True while no cell of this row has failed. */
  get ok(): boolean {
    return this.problems.length === 0;
  }

  /** The cell's value, or undefined when the cell is empty (or fails, which is recorded). */
  optional<T>(column: string, parse: CellParser<T>): T | undefined {
    const raw = this.cell(column);
    if (raw === undefined) return undefined;
    const parsed = parse(raw);
    if (parsed.ok) return parsed.value;
    this.problem(column, parsed.message);
    return undefined;
  }

  /** The cell's value; an empty cell is recorded as a problem. */
  required<T>(column: string, parse: CellParser<T>): T | undefined {
    if (this.cell(column) === undefined) {
      this.problem(column, 'is required');
      return undefined;
    }
    return this.optional(column, parse);
  }

  /** Records a problem that involves more than one cell, such as a rule between columns. */
  problem(column: string, message: string): void {
    this.problems.push({ line: this.row.line, column, message });
  }

  // JSONL strings are trimmed like CSV cells, so `" "` counts as empty in both formats.
  private cell(column: string): unknown {
    const value = this.row.values.get(column);
    if (typeof value !== 'string') return value;
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }
}
