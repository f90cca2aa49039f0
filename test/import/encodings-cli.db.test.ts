import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';
import { TEST_DB, type TestDatabaseUrl, freshDatabaseUrl } from '../support/databases.ts';
import { runRecoup, runRecoupOk } from '../support/processes.ts';

const HEADER = 'external_id,name,email\n';

describe(`recoup import --encoding through the real binary on ${TEST_DB}`, () => {
  let target: TestDatabaseUrl;
  let dir: string;
  let env: Record<string, string>;

  /** Writes a file into the test's folder and returns its path. */
  const file = (name: string, bytes: Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const names = async () => {
    const database = openDatabase(target.url);
    try {
      const rows = await database.db.selectFrom('customers').select(['external_id', 'name']).execute();
      return Object.fromEntries(rows.map((r) => [r.external_id, r.name]));
    } finally {
      await database.close();
    }
  };

  beforeAll(async () => {
    target = await freshDatabaseUrl();
    dir = mkdtempSync(join(tmpdir(), 'recoup-encodings-'));
    env = {
      RECOUP_DATABASE_URL: target.url,
      RECOUP_ENCRYPTION_KEY_FILE: join(dir, 'encryption-keys.json'),
      RECOUP_LOG_LEVEL: 'silent',
    };
  });
  afterAll(async () => {
    await target.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a Latin-1 file read as UTF-8 with one line naming the line, and imports it with --encoding latin1', async () => {
    const latin1 = file('latin1.csv', Buffer.from(`${HEADER}c1,René Müller,rene@example.com\n`, 'latin1'));
    const refused = await runRecoup(['import', 'customers', latin1], env);
    expect(refused.code).toBe(2);
    // The progress bar's last state comes first on stderr; the error is one line after it.
    expect(refused.stderr.trim().split('\n').at(-1)).toBe(
      `recoup: ${latin1}: nothing imported: line 2, column (line): not valid UTF-8 text; if the file was saved ` +
        'as Latin-1 or Windows-1252 (as Excel does), import it with --encoding windows-1252',
    );
    expect(await names()).toEqual({});

    await runRecoupOk(['import', 'customers', latin1, '--encoding', 'latin1'], env);
    expect(await names()).toEqual({ c1: 'René Müller' });
  });

  // One import each: a run of the binary takes seconds on a busy machine.
  const readable: { encoding: string; name: string; bytes: Buffer; flags: string[]; expected: string }[] = [
    {
      encoding: 'Windows-1252',
      name: 'c2',
      bytes: Buffer.from([...Buffer.from(`${HEADER}c2,Fran`), 0x9a, 0x2c, 0x0a]),
      flags: ['--encoding', 'windows-1252'],
      expected: 'Franš',
    },
    {
      encoding: 'UTF-16BE with its mark',
      name: 'c3',
      bytes: Buffer.from(`\uFEFF${HEADER}c3,Zoë Øster,zoe@example.com\n`, 'utf16le').swap16(),
      flags: ['--encoding', 'UTF-16'],
      expected: 'Zoë Øster',
    },
    {
      encoding: 'UTF-16LE with its mark',
      name: 'c4',
      bytes: Buffer.from(`\uFEFF${HEADER}c4,Łukasz Żółw,\n`, 'utf16le'),
      flags: ['--encoding', 'utf-16'],
      expected: 'Łukasz Żółw',
    },
    {
      encoding: 'UTF-8 with a byte order mark',
      name: 'c5',
      bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${HEADER}c5,Ærø Ødegård,\n`)]),
      flags: [],
      expected: 'Ærø Ødegård',
    },
  ];
  for (const { encoding, name, bytes, flags, expected } of readable) {
    it(`reads ${encoding}`, async () => {
      await runRecoupOk(['import', 'customers', file(`${name}.csv`, bytes), ...flags], env);
      expect((await names())[name]).toBe(expected);
    });
  }

  it('refuses an unknown encoding with one line', async () => {
    const result = await runRecoup(['import', 'customers', join(dir, 'c5.csv'), '--encoding', 'ebcdic'], env);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      "recoup: --encoding: expected one of utf-8, latin1, windows-1252, utf-16, got 'ebcdic'",
    );
  });
});
