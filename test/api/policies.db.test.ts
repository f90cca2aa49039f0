import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiWorld, type Caller, createApiWorld } from '../support/api.ts';
import { TEST_DB } from '../support/databases.ts';
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
      return res.json() as { valid: boolean; errors: { path: string; reason: string }[] };
    };
    expect(await check(FIRST, 'yaml')).toEqual({ valid: true, errors: [] });
    const bad = await check(BAD, 'yaml');
    expect(bad.valid).toBe(false);
    expect(bad.errors).toContainEqual({
      path: 'steps[2].offset',
      reason: 'expected an ISO 8601 duration such as P3D',
    });
    // Template names are checked once the document itself is valid.
    const fixedOffset = await check(BAD.replace('three days', 'P3D'), 'yaml');
    expect(fixedOffset.errors).toEqual([
      { path: 'steps[3].template', reason: "no template named 'no-such-template'" },
    ]);
    const json = JSON.stringify({
      name: 'api-test',
      anchor: 'due_date',
      steps: [{ id: 'a', offset: 'P1D', action: 'retry' }],
    });
    expect(await check(json, 'json')).toEqual({ valid: true, errors: [] });
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
});
