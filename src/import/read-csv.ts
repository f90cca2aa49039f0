import { createReadStream } from 'node:fs';
import { Readable, pipeline } from 'node:stream';
import { type CsvError, type Info, parse } from 'csv-parse';
import { type DecodedLine, type Encoding, decodeLines } from './decode-lines.ts';
import type { ColumnSet, SourceItem } from './source-row.ts';

type Problem = Extract<SourceItem, { kind: 'problem' }>;

/**
 * Streams a CSV file with a header row, numbering rows by the physical line they start on; a line whose bytes are
 * not valid in the encoding is a problem on that line.
 */
export async function* readCsv(
  path: string,
  columns: ColumnSet,
  encoding: Encoding = 'utf-8',
): AsyncGenerator<SourceItem> {
  const input = createReadStream(path);
  const skipped: Problem[] = [];
  try {
    yield* parseCsv(Readable.from(csvText(decodeLines(input, encoding), skipped)), columns, skipped);
  } finally {
    // Stopping early (a missing column, a consumer that gives up) must not leave the file open.
    input.destroy();
  }
}

const TEXT_CHUNK = 64 * 1024;

/** The decoded lines as text for the CSV parser, in large pieces; undecodable lines are reported to `problems`. */
async function* csvText(lines: AsyncIterable<DecodedLine>, problems: Problem[]): AsyncGenerator<string> {
  let text = '';
  for await (const { line, text: lineText, problem } of lines) {
    if (problem) problems.push({ kind: 'problem', line, column: '(line)', message: problem });
    text += `${lineText}\n`;
    if (text.length >= TEXT_CHUNK) {
      yield text;
      text = '';
    }
  }
  if (text !== '') yield text;
}

async function* parseCsv(
  input: Readable,
  columns: ColumnSet,
  skipped: Problem[],
): AsyncGenerator<SourceItem> {
  let header: readonly string[] | null = null;
  const parser = parse({
    // The same as `columns: true`, but keeps the header so it can be checked before the first row.
    columns: (names: string[]) => {
      header = names;
      return names;
    },
    bom: true,
    trim: true,
    skip_empty_lines: true,
    info: true,
    // Keep reading past a malformed record so one run reports every problem in the file.
    skip_records_with_error: true,
    on_skip: (error: CsvError | undefined) => {
      if (error) skipped.push(csvProblem(error));
      return undefined;
    },
  });
  // A failing read ends the parser with its error (pipe would leave it waiting); the loop below throws it.
  pipeline(input, parser, () => undefined);
  let headerChecked = false;
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: Info;
  }>) {
    if (!headerChecked) {
      headerChecked = true;
      const check = checkHeader(header ?? [], columns);
      yield* check.problems;
      // Every row would repeat the same missing-column error: one on the header says it once.
      if (check.missingRequired) return;
    }
    yield* skipped.splice(0);
    const values = new Map<string, unknown>();
    for (const [name, value] of Object.entries(record)) if (value !== '') values.set(name, value);
    yield { kind: 'row', line: info.lines - lineBreaksIn(record), values };
  }
  if (header === null) {
    yield {
      kind: 'problem',
      line: 1,
      column: '(line)',
      message: 'the file is empty: a header row is required',
    };
  } else if (!headerChecked) {
    yield* checkHeader(header, columns).problems;
  }
  yield* skipped;
}

function checkHeader(header: readonly string[], columns: ColumnSet) {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) problems.push(headerProblem(name, 'appears more than once in the header'));
    else if (!columns.known.includes(name))
      problems.push(headerProblem(name, `unknown column; expected one of ${columns.known.join(', ')}`));
    seen.add(name);
  }
  const missing = columns.required.filter((name) => !seen.has(name));
  for (const name of missing)
    problems.push(headerProblem(name, 'required column is missing from the header'));
  return { problems, missingRequired: missing.length > 0 };
}

function headerProblem(column: string, message: string): Problem {
  return { kind: 'problem', line: 1, column: column === '' ? '(blank)' : column, message };
}

function csvProblem(error: CsvError): Problem {
  const line = typeof error['lines'] === 'number' ? error['lines'] : 1;
  return { kind: 'problem', line, column: '(line)', message: `not valid CSV: ${error.message}` };
}

// csv-parse reports the line a record ends on; a quoted cell spanning lines moves its start back.
function lineBreaksIn(record: Record<string, string>): number {
  let count = 0;
  for (const value of Object.values(record)) count += value.match(/[\r\n]/g)?.length ?? 0;
  return count;
}
