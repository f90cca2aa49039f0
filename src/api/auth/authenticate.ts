import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiKeyCache } from '../../access/api-key-cache.ts';
import { findSession } from '../../access/sessions.ts';
import { ApiError } from '../http/problem.ts';
import { roleGrants, scopeGrants } from './permissions.ts';
import type { Principal } from './principal.ts';

export const SESSION_COOKIE = 'recoup_session';
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function unauthenticated(reason: string): ApiError {
  return new ApiError(401, 'unauthenticated', `header.authorization: ${reason}`, [
    { field: 'header.authorization', reason },
  ]);
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function principalOf(
  app: FastifyInstance,
  keys: ApiKeyCache,
  request: FastifyRequest,
): Promise<Principal | null> {
  const { db } = app.recoup.runtime.database;
  const now = app.recoup.now();
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer (\S+)$/.exec(header);
    if (!match) throw unauthenticated('expected "Bearer <API key>"');
    const key = await keys.verify(match[1]!, now);
    if (!key) throw unauthenticated('unknown or revoked API key');
    return {
      kind: 'api_key',
      id: key.id,
      prefix: key.prefix,
      scope: key.scope,
      grants: new Set(scopeGrants(key.scope)),
    };
  }
  const token = request.cookies[SESSION_COOKIE];
  if (!token) return null;
  const session = await findSession(db, token, now);
  if (!session) return null;
  return {
    kind: 'user',
    id: session.user.id,
    email: session.user.email,
    role: session.user.role,
    sessionId: session.sessionId,
    csrfToken: session.csrfToken,
    grants: new Set(roleGrants(session.user.role)),
  };
}

/**
 * Who is calling and whether they may: every route declares `config.access`, and anything not `public` or
 * `signed` needs an API key (Bearer) or a session cookie; a cookie-authenticated change must also echo the
 * session's CSRF token, since browsers send cookies on requests other sites start.
 */
export function registerAuthentication(app: FastifyInstance): void {
  app.decorateRequest('principal', null);
  const keys = new ApiKeyCache(() => app.recoup.runtime.database.db);
  app.decorate('apiKeys', keys);
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (access === 'public' || access === 'signed') return;
    if (access === undefined) return; // the not-found handler: no route, nothing to protect
    const principal = await principalOf(app, keys, request);
    if (!principal) throw unauthenticated('sign in or send an API key');
    request.principal = principal;
    if (principal.kind === 'user' && MUTATING.has(request.method)) {
      const sent = request.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !sameText(sent, principal.csrfToken)) {
        throw new ApiError(403, 'csrf', 'header.x-csrf-token: missing or does not match the session', [
          { field: 'header.x-csrf-token', reason: 'missing or does not match the session' },
        ]);
      }
    }
    if (access === 'signed_in') return;
    if (!principal.grants.has(access)) {
      const who = principal.kind === 'user' ? `role ${principal.role}` : `API key scope ${principal.scope}`;
      throw new ApiError(403, 'forbidden', `${who} may not do this (needs ${access})`, [
        {
          field: principal.kind === 'user' ? 'session.role' : 'header.authorization',
          reason: `lacks ${access}`,
        },
      ]);
    }
  });
}
