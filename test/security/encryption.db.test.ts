import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Migrator, sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel } from '../../src/channels/channel.ts';
import { OutboxChannel } from '../../src/channels/email/outbox-channel.ts';
import { ConfigError, loadConfig } from '../../src/config/env.ts';
import { VirtualClock } from '../../src/engine/clock.ts';
import { tick } from '../../src/engine/tick.ts';
import { MemoryLedger } from '../../src/gateways/sandbox/memory-ledger.ts';
import { importFile } from '../../src/import/import-file.ts';
import { type Runtime, openRuntime } from '../../src/runtime/runtime.ts';
import { ENCRYPTED_COLUMNS } from '../../src/security/encrypted-columns.ts';
import { FieldCipher } from '../../src/security/field-cipher.ts';
import { type EncryptionKey, Keyring } from '../../src/security/keyring.ts';
import { reencryptStoredValues } from '../../src/security/reencrypt.ts';
import { openCustomer } from '../../src/store/customer-contacts.ts';
import { parseDatabaseUrl } from '../../src/store/database-url.ts';
import { openRecipient } from '../../src/store/message-recipients.ts';
import * as initial from '../../src/store/migrations/001-initial.ts';
import * as api from '../../src/store/migrations/002-api.ts';
import * as webhooks from '../../src/store/migrations/003-webhooks.ts';
import { TEST_DB, type TestDatabaseUrl, freshDatabaseUrl } from '../support/databases.ts';

const START = Date.UTC(2026, 2, 2, 12); // a Monday noon, inside contact hours in UTC
const k1: EncryptionKey = { id: 'k1', material: randomBytes(32) };
const k2: EncryptionKey = { id: 'k2', material: randomBytes(32) };
const ring = (...keys: EncryptionKey[]) => new Keyring(keys, 'RECOUP_ENCRYPTION_KEYS');

// Personal data that must never reach the database in the clear.
const SECRETS = [
  'ana.lima@example.com',
  '+14155550123',
  'Hauptstra',
  'bo.berg@example.net',
  '+4915112345678',
];

const CUSTOMERS = [
  'external_id,name,email,phone,address,time_zone',
  `c1,Ana Lima,ana.lima@example.com,+14155550123,"{""line1"":""Hauptstraße 5"",""city"":""Berlin"",""country"":""de""}",UTC`,
  'c2,Bo Berg,bo.berg@example.net,+4915112345678,,UTC',
].join('\n');
const METHODS = [
  'external_id,customer_external_id,token,exp_month,exp_year',
  'pm1,c1,tok_insufficient_funds,12,2099',
  'pm2,c2,tok_insufficient_funds,12,2099',
].join('\n');
const INVOICES = [
  'external_id,customer_external_id,currency,total,due_date,collection,failed_at,failure_code',
  'i1,c1,USD,49.00,2026-03-02,charge_automatically,2026-03-02T11:00:00Z,insufficient_funds',
  'i2,c2,EUR,20.00,2026-03-02,charge_automatically,2026-03-02T11:00:00Z,insufficient_funds',
].join('\n');

type RawRow = Record<string, unknown>;

/** Reads a table through a connection of its own, with none of Recoup's code in between. */
async function rawRows(url: string, table: string): Promise<RawRow[]> {
  const { dialect, target } = parseDatabaseUrl(url);
  if (dialect === 'sqlite') {
    const file = new Sqlite(target, { readonly: true });
    try {
      return file.prepare(`select * from ${table}`).all() as RawRow[];
    } finally {
      file.close();
    }
  }
  const client = new pg.Client({ connectionString: target });
  await client.connect();
  try {
    return (await client.query(`select * from ${table}`)).rows;
  } finally {
    await client.end();
  }
}

/** Every stored value of every encrypted column. */
async function encryptedValues(url: string): Promise<string[]> {
  const values: string[] = [];
  for (const [table, columns] of Object.entries(ENCRYPTED_COLUMNS)) {
    for (const row of await rawRows(url, table))
      for (const c of columns) if (row[c] !== null) values.push(String(row[c]));
  }
  return values;
}

describe('contact data encrypted at rest', () => {
  let target: TestDatabaseUrl;
  let dir: string;
  let outbox: string;
  let runtime: Runtime | null = null;

  const open = async (keys: Keyring) => {
    const config = { ...loadConfig({}), databaseUrl: target.url, outboxDir: outbox, encryptionKeys: keys };
    return openRuntime(config, {
      clock: new VirtualClock(START),
      ledger: new MemoryLedger(),
      logger: pino({ level: 'silent' }),
      channels: new Map<string, Channel>([
        ['email', new OutboxChannel({ from: 'billing@example.com', folder: outbox })],
      ]),
      owner: 'encryption-test',
    });
  };
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  beforeAll(async () => {
    target = await freshDatabaseUrl();
    dir = mkdtempSync(join(tmpdir(), 'recoup-encryption-'));
    outbox = join(dir, 'outbox');
    runtime = await open(ring(k1));
    const { database, deps } = runtime;
    for (const [kind, path] of [
      ['customers', file('customers.csv', CUSTOMERS)],
      ['payment-methods', file('methods.csv', METHODS)],
      ['invoices', file('invoices.csv', INVOICES)],
    ] as const)
      await importFile(database, kind, path, { now: START, cipher: deps.cipher });
    await tick(deps, START);
  });

  afterAll(async () => {
    await runtime?.close();
    await target.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends to the decrypted address while storing only ciphertext', async () => {
    const messages = await rawRows(target.url, 'messages');
    expect(messages.filter((m) => m['status'] === 'sent')).toHaveLength(2);
    const sent = readdirSync(outbox).map((f) => readFileSync(join(outbox, f), 'utf8'));
    expect(sent.some((eml) => /^To: ana\.lima@example\.com/m.test(eml))).toBe(true);
    expect(sent.some((eml) => /^To: bo\.berg@example\.net/m.test(eml))).toBe(true);

    const customers = await rawRows(target.url, 'customers');
    for (const table of ['customers', 'messages', 'timeline_events', 'invoices', 'payment_attempts']) {
      const text = JSON.stringify(await rawRows(target.url, table));
      for (const secret of SECRETS) expect(text, `${secret} in ${table}`).not.toContain(secret);
    }
    const values = await encryptedValues(target.url);
    expect(values).toHaveLength(customers.length * 2 + 1 + messages.length); // c2 has no address
    for (const value of values) expect(value).toMatch(/^enc:v1:k1:/);

    // Decrypted through the repository they are what was imported.
    const c1 = openCustomer(runtime!.deps.cipher, customers.find((c) => c['external_id'] === 'c1') as never);
    expect(c1).toMatchObject({
      email: 'ana.lima@example.com',
      phone: '+14155550123',
      address: { line1: 'Hauptstraße 5', city: 'Berlin', country: 'DE' },
    });
    expect(messages.map((m) => openRecipient(runtime!.deps.cipher, m as never)).sort()).toEqual([
      'ana.lima@example.com',
      'bo.berg@example.net',
    ]);
  });

  it.runIf(TEST_DB === 'sqlite')('leaves no plaintext in the database file after a checkpoint', async () => {
    const { target: path } = parseDatabaseUrl(target.url);
    const raw = new Sqlite(path);
    raw.pragma('wal_checkpoint(TRUNCATE)');
    raw.close();
    for (const name of [path, `${path}-wal`]) {
      if (!existsSync(name)) continue;
      const bytes = readFileSync(name);
      for (const secret of SECRETS)
        expect(bytes.includes(Buffer.from(secret)), `${secret} in ${name}`).toBe(false);
    }
    // The check would see plaintext if it were there: the customers' names are stored in the clear.
    expect(readFileSync(path).includes(Buffer.from('Ana Lima'))).toBe(true);
  });

  it('refuses to start without a key that still encrypts data, and with a different key under a known id', async () => {
    await runtime!.close();
    runtime = null;
    await expect(open(ring(k2))).rejects.toThrow(ConfigError);
    await expect(open(ring(k2))).rejects.toThrow(/key 'k1' is missing but still encrypts \d+ rows/);
    await expect(open(ring({ id: 'k1', material: randomBytes(32) }))).rejects.toThrow(
      /key 'k1' is not the key this database knows by that id/,
    );
  });

  it('rotates every value to the new key in batches, resumably, and retires the old key', async () => {
    runtime = await open(ring(k2, k1));
    const { database, deps } = runtime;
    const before = await encryptedValues(target.url);
    const rows =
      (await rawRows(target.url, 'customers')).length + (await rawRows(target.url, 'messages')).length;

    // Interrupted after its first batch: what is done stays done.
    const stop = new Error('operator pressed ctrl-c');
    await expect(
      reencryptStoredValues(database, deps.cipher, {
        scope: 'stale',
        now: START,
        batchSize: 1,
        onProgress: (done) => {
          if (done === 1) throw stop;
        },
      }),
    ).rejects.toBe(stop);
    const halfway = await encryptedValues(target.url);
    expect(halfway.filter((v) => v.startsWith('enc:v1:k2:')).length).toBeGreaterThan(0);
    expect(halfway.filter((v) => v.startsWith('enc:v1:k1:')).length).toBeGreaterThan(0);

    const progress: [number, number][] = [];
    const report = await reencryptStoredValues(database, deps.cipher, {
      scope: 'stale',
      now: START,
      batchSize: 1,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(report).toMatchObject({ rows: rows - 1, reencrypted: rows - 1, failed: 0, remaining: 0 });
    expect(report.retired).toContain('k1');
    expect(progress[0]).toEqual([0, rows - 1]);
    expect(progress.at(-1)).toEqual([rows - 1, rows - 1]);

    const after = await encryptedValues(target.url);
    expect(after).toHaveLength(before.length);
    for (const value of after) expect(value).toMatch(/^enc:v1:k2:/);
    expect(after.some((v) => before.includes(v))).toBe(false);

    // Safe to run again: nothing left to do.
    const again = await reencryptStoredValues(database, deps.cipher, { scope: 'stale', now: START });
    expect(again).toMatchObject({ rows: 0, reencrypted: 0, remaining: 0 });
    await runtime.close();
    runtime = null;

    // The old key is no longer needed: a keyring without it starts and reads everything.
    runtime = await open(ring(k2));
    const onlyNew = new FieldCipher(ring(k2));
    const customers = await runtime.database.db
      .selectFrom('customers')
      .selectAll()
      .orderBy('external_id')
      .execute();
    expect(customers.map((c) => openCustomer(onlyNew, c).email)).toEqual([
      'ana.lima@example.com',
      'bo.berg@example.net',
    ]);
    const messages = await runtime.database.db.selectFrom('messages').selectAll().execute();
    expect(messages.map((m) => openRecipient(onlyNew, m)).sort()).toEqual([
      'ana.lima@example.com',
      'bo.berg@example.net',
    ]);
  });
});

describe('a database created before encryption at rest', () => {
  let target: TestDatabaseUrl;

  afterAll(async () => target?.drop());

  it('has its plaintext contact data encrypted by the first start after upgrading', async () => {
    target = await freshDatabaseUrl();
    const { openDatabase } = await import('../../src/store/database.ts');
    const old = openDatabase(target.url);
    // The schema as it was: migrations 001 to 003 only.
    const migrator = new Migrator({
      db: old.db,
      provider: {
        getMigrations: async () => ({
          '001-initial': { up: (db) => initial.up(db, old.dialect) },
          '002-api': { up: (db) => api.up(db, old.dialect) },
          '003-webhooks': { up: (db) => webhooks.up(db, old.dialect) },
        }),
      },
      migrationTableName: 'recoup_migrations',
      migrationLockTableName: 'recoup_migrations_lock',
    });
    const { error } = await migrator.migrateToLatest();
    expect(error).toBeUndefined();
    await sql`insert into customers (id, external_id, name, email, phone, locale, time_zone, created_at, updated_at)
      values ('cus_old', 'old', 'Old Timer', 'old.timer@example.com', '+14155550999', 'en', 'UTC', 1, 1)`.execute(
      old.db,
    );
    await sql`insert into policy_versions (id, name, version, document, source, created_at)
      values ('p@1', 'p', 1, '{}', '', 1)`.execute(old.db);
    await sql`insert into cases (id, customer_id, currency, state, policy_version_id, anchor_at, opened_at, amount_failed)
      values ('case_old', 'cus_old', 'USD', 'exhausted', 'p@1', 1, 1, 100)`.execute(old.db);
    await sql`insert into messages (id, case_id, step_id, customer_id, channel, template, locale, recipient, subject,
        body_text, status, idempotency_key, created_at)
      values ('msg_old', 'case_old', 's', 'cus_old', 'email', 't', 'en', 'old.timer@example.com', 'Hi', 'Hi',
        'sent', 'k', 1)`.execute(old.db);
    await old.close();

    const config = { ...loadConfig({}), databaseUrl: target.url, encryptionKeys: ring(k1) };
    const runtime = await openRuntime(config, {
      logger: pino({ level: 'silent' }),
      ledger: new MemoryLedger(),
    });
    try {
      const customers = JSON.stringify(await rawRows(target.url, 'customers'));
      const messages = JSON.stringify(await rawRows(target.url, 'messages'));
      for (const text of [customers, messages]) {
        expect(text).not.toContain('old.timer@example.com');
        expect(text).not.toContain('+14155550999');
      }
      for (const value of await encryptedValues(target.url)) expect(value).toMatch(/^enc:v1:k1:/);
      const row = await runtime.database.db.selectFrom('customers').selectAll().executeTakeFirstOrThrow();
      expect(openCustomer(runtime.deps.cipher, row)).toMatchObject({
        email: 'old.timer@example.com',
        phone: '+14155550999',
        address: null,
      });
      const message = await runtime.database.db.selectFrom('messages').selectAll().executeTakeFirstOrThrow();
      expect(openRecipient(runtime.deps.cipher, message)).toBe('old.timer@example.com');
      const plaintext = await runtime.database.db
        .selectFrom('encryption_keys')
        .selectAll()
        .where('id', '=', '(plaintext)')
        .executeTakeFirstOrThrow();
      expect(plaintext.retired_at).not.toBeNull();
    } finally {
      await runtime.close();
    }
  });
});
