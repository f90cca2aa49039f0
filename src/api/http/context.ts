import type { ApiKeyCache } from '../../access/api-key-cache.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import type { Permission } from '../auth/permissions.ts';
import type { Principal } from '../auth/principal.ts';

/** Limits on how often one caller may call, per minute. */
export interface RateLimits {
  readonly perMinute: number;
  readonly loginPerMinute: number;
}

/** What every route reaches through `app.recoup`: the open runtime (database, clock, engine deps). */
export interface ApiContext {
  readonly runtime: Runtime;
  now(): number;
  /** Each route's access rule by `METHOD /path`, as declared: the authorisation matrix in one place. */
  readonly access: Map<string, RouteAccess>;
}

/** Who may call a route: a permission, anyone (`public`), a verified signature (`signed`), or any signed-in caller. */
export type RouteAccess = Permission | 'public' | 'signed' | 'signed_in';

declare module 'fastify' {
  interface FastifyInstance {
    recoup: ApiContext;
    /** Verified API keys, briefly remembered; cleared when a key is revoked. */
    apiKeys: ApiKeyCache;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** The object a mutating request acted on, for the audit log. */
    auditObject: { type: string; id: string } | null;
    idempotency: { actor: string; key: string } | null;
  }
  interface FastifyContextConfig {
    /** Who may call: a permission, or `public` (health, docs) or `signed` (webhooks verified by signature). */
    access?: RouteAccess;
    /** The response carries a secret shown once (a new API key): never stored for Idempotency-Key replays. */
    secretResponse?: boolean;
  }
}
