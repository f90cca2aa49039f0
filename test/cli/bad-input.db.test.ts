import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_DB } from '../support/databases.ts';
import { useCliDatabase } from '../support/cli-database.ts';
import { runRecoup } from '../support/processes.ts';
import { snapshot } from '../support/snapshot.ts';

const BAD_POLICY = `name: card-subscription
anchor: first_failure
steps:
  - { id: a, offset: P1D, action: retry }
  - { id: b, offset: P2D, action: remind, channel: email, template: payment-failed }
  - { id: c, offset: three days, action: retry }
  - { id: d, offset: P4D, action: teleport }
  - { id: e, offset: P5D, action: remind, channel: pigeon, template: payment-failed }
`;

// Each test runs the real CLI several times, and a CLI process loads all of Recoup: on a busy two-core CI machine
// that is up to 12 s a run, so these tests get three minutes each rather than the suite's one.
describe(`recoup CLI bad input on ${TEST_DB}: exit 2, the field named, nothing written`, {
  timeout: 180_000,
}, () => {
  const cli = useCliDatabase('recoup-cli-');

  async function expectRejected(args: string[], message: RegExp, extraEnv: Record<string, string> = {}) {
    const before = await snapshot(cli.database.db);
    const result = await runRecoup(args, { ...cli.env, ...extraEnv });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /); // a clear message, not a stack trace
    expect(await snapshot(cli.database.db)).toEqual(before);
    return result.stderr;
  }

  it('policy validate prints every error with its path and reason', async () => {
    const stderr = await expectRejected(
      ['policy', 'validate', cli.file('bad.yaml', BAD_POLICY)],
      /invalid policy/,
    );
    expect(stderr).toContain('steps[2].offset: expected an ISO 8601 duration such as P3D');
    expect(stderr).toContain('steps[3].action: expected one of retry, remind, escalate, webhook, cancel');
    expect(stderr).toMatch(/steps\[4\]\.channel: /);
  });

  it('policy apply refuses an invalid file, an unknown template and broken YAML without storing anything', async () => {
    await expectRejected(['policy', 'apply', cli.file('bad2.yaml', BAD_POLICY)], /steps\[2\]\.offset/);
    const unknown = BAD_POLICY.split('\n')
      .slice(0, 5)
      .join('\n')
      .replace('payment-failed', 'no-such-template');
    await expectRejected(
      ['policy', 'apply', cli.file('tmpl.yaml', unknown)],
      /steps\[1\]\.template: no template named 'no-such-template'/,
    );
    await expectRejected(['policy', 'apply', cli.file('broken.yaml', 'name: [unclosed\n')], /line \d+/);
    await expectRejected(['policy', 'apply', join(cli.dir, 'missing.yaml')], /no such file/);
  });

  it('policy apply stores a valid policy as a new version', async () => {
    const good = BAD_POLICY.split('\n').slice(0, 5).join('\n');
    const result = await runRecoup(['policy', 'apply', cli.file('good.yaml', good)], cli.env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('applied card-subscription@2');
  });

  it('rejects bad arguments naming the flag', async () => {
    await expectRejected(['tick', '--now', 'yesterday'], /--now: expected an ISO 8601 instant/);
    await expectRejected(
      ['tick', '--now', '2026-03-01T09:00:00'],
      /--now: expected an ISO 8601 instant with a zone/,
    );
    await expectRejected(
      ['cases', 'list', '--state', 'sleeping'],
      /--state: expected one of open, needs_attention, recovered/,
    );
    await expectRejected(['cases', 'list', '--limit', '-3'], /--limit/);
    await expectRejected(['cases', 'show', 'case_nope'], /no case 'case_nope'/);
    await expectRejected(['worker', '--poll-ms', 'soon'], /--poll-ms: expected a whole number/);
    await expectRejected(['leases', 'release'], /--owner <id> or --all/);
    await expectRejected(
      ['webhooks', 'create', '--url', 'http://169.254.169.254/latest/meta-data/'],
      /url: destination is a link-local address 169\.254\.169\.254; set RECOUP_WEBHOOK_ALLOW_PRIVATE=true to allow/,
    );
    await expectRejected(
      ['webhooks', 'create', '--url', 'https://u:p@hooks.example.com/'],
      /url: must not carry credentials/,
    );
    await expectRejected(['frobnicate'], /unknown command 'frobnicate'/);
  });

  it('rejects bad environment variables naming the variable', async () => {
    await expectRejected(['tick'], /RECOUP_LEASE_MS: expected a whole number from 1000/, {
      RECOUP_LEASE_MS: 'abc',
    });
    await expectRejected(['tick'], /RECOUP_BATCH_SIZE/, { RECOUP_BATCH_SIZE: '0' });
    await expectRejected(['tick'], /RECOUP_SMTP_URL/, { RECOUP_SMTP_URL: 'mailto:ops@example.com' });
    await expectRejected(['tick'], /RECOUP_LOG_LEVEL/, { RECOUP_LOG_LEVEL: 'loud' });
    await expectRejected(['tick'], /RECOUP_WEBHOOK_ALLOW_PRIVATE: expected true or false, got 'yes'/, {
      RECOUP_WEBHOOK_ALLOW_PRIVATE: 'yes',
    });
    const neverCreated = join(cli.dir, 'never.db');
    const result = await runRecoup(['tick'], { ...cli.env, RECOUP_DATABASE_URL: 'mysql://localhost/recoup' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/RECOUP_DATABASE_URL: expected sqlite:PATH or postgres:\/\//);
    const withBadLease = await runRecoup(['tick'], {
      ...cli.env,
      RECOUP_DATABASE_URL: `sqlite:${neverCreated}`,
      RECOUP_LEASE_MS: '5',
    });
    expect(withBadLease.code).toBe(2);
    expect(existsSync(neverCreated)).toBe(false);
  });

  it('import reports every bad row by line and column and imports nothing from that file', async () => {
    const customers = cli.file(
      'customers.csv',
      'external_id,name,email,locale,time_zone\nc1,Ada,ada@example.com,en-US,America/New_York\n',
    );
    const invoices = cli.file(
      'invoices.csv',
      [
        'external_id,customer_external_id,currency,total,due_date,collection,failed_at,failure_code',
        'i1,c1,USD,49.00,2026-03-01,charge_automatically,2026-03-01T06:00:00Z,insufficient_funds',
        'i2,c1,USDX,10.00,2026-03-01,send_invoice,,',
        'i3,c1,EUR,10.00,1 March,send_invoice,,',
        'i4,nobody,EUR,-5,2026-03-01,send_invoice,,',
      ].join('\n'),
    );
    const ok = await runRecoup(['import', 'customers', customers], cli.env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('1 new');
    const again = await runRecoup(['import', 'customers', customers], cli.env);
    expect(again.stdout).toContain('1 unchanged');
    await expectRejected(
      ['import', 'invoices', invoices],
      /line 3, column currency: .*\n.*line 4, column due_date: .*\n.*line 5, column total: must not be negative/s,
    );
    await expectRejected(
      [
        'import',
        'payment-methods',
        cli.file('pm.csv', 'external_id,customer_external_id,token\npm1,c1,4242424242424242\n'),
      ],
      /line 2, column token/,
    );
    await expectRejected(
      ['import', 'debts', customers],
      /kind: expected one of customers, payment-methods, invoices/,
    );
  });

  it('works end to end with good input: import, tick, then show the case with its timeline', async () => {
    const pm = cli.file(
      'methods.csv',
      'external_id,customer_external_id,token,exp_month,exp_year\npm1,c1,tok_insufficient_funds,12,2030\n',
    );
    const inv = cli.file(
      'good-invoices.csv',
      'external_id,customer_external_id,currency,total,due_date,collection,failed_at,failure_code\ni1,c1,USD,49.00,2026-03-01,charge_automatically,2026-03-01T06:00:00Z,insufficient_funds\n',
    );
    // An earlier test applied a two-step version 2; new cases start on whichever version is newest.
    const shipped = join(import.meta.dirname, '..', '..', 'policies', 'card-subscription.yaml');
    expect((await runRecoup(['policy', 'apply', shipped], cli.env)).stdout).toContain('card-subscription@3');
    expect((await runRecoup(['import', 'payment-methods', pm], cli.env)).code).toBe(0);
    expect((await runRecoup(['import', 'invoices', inv], cli.env)).code).toBe(0);
    const first = await runRecoup(['tick', '--now', '2026-03-01T15:00:00Z'], cli.env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/tick 2026-03-01T15:00:00.000Z: 1 invoices taken into cases, 1 steps done/);
    const second = await runRecoup(['tick', '--now', '2026-03-02T15:00:00Z'], cli.env);
    expect(second.stdout).toMatch(/: 0 invoices taken into cases, 1 steps done/);
    const listed = await runRecoup(['cases', 'list'], cli.env);
    const id = /(case_\S+)/.exec(listed.stdout)?.[1];
    expect(listed.stdout).toContain('$49.00');
    const shown = await runRecoup(['cases', 'show', id!], cli.env);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(
      /case\.opened\s+card-subscription@3\s+-\s+charge failed \(insufficient_funds\)/,
    );
    expect(shown.stdout).toMatch(/message\.sent\s+card-subscription@3\s+remind-day-0/);
    expect(shown.stdout).toMatch(
      /attempt\.failed\s+card-subscription@3\s+retry-1\s+stripe decline code insufficient_funds is soft/,
    );
    const messages = await runRecoup(['messages', 'list'], cli.env);
    expect(messages.stdout).toMatch(/sent\s+email\s+payment-failed\s+en\s+ada@example.com/);
    // What the tracking pixel records shows in the list.
    await cli.database.db
      .updateTable('messages')
      .set({ opened_at: Date.UTC(2026, 2, 1, 16) })
      .execute();
    const opened = await runRecoup(['messages', 'list'], cli.env);
    expect(opened.stdout).toMatch(/sent\s+opened\s+email\s+payment-failed\s+en\s+ada@example.com/);
  });
});
