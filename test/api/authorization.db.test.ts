import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, SCOPES, roleGrants, scopeGrants } from '../../src/api/auth/permissions.ts';
import { type ApiWorld, type Caller, createApiWorld } from '../support/api.ts';
import { ROUTE_EXAMPLES } from './examples/index.ts';
import { makeFixtures } from './examples/route-example.ts';

let api: ApiWorld;
beforeAll(async () => {
  api = await createApiWorld();
});
afterAll(async () => api.close());

const CALLERS: Caller[] = [
  'anonymous',
  ...ROLES.map((role) => ({ role })),
  ...SCOPES.map((scope) => ({ scope })),
];

function name(caller: Caller): string {
  if (caller === 'anonymous') return 'anonymous';
  return 'role' in caller ? `role ${caller.role}` : `key ${caller.scope}`;
}

/** What the permission table says a caller may do on a route with this access rule. */
function allowed(caller: Caller, access: string): boolean {
  if (access === 'public' || access === 'signed') return true;
  if (caller === 'anonymous') return false;
  if (access === 'signed_in') return true;
  const grants: readonly string[] = 'role' in caller ? roleGrants(caller.role) : scopeGrants(caller.scope);
  return grants.includes(access);
}

describe('authorisation matrix: every route, every role and key scope', () => {
  it('leaves nothing but health, docs, the dashboard page, email tracking links and signed webhooks open to anonymous callers', () => {
    const open = [...api.app.recoup.access.entries()]
      .filter(([, access]) => access === 'public' || access === 'signed')
      .map(([route]) => route.replace(/^HEAD /, 'GET '));
    for (const route of open) {
      expect(route).toMatch(
        /^(GET \/healthz|GET \/readyz|GET \/openapi\.json|GET \/docs.*|GET \/|GET \/\*|GET \/assets\/.*|GET \/t\/o\/:token|GET \/t\/c\/:token|POST \/v1\/session|POST \/v1\/integrations\/.+\/webhook)$/,
      );
    }
  });

  for (const example of ROUTE_EXAMPLES) {
    it(`${example.method} ${example.path}`, async () => {
      const access = api.app.recoup.access.get(
        `${example.method} ${example.path.replace(/\{(\w+)\}/g, ':$1')}`,
      );
      expect(access, 'the route declares its access').toBeDefined();
      const fixtures = await makeFixtures(api);
      await example.prepare?.(api, fixtures);
      const outcomes: string[] = [];
      for (const caller of CALLERS) {
        const body = example.body?.(fixtures);
        const headers = example.headers?.(fixtures, typeof body === 'string' ? body : JSON.stringify(body));
        const res = await api.call(caller, {
          method: example.method,
          url: example.url(fixtures),
          body,
          ...(headers ? { headers } : {}),
        });
        if (example.signsOut && caller !== 'anonymous' && 'role' in caller) await api.signIn(caller.role);
        const expectAllowed = allowed(caller, access!);
        const got = res.statusCode === 401 || res.statusCode === 403 ? 'denied' : 'allowed';
        outcomes.push(`${name(caller)}: ${got}`);
        expect(`${name(caller)}: ${got} (${res.statusCode})`).toBe(
          `${name(caller)}: ${expectAllowed ? 'allowed' : 'denied'} (${res.statusCode})`,
        );
        expect(res.statusCode, res.body).toBeLessThan(500);
        if (expectAllowed) expect([400, 415], res.body).not.toContain(res.statusCode);
        if (!expectAllowed) {
          expect(res.headers['content-type']).toContain('application/problem+json');
          expect(res.statusCode).toBe(caller === 'anonymous' ? 401 : 403);
        }
      }
    });
  }
});
