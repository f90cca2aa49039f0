import { text } from './cells.ts';
import type { ImportProblem } from './errors.ts';
import { EXTERNAL_ID_MAX, type ImportRow, type RowSpec } from './kinds/row-spec.ts';
import { RowReader } from './row-reader.ts';
import type { SourceItem, SourceRow } from './source-row.ts';

const PROGRESS_EVERY = 1_000;

/** Every valid row of a file and every problem in it, in file order; nothing is written here. */
export interface ValidatedFile<F> {
  readonly rows: ImportRow<F>[];
  readonly count: number;
  readonly problems: ImportProblem[];
}

/** Validates every row a reader yields, reporting progress every 1,000 rows and once at the end. */
export async function validateRows<F>(
  source: AsyncIterable<SourceItem>,
  spec: RowSpec<F>,
  onProgress?: (rows: number) => void,
): Promise<ValidatedFile<F>> {
  const rows: ImportRow<F>[] = [];
  const problems: ImportProblem[] = [];
  const firstLines = new Map<string, number>();
  let count = 0;
  for await (const item of source) {
    if (item.kind === 'problem') {
      problems.push({ line: item.line, column: item.column, message: item.message });
      continue;
    }
    count++;
    const reader = new RowReader(item);
    const row = spec.parse(reader);
    problems.push(...reader.problems);
    const duplicate = duplicateOf(item, firstLines);
    if (duplicate) problems.push(duplicate);
    else if (row) rows.push(row);
    if (count % PROGRESS_EVERY === 0) onProgress?.(count);
  }
  if (count % PROGRESS_EVERY !== 0) onProgress?.(count);
  return { rows, count, problems };
}

// Rows are matched on external_id, so a second row with the same id would silently overwrite the first.
function duplicateOf(row: SourceRow, firstLines: Map<string, number>): ImportProblem | null {
  const id = new RowReader(row).optional('external_id', text(EXTERNAL_ID_MAX));
  if (id === undefined) return null;
  const first = firstLines.get(id);
  if (first === undefined) {
    firstLines.set(id, row.line);
    return null;
  }
  return {
    line: row.line,
    column: 'external_id',
    message: `duplicate external_id '${id}' (first on line ${first})`,
  };
}
