import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/store/database.ts';
import { TEST_DB, type TestDatabaseUrl, freshDatabaseUrl } from '../support/databases.ts';
import { runRecoup, runRecoupOk } from '../support/processes.ts';
import { snapshot } from '../support/snapshot.ts';

const DAY = 86_400_000;
// Instants years away from the wall clock, so that a time stamped by the system clock could not pass for them.
const at = (iso: string) => ({ iso, ms: Date.parse(iso) });
const IMPORTED = at('2031-04-02T08:15:00Z');
const APPLIED = at('2031-04-03T09:00:00Z');
const KEY_CREATED = at('2031-04-04T10:00:00Z');
const KEY_REVOKED = at('2031-04-05T11:30:00Z');
const USER_CREATED = at('2031-04-06T12:00:00Z');
const HOOK_CREATED = at('2031-04-07T13:00:00Z');
const HOOK_DISABLED = at('2031-04-08T14:00:00Z');
const ERASED = at('2031-04-09T15:45:00Z');
const ROTATED = at('2031-04-10T16:00:00Z');

const POLICY = `name: spring-dunning
anchor: first_failure
steps:
  - { id: a, offset: P1D, action: retry }
`;

// Each test runs the real CLI several times, and a CLI process loads all of Recoup: on a busy two-core CI machine
// that is up to 12 s a run, so these tests get three minutes each rather than the suite's one.
describe(`--now on every command that writes a time, through the real binary on ${TEST_DB}`, {
  timeout: 180_000,
}, () => {
  let target: TestDatabaseUrl;
  let dir: string;
  let env: Record<string, string>;
  let database: Database;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const recoup = (args: string[]) => runRecoupOk(args, env);

  beforeAll(async () => {
    target = await freshDatabaseUrl();
    dir = mkdtempSync(join(tmpdir(), 'recoup-now-cli-'));
    env = {
      RECOUP_DATABASE_URL: target.url,
      RECOUP_OUTBOX_DIR: join(dir, 'outbox'),
      RECOUP_ENCRYPTION_KEY_FILE: join(dir, 'encryption-keys.json'),
      RECOUP_WEBHOOK_ALLOW_PRIVATE: 'true',
      RECOUP_LOG_LEVEL: 'silent',
    };
    await recoup(['migrate']);
    database = openDatabase(target.url);
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    await target?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('import stamps the rows it writes with --now', async () => {
    const csv = file('customers.csv', 'external_id,name,email\nc1,Ana Lima,ana@example.com\n');
    await recoup(['import', 'customers', csv, '--now', IMPORTED.iso]);
    const row = await database.db
      .selectFrom('customers')
      .select(['created_at', 'updated_at'])
      .where('external_id', '=', 'c1')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ created_at: IMPORTED.ms, updated_at: IMPORTED.ms });
  });

  it('policy apply records the version as applied at --now', async () => {
    await recoup(['policy', 'apply', file('spring.yaml', POLICY), '--now', APPLIED.iso]);
    const row = await database.db
      .selectFrom('policy_versions')
      .select('created_at')
      .where('name', '=', 'spring-dunning')
      .executeTakeFirstOrThrow();
    expect(row.created_at).toBe(APPLIED.ms);
  });

  it('keys create and keys revoke stamp the key with --now', async () => {
    const created = await recoup([
      'keys',
      'create',
      '--scope',
      'read',
      '--name',
      'now',
      '--now',
      KEY_CREATED.iso,
    ]);
    const id = /\((key_\w+)\)/.exec(created.stdout)?.[1];
    expect(id, created.stdout).toBeDefined();
    await recoup(['keys', 'revoke', id!, '--now', KEY_REVOKED.iso]);
    const row = await database.db
      .selectFrom('api_keys')
      .select(['created_at', 'revoked_at'])
      .where('id', '=', id!)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ created_at: KEY_CREATED.ms, revoked_at: KEY_REVOKED.ms });
  });

  it('users create stamps the user with --now', async () => {
    await recoup([
      'users',
      'create',
      '--email',
      'ops@example.com',
      '--role',
      'admin',
      '--now',
      USER_CREATED.iso,
    ]);
    const row = await database.db
      .selectFrom('users')
      .select('created_at')
      .where('email', '=', 'ops@example.com')
      .executeTakeFirstOrThrow();
    expect(row.created_at).toBe(USER_CREATED.ms);
  });

  it('webhooks create and disable stamp the subscription with --now', async () => {
    const created = await recoup([
      'webhooks',
      'create',
      '--url',
      'http://127.0.0.1:9/hooks',
      '--now',
      HOOK_CREATED.iso,
    ]);
    const id = /created (whs_\w+)/.exec(created.stdout)?.[1];
    expect(id, created.stdout).toBeDefined();
    await recoup(['webhooks', 'disable', id!, '--now', HOOK_DISABLED.iso]);
    const row = await database.db
      .selectFrom('webhook_subscriptions')
      .select(['created_at', 'disabled_at'])
      .where('id', '=', id!)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ created_at: HOOK_CREATED.ms, disabled_at: HOOK_DISABLED.ms });
  });

  it('customers erase records the erasure at --now', async () => {
    await recoup(['customers', 'erase', 'c1', '--yes', '--now', ERASED.iso]);
    const row = await database.db
      .selectFrom('customers')
      .select(['erased_at', 'updated_at'])
      .where('external_id', '=', 'c1')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ erased_at: ERASED.ms, updated_at: ERASED.ms });
  });

  it('keys rotate --generate dates the new key at --now', async () => {
    await recoup(['keys', 'rotate', '--generate', '--now', ROTATED.iso]);
    const keys = JSON.parse(readFileSync(env['RECOUP_ENCRYPTION_KEY_FILE']!, 'utf8')).keys as {
      id: string;
      created_at: string;
    }[];
    expect(keys[0]!.created_at).toBe(new Date(ROTATED.ms).toISOString());
    expect(keys[0]!.id).toMatch(/^k20310410-/);
    const row = await database.db
      .selectFrom('encryption_keys')
      .select(['first_seen_at', 'activated_at'])
      .where('id', '=', keys[0]!.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ first_seen_at: ROTATED.ms, activated_at: ROTATED.ms });
  });

  it('prune counts ages back from --now, not from the current time', async () => {
    // Both are years old by the wall clock; by --now one is 45 days old, past the 30-day window, the other 10.
    const now = at('2020-06-01T00:00:00Z');
    for (const [id, ageDays] of [
      ['evt_old', 45],
      ['evt_recent', 10],
    ] as const) {
      await database.db
        .insertInto('inbound_events')
        .values({
          source: 'stripe',
          event_id: id,
          type: 'invoice.paid',
          created_at: now.ms - ageDays * DAY,
          received_at: now.ms - ageDays * DAY,
          applied_at: now.ms - ageDays * DAY,
          result: 'applied',
          detail: null,
        })
        .execute();
    }
    const pruned = await recoup(['prune', '--now', now.iso]);
    expect(pruned.stdout).toMatch(/ 1 inbound event ids/);
    const left = await database.db.selectFrom('inbound_events').select('event_id').execute();
    expect(left.map((r) => r.event_id)).toEqual(['evt_recent']);
  });

  it('a bad --now is bad input: exit 2, one line naming --now, nothing written', async () => {
    const csv = file('more.csv', 'external_id,name\nc9,Nobody Yet\n');
    const commands = [
      ['import', 'customers', csv],
      ['policy', 'apply', file('spring2.yaml', POLICY)],
      ['prune'],
      ['keys', 'create', '--scope', 'read'],
      ['users', 'create', '--email', 'late@example.com', '--role', 'viewer'],
      ['webhooks', 'create', '--url', 'http://127.0.0.1:9/late'],
      ['customers', 'erase', 'c1', '--yes'],
      ['tick'],
      ['worker', '--exit-when-idle'],
    ];
    const before = await snapshot(database.db);
    // Not an instant, or one without a zone (whose meaning would depend on the machine), by turns.
    for (const [i, command] of commands.entries()) {
      const bad = i % 2 === 0 ? 'tomorrow' : '2031-04-02T08:15:00';
      const result = await runRecoup([...command, '--now', bad], env);
      expect(result.code, `${command.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr.trim()).toBe(
        `recoup: --now: expected an ISO 8601 instant with a zone such as 2026-03-01T09:00:00Z, got '${bad}'`,
      );
    }
    expect(await snapshot(database.db)).toEqual(before);
  });

  it('demo takes --now as its first instant, the same as --start, and refuses the two disagreeing', async () => {
    const demoDb = join(dir, 'demo.db');
    const demo = ['demo', '--customers', '3', '--days', '1', '--no-serve', '--database', `sqlite:${demoDb}`];
    const clash = await runRecoup(
      [...demo, '--now', '2031-05-01T00:00:00Z', '--start', '2031-01-01T00:00:00Z'],
      env,
    );
    expect(clash.code).toBe(2);
    expect(clash.stderr.trim().split('\n')).toHaveLength(1);
    expect(clash.stderr).toMatch(/^recoup: --now: .*--start/);
    const agreeing = await recoup([
      ...demo,
      '--now',
      '2031-05-01T00:00:00Z',
      '--start',
      '2031-05-01T00:00:00Z',
    ]);
    expect(agreeing.stdout).toContain('from 2031-05-01');
    const ran = await recoup([...demo, '--now', '2031-05-01T00:00:00Z']);
    expect(ran.stdout).toContain('over 1 days from 2031-05-01');
    // The demo's database is its own: the shipped policies were applied at the simulation's first instant.
    const demoDatabase = openDatabase(`sqlite:${demoDb}`);
    try {
      const versions = await demoDatabase.db.selectFrom('policy_versions').select('created_at').execute();
      expect(versions.length).toBeGreaterThan(0);
      expect(new Set(versions.map((v) => v.created_at))).toEqual(
        new Set([Date.parse('2031-05-01T00:00:00Z')]),
      );
    } finally {
      await demoDatabase.close();
    }
  });
});
