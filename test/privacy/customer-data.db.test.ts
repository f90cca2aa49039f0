import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFile } from '../../src/import/import-file.ts';
import { eraseCustomer } from '../../src/privacy/customer-erasure.ts';
import { type CustomerExport, exportCustomer } from '../../src/privacy/customer-export.ts';
import { CustomerNotFoundError } from '../../src/privacy/customer-lookup.ts';
import { insertCustomers, loadCustomer } from '../../src/store/customer-contacts.ts';
import type { Database } from '../../src/store/database.ts';
import { openRecipient } from '../../src/store/message-recipients.ts';
import { TEST_DB } from '../support/databases.ts';
import { DAY, type World, createWorld } from '../support/world.ts';

const START = Date.UTC(2026, 2, 2, 10); // Monday 10:00 UTC, inside contact hours
const GRACE = {
  name: 'Grace Hopper',
  email: 'grace.hopper@example.org',
  phone: '+4915112345678',
  address: { line1: 'Hauptstraße 5', city: 'Berlin', postal_code: '10115', country: 'DE' },
  attributes: { segment: 'vip-tier-gold' },
};
const PERSONAL = [
  'Grace Hopper',
  'grace.hopper@example.org',
  '+4915112345678',
  'Hauptstra',
  '10115',
  'vip-tier-gold',
];

/** Every row of every table in the database, as text: personal data must not be anywhere in it. */
async function everything(database: Database): Promise<Record<string, string>> {
  const names =
    TEST_DB === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(database.db)
      : await sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = current_schema()`.execute(database.db);
  const out: Record<string, string> = {};
  for (const { name } of names.rows)
    out[name] = JSON.stringify((await sql`select * from ${sql.table(name)}`.execute(database.db)).rows);
  return out;
}

describe('GDPR export and erasure', () => {
  let world: World;
  let database: Database;
  let customerId: string;
  let caseId: string;
  let dir: string;

  beforeAll(async () => {
    world = await createWorld(START);
    database = world.runtime.database;
    dir = mkdtempSync(join(tmpdir(), 'recoup-privacy-'));
    customerId = 'cus_grace';
    await insertCustomers(database.db, world.runtime.deps.cipher, [
      {
        id: customerId,
        external_id: 'grace',
        name: GRACE.name,
        email: GRACE.email,
        phone: GRACE.phone,
        address: GRACE.address,
        locale: 'en-US',
        time_zone: 'UTC',
        attributes: JSON.stringify(GRACE.attributes),
        opted_out: '[]',
        created_at: START,
        updated_at: START,
      },
    ]);
    await world.method(customerId, 'tok_insufficient_funds');
    const invoiceId = await world.invoice(customerId, { total: 5_000, dueAt: START });
    await world.advance(START); // remind-day-0
    await world.advance(START + DAY); // retry-1, declined
    // The billing system reports a partial payment: a payment is recorded and the case stays open.
    const csv = join(dir, 'invoices.csv');
    writeFileSync(
      csv,
      'external_id,customer_external_id,currency,total,amount_paid,due_date,collection,failed_at,failure_code\n' +
        `${invoiceId},grace,USD,50.00,20.00,${new Date(START).toISOString()},charge_automatically,` +
        `${new Date(START).toISOString()},insufficient_funds\n`,
    );
    await importFile(database, 'invoices', csv, { now: START + DAY + 1, cipher: world.runtime.deps.cipher });
    caseId = (await database.db.selectFrom('cases').select('id').executeTakeFirstOrThrow()).id;
  });

  afterAll(async () => {
    await world?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports everything held about the customer in one document, contact data decrypted', async () => {
    const doc: CustomerExport = await exportCustomer(database, world.runtime.deps.cipher, customerId);
    expect(doc.format).toBe('recoup.customer-export.v1');
    expect(doc.customer).toMatchObject({
      id: customerId,
      external_id: 'grace',
      name: GRACE.name,
      email: GRACE.email,
      phone: GRACE.phone,
      address: GRACE.address,
      attributes: GRACE.attributes,
      opted_out: [],
      created_at: new Date(START).toISOString(),
    });
    expect(doc.payment_methods).toEqual([
      expect.objectContaining({ customer_id: customerId, brand: 'visa', last4: '4242', status: 'active' }),
    ]);
    expect(doc.payment_methods[0]).not.toHaveProperty('token');
    expect(doc.invoices).toEqual([
      expect.objectContaining({ total: 5_000, amount_paid: 2_000, status: 'open' }),
    ]);
    expect(doc.payments).toEqual([
      expect.objectContaining({ amount: 2_000, currency: 'USD', source: 'import' }),
    ]);
    expect(doc.cases).toHaveLength(1);
    expect(doc.cases[0]).toMatchObject({ id: caseId, state: 'open', amount_recovered: 2_000 });
    expect(doc.cases[0]!.steps.map((s) => s['step_id'])).toContain('remind-day-0');
    const events = doc.cases[0]!.timeline.map((e) => e['type']);
    expect(events).toEqual(expect.arrayContaining(['message.sent', 'payment.recorded']));
    expect(doc.cases[0]!.timeline[0]!['data']).toBeTypeOf('object');
    expect(doc.payment_attempts).toEqual([
      expect.objectContaining({ step_id: 'retry-1', status: 'failed', decline_code: 'insufficient_funds' }),
    ]);
    expect(doc.messages).toEqual([
      expect.objectContaining({ step_id: 'remind-day-0', status: 'sent', recipient: GRACE.email }),
    ]);
    expect(String(doc.messages[0]!['body_text'])).toContain('Grace Hopper');
    // Nothing is left encrypted in the export.
    expect(JSON.stringify(doc)).not.toContain('enc:v1:');
  });

  it('erases personal data everywhere, keeps the money, and contacts the customer no more', async () => {
    const db = database.db;
    const financial = async () => ({
      invoices: await db.selectFrom('invoices').selectAll().orderBy('id').execute(),
      payments: await db.selectFrom('payments').selectAll().orderBy('id').execute(),
      attempts: await db.selectFrom('payment_attempts').selectAll().orderBy('id').execute(),
      cases: await db
        .selectFrom('cases')
        .select(['id', 'state', 'amount_failed', 'amount_recovered', 'currency', 'policy_version_id'])
        .execute(),
    });
    const before = await financial();
    const outboxFiles = readdirSync(world.outbox).length;
    expect(outboxFiles).toBe(1);
    const messagesBefore = await db.selectFrom('messages').select('id').execute();

    const at = START + 2 * DAY;
    const report = await eraseCustomer(database, world.runtime.deps.cipher, customerId, at);
    expect(report).toMatchObject({ customerId, alreadyErased: false, cases: 1 });
    expect(report.messageIds).toEqual(messagesBefore.map((m) => m.id));

    const tables = await everything(database);
    for (const [table, text] of Object.entries(tables))
      for (const secret of PERSONAL) expect(text, `${secret} in ${table}`).not.toContain(secret);
    const customer = await loadCustomer(db, world.runtime.deps.cipher, customerId);
    expect(customer).toMatchObject({
      name: 'Erased customer',
      email: null,
      phone: null,
      address: null,
      attributes: '{}',
      erased_at: at,
    });
    expect(JSON.parse(customer!.opted_out)).toEqual(
      expect.arrayContaining(['email', 'sms', 'phone', 'letter']),
    );
    const message = await db.selectFrom('messages').selectAll().executeTakeFirstOrThrow();
    expect(openRecipient(world.runtime.deps.cipher, message)).toBe('[erased]');
    expect(message).toMatchObject({
      subject: '[erased]',
      body_text: '[erased]',
      body_html: null,
      status: 'sent',
    });

    expect(await financial()).toEqual(before);
    const erasedEvents = await db
      .selectFrom('timeline_events')
      .selectAll()
      .where('case_id', '=', caseId)
      .where('type', '=', 'customer.erased')
      .execute();
    expect(erasedEvents).toHaveLength(1);

    // The case runs on (a retry may still recover the money) but no reminder goes out any more.
    for (const day of [3, 7, 14]) await world.advance(START + day * DAY);
    expect(await db.selectFrom('messages').select('id').execute()).toHaveLength(1);
    expect(readdirSync(world.outbox)).toHaveLength(outboxFiles);
    const skipped = await db
      .selectFrom('timeline_events')
      .select(['step_id', 'rule'])
      .where('case_id', '=', caseId)
      .where('type', '=', 'step.skipped')
      .where('at', '>', at)
      .execute();
    expect(skipped.map((s) => s.step_id)).toEqual(
      expect.arrayContaining(['remind-day-3', 'remind-day-7', 'remind-day-14']),
    );
  });

  it('is idempotent, and a re-import does not bring the data back', async () => {
    const db = database.db;
    const customerBefore = await db
      .selectFrom('customers')
      .selectAll()
      .where('id', '=', customerId)
      .execute();
    const again = await eraseCustomer(database, world.runtime.deps.cipher, customerId, START + 30 * DAY);
    expect(again).toMatchObject({ alreadyErased: true, messageIds: [], cases: 0 });
    expect(await db.selectFrom('customers').selectAll().where('id', '=', customerId).execute()).toEqual(
      customerBefore,
    );
    const erasedEvents = await db
      .selectFrom('timeline_events')
      .select('id')
      .where('type', '=', 'customer.erased')
      .execute();
    expect(erasedEvents).toHaveLength(1);

    const csv = join(dir, 'customers.csv');
    writeFileSync(csv, `external_id,name,email,phone\ngrace,${GRACE.name},${GRACE.email},${GRACE.phone}\n`);
    const report = await importFile(database, 'customers', csv, {
      now: START + 31 * DAY,
      cipher: world.runtime.deps.cipher,
    });
    expect(report).toMatchObject({ inserted: 0, updated: 0, unchanged: 1 });
    expect(await loadCustomer(db, world.runtime.deps.cipher, customerId)).toMatchObject({
      name: 'Erased customer',
      email: null,
    });
  });

  it('says so for an unknown customer', async () => {
    await expect(exportCustomer(database, world.runtime.deps.cipher, 'cus_nobody')).rejects.toThrow(
      CustomerNotFoundError,
    );
    await expect(eraseCustomer(database, world.runtime.deps.cipher, 'cus_nobody', START)).rejects.toThrow(
      CustomerNotFoundError,
    );
  });
});
