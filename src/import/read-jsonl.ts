import { createReadStream } from 'node:fs';
import { type DecodedLine, type Encoding, decodeLines } from './decode-lines.ts';
import type { ColumnSet, SourceItem } from './source-row.ts';

/**
 * Streams a JSON Lines file: one object per line, blank lines skipped, unknown keys and bytes not valid in the
 * encoding reported on their line.
 */
export async function* readJsonl(
  path: string,
  columns: ColumnSet,
  encoding: Encoding = 'utf-8',
): AsyncGenerator<SourceItem> {
  const input = createReadStream(path);
  try {
    yield* parseJsonl(decodeLines(input, encoding), columns);
  } finally {
    // Stopping early (a consumer that gives up) must not leave the file open.
    input.destroy();
  }
}

async function* parseJsonl(
  lines: AsyncIterable<DecodedLine>,
  columns: ColumnSet,
): AsyncGenerator<SourceItem> {
  for await (const { line, text: raw, problem } of lines) {
    if (problem) {
      yield { kind: 'problem', line, column: '(line)', message: problem };
      continue;
    }
    const text = raw.trim();
    if (text === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      yield { kind: 'problem', line, column: '(line)', message: 'not valid JSON' };
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      yield { kind: 'problem', line, column: '(line)', message: 'expected a JSON object' };
      continue;
    }
    const values = new Map<string, unknown>();
    for (const [name, value] of Object.entries(parsed)) {
      if (!columns.known.includes(name)) {
        yield {
          kind: 'problem',
          line,
          column: name,
          message: `unknown column; expected one of ${columns.known.join(', ')}`,
        };
      } else if (value !== null) values.set(name, value);
    }
    yield { kind: 'row', line, values };
  }
}
