import { type Migration, Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureShippedPolicies } from '../../src/policies/policy-file.ts';
import { insertMany } from '../../src/store/batch.ts';
import { type Database, openDatabase } from '../../src/store/database.ts';
import { migrate } from '../../src/store/migrate.ts';
import * as initial from '../../src/store/migrations/001-initial.ts';
import * as api from '../../src/store/migrations/002-api.ts';
import * as webhooks from '../../src/store/migrations/003-webhooks.ts';
import * as encryption from '../../src/store/migrations/004-encryption.ts';
import * as stripe from '../../src/store/migrations/005-stripe.ts';
import * as inbound from '../../src/store/migrations/006-inbound.ts';
import * as apiIndexes from '../../src/store/migrations/007-api-indexes.ts';
import { latestPolicyVersions } from '../../src/store/policies.ts';
import { type TestDatabaseUrl, freshDatabaseUrl } from '../support/databases.ts';
import { type World, createWorld } from '../support/world.ts';

const DAY = 86_400_000;
const START = Date.UTC(2026, 2, 1, 9);

describe('a case opened by the engine', () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld(START);
  });
  afterAll(async () => world.close());

  it("takes its customer's segment attribute, or none", async () => {
    const smb = await world.customer({ attributes: { segment: 'smb', plan: 'pro' } });
    const plain = await world.customer({ attributes: { plan: 'basic' } });
    for (const customer of [smb, plain]) {
      await world.method(customer, 'tok_insufficient_funds');
      await world.invoice(customer, { total: 5_000, dueAt: START - DAY });
    }
    await world.advance(START);
    const rows = await world.runtime.database.db
      .selectFrom('cases')
      .select(['customer_id', 'segment'])
      .execute();
    expect(new Map(rows.map((r) => [r.customer_id, r.segment]))).toEqual(
      new Map([
        [smb, 'smb'],
        [plain, 'none'],
      ]),
    );
  });
});

describe('migration 008 on a database with cases', () => {
  let target: TestDatabaseUrl;
  let database: Database;
  beforeAll(async () => {
    target = await freshDatabaseUrl();
    database = openDatabase(target.url);
    // The schema as it was before analytics: migrations 001 to 007 only.
    const before: Record<string, Migration> = {};
    for (const [name, step] of Object.entries({
      '001-initial': initial,
      '002-api': api,
      '003-webhooks': webhooks,
      '004-encryption': encryption,
      '005-stripe': stripe,
      '006-inbound': inbound,
      '007-api-indexes': apiIndexes,
    })) {
      before[name] = { up: (db) => step.up(db, database.dialect) };
    }
    const { error } = await new Migrator({
      db: database.db,
      provider: { getMigrations: async () => before },
      migrationTableName: 'recoup_migrations',
      migrationLockTableName: 'recoup_migrations_lock',
    }).migrateToLatest();
    if (error) throw error;
  });
  afterAll(async () => {
    await database.close();
    await target.drop();
  });

  it("fills the segment of existing cases from their customer's attributes", async () => {
    const db = database.db;
    await ensureShippedPolicies(db, START);
    const [policy] = await latestPolicyVersions(db);
    const attributes = {
      cus_smb: '{"segment":"smb"}',
      cus_none: '{"plan":"pro"}',
      cus_number: '{"segment":7}',
      cus_empty: '{"segment":""}',
      cus_text: '{"note":"segment: vip"}',
    };
    await insertMany(
      db,
      'customers',
      Object.entries(attributes).map(([id, json]) => ({
        id,
        external_id: id,
        name: id,
        email: null,
        phone: null,
        locale: 'en',
        time_zone: 'UTC',
        attributes: json,
        opted_out: '[]',
        created_at: START,
        updated_at: START,
      })),
    );
    await insertMany(
      db,
      'cases',
      Object.keys(attributes).map((customerId) => ({
        id: `case_${customerId}`,
        customer_id: customerId,
        currency: 'USD',
        state: 'open',
        paused: 0,
        policy_version_id: policy!.id,
        anchor_at: START,
        opened_at: START,
        closed_at: null,
        next_due_at: null,
        lease_owner: null,
        lease_expires_at: null,
        amount_failed: 100,
        amount_recovered: 0,
        escalated_at: null,
      })),
    );
    expect(await migrate(database)).toContain('008-analytics');
    const rows = await db.selectFrom('cases').select(['customer_id', 'segment']).execute();
    expect(Object.fromEntries(rows.map((r) => [r.customer_id, r.segment]))).toEqual({
      cus_smb: 'smb',
      cus_none: 'none',
      cus_number: 'none',
      cus_empty: 'none',
      cus_text: 'none',
    });
  });
});
