import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiWorld, type Caller, createApiWorld } from '../support/api.ts';
import { TEST_DB } from '../support/databases.ts';
import { snapshotTables } from '../support/table-snapshot.ts';
import { DAY } from '../support/world.ts';

let api: ApiWorld;
beforeAll(async () => {
  api = await createApiWorld();
});
afterAll(async () => api?.close());

const db = () => api.world.runtime.database.db;
const WRITE: Caller = { scope: 'write' };
const READ: Caller = { scope: 'read' };

const FIRST = `name: api-test
description: two retries, then a reminder
anchor: first_failure
steps:
  - { id: retry-a, offset: P1D, action: retry }
  - { id: retry-b, offset: P2D, action: retry }
  - { id: nudge, offset: P3D, action: remind, channel: email, template: payment-urgent }
`;
const BAD = `name: api-test
anchor: first_failure
steps:
  - { id: a, offset: P1D, action: retry }
  - { id: b, offset: P2D, action: remind, channel: email, template: payment-failed }
  - { id: c, offset: three days, action: retry }
  - { id: d, offset: P4D, action: remind, channel: email, template: no-such-template }
`;

async function versionCount(): Promise<number> {
  const row = await db()
    .selectFrom('policy_versions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function apply(source: string, format: 'yaml' | 'json' = 'yaml', caller: Caller = WRITE) {
  return api.call(caller, { method: 'POST', url: '/v1/policies', body: { source, format } });
}

/** Opens a case for a customer whose `policy` attribute picks `api-test`, and returns its policy version. */
async function openCaseOnTestPolicy(): Promise<{ caseId: string; versionId: string; steps: string[] }> {
  const customer = await api.world.customer({ attributes: { policy: 'api-test' } });
  await api.world.method(customer, 'tok_insufficient_funds');
  await api.world.invoice(customer, { total: 1_000, dueAt: api.world.clock.now() });
  await api.world.advance(api.world.clock.now() + 1);
  const c = await db()
    .selectFrom('cases')
    .select(['id', 'policy_version_id'])
    .where('customer_id', '=', customer)
    .executeTakeFirstOrThrow();
  const steps = await db()
    .selectFrom('scheduled_steps')
    .select('step_id')
    .where('case_id', '=', c.id)
    .orderBy('position')
    .execute();
  return { caseId: c.id, versionId: c.policy_version_id, steps: steps.map((s) => s.step_id) };
}

describe(`policies API on ${TEST_DB}`, () => {
  it('lists the current version of every policy and reads a version with its document and source', async () => {
    const list = await api.call(READ, { method: 'GET', url: '/v1/policies' });
    expect(list.statusCode, list.body).toBe(200);
    const names = list.json().data.map((p: { name: string }) => p.name);
    expect(names).toEqual(['b2b-invoice', 'card-subscription']);
    expect(list.json().data[1]).toMatchObject({
      id: 'card-subscription@1',
      version: 1,
      steps: 12,
      current: true,
    });
    const one = await api.call(READ, { method: 'GET', url: '/v1/policy-versions/card-subscription@1' });
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json().document.steps[1]).toEqual({ id: 'retry-1', offset: 'P1D', action: 'retry' });
    expect(one.json().source).toContain('name: card-subscription');
    const missing = await api.call(READ, { method: 'GET', url: '/v1/policy-versions/nope@1' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().errors[0].field).toBe('path.id');
    const noName = await api.call(READ, { method: 'GET', url: '/v1/policies/nope/versions' });
    expect(noName.statusCode).toBe(404);
    expect(noName.json().errors[0].field).toBe('path.name');
  });

  it('validates without storing, with every error and its path, as `recoup policy validate` does', async () => {
    const before = await versionCount();
    const check = async (source: string, format: 'yaml' | 'json') => {
      const res = await api.call(
        { role: 'viewer' },
        {
          method: 'POST',
          url: '/v1/policies/validate',
          body: { source, format },
        },
      );
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as {
        valid: boolean;
        errors: { path: string; reason: string }[];
        warnings: { path: string; reason: string }[];
      };
    };
    expect(await check(FIRST, 'yaml')).toEqual({ valid: true, errors: [], warnings: [] });
    const bad = await check(BAD, 'yaml');
    expect(bad.valid).toBe(false);
    expect(bad.errors).toContainEqual({
      path: 'steps[2].offset',
      reason: 'expected an ISO 8601 duration such as P3D',
    });
    // Template names are checked in the same pass as the schema, not only once the rest is valid.
    expect(bad.errors).toContainEqual({
      path: 'steps[3].template',
      reason: "no template named 'no-such-template'",
    });
    const json = JSON.stringify({
      name: 'api-test',
      anchor: 'due_date',
      steps: [{ id: 'a', offset: 'P1D', action: 'retry' }],
    });
    expect(await check(json, 'json')).toEqual({ valid: true, errors: [], warnings: [] });
    const yamlAsJson = await check(FIRST, 'json');
    expect(yamlAsJson.valid).toBe(false);
    expect(yamlAsJson.errors[0]!.reason).toMatch(/^not JSON: /);
    const cut = await check('{"name": "api-test",\n  "steps": [', 'json');
    expect(cut.errors).toEqual([
      { path: 'line 2, column 13', reason: 'not JSON: Unexpected end of JSON input' },
    ]);
    const broken = await check('name: [unclosed\n', 'yaml');
    expect(broken.errors[0]!.path).toMatch(/^line \d+, column \d+$/);
    expect(await versionCount()).toBe(before);
  });

  it("refuses retry limits above the card networks' unless the policy allows them, then warns", async () => {
    const before = await versionCount();
    const above = FIRST.replace(
      'anchor: first_failure\n',
      'anchor: first_failure\nretryLimits: { maxAttemptsPerMethod: 100, windowDays: 30 }\n',
    );
    const validate = (source: string) =>
      api.call(READ, { method: 'POST', url: '/v1/policies/validate', body: { source, format: 'yaml' } });
    const refused = (await validate(above)).json();
    expect(refused.valid).toBe(false);
    expect(refused.errors).toEqual([
      {
        path: 'retryLimits.maxAttemptsPerMethod',
        reason: expect.stringMatching(
          /^100 attempts per method in 30 days is above the card networks' 15 in 30 days .*allowAboveNetworkLimits: true$/,
        ),
      },
    ]);
    // A shorter window counts as often as it fits in the networks' 30 days: 6 every 10 days is 18.
    const often = (await validate(above.replace('100, windowDays: 30', '6, windowDays: 10'))).json();
    expect(often.errors[0].reason).toMatch(/^6 attempts per method every 10 days allow up to 18 in 30 days/);
    const notApplied = await apply(above);
    expect(notApplied.statusCode, notApplied.body).toBe(400);
    expect(notApplied.json().errors.map((e: { field: string }) => e.field)).toContain(
      'body.source.retryLimits.maxAttemptsPerMethod',
    );
    expect(await versionCount()).toBe(before);

    const allowed = `${above}allowAboveNetworkLimits: true\n`;
    const warned = (await validate(allowed)).json();
    expect(warned).toMatchObject({ valid: true, errors: [] });
    expect(warned.warnings).toEqual([
      {
        path: 'retryLimits.maxAttemptsPerMethod',
        reason: expect.stringMatching(/above the card networks' 15 .*; allowed by allowAboveNetworkLimits$/),
      },
    ]);
    const applied = await apply(allowed.replace('name: api-test', 'name: api-above-limits'));
    expect(applied.statusCode, applied.body).toBe(201);
    expect(applied.json().warnings).toEqual(warned.warnings);
    const read = await api.call(READ, { method: 'GET', url: '/v1/policy-versions/api-above-limits@1' });
    expect(read.json().warnings).toEqual(warned.warnings);
    expect(read.json().document.allowAboveNetworkLimits).toBe(true);
  });

  it('refuses to apply an invalid policy, naming body.source and each path in it, and stores nothing', async () => {
    const before = await versionCount();
    const res = await apply(BAD);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const problem = res.json();
    expect(problem.detail).toMatch(/^body\.source: not a valid policy: steps\[2\]\.offset: /);
    const fields = problem.errors.map((e: { field: string }) => e.field);
    expect(fields[0]).toBe('body.source');
    expect(fields).toContain('body.source.steps[2].offset');
    const broken = await apply('{"name": "api-test",', 'json');
    expect(broken.statusCode).toBe(400);
    expect(broken.json().errors[1]).toMatchObject({
      field: 'body.source',
      reason: expect.stringMatching(/^line 1, column \d+: not JSON/),
    });
    expect((await apply(FIRST, 'yaml', { role: 'agent' })).statusCode).toBe(403);
    expect(await versionCount()).toBe(before);
  });

  it('applies new versions that new cases start on while running cases keep theirs, and activates an old one', async () => {
    const first = await apply(FIRST);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ id: 'api-test@1', version: 1, current: true, steps: 3 });
    expect(first.json().source).toBe(FIRST);
    const onFirst = await openCaseOnTestPolicy();
    expect(onFirst.versionId).toBe('api-test@1');

    const second = await apply(
      JSON.stringify({
        name: 'api-test',
        anchor: 'first_failure',
        steps: [{ id: 'only-retry', offset: 'P1D', action: 'retry' }],
      }),
      'json',
    );
    expect(second.statusCode, second.body).toBe(201);
    expect(second.json()).toMatchObject({ id: 'api-test@2', version: 2, current: true });
    const onSecond = await openCaseOnTestPolicy();
    expect(onSecond).toMatchObject({ versionId: 'api-test@2', steps: ['only-retry'] });
    await api.world.advance(api.world.clock.now() + 2 * DAY);
    const running = await db()
      .selectFrom('cases')
      .select('policy_version_id')
      .where('id', '=', onFirst.caseId)
      .executeTakeFirstOrThrow();
    expect(running.policy_version_id).toBe('api-test@1');

    const versions = await api.call(READ, { method: 'GET', url: '/v1/policies/api-test/versions' });
    expect(versions.json().data.map((v: { id: string; current: boolean }) => [v.id, v.current])).toEqual([
      ['api-test@2', true],
      ['api-test@1', false],
    ]);

    const activated = await api.call(WRITE, {
      method: 'POST',
      url: '/v1/policy-versions/api-test@1/activate',
    });
    expect(activated.statusCode, activated.body).toBe(201);
    expect(activated.json()).toMatchObject({ id: 'api-test@3', version: 3, current: true, source: FIRST });
    const original = await api.call(READ, { method: 'GET', url: '/v1/policy-versions/api-test@1' });
    expect(activated.json().document).toEqual(original.json().document);
    const onThird = await openCaseOnTestPolicy();
    expect(onThird).toMatchObject({ versionId: 'api-test@3', steps: ['retry-a', 'retry-b', 'nudge'] });
    const stillSecond = await db()
      .selectFrom('cases')
      .select('policy_version_id')
      .where('id', '=', onSecond.caseId)
      .executeTakeFirstOrThrow();
    expect(stillSecond.policy_version_id).toBe('api-test@2');

    const again = await api.call(WRITE, { method: 'POST', url: '/v1/policy-versions/api-test@3/activate' });
    expect(again.statusCode).toBe(409);
    expect(again.json().errors).toEqual([
      { field: 'path.id', reason: 'api-test@3 is already the current version of api-test' },
    ]);
    const unknown = await api.call(WRITE, { method: 'POST', url: '/v1/policy-versions/api-test@9/activate' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().errors[0].field).toBe('path.id');
    const audit = await db()
      .selectFrom('audit_log')
      .select(['object_type', 'object_id'])
      .where('route', '=', '/v1/policy-versions/:id/activate')
      .where('status_code', '=', 201)
      .execute();
    expect(audit).toEqual([{ object_type: 'policy_version', object_id: 'api-test@3' }]);
  });

  it('applies the same policy from several requests at once: each gets its own next version, none fails', async () => {
    const source = (n: number) =>
      FIRST.replace('name: api-test', 'name: api-race').replace('P3D', `P${n + 3}D`);
    const results = await Promise.all([0, 1, 2, 3, 4].map((n) => apply(source(n))));
    expect(results.map((r) => r.statusCode)).toEqual([201, 201, 201, 201, 201]);
    expect(results.map((r) => r.json().version).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});

describe(`policy dry run on ${TEST_DB}`, () => {
  // A world of its own, so that the days below are the calendar days they say.
  let dry: ApiWorld;
  beforeAll(async () => {
    dry = await createApiWorld(Date.UTC(2026, 2, 1, 9)); // Sunday 1 March 2026, 09:00 UTC
  });
  afterAll(async () => dry?.close());

  /** A card case for a customer in `timeZone` whose charge failed a day ago; the tick opens it. */
  async function openCardCase(timeZone = 'UTC'): Promise<string> {
    const customer = await dry.world.customer({ timeZone });
    await dry.world.method(customer, 'tok_insufficient_funds');
    await dry.world.invoice(customer, { total: 12_000, dueAt: dry.world.clock.now() - DAY });
    await dry.world.advance(dry.world.clock.now());
    const c = await dry.world.runtime.database.db
      .selectFrom('cases')
      .select('id')
      .where('customer_id', '=', customer)
      .executeTakeFirstOrThrow();
    return c.id;
  }

  function dryRun(body: Record<string, unknown>, caller: Caller = READ) {
    return dry.call(caller, { method: 'POST', url: '/v1/policies/dry-run', body });
  }

  type Day = { date: string; steps: { step_id: string; at: string; would: string; reason: string }[] };

  it('replays the case’s own plan day by day from now, as the engine would decide it, and writes nothing', async () => {
    const caseId = await openCardCase();
    const now = dry.world.clock.now();
    await dryRun({ case_id: caseId }); // the key's first use stamps it; everything after must change nothing
    const before = await snapshotTables(dry.world.runtime.database, ['audit_log']);
    const res = await dryRun({ case_id: caseId }, { role: 'viewer' });
    expect(res.statusCode, res.body).toBe(200);
    expect(await snapshotTables(dry.world.runtime.database, ['audit_log'])).toBe(before);

    const body = res.json();
    expect(body).toMatchObject({ policy_version_id: 'card-subscription@1', time_zone: 'UTC' });
    const days = body.days as Day[];
    const steps = days.flatMap((d) => d.steps);
    // retry-1 and the day-0 reminder ran when the case opened; the rest of the policy is still to come.
    expect(steps.map((s) => s.step_id)).toEqual([
      'retry-2',
      'remind-day-3',
      'retry-3',
      'remind-day-7',
      'retry-4',
      'retry-5',
      'remind-day-14',
      'retry-6',
      'retry-7',
      'cancel',
    ]);
    expect(days[0]).toMatchObject({
      date: '2026-03-03',
      steps: [
        {
          step_id: 'retry-2',
          action: 'retry',
          at: new Date(now + 2 * DAY).toISOString(),
          would: 'run',
          reason: expect.stringMatching(/^charging pm_\w+ \(priority 1\) \(every charge assumed declined\)$/),
        },
        {
          step_id: 'remind-day-3',
          action: 'remind',
          channel: 'email',
          template: 'payment-retry-reminder',
          would: 'run',
          reason: 'policy step remind-day-3: remind by email with payment-retry-reminder',
        },
      ],
    });
    expect(steps.at(-1)).toMatchObject({
      step_id: 'cancel',
      at: new Date(now + 20 * DAY).toISOString(),
      would: 'run',
    });
    expect(steps.every((s) => Date.parse(s.at) >= now)).toBe(true);
    expect(body.assumptions[0]).toMatch(/every charge is declined/);
  });

  it('tries a document on a case: contact hours and weekdays in the customer’s zone, conditions, a cancel', async () => {
    const caseId = await openCardCase('Europe/Berlin'); // opened Sunday 1 March, 10:00 in Berlin
    const now = dry.world.clock.now();
    const document = {
      name: 'weekday-policy',
      anchor: 'first_failure',
      contactHours: { start: '10:30', end: '12:00', weekdays: [1, 2, 3, 4, 5] },
      steps: [
        { id: 'hello', offset: 'PT0S', action: 'remind', channel: 'email', template: 'payment-failed' },
        { id: 'big-only', offset: 'P1D', action: 'retry', when: { amountAtLeast: 100_000 } },
        { id: 'stop', offset: 'P3D', action: 'cancel' },
        { id: 'too-late', offset: 'P4D', action: 'remind', channel: 'email', template: 'payment-urgent' },
      ],
    };
    const before = await snapshotTables(dry.world.runtime.database, ['audit_log']);
    const res = await dryRun({ case_id: caseId, document });
    expect(res.statusCode, res.body).toBe(200);
    expect(await snapshotTables(dry.world.runtime.database, ['audit_log'])).toBe(before);
    expect(res.json()).toMatchObject({ policy_version_id: null, time_zone: 'Europe/Berlin' });
    const days = (res.json().days as Day[]).map((d) => ({
      date: d.date,
      steps: d.steps.map((s) => [s.step_id, s.at, s.would, s.reason]),
    }));
    expect(days).toEqual([
      {
        date: '2026-03-01',
        steps: [
          [
            'big-only',
            new Date(now).toISOString(),
            'skip',
            'when.amountAtLeast: amount due 12000 is below 100000',
          ],
        ],
      },
      {
        date: '2026-03-02',
        steps: [
          [
            'hello',
            '2026-03-02T09:30:00.000Z', // Monday 10:30 in Berlin (CET)
            'run',
            `deferred from ${new Date(now).toISOString()}: outside contact hours 10:30–12:00 in Europe/Berlin; ` +
              'waiting until 2026-03-02T09:30:00.000Z; then policy step hello: remind by email with payment-failed',
          ],
        ],
      },
      {
        date: '2026-03-03',
        steps: [['stop', new Date(now + 2 * DAY).toISOString(), 'run', 'policy step stop: cancel']],
      },
      {
        date: '2026-03-04',
        steps: [['too-late', new Date(now + 3 * DAY).toISOString(), 'skip', 'case is closed']],
      },
    ]);
    expect(res.json().assumptions).toContainEqual(expect.stringMatching(/starts on this policy now/));
  });

  it('tries a stored version, and names the field at fault for anything it cannot try', async () => {
    const caseId = await openCardCase();
    const other = await dryRun({ case_id: caseId, policy_version_id: 'b2b-invoice@1' });
    expect(other.statusCode, other.body).toBe(200);
    expect(other.json().policy_version_id).toBe('b2b-invoice@1');
    const ids = (other.json().days as Day[]).flatMap((d) => d.steps.map((s) => s.step_id));
    expect(ids).toContain('escalate-45');
    expect(ids).not.toContain('retry-2');

    const missingCase = await dryRun({ case_id: 'case_nope' });
    expect(missingCase.statusCode).toBe(404);
    expect(missingCase.json().errors).toEqual([
      { field: 'body.case_id', reason: "no case with id 'case_nope'" },
    ]);
    const missingVersion = await dryRun({ case_id: caseId, policy_version_id: 'nope@1' });
    expect(missingVersion.statusCode).toBe(404);
    expect(missingVersion.json().errors[0].field).toBe('body.policy_version_id');
    const both = await dryRun({ case_id: caseId, policy_version_id: 'b2b-invoice@1', document: {} });
    expect(both.statusCode).toBe(400);
    expect(both.json().errors[0].field).toBe('body.document');
  });

  it('answers an invalid document with the errors validate gives, under body.document', async () => {
    const caseId = await openCardCase();
    const document = {
      name: 'broken',
      anchor: 'first_failure',
      steps: [
        { id: 'a', offset: 'three days', action: 'retry' },
        { id: 'b', offset: 'P4D', action: 'remind', channel: 'email', template: 'payment-failed', extra: 1 },
      ],
    };
    const validated = await dry.call(READ, {
      method: 'POST',
      url: '/v1/policies/validate',
      body: { source: JSON.stringify(document), format: 'json' },
    });
    const expected = validated.json().errors as { path: string; reason: string }[];
    expect(expected.length).toBeGreaterThan(1);
    const before = await snapshotTables(dry.world.runtime.database, ['audit_log']);
    const res = await dryRun({ case_id: caseId, document });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([
      { field: 'body.document', reason: `not a valid policy: ${expected.length} errors` },
      ...expected.map((e) => ({ field: `body.document.${e.path}`, reason: e.reason })),
    ]);
    expect(await snapshotTables(dry.world.runtime.database, ['audit_log'])).toBe(before);
    const unknownTemplate = await dryRun({
      case_id: caseId,
      document: { ...document, steps: [{ ...document.steps[1], extra: undefined, template: 'nope' }] },
    });
    expect(unknownTemplate.json().errors).toContainEqual({
      field: 'body.document.steps[0].template',
      reason: "no template named 'nope'",
    });
  });
});
