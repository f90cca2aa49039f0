import { extname } from 'node:path';
import type { Encoding } from './decode-lines.ts';
import { ImportError } from './errors.ts';
import { readCsv } from './read-csv.ts';
import { readJsonl } from './read-jsonl.ts';
import type { ColumnSet, SourceItem } from './source-row.ts';

/** Streams an import file's rows, choosing the format by its extension (.csv, .jsonl or .ndjson). */
export function readRows(
  path: string,
  columns: ColumnSet,
  encoding: Encoding = 'utf-8',
): AsyncGenerator<SourceItem> {
  const extension = extname(path).toLowerCase();
  if (extension === '.csv') return readCsv(path, columns, encoding);
  if (extension === '.jsonl' || extension === '.ndjson') return readJsonl(path, columns, encoding);
  throw new ImportError([
    {
      line: 0,
      column: '(file)',
      message: `cannot tell the format from the extension '${extension || '(none)'}': use .csv, .jsonl or .ndjson`,
    },
  ]);
}
