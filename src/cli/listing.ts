import { Option } from 'commander';
import { cursorId, encodeCursor } from '../domain/page-cursor.ts';
import { UsageError } from './errors.ts';
import { parseWhole } from './parse.ts';

/** The flags of a list or show command: --json, and for a paged list --limit, --cursor and --all. */
export interface ListFlags {
  readonly json?: boolean;
  readonly limit?: string;
  readonly cursor?: string;
  readonly all?: boolean;
}

/** --json for a list or show command: one JSON document on stdout instead of text, for scripts. */
export function jsonOption(): Option {
  return new Option('--json', 'print one JSON document (for scripts) instead of a table');
}

/** --cursor for a paged list: the page after a cursor the previous page printed (the API's cursors work too). */
export function cursorOption(): Option {
  return new Option('--cursor <cursor>', 'the page after this cursor, as printed under the previous page');
}

/** --all for a paged list: every page from the cursor (or the newest) on. */
export function allOption(): Option {
  return new Option('--all', 'every page, not only the first');
}

/** How a list is read and shown: `fetch` gives up to `limit` rows after the row id `after`, newest first. */
export interface Lister<T extends { readonly id: string }> {
  readonly noun: string;
  fetch(page: { readonly after: string | null; readonly limit: number }): Promise<readonly T[]>;
  table(rows: readonly T[]): string;
  json(row: T): unknown;
}

// --all reads in pages at least this big: a small --limit should not mean thousands of queries.
const ALL_PAGE = 500;

/**
 * Prints a list as a table, saying under it how to get the next page when there is one, or with --json as one
 * document `{ data, next_cursor }` like the API's pages. The cursor format is the API's.
 */
export async function printList<T extends { readonly id: string }>(
  flags: ListFlags,
  lister: Lister<T>,
): Promise<void> {
  const limit = flags.all
    ? Math.max(ALL_PAGE, parseWhole(flags.limit ?? '50', '--limit', 1, 10_000))
    : parseWhole(flags.limit ?? '50', '--limit', 1, 10_000);
  let after = flags.cursor === undefined ? null : cursorId(flags.cursor);
  if (flags.cursor !== undefined && after === null)
    throw new UsageError(`--cursor: not a cursor Recoup printed, got '${flags.cursor}'`);
  const rows: T[] = [];
  for (;;) {
    const page = await lister.fetch({ after, limit: limit + 1 });
    const more = page.length > limit;
    const shown = more ? page.slice(0, limit) : page;
    rows.push(...shown);
    after = more ? shown[shown.length - 1]!.id : null;
    if (!flags.all || after === null) break;
  }
  const next = after === null ? null : encodeCursor(after);
  if (flags.json) {
    printJson({ data: rows.map((row) => lister.json(row)), next_cursor: next });
    return;
  }
  console.log(lister.table(rows));
  if (next !== null)
    console.log(`\nmore ${lister.noun}: add --cursor ${next} for the next page, or --all for every one`);
}

/** A whole (unpaged) list as the one JSON document paged lists print: `{ data, next_cursor: null }`. */
export function printJsonList(rows: readonly unknown[]): void {
  printJson({ data: rows, next_cursor: null });
}

/** Prints one JSON document on stdout: a script reads the whole output as it. */
export function printJson(document: unknown): void {
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}

// Columns stored as JSON text, shown as the values they hold.
const JSON_TEXT = new Set(['attributes', 'opted_out', 'data', 'document', 'event_types']);

/**
 * A stored row as scripts want it: instants (`*_at`, `at`; epoch ms in storage) as ISO 8601 UTC strings and
 * JSON text columns as their values; everything else as stored (money in minor units beside its currency).
 */
export function jsonRow<T extends object>(row: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if ((key === 'at' || key.endsWith('_at')) && typeof value === 'number') {
      out[key] = new Date(value).toISOString();
    } else if (JSON_TEXT.has(key) && typeof value === 'string') {
      out[key] = parseOr(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
