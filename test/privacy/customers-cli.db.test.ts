import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DB, type TestDatabaseUrl, freshDatabaseUrl } from '../support/databases.ts';
import { runRecoup } from '../support/processes.ts';

describe(`recoup customers export|erase through the real binary on ${TEST_DB}`, () => {
  let target: TestDatabaseUrl;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    target = await freshDatabaseUrl();
    dir = mkdtempSync(join(tmpdir(), 'recoup-customers-cli-'));
    env = {
      RECOUP_DATABASE_URL: target.url,
      RECOUP_OUTBOX_DIR: join(dir, 'outbox'),
      RECOUP_ENCRYPTION_KEY_FILE: join(dir, 'encryption-keys.json'),
      RECOUP_LOG_LEVEL: 'silent',
    };
    const csv = join(dir, 'customers.csv');
    writeFileSync(
      csv,
      'external_id,name,email,phone,address\n' +
        'c1,Ana Lima,ana@example.com,+14155550100,"{""line1"":""1 Main St"",""country"":""US""}"\n',
    );
    const imported = await runRecoup(['import', 'customers', csv], env);
    expect(imported.code, imported.stderr).toBe(0);
  });
  afterAll(async () => {
    await target.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports one JSON document with the contact data decrypted, by external id', async () => {
    const result = await runRecoup(['customers', 'export', 'c1'], env);
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc.customer).toMatchObject({
      external_id: 'c1',
      name: 'Ana Lima',
      email: 'ana@example.com',
      phone: '+14155550100',
      address: { line1: '1 Main St', country: 'US' },
    });
    expect(doc).toMatchObject({ invoices: [], payments: [], cases: [], messages: [] });
  });

  it('answers an unknown id and a missing --yes with one line and exit code 2', async () => {
    const expected: [string[], string][] = [
      [['customers', 'export', 'nobody'], "recoup: customers export: no customer 'nobody'"],
      [['customers', 'erase', 'nobody', '--yes'], "recoup: customers erase: no customer 'nobody'"],
      [
        ['customers', 'erase', 'c1'],
        "recoup: customers erase: this cannot be undone; run again with --yes to erase 'c1'",
      ],
    ];
    for (const [args, line] of expected) {
      const result = await runRecoup(args, env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim()).toBe(line);
      expect(result.stdout).toBe('');
    }
  });

  it('erases once, then says there is nothing left to erase', async () => {
    const erased = await runRecoup(['customers', 'erase', 'c1', '--yes'], env);
    expect(erased.code, erased.stderr).toBe(0);
    expect(erased.stdout).toMatch(/^erased customer cus_\w+: 0 messages and 0 cases scrubbed/);
    const doc = JSON.parse((await runRecoup(['customers', 'export', 'c1'], env)).stdout);
    expect(doc.customer).toMatchObject({ name: 'Erased customer', email: null, phone: null, address: null });
    const again = await runRecoup(['customers', 'erase', 'c1', '--yes'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/was already erased; nothing changed/);
  });
});
