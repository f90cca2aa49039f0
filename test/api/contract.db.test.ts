import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { type OpenApiDocument, operations, schemaValidators } from '../support/openapi.ts';
import { ROUTE_EXAMPLES } from './examples/index.ts';
import { makeFixtures } from './examples/route-example.ts';

let api: ApiWorld;
let doc: OpenApiDocument;

beforeAll(async () => {
  api = await createApiWorld();
  doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(async () => api.close());

describe('the OpenAPI document', () => {
  it('lists every route the server has, and every listed route has an example here', () => {
    const documented = operations(doc).map((o) => `${o.method} ${o.path}`);
    // The docs and the dashboard's pages and assets are served beside the API, not part of it.
    const beside = /^(GET \/docs.*|GET \/openapi\.json|GET \/|GET \/\*|GET \/assets\/.*)$/;
    const served = [...api.app.recoup.access.keys()]
      .filter((k) => !k.startsWith('HEAD ') && !beside.test(k))
      .map((k) => k.replace(/:(\w+)/g, '{$1}'));
    expect(new Set(documented)).toEqual(new Set(served));
    const examples = ROUTE_EXAMPLES.map((e) => `${e.method} ${e.path}`);
    expect(new Set(examples)).toEqual(new Set(documented));
  });

  it('renders reference docs at /docs', async () => {
    const page = await api.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('swagger-ui');
    const bundle = await api.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
    const config = await api.app.inject({ method: 'GET', url: '/docs/json' });
    expect(config.json().paths['/v1/users']).toBeDefined();
  });
});

describe('every route keeps its contract', () => {
  for (const example of ROUTE_EXAMPLES) {
    it(`${example.method} ${example.path}`, async () => {
      const validators = schemaValidators(doc);
      const fixtures = await makeFixtures(api);
      await example.prepare?.(api, fixtures);
      const body = example.body?.(fixtures);
      const headers = example.headers?.(fixtures, typeof body === 'string' ? body : JSON.stringify(body));
      // Signed webhooks take raw bytes the signature covers; their contract is the linked document, not a schema.
      if (body !== undefined && typeof body !== 'string') {
        const check = validators.request(example.method, example.path);
        expect(check, 'the document describes the request body').not.toBeNull();
        expect(check!(body), JSON.stringify(check!.errors)).toBe(true);
      }
      const res = await api.call(
        { scope: 'admin' },
        { method: example.method, url: example.url(fixtures), body, ...(headers ? { headers } : {}) },
      );
      expect(res.statusCode, res.body).toBe(example.status);
      if (example.signsOut) await api.signIn('admin');
      const mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!;
      if (res.statusCode === 204) return;
      // A redirect has no body: the document must list it, with the Location header it sets.
      if (res.statusCode >= 300 && res.statusCode < 400) {
        const listed =
          doc.paths[example.path]?.[example.method.toLowerCase()]?.responses[String(res.statusCode)];
        expect(listed, `the document lists ${res.statusCode}`).toBeDefined();
        expect(Object.keys(listed?.headers ?? {})).toContain('location');
        expect(res.headers.location).toBeTruthy();
        return;
      }
      const check = validators.response(example.method, example.path, res.statusCode, mediaType);
      expect(check, `the document lists ${res.statusCode} ${mediaType}`).not.toBeNull();
      const payload = mediaType.includes('json') ? res.json() : res.body;
      expect(check!(payload), JSON.stringify(check!.errors)).toBe(true);
    });
  }
});
