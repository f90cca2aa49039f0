import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { type OpenApiDocument, schemaValidators } from '../support/openapi.ts';
import { snapshotTables } from '../support/table-snapshot.ts';
import { ROUTE_EXAMPLES } from './examples/index.ts';
import { makeFixtures } from './examples/route-example.ts';

// Every rejected request still leaves its audit-log row; nothing else may change.
const WRITTEN_EVEN_WHEN_REJECTED = ['audit_log'];
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 150);

let api: ApiWorld;
let doc: OpenApiDocument;
beforeAll(async () => {
  api = await createApiWorld();
  doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(async () => api.close());

type Malformed = { body: string; contentType: string; field: string | null };

/** Bodies the schema must reject, each with the field the error should name (null: any field will do). */
function malformedBodies(
  valid: Record<string, unknown>,
  schema: Record<string, unknown>,
  accepts: (b: unknown) => boolean,
) {
  const properties = Object.keys((schema['properties'] as Record<string, unknown>) ?? {});
  const required = (schema['required'] as string[] | undefined) ?? [];
  const json = (body: unknown, field: string | null): Malformed => ({
    body: JSON.stringify(body),
    contentType: 'application/json',
    field,
  });
  const notAnObject = fc
    .oneof(
      fc.constant(null),
      fc.array(fc.jsonValue(), { maxLength: 3 }),
      fc.string(),
      fc.integer(),
      fc.boolean(),
    )
    .map((b) => json(b, 'body'));
  const arbitraries: fc.Arbitrary<Malformed>[] = [notAnObject];
  if (required.length > 0) {
    arbitraries.push(
      fc.constantFrom(...required).map((key) => {
        const { [key]: _dropped, ...rest } = valid;
        return json(rest, `body.${key}`);
      }),
    );
  }
  if (properties.length > 0) {
    arbitraries.push(
      fc
        .record({ key: fc.constantFrom(...properties), value: fc.jsonValue({ maxDepth: 2 }) })
        .map(({ key, value }) => ({ ...valid, [key]: value }) as Record<string, unknown>)
        .filter((b) => !accepts(b))
        .map((b) => {
          const changed = Object.keys(b).find((k) => JSON.stringify(b[k]) !== JSON.stringify(valid[k]));
          return json(b, changed ? `body.${changed}` : null);
        }),
    );
  }
  arbitraries.push(
    fc
      .string({ minLength: 1, maxLength: 12 })
      .filter((k) => !properties.includes(k) && /^[a-z_]\w*$/i.test(k))
      // Prototype keys are refused by the JSON parser itself, before the schema: the problem names `body`.
      .map((k) =>
        json({ ...valid, [k]: 1 }, k === '__proto__' || k === 'constructor' ? 'body' : `body.${k}`),
      ),
    fc
      .constantFrom('{', '{"a":', '[1,', 'nul', '{"a" 1}', '\u0000', '{}}')
      .map((text) => ({ body: text, contentType: 'application/json', field: 'body' })),
    fc.string({ maxLength: 30 }).map((text) => ({ body: text, contentType: 'text/plain', field: null })),
  );
  return fc.oneof(...arbitraries);
}

describe('malformed bodies to every POST and PATCH', () => {
  // Signed webhooks are fuzzed by their own tests: without a valid signature nothing reaches their parser.
  const mutating = ROUTE_EXAMPLES.filter((e) => e.body !== undefined && e.headers === undefined);
  it('covers every route that takes a body', () => {
    expect(mutating.length).toBeGreaterThan(0);
  });
  for (const example of mutating) {
    it(`${example.method} ${example.path}`, async () => {
      const validators = schemaValidators(doc);
      const accepts = validators.request(example.method, example.path)!;
      const pathItem = doc.paths[example.path]![example.method.toLowerCase()]!;
      const schema = pathItem.requestBody!.content['application/json']!.schema;
      const fixtures = await makeFixtures(api);
      await example.prepare?.(api, fixtures);
      const valid = example.body!(fixtures) as Record<string, unknown>;
      // Using the key stamps its last_used_at; do that first so the snapshot sees only what the bodies did.
      await api.call({ scope: 'admin' }, { method: 'GET', url: '/healthz' });
      await api.call({ scope: 'admin' }, { method: 'GET', url: '/v1/session' });
      const before = await snapshotTables(api.world.runtime.database, WRITTEN_EVEN_WHEN_REJECTED);
      await fc.assert(
        fc.asyncProperty(
          malformedBodies(valid, schema, (b) => accepts(b) as boolean),
          async (malformed) => {
            const res = await api.app.inject({
              method: example.method,
              url: example.url(fixtures),
              headers: { authorization: `Bearer ${api.keys.admin}`, 'content-type': malformed.contentType },
              payload: malformed.body,
            });
            expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
            expect(res.statusCode, res.body).toBeLessThan(500);
            expect(res.headers['content-type']).toContain('application/problem+json');
            const problem = res.json() as { errors: { field: string; reason: string }[] };
            expect(problem.errors.length, res.body).toBeGreaterThan(0);
            for (const e of problem.errors) expect(e.field).toMatch(/^(body|header|query|path)/);
            if (malformed.field) {
              const named = problem.errors.map((e) => e.field);
              expect(
                named.some(
                  (f) =>
                    f === malformed.field ||
                    f.startsWith(`${malformed.field}.`) ||
                    f.startsWith(`${malformed.field}[`),
                ),
                `${malformed.body} → ${res.body}`,
              ).toBe(true);
            }
          },
        ),
        { numRuns: RUNS_PER_ROUTE },
      );
      expect(await snapshotTables(api.world.runtime.database, WRITTEN_EVEN_WHEN_REJECTED)).toBe(before);
    });
  }
});
