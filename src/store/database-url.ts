// What a database URL names, apart from the drivers: the configuration and the CLI check a URL without loading them.

export type Dialect = 'sqlite' | 'postgres';

export const DEFAULT_DATABASE_URL = 'sqlite:./recoup.db';

/** Raised for a database URL that names no supported engine; the message names the setting. */
export class DatabaseUrlError extends Error {}

/** Which engine and target a URL names: `sqlite:./file.db`, `sqlite::memory:` or `postgres://…`. */
export function parseDatabaseUrl(url: string): { dialect: Dialect; target: string } {
  if (url.startsWith('sqlite:')) {
    const target = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (target === '')
      throw new DatabaseUrlError('RECOUP_DATABASE_URL: sqlite: needs a file path, e.g. sqlite:./recoup.db');
    return { dialect: 'sqlite', target };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      new URL(url);
    } catch {
      throw new DatabaseUrlError('RECOUP_DATABASE_URL: not a valid postgres:// URL');
    }
    return { dialect: 'postgres', target: url };
  }
  throw new DatabaseUrlError(
    `RECOUP_DATABASE_URL: expected sqlite:PATH or postgres://…, got '${url.replace(/\/\/[^@/]*@/, '//***@')}'`,
  );
}
