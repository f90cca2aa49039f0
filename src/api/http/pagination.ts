import { cursorId, encodeCursor } from '../../domain/page-cursor.ts';
import { ApiError } from './problem.ts';

/** The id a cursor points after; a cursor we did not make is a 400 naming `query.cursor`. */
export function decodeCursor(cursor: string | undefined): string | null {
  if (cursor === undefined) return null;
  const id = cursorId(cursor);
  if (id === null) {
    throw new ApiError(400, 'invalid-request', 'query.cursor: not a cursor this API issued', [
      { field: 'query.cursor', reason: 'not a cursor this API issued' },
    ]);
  }
  return id;
}

/** Splits `limit + 1` rows into a page and the cursor of the next one. */
export function toPage<T extends { id: string }, U>(
  rows: readonly T[],
  limit: number,
  present: (row: T) => U,
): { data: U[]; next_cursor: string | null } {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  return { data: shown.map(present), next_cursor: more ? encodeCursor(shown[shown.length - 1]!.id) : null };
}
