import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FieldCipher } from '../../src/security/field-cipher.ts';
import { readKeyFile } from '../../src/security/key-file.ts';
import { openCustomer } from '../../src/store/customer-contacts.ts';
import { openDatabase } from '../../src/store/database.ts';
import { TEST_DB, type TestDatabaseUrl, freshDatabaseUrl } from '../support/databases.ts';
import { runRecoup } from '../support/processes.ts';

describe(`recoup keys rotate through the real binary on ${TEST_DB}`, () => {
  let target: TestDatabaseUrl;
  let dir: string;
  let keyFile: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    target = await freshDatabaseUrl();
    dir = mkdtempSync(join(tmpdir(), 'recoup-keys-cli-'));
    keyFile = join(dir, 'state', 'encryption-keys.json');
    env = {
      RECOUP_DATABASE_URL: target.url,
      RECOUP_OUTBOX_DIR: join(dir, 'outbox'),
      RECOUP_ENCRYPTION_KEY_FILE: keyFile,
      RECOUP_LOG_LEVEL: 'silent',
    };
  });
  afterAll(async () => {
    await target.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const storedEmails = async () => {
    const database = openDatabase(target.url);
    try {
      return await database.db.selectFrom('customers').selectAll().orderBy('external_id').execute();
    } finally {
      await database.close();
    }
  };

  it('creates the key file on first use, then rotates to a generated key', async () => {
    const csv = join(dir, 'customers.csv');
    writeFileSync(csv, 'external_id,name,email\nc1,Ana,ana@example.com\nc2,Bo,bo@example.com\n');
    const imported = await runRecoup(['import', 'customers', csv], env);
    expect(imported.code, imported.stderr).toBe(0);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const first = readKeyFile(keyFile)!;
    for (const row of await storedEmails())
      expect(row.email).toMatch(new RegExp(`^enc:v1:${first.activeId}:`));

    const rotated = await runRecoup(['keys', 'rotate', '--generate', '--batch-size', '1'], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    const second = readKeyFile(keyFile)!;
    expect(second.ids).toEqual([second.activeId, first.activeId]);
    expect(rotated.stdout).toContain(`added key ${second.activeId}`);
    expect(rotated.stdout).toContain(`re-encrypted 2 of 2 rows under key ${second.activeId}`);
    expect(rotated.stdout).toContain(`no stored value is encrypted with ${first.activeId} any more`);
    const rows = await storedEmails();
    for (const row of rows) expect(row.email).toMatch(new RegExp(`^enc:v1:${second.activeId}:`));
    expect(rows.map((r) => openCustomer(new FieldCipher(second), r).email)).toEqual([
      'ana@example.com',
      'bo@example.com',
    ]);

    const again = await runRecoup(['keys', 'rotate'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('re-encrypted 0 of 0 rows');
  });

  it('refuses bad keys with one line naming the variable, and --generate without a key file', async () => {
    const bad = await runRecoup(['migrate'], { ...env, RECOUP_ENCRYPTION_KEYS: 'k1:tooshort' });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^recoup: RECOUP_ENCRYPTION_KEYS: key 'k1' must decode to 32 bytes/);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);

    const key = Buffer.alloc(32, 7).toString('base64');
    const generate = await runRecoup(['keys', 'rotate', '--generate'], {
      ...env,
      RECOUP_ENCRYPTION_KEYS: `k9:${key}`,
    });
    expect(generate.code).toBe(2);
    expect(generate.stderr).toMatch(/RECOUP_ENCRYPTION_KEYS is set/);

    // The database's values are under the key file's key: an environment without it is refused before any use.
    const missing = await runRecoup(['cases', 'list'], { ...env, RECOUP_ENCRYPTION_KEYS: `k9:${key}` });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/RECOUP_ENCRYPTION_KEYS: key '.+' is missing but still encrypts 2 rows/);
    expect(readFileSync(keyFile, 'utf8')).not.toContain(key);
  });
});
