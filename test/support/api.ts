import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createApiKey } from '../../src/access/api-keys.ts';
import { createUser } from '../../src/access/users.ts';
import { ROLES, SCOPES } from '../../src/api/auth/permissions.ts';
import { buildApi } from '../../src/api/server.ts';
import type { KeyScope, Role } from '../../src/store/schema/api.ts';
import { type World, createWorld } from './world.ts';

export const PASSWORD = 'correct horse battery staple';
export const STRIPE_WEBHOOK_SECRET = 'whsec_test_api_world_secret';
export const INBOUND_WEBHOOK_SECRET = 'inbound-test-secret-0123456789';

/** How a test calls the API: as a role (session cookie + CSRF), as a key scope, or anonymously. */
export type Caller = { role: Role } | { scope: KeyScope } | 'anonymous';

/** A world with the API built on it, a user per role and an API key per scope. */
export interface ApiWorld {
  readonly world: World;
  readonly app: FastifyInstance;
  readonly keys: Record<KeyScope, string>;
  readonly sessions: Record<Role, { cookie: string; csrf: string }>;
  /** Signs in again as a role (after a test signed it out). */
  signIn(role: Role): Promise<void>;
  call(
    caller: Caller,
    request: { method: string; url: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** Builds the API on a fresh world and signs in one user of every role. */
export async function createApiWorld(start = Date.UTC(2026, 2, 1, 9)): Promise<ApiWorld> {
  const world = await createWorld(start, {
    config: { stripeWebhookSecret: STRIPE_WEBHOOK_SECRET, inboundWebhookSecret: INBOUND_WEBHOOK_SECRET },
  });
  const app = await buildApi(world.runtime, { rateLimits: { perMinute: 1_000_000, loginPerMinute: 1_000 } });
  const db = world.runtime.database.db;
  const keys = {} as Record<KeyScope, string>;
  for (const scope of SCOPES) {
    keys[scope] = (
      await createApiKey(db, { name: `test ${scope}`, scope, createdBy: null, now: start })
    ).secret;
  }
  const sessions = {} as Record<Role, { cookie: string; csrf: string }>;
  for (const role of ROLES) {
    await createUser(db, { email: `${role}@example.com`, role, password: PASSWORD, now: start });
  }
  const signIn = async (role: Role) => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/session',
      payload: { email: `${role}@example.com`, password: PASSWORD },
    });
    if (res.statusCode !== 201) throw new Error(`sign-in as ${role} failed: ${res.body}`);
    const cookie = res.cookies.find((c) => c.name === 'recoup_session')!;
    sessions[role] = { cookie: `recoup_session=${cookie.value}`, csrf: res.json().csrf_token };
  };
  for (const role of ROLES) await signIn(role);
  return {
    world,
    app,
    keys,
    sessions,
    signIn,
    call(caller, request) {
      const headers: Record<string, string> = { ...request.headers };
      if (caller !== 'anonymous' && 'scope' in caller)
        headers['authorization'] = `Bearer ${keys[caller.scope]}`;
      if (caller !== 'anonymous' && 'role' in caller) {
        headers['cookie'] = sessions[caller.role].cookie;
        headers['x-csrf-token'] = sessions[caller.role].csrf;
      }
      return app.inject({
        method: request.method as 'GET',
        url: request.url,
        headers,
        ...(request.body === undefined ? {} : { payload: request.body as object }),
      });
    },
    async close() {
      await app.close();
      await world.close();
    },
  };
}
