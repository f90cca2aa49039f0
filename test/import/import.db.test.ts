import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImportError } from '../../src/import/errors.ts';
import { type ImportKind, importFile } from '../../src/import/import-file.ts';
import { FieldCipher } from '../../src/security/field-cipher.ts';
import { Keyring } from '../../src/security/keyring.ts';
import { openCustomer } from '../../src/store/customer-contacts.ts';
import type { Database } from '../../src/store/database.ts';
import type { Tables } from '../../src/store/tables.ts';
import { freshDatabase } from '../support/databases.ts';

const NOW = Date.UTC(2026, 2, 10, 12);
const cipher = new FieldCipher(new Keyring([{ id: 'test', material: randomBytes(32) }], 'test keyring'));
const LATER = NOW + 86_400_000;

const CUSTOMERS_CSV = [
  'external_id,name,email,phone,locale,time_zone,attributes,opted_out',
  'c1,Ana Lima,ana@example.com,+14155550100,pt-br,America/Sao_Paulo,"{""plan"":""pro""}",sms;email',
  'c2,Bo Berg,,,,,,',
  '',
  'c3,"Chen, Wei",chen@example.com,,ja-JP,Asia/Tokyo,,',
].join('\n');

const METHODS_CSV = [
  'external_id,customer_external_id,token,type,brand,last4,exp_month,exp_year,priority,status',
  'pm1,c1,tok_visa,card,visa,4242,12,2030,1,active',
  'pm2,c1,ba_123,bank_debit,,,,,2,',
].join('\n');

const INVOICES_CSV = [
  'external_id,customer_external_id,number,currency,total,amount_paid,due_date,status,collection,failed_at,failure_code',
  'i1,c1,INV-1,eur,1234.56,,2026-03-01,,,,',
  'i2,c2,,JPY,500,100,2026-03-05T09:30:00+09:00,open,send_invoice,,',
  'i3,c3,INV-3,USD,20,,2026-02-01,paid,,,',
  'i4,c1,INV-4,EUR,49.00,,2026-03-02,,charge_automatically,2026-03-02T08:00:00Z,insufficient_funds',
].join('\n');

type TableName = keyof Tables;
const TABLES: TableName[] = [
  'customers',
  'payment_methods',
  'invoices',
  'payments',
  'cases',
  'scheduled_steps',
  'timeline_events',
];

describe('importFile', () => {
  let database: Database;
  let cleanup: () => Promise<void>;
  let dir: string;

  beforeEach(async () => {
    ({ database, cleanup } = await freshDatabase());
    dir = mkdtempSync(join(tmpdir(), 'recoup-import-'));
  });
  afterEach(async () => {
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const run = (kind: ImportKind, path: string, now = NOW) =>
    importFile(database, kind, path, { now, cipher });
  const importAll = async (now = NOW) => [
    await run('customers', file('customers.csv', CUSTOMERS_CSV), now),
    await run('payment-methods', file('methods.csv', METHODS_CSV), now),
    await run('invoices', file('invoices.csv', INVOICES_CSV), now),
  ];
  const snapshot = async () => {
    const out: Record<string, unknown[]> = {};
    for (const table of TABLES) {
      out[table] = await database.db
        .selectFrom(table)
        .selectAll()
        .orderBy(sql.ref(sortKey(table)))
        .execute();
    }
    return out;
  };
  const failure = async (promise: Promise<unknown>): Promise<ImportError> => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImportError);
    return error as ImportError;
  };
  const invoice = (externalId: string) =>
    database.db
      .selectFrom('invoices')
      .selectAll()
      .where('external_id', '=', externalId)
      .executeTakeFirstOrThrow();

  it('imports customers, payment methods and invoices with the right values', async () => {
    const reports = await importAll();
    expect(reports.map((r) => [r.kind, r.rows, r.inserted])).toEqual([
      ['customers', 3, 3],
      ['payment-methods', 2, 2],
      ['invoices', 4, 4],
    ]);

    const customers = (
      await database.db.selectFrom('customers').selectAll().orderBy('external_id').execute()
    ).map((c) => openCustomer(cipher, c));
    expect(customers[0]).toMatchObject({
      external_id: 'c1',
      name: 'Ana Lima',
      email: 'ana@example.com',
      phone: '+14155550100',
      locale: 'pt-BR',
      time_zone: 'America/Sao_Paulo',
      attributes: '{"plan":"pro"}',
      opted_out: '["email","sms"]',
      created_at: NOW,
    });
    expect(customers[1]).toMatchObject({ name: 'Bo Berg', email: null, locale: 'en', time_zone: 'UTC' });
    expect(customers[2]).toMatchObject({ name: 'Chen, Wei', attributes: '{}', opted_out: '[]' });

    const methods = await database.db.selectFrom('payment_methods').selectAll().orderBy('priority').execute();
    expect(methods[0]).toMatchObject({ token: 'tok_visa', last4: '4242', exp_month: 12, exp_year: 2030 });
    expect(methods[0]!.customer_id).toBe(customers[0]!.id);
    expect(methods[1]).toMatchObject({ type: 'bank_debit', exp_month: null, priority: 2, status: 'active' });

    expect(await invoice('i1')).toMatchObject({
      number: 'INV-1',
      currency: 'EUR',
      total: 123456,
      amount_paid: 0,
      due_at: Date.UTC(2026, 2, 1),
      status: 'open',
      collection: 'send_invoice',
      case_id: null,
    });
    expect(await invoice('i2')).toMatchObject({
      number: 'i2',
      currency: 'JPY',
      total: 500,
      amount_paid: 100,
      due_at: Date.UTC(2026, 2, 5, 0, 30),
    });
    expect(await invoice('i3')).toMatchObject({ status: 'paid', total: 2000, amount_paid: 2000 });
    expect(await invoice('i4')).toMatchObject({
      total: 4900,
      collection: 'charge_automatically',
      failed_at: Date.UTC(2026, 2, 2, 8),
      failure_code: 'insufficient_funds',
    });
  });

  it('changes nothing when the same files are imported again', async () => {
    await importAll();
    const before = await snapshot();
    const reports = await importAll(LATER);
    expect(reports.map((r) => [r.inserted, r.updated, r.unchanged, r.paymentsRecorded])).toEqual([
      [0, 0, 3, 0],
      [0, 0, 2, 0],
      [0, 0, 4, 0],
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it('updates the records whose rows changed', async () => {
    await importAll();
    const customers = CUSTOMERS_CSV.replace('Bo Berg', 'Bo Bergström');
    const invoices = INVOICES_CSV.replace('1234.56', '1300.00');
    expect(await run('customers', file('customers.csv', customers), LATER)).toMatchObject({
      inserted: 0,
      updated: 1,
      unchanged: 2,
    });
    expect(await run('invoices', file('invoices.csv', invoices), LATER)).toMatchObject({
      updated: 1,
      unchanged: 3,
    });
    const bo = await database.db
      .selectFrom('customers')
      .selectAll()
      .where('external_id', '=', 'c2')
      .executeTakeFirstOrThrow();
    expect(bo).toMatchObject({ name: 'Bo Bergström', created_at: NOW, updated_at: LATER });
    expect(await invoice('i1')).toMatchObject({ total: 130000, updated_at: LATER });
  });

  it('rejects a file with bad rows, names each line and column, and writes nothing', async () => {
    await run('customers', file('customers.csv', CUSTOMERS_CSV));
    const before = await snapshot();
    const bad = [
      'external_id,customer_external_id,currency,total,due_date,colour',
      'n1,c1,EUR,10.00,2026-03-01,red',
      'n2,c1,EUX,10.00,2026-03-01,',
      'n3,c1,EUR,10.00,2026-02-30,',
      'n4,c1,EUR,-5.00,2026-03-01,',
      'n5,nobody,EUR,10.00,2026-03-01,',
      'n1,c2,EUR,12.00,2026-03-01,',
      'n6,c1,EUR,10.001,2026-03-01,',
    ].join('\n');
    const error = await failure(run('invoices', file('bad.csv', bad)));
    expect(error.errors.map((e) => [e.line, e.column])).toEqual([
      [1, 'colour'],
      [3, 'currency'],
      [4, 'due_date'],
      [5, 'total'],
      [6, 'customer_external_id'],
      [7, 'external_id'],
      [8, 'total'],
    ]);
    expect(error.message).toContain(
      'line 4, column due_date: expected a date such as 2026-03-01 or an ISO 8601 timestamp',
    );
    expect(error.message).toContain('line 5, column total: must not be negative');
    expect(error.message).toContain(
      "line 7, column external_id: duplicate external_id 'n1' (first on line 2)",
    );

    const methods = [
      'external_id,customer_external_id,token,exp_month,exp_year',
      'pm1,c1,4242 4242 4242 4242,12,2030',
      'pm2,c1,tok_ok,13,2030',
      'pm3,c1,tok_ok,,',
    ].join('\n');
    const methodError = await failure(run('payment-methods', file('bad-methods.csv', methods)));
    expect(methodError.errors.map((e) => [e.line, e.column])).toEqual([
      [2, 'token'],
      [3, 'exp_month'],
      [4, 'exp_month'],
      [4, 'exp_year'],
    ]);
    expect(methodError.errors[0]!.message).toMatch(/looks like a card number/);
    expect(methodError.message).not.toContain('4242 4242');

    expect(await snapshot()).toEqual(before);
    // The rejected files left nothing behind, so a good file imports cleanly afterwards.
    expect(await run('invoices', file('invoices.csv', INVOICES_CSV))).toMatchObject({ inserted: 4 });
    expect(await run('payment-methods', file('methods.csv', METHODS_CSV))).toMatchObject({ inserted: 2 });
  });

  it('numbers CSV rows by the physical line they start on', async () => {
    const csv = ['external_id,name,email', 'a1,"Two', 'lines",a1@example.com', '', 'a2,Ok,not-an-email'].join(
      '\n',
    );
    const error = await failure(run('customers', file('multiline.csv', csv)));
    expect(error.errors).toEqual([
      { line: 5, column: 'email', message: 'expected an email address such as ana@example.com' },
    ]);
  });

  it('rejects a header without a required column and a file of unknown format', async () => {
    const missing = await failure(
      run('invoices', file('inv.csv', 'external_id,customer_external_id\ni1,c1\n')),
    );
    expect(missing.errors.map((e) => e.column)).toEqual(['currency', 'total', 'due_date']);
    const empty = await failure(run('customers', file('empty.csv', '\n\n')));
    expect(empty.message).toBe('line 1, column (line): the file is empty: a header row is required');
    const unknown = await failure(run('customers', file('customers.xlsx', 'x')));
    expect(unknown.message).toMatch(/^file: cannot tell the format/);
  });

  it('lists at most 50 problems in the message', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => `x${i},`);
    const error = await failure(run('customers', file('many.csv', ['external_id,name', ...rows].join('\n'))));
    expect(error.errors).toHaveLength(60);
    expect(error.message.split('\n')).toHaveLength(51);
    expect(error.message).toMatch(/\n… and 10 more$/);
  });

  it('imports JSON Lines, numbers by their decimal text, and rejects a line that is not JSON', async () => {
    await run('customers', file('customers.csv', CUSTOMERS_CSV));
    const before = await snapshot();
    const lines = [
      JSON.stringify({
        external_id: 'j1',
        customer_external_id: 'c1',
        currency: 'EUR',
        total: 1234.56,
        due_date: '2026-03-01',
      }),
      '',
      JSON.stringify({
        external_id: 'j2',
        customer_external_id: 'c2',
        currency: 'KWD',
        total: '1.005',
        due_date: '2026-03-01',
      }),
    ];
    const bad = [...lines, '{"external_id": "j3",', JSON.stringify({ external_id: 'j4', extra: 1 })].join(
      '\n',
    );
    const error = await failure(run('invoices', file('bad.jsonl', bad)));
    expect(error.message).toContain('line 4, column (line): not valid JSON');
    expect(error.errors.map((e) => [e.line, e.column])).toEqual([
      [4, '(line)'],
      [5, 'extra'],
      [5, 'customer_external_id'],
      [5, 'currency'],
      [5, 'due_date'],
    ]);
    expect(await snapshot()).toEqual(before);

    expect(await run('invoices', file('good.ndjson', lines.join('\n')))).toMatchObject({
      rows: 2,
      inserted: 2,
    });
    expect(await invoice('j1')).toMatchObject({ total: 123456, currency: 'EUR' });
    expect(await invoice('j2')).toMatchObject({ total: 1005, currency: 'KWD' });

    const customers = [
      JSON.stringify({
        external_id: 'c9',
        name: 'Nine',
        opted_out: ['letter', 'phone'],
        attributes: { tier: 2 },
      }),
    ].join('\n');
    await run('customers', file('c.jsonl', customers));
    const nine = await database.db
      .selectFrom('customers')
      .selectAll()
      .where('external_id', '=', 'c9')
      .executeTakeFirstOrThrow();
    expect(nine).toMatchObject({ opted_out: '["letter","phone"]', attributes: '{"tier":2}' });
  });

  it('records a payment when an invoice comes back paid, recovering its open case', async () => {
    await importAll();
    const caseId = await openCaseFor('i1');
    const paid = INVOICES_CSV.replace(
      'i1,c1,INV-1,eur,1234.56,,2026-03-01,,',
      'i1,c1,INV-1,eur,1234.56,,2026-03-01,paid,',
    );
    const report = await run('invoices', file('invoices.csv', paid), LATER);
    expect(report).toMatchObject({ updated: 1, unchanged: 3, paymentsRecorded: 1 });

    expect(await invoice('i1')).toMatchObject({ status: 'paid', amount_paid: 123456 });
    const payments = await database.db.selectFrom('payments').selectAll().execute();
    expect(payments).toEqual([
      expect.objectContaining({
        case_id: caseId,
        amount: 123456,
        currency: 'EUR',
        source: 'import',
        reference: 'import:i1:123456',
        received_at: LATER,
      }),
    ]);
    const settled = await database.db.selectFrom('cases').selectAll().executeTakeFirstOrThrow();
    expect(settled).toMatchObject({ state: 'recovered', amount_recovered: 123456, closed_at: LATER });
    const steps = await database.db.selectFrom('scheduled_steps').select(['step_id', 'status']).execute();
    expect(steps.every((s) => s.status === 'cancelled')).toBe(true);

    // The same file again is already reflected: no second payment.
    expect(await run('invoices', file('invoices.csv', paid), LATER + 1)).toMatchObject({
      paymentsRecorded: 0,
    });
  });

  it('records a partial payment without closing the case, and cancels the case when the invoice is voided', async () => {
    await importAll();
    await openCaseFor('i1');
    const partial = INVOICES_CSV.replace('1234.56,,2026-03-01', '1234.56,200,2026-03-01');
    expect(await run('invoices', file('invoices.csv', partial), LATER)).toMatchObject({
      paymentsRecorded: 1,
    });
    let c = await database.db.selectFrom('cases').selectAll().executeTakeFirstOrThrow();
    expect(c).toMatchObject({ state: 'open', amount_recovered: 20000 });

    // A stale export showing less paid does not take the recorded money back.
    expect(await run('invoices', file('invoices.csv', INVOICES_CSV), LATER)).toMatchObject({ updated: 0 });
    expect(await invoice('i1')).toMatchObject({ amount_paid: 20000 });

    const voided = partial.replace('1234.56,200,2026-03-01,,', '1234.56,200,2026-03-01,void,');
    expect(await run('invoices', file('invoices.csv', voided), LATER)).toMatchObject({ updated: 1 });
    c = await database.db.selectFrom('cases').selectAll().executeTakeFirstOrThrow();
    expect(c.state).toBe('recovered');
    expect(c.closed_at).toBe(LATER);
  });

  it('refuses to change an existing invoice currency or customer, or its total below what was paid', async () => {
    await importAll();
    const before = await snapshot();
    const changed = INVOICES_CSV.replace('i1,c1,INV-1,eur', 'i1,c2,INV-1,eur')
      .replace('i3,c3,INV-3,USD', 'i3,c3,INV-3,EUR')
      .replace('i2,c2,,JPY,500,100', 'i2,c2,,JPY,50,0');
    const error = await failure(run('invoices', file('invoices.csv', changed)));
    expect(error.errors.map((e) => [e.line, e.column])).toEqual([
      [2, 'customer_external_id'],
      [3, 'total'],
      [4, 'currency'],
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it('reports progress every 1,000 rows', async () => {
    const rows = Array.from({ length: 2_500 }, (_, i) => `bulk${i},Customer ${i}`);
    const seen: number[] = [];
    const report = await importFile(
      database,
      'customers',
      file('bulk.csv', ['external_id,name', ...rows].join('\n')),
      {
        now: NOW,
        cipher,
        onProgress: (n) => seen.push(n),
      },
    );
    expect(seen).toEqual([1_000, 2_000, 2_500]);
    expect(report).toMatchObject({ rows: 2_500, inserted: 2_500 });
  });

  /** Opens a case directly in the tables, with pending steps, and attaches the invoice to it. */
  async function openCaseFor(externalId: string): Promise<string> {
    const target = await invoice(externalId);
    const db = database.db;
    await db
      .insertInto('policy_versions')
      .values({ id: 'pol@1', name: 'pol', version: 1, document: '{}', source: '', created_at: NOW })
      .execute();
    await db
      .insertInto('cases')
      .values({
        id: 'case_1',
        customer_id: target.customer_id,
        currency: target.currency,
        state: 'open',
        paused: 0,
        policy_version_id: 'pol@1',
        anchor_at: target.due_at,
        opened_at: NOW,
        closed_at: null,
        next_due_at: NOW + 3_600_000,
        lease_owner: null,
        lease_expires_at: null,
        amount_failed: target.total,
        amount_recovered: 0,
        escalated_at: null,
      })
      .execute();
    await db
      .insertInto('scheduled_steps')
      .values(
        ['remind-1', 'remind-2'].map((stepId, position) => ({
          case_id: 'case_1',
          step_id: stepId,
          position,
          action: 'remind',
          due_at: NOW + (position + 1) * 3_600_000,
          status: 'pending' as const,
          completed_at: null,
        })),
      )
      .execute();
    await db.updateTable('invoices').set({ case_id: 'case_1' }).where('id', '=', target.id).execute();
    return 'case_1';
  }
});

function sortKey(table: TableName): string {
  return table === 'scheduled_steps' ? 'step_id' : 'id';
}
