import { mkdirSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliDatabase } from '../support/cli-database.ts';
import { TEST_DB } from '../support/databases.ts';
import { runRecoup } from '../support/processes.ts';

const PG_URL = process.env['RECOUP_TEST_PG_URL'] ?? 'postgres://root@127.0.0.1:5432/test';
const STACK_FRAME = /^\s+at /m;

/** A TCP port nothing listens on: taken from the system, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The test's PostgreSQL URL with another user, password, port or database. */
function pgUrl(change: { user?: string; password?: string; port?: number; database?: string }): string {
  const url = new URL(PG_URL);
  if (change.user !== undefined) url.username = change.user;
  if (change.password !== undefined) url.password = change.password;
  if (change.port !== undefined) url.port = String(change.port);
  if (change.database !== undefined) url.pathname = `/${change.database}`;
  return url.toString();
}

describe(`recoup with its database, folder or port out of reach on ${TEST_DB}: one line, exit 3`, {
  timeout: 180_000,
}, () => {
  const cli = useCliDatabase('recoup-unavailable-');

  /** Runs the command, checks it fails with exit 3 and exactly one line, then that --verbose adds the stack. */
  async function expectOneLine(args: string[], env: Record<string, string>, line: RegExp) {
    const quiet = { ...cli.env, RECOUP_LOG_LEVEL: 'warn', ...env };
    const result = await runRecoup(args, quiet);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
    expect(result.stderr.trimEnd()).toMatch(line);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.stderr).not.toContain('s3cret');
    const verbose = await runRecoup([...args, '--verbose'], quiet);
    expect(verbose.code, verbose.stderr).toBe(3);
    expect(verbose.stderr.split('\n')[0]).toMatch(line);
    expect(verbose.stderr).toMatch(STACK_FRAME);
    return result.stderr;
  }

  /** A database URL that cannot be opened on the engine under test. */
  async function unreachable(): Promise<{ url: string; line: RegExp }> {
    if (TEST_DB === 'sqlite') {
      return {
        url: `sqlite:${join(cli.dir, 'no-such-folder', 'recoup.db')}`,
        line: /^recoup: cannot open SQLite database .*recoup\.db: the folder .*no-such-folder does not exist: create it or set RECOUP_DATABASE_URL$/,
      };
    }
    const port = await closedPort();
    return {
      url: pgUrl({ password: 's3cret', port }),
      line: new RegExp(
        `^recoup: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port} \\(connection refused\\): is the server running\\? set RECOUP_DATABASE_URL$`,
      ),
    };
  }

  it('an unreachable database stops cases list, tick and the worker with one line', async () => {
    const { url, line } = await unreachable();
    for (const args of [['cases', 'list'], ['tick'], ['worker', '--exit-when-idle']]) {
      await expectOneLine(args, { RECOUP_DATABASE_URL: url }, line);
    }
  });

  it('RECOUP_VERBOSE=1 prints the stack as --verbose does', async () => {
    const { url, line } = await unreachable();
    const result = await runRecoup(['cases', 'list'], {
      ...cli.env,
      RECOUP_DATABASE_URL: url,
      RECOUP_VERBOSE: '1',
    });
    expect(result.code).toBe(3);
    expect(result.stderr.split('\n')[0]).toMatch(line);
    expect(result.stderr).toMatch(STACK_FRAME);
  });

  // Each engine fails in its own ways: a missing database or a refused user on PostgreSQL, a path that cannot
  // hold a database on SQLite.
  it(`${TEST_DB}'s own failures say what to fix`, async () => {
    if (TEST_DB === 'postgres') {
      await expectOneLine(
        ['cases', 'list'],
        { RECOUP_DATABASE_URL: pgUrl({ database: 'recoup_no_such_db', password: 's3cret' }) },
        /^recoup: PostgreSQL at [^ ]+ has no database 'recoup_no_such_db': create it \(createdb recoup_no_such_db\) or set RECOUP_DATABASE_URL$/,
      );
      await expectOneLine(
        ['worker', '--exit-when-idle'],
        { RECOUP_DATABASE_URL: pgUrl({ user: 'recoup_no_such_user', password: 's3cret' }) },
        /^recoup: PostgreSQL at [^ ]+ refused user 'recoup_no_such_user' \(.*\): check the user in RECOUP_DATABASE_URL/,
      );
    } else {
      const file = join(cli.dir, 'a-file');
      writeFileSync(file, 'not a folder');
      await expectOneLine(
        ['cases', 'list'],
        { RECOUP_DATABASE_URL: `sqlite:${join(file, 'recoup.db')}` },
        /^recoup: cannot open SQLite database .*a-file\/recoup\.db \(unable to open database file\): check that its folder exists and is writable, or set RECOUP_DATABASE_URL$/,
      );
      const folder = join(cli.dir, 'folder.db');
      mkdirSync(folder);
      await expectOneLine(
        ['tick'],
        { RECOUP_DATABASE_URL: `sqlite:${folder}` },
        /^recoup: cannot open SQLite database .*folder\.db \(unable to open database file\)/,
      );
      const junk = join(cli.dir, 'junk.db');
      writeFileSync(junk, 'this is a text file, not a database, '.repeat(20));
      await expectOneLine(
        ['cases', 'list'],
        { RECOUP_DATABASE_URL: `sqlite:${junk}` },
        /^recoup: .*junk\.db is not a SQLite database: set RECOUP_DATABASE_URL to a Recoup database$/,
      );
    }
  });

  it('recoup start on a port in use names the port and how to choose another', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      await expectOneLine(
        ['start', '--port', String(port), '--host', '127.0.0.1'],
        {},
        new RegExp(
          `^recoup: cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use: stop what uses it, or choose another with --port or RECOUP_PORT$`,
        ),
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
