import Sqlite from 'better-sqlite3';

/**
 * Starts adding up the time this process spends inside better-sqlite3's statements (run, get, all, iterate), which
 * is the SQL's own cost with everything around it left out; returns a reader of the milliseconds so far. It slows
 * every statement a little, so the bench measures it in separate runs from the timed ones. `stop` puts the
 * statements back and returns the total.
 */
export function timeStatements(): { stop(): number } {
  let ms = 0;
  const statement = Object.getPrototypeOf(new Sqlite(':memory:').prepare('select 1')) as Record<
    string,
    (...args: unknown[]) => unknown
  >;
  const originals = new Map<string, (...args: unknown[]) => unknown>();
  for (const name of ['run', 'get', 'all']) {
    const original = statement[name]!;
    originals.set(name, original);
    statement[name] = function (this: unknown, ...args: unknown[]) {
      const started = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        ms += performance.now() - started;
      }
    };
  }
  return {
    stop() {
      for (const [name, original] of originals) statement[name] = original;
      return ms;
    },
  };
}
