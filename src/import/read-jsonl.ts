import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ColumnSet, SourceItem } from './source-row.ts';

/** Streams a JSON Lines file: one object per line, blank lines skipped, unknown keys reported on their line. */
export async function* readJsonl(path: string, columns: ColumnSet): AsyncGenerator<SourceItem> {
  const input = createReadStream(path, 'utf8');
  try {
    yield* parseJsonl(input, columns);
  } finally {
    // readline closes its interface but leaves the file to its owner.
    input.destroy();
  }
}

async function* parseJsonl(input: Readable, columns: ColumnSet): AsyncGenerator<SourceItem> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const raw of lines) {
    line++;
    const text = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
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
