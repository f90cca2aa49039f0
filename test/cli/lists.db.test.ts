import { beforeAll, describe, expect, it } from 'vitest';
import { useCliDatabase } from '../support/cli-database.ts';
import { TEST_DB } from '../support/databases.ts';
import { runRecoup, runRecoupOk } from '../support/processes.ts';

const CUSTOMERS = [
  'external_id,name,email',
  'c1,Ada Lovelace,ada@example.com',
  'c2,Bob Jones,BOB@example.com',
  'c3,Cy Twombly,ada@example.com',
  'c4,Di Prima,di@example.com',
  'c5,Ed Ruscha,ed@example.com',
].join('\n');

const INVOICES = [
  'external_id,customer_external_id,currency,total,amount_paid,due_date,collection,failed_at,failure_code',
  'i1,c1,USD,49.00,0,2026-03-01,charge_automatically,2026-03-01T06:00:00Z,insufficient_funds',
  'i2,c2,EUR,10.00,0,2026-03-01,send_invoice,,',
  'i3,c3,EUR,12.00,0,2026-03-01,send_invoice,,',
  'i4,c4,EUR,14.00,0,2026-03-01,send_invoice,,',
  'i5,c5,EUR,16.00,16.00,2026-03-01,send_invoice,,',
].join('\n');

interface JsonPage {
  data: { id: string; [key: string]: unknown }[];
  next_cursor: string | null;
}

// Each test runs the real CLI several times (up to 12 s a run on a busy two-core CI machine).
describe(`recoup list and show commands on ${TEST_DB}: pages, cursors, filters and --json`, {
  timeout: 240_000,
}, () => {
  const cli = useCliDatabase('recoup-cli-lists-');
  const recoup = (...args: string[]) => runRecoupOk(args, cli.env);
  const json = async (...args: string[]) => JSON.parse((await recoup(...args, '--json')).stdout);

  beforeAll(async () => {
    await recoup('import', 'customers', cli.file('customers.csv', CUSTOMERS));
    await recoup('import', 'invoices', cli.file('invoices.csv', INVOICES));
    await recoup('tick', '--now', '2026-03-02T00:00:00Z');
    // Bob pays: importing his invoice again with more paid records a payment.
    const paid = INVOICES.split('\n')
      .filter((line, i) => i === 0 || line.startsWith('i2,'))
      .join('\n')
      .replace('10.00,0,', '10.00,10.00,');
    await recoup('import', 'invoices', cli.file('paid.csv', paid));
  }, 180_000);

  const ids = async (table: 'cases' | 'customers' | 'invoices') =>
    (await cli.database.db.selectFrom(table).select('id').orderBy('id', 'desc').execute()).map((r) => r.id);

  it('cases list says when there is more, and --cursor walks every page once', async () => {
    const all = await ids('cases');
    expect(all.length).toBeGreaterThanOrEqual(4);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < all.length; page++) {
      const args = ['cases', 'list', '--limit', '2', ...(cursor ? ['--cursor', cursor] : [])];
      const { stdout } = await recoup(...args);
      seen.push(...all.filter((id) => stdout.includes(id)));
      cursor = /add --cursor (\S+) for the next page, or --all for every one/.exec(stdout)?.[1] ?? null;
      if (cursor === null) break;
    }
    expect(seen).toEqual(all);
    const everything = await recoup('cases', 'list', '--limit', '2', '--all');
    expect(all.every((id) => everything.stdout.includes(id))).toBe(true);
    expect(everything.stdout).not.toContain('--cursor');
  });

  it('--json prints one document with the items and the next cursor, which --cursor takes', async () => {
    const all = await ids('cases');
    const first: JsonPage = await json('cases', 'list', '--limit', '3');
    expect(first.data.map((c) => c.id)).toEqual(all.slice(0, 3));
    expect(first.data[0]).toMatchObject({ paused: false, opened_at: expect.stringMatching(/Z$/) });
    expect(first.next_cursor).toEqual(expect.any(String));
    const rest: JsonPage = await json(
      'cases',
      'list',
      '--limit',
      '3',
      '--cursor',
      first.next_cursor!,
      '--all',
    );
    expect(rest.data.map((c) => c.id)).toEqual(all.slice(3));
    expect(rest.next_cursor).toBeNull();
    const bad = await runRecoup(['cases', 'list', '--cursor', 'not-a-cursor'], cli.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("recoup: --cursor: not a cursor Recoup printed, got 'not-a-cursor'");
  });

  it('customers list filters by email (any case) and external id, and pages', async () => {
    const byEmail: JsonPage = await json('customers', 'list', '--email', 'ADA@example.com');
    expect(byEmail.data.map((c) => c.external_id).sort()).toEqual(['c1', 'c3']);
    expect(byEmail.data[0]).toMatchObject({ email: 'ada@example.com', attributes: {} });
    const oneByEmail: JsonPage = await json(
      'customers',
      'list',
      '--email',
      'ada@example.com',
      '--limit',
      '1',
    );
    const secondByEmail: JsonPage = await json(
      'customers',
      'list',
      '--email',
      'ada@example.com',
      '--cursor',
      oneByEmail.next_cursor!,
    );
    expect([...oneByEmail.data, ...secondByEmail.data].map((c) => c.id)).toEqual(
      byEmail.data.map((c) => c.id),
    );
    expect(secondByEmail.next_cursor).toBeNull();
    const byExternal: JsonPage = await json('customers', 'list', '--external-id', 'c4');
    expect(byExternal.data.map((c) => c.name)).toEqual(['Di Prima']);
    const all: JsonPage = await json('customers', 'list', '--limit', '2', '--all');
    expect(all.data.map((c) => c.id)).toEqual(await ids('customers'));
    const table = await recoup('customers', 'list', '--limit', '2');
    expect(table.stdout).toMatch(/more customers: add --cursor \S+ for the next page/);
  });

  it('customers show, invoices list and invoices show, as text and as JSON', async () => {
    const shown = await json('customers', 'show', 'c1');
    expect(shown.customer).toMatchObject({
      external_id: 'c1',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
    });
    expect(shown.invoices.map((i: { external_id: string }) => i.external_id)).toEqual(['i1']);
    expect(shown.cases).toHaveLength(1);
    const paid: JsonPage = await json('invoices', 'list', '--status', 'paid');
    expect(paid.data.map((i) => i.external_id)).toEqual(['i5', 'i2']);
    const bob: JsonPage = await json('invoices', 'list', '--customer', 'c2');
    expect(bob.data).toMatchObject([{ external_id: 'i2', total: 1000, currency: 'EUR' }]);
    const invoice = await json('invoices', 'show', 'i2');
    expect(invoice.invoice).toMatchObject({
      external_id: 'i2',
      status: 'paid',
      due_at: '2026-03-01T00:00:00.000Z',
    });
    expect(invoice.payments).toMatchObject([{ amount: 1000, currency: 'EUR' }]);
    const text = await recoup('invoices', 'show', 'i2');
    expect(text.stdout).toContain('Invoice i2');
    expect(text.stdout).toContain('€10.00');
    const missing = await runRecoup(['invoices', 'list', '--customer', 'nobody'], cli.env);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe("recoup: --customer: no customer 'nobody'");
  });

  it('every other list and show command takes --json and prints one JSON document', async () => {
    const [caseId] = await ids('cases');
    const detail = await json('cases', 'show', caseId!);
    expect(detail.case.id).toBe(caseId);
    expect(detail.timeline.length).toBeGreaterThan(0);
    await recoup('keys', 'create', '--scope', 'read', '--name', 'lists-test');
    await recoup('users', 'create', '--email', 'lists@example.com', '--role', 'viewer');
    const keys: JsonPage = await json('keys', 'list');
    expect(keys).toMatchObject({ data: [{ name: 'lists-test', scope: 'read' }], next_cursor: null });
    expect(JSON.stringify(keys)).not.toMatch(/hash|secret/);
    const users: JsonPage = await json('users', 'list');
    expect(users.data).toMatchObject([{ email: 'lists@example.com', role: 'viewer' }]);
    const messages: JsonPage = await json('messages', 'list');
    expect(messages.next_cursor).toBeNull();
    const webhooks: JsonPage = await json('webhooks', 'list');
    expect(webhooks).toEqual({ data: [], next_cursor: null });
    const policies: JsonPage = await json('policy', 'list');
    expect(policies.data.map((p) => p.name)).toEqual(['b2b-invoice', 'card-subscription']);
    const policy = await json('policy', 'show', 'b2b-invoice');
    expect(policy).toMatchObject({ id: 'b2b-invoice@1', document: { name: 'b2b-invoice' } });
  });
});
