// One cursor format for every list, in the API (`next_cursor`, `?cursor=`) and the CLI (`--cursor`): a cursor
// from either works in the other.

/** The opaque cursor after a row: its id, which sorts by creation time. */
export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

/** The id a cursor points after, or null for a cursor Recoup did not make. */
export function cursorId(cursor: string): string | null {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^[a-z]+_[0-9a-z]+$/.test(id) ? id : null;
}
