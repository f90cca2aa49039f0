import { readdirSync } from 'node:fs';
import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overview } from '../../src/analytics/overview.ts';
import { ensureShippedPolicies } from '../../src/policies/policy-file.ts';
import type { Sealed } from '../../src/security/sealed.ts';
import { type Database, type Dialect, openDatabase } from '../../src/store/database.ts';
import { migrate } from '../../src/store/migrate.ts';
import { latestPolicyVersions } from '../../src/store/policies.ts';
import { type TestDatabaseUrl, freshDatabaseUrl } from '../support/databases.ts';

const feb = (day: number, hour = 0) => Date.UTC(2026, 1, day, hour);
const NOW = Date.UTC(2026, 2, 1, 9);

describe('migration 021 on a database stamped under the old definition', () => {
  let target: TestDatabaseUrl;
  let database: Database;
  beforeAll(async () => {
    target = await freshDatabaseUrl();
    database = openDatabase(target.url);
    // The schema as it was before collected-on-time: every migration before 021.
    const before: Record<string, Migration> = {};
    for (const file of readdirSync(new URL('../../src/store/migrations/', import.meta.url))) {
      const name = file.replace(/\.ts$/, '');
      if (name >= '021') continue;
      const step = (await import(`../../src/store/migrations/${name}.ts`)) as {
        up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
      };
      before[name] = { up: (db) => step.up(db, database.dialect) };
    }
    const { error } = await new Migrator({
      db: database.db,
      provider: { getMigrations: async () => before },
      migrationTableName: 'recoup_migrations',
      migrationLockTableName: 'recoup_migrations_lock',
    }).migrateToLatest();
    if (error) throw error;
    const db = database.db;
    await ensureShippedPolicies(db, feb(1));
    const b2b = (await latestPolicyVersions(db)).find((p) => p.name === 'b2b-invoice')!.id;
    // Two B2B cases the old engine closed and stamped: k_early paid the day before its due date, k_late two days
    // after it; each payment came a day after a reminder, so the old stamps credited both reminders.
    const rows: [string, number, number, string, number][] = [
      ['early', 40_000, feb(10, 9), 'upcoming', feb(9, 9)],
      ['late', 25_000, feb(10, 9), 'due-today', feb(12, 9)],
    ];
    for (const [name, total, dueAt, step, paidAt] of rows) {
      const caseId = `k_${name}`;
      await sql`insert into customers (id, external_id, name, locale, time_zone, attributes, opted_out, created_at, updated_at)
        values (${`cus_${name}`}, ${`cus_${name}`}, ${name}, 'en', 'UTC', '{}', '[]', ${feb(1)}, ${feb(1)})`.execute(
        db,
      );
      await sql`insert into cases (id, customer_id, currency, state, paused, policy_version_id, anchor_at, opened_at,
          closed_at, amount_failed, amount_recovered, credited_step)
        values (${caseId}, ${`cus_${name}`}, 'EUR', 'recovered', 0, ${b2b}, ${dueAt}, ${feb(7, 9)}, ${paidAt},
          ${total}, ${total}, ${step})`.execute(db);
      await sql`insert into invoices (id, customer_id, number, currency, total, amount_paid, due_at, status,
          collection, case_id, created_at, updated_at)
        values (${`inv_${name}`}, ${`cus_${name}`}, ${name}, 'EUR', ${total}, ${total}, ${dueAt}, 'paid',
          'send_invoice', ${caseId}, ${feb(1)}, ${feb(1)})`.execute(db);
      await sql`insert into payments (id, invoice_id, case_id, amount, currency, source, reference, received_at)
        values (${`pay_${name}`}, ${`inv_${name}`}, ${caseId}, ${total}, 'EUR', 'api', ${name}, ${paidAt})`.execute(
        db,
      );
      await db
        .insertInto('messages')
        .values({
          id: `msg_${name}`,
          case_id: caseId,
          step_id: step,
          customer_id: `cus_${name}`,
          channel: 'email',
          template: step === 'upcoming' ? 'invoice-upcoming' : 'invoice-due',
          locale: 'en',
          recipient: 'enc:v1:test' as Sealed,
          subject: 's',
          body_text: 'b',
          body_html: null,
          status: 'sent',
          idempotency_key: `msg_${name}`,
          provider_id: null,
          error: null,
          created_at: paidAt - 86_400_000,
          sent_at: paidAt - 86_400_000,
          paid_at: paidAt,
        })
        .execute();
    }
    expect(await migrate(database)).toContain('021-collected-on-time');
  });
  afterAll(async () => {
    await database.close();
    await target.drop();
  });

  it('stamps what closed cases collected on time and takes back the on-time payment’s "paid within 72 hours"', async () => {
    const db = database.db;
    const cases = await db.selectFrom('cases').select(['id', 'amount_on_time']).orderBy('id').execute();
    expect(cases.map((c) => [c.id, Number(c.amount_on_time)])).toEqual([
      ['k_early', 40_000],
      ['k_late', 0],
    ]);
    const messages = await db.selectFrom('messages').select(['id', 'paid_at']).orderBy('id').execute();
    expect(messages.map((m) => [m.id, m.paid_at === null ? null : Number(m.paid_at)])).toEqual([
      ['msg_early', null],
      ['msg_late', feb(12, 9)],
    ]);
    const [eur] = await overview(db, { from: feb(1), to: NOW }, NOW);
    expect(eur).toMatchObject({
      failedAmount: 25_000,
      recoveredAmount: 25_000,
      collectedOnTimeAmount: 40_000,
      failedCases: 1,
      recoveredCases: 1,
    });
  });
});
