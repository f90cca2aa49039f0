import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Runtime } from '../runtime/runtime.ts';
import { registerAuthentication } from './auth/authenticate.ts';
import { registerAuditLog } from './http/audit.ts';
import type { RateLimits, RouteAccess } from './http/context.ts';
import { registerDashboard } from './dashboard.ts';
import { registerJsonBodyParser } from './http/json-body.ts';
import { registerErrorHandling } from './http/errors.ts';
import { registerSecurityHeaders } from './http/security-headers.ts';
import { registerIdempotency } from './http/idempotency.ts';
import { createMetrics, registerRequestMetrics } from './http/metrics.ts';
import { ApiError } from './http/problem.ts';
import { ProblemSchema } from './http/schemas.ts';
import { validatorCompiler } from './http/validators.ts';
import { apiRoutes } from './routes/index.ts';

/** Options for `buildApi`: rate limits and whether to log requests. */
export interface ApiOptions {
  readonly rateLimits?: RateLimits;
  readonly logRequests?: boolean;
  /** Serve the dashboard from web/dist at `/` (default true). */
  readonly dashboard?: boolean;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { perMinute: 6_000, loginPerMinute: 10 };

const API_KEY_RE = /^Bearer (rcp_[0-9a-z]{10})_/;

/** The HTTP API on an open runtime: every `/v1` resource, health, metrics, `/openapi.json` and `/docs`. */
export async function buildApi(runtime: Runtime, options: ApiOptions = {}): Promise<FastifyInstance> {
  const limits = options.rateLimits ?? DEFAULT_RATE_LIMITS;
  const app = Fastify({
    loggerInstance: runtime.deps.logger.child({ component: 'api' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: !options.logRequests }),
    bodyLimit: 1_048_576,
    trustProxy: false,
    ajv: { customOptions: { coerceTypes: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  const access = new Map<string, RouteAccess>();
  app.decorate('recoup', { runtime, now: () => runtime.deps.clock.now(), access });
  app.addSchema(ProblemSchema);
  // Docs and the OpenAPI document are public; every other route must say who may call it.
  app.addHook('onRoute', (route) => {
    // Swagger UI's and the dashboard's static files are public by nature.
    if (route.url.startsWith('/docs') || route.url.startsWith('/assets/'))
      route.config = { ...route.config, access: 'public' };
    const rule = route.config?.access;
    if (rule === undefined) throw new Error(`route ${route.url} declares no access rule`);
    for (const method of [route.method].flat()) access.set(`${method} ${route.url}`, rule);
  });
  registerErrorHandling(app);
  registerJsonBodyParser(app);

  registerSecurityHeaders(app);
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, {
    max: limits.perMinute,
    timeWindow: 60_000,
    // Per API key when one is presented, per client address otherwise.
    keyGenerator: (request) =>
      API_KEY_RE.exec(request.headers.authorization ?? '')?.[1] ?? `ip:${request.ip}`,
    errorResponseBuilder: (_request, context) =>
      new ApiError(429, 'rate-limited', `too many requests: at most ${context.max} per ${context.after}`, [
        {
          field: 'header.authorization',
          reason: `rate limit of ${context.max} per ${context.after} reached`,
        },
      ]),
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Recoup API',
        version: '1.0.0',
        description:
          'Dunning and collections engine. Authenticate with `Authorization: Bearer rcp_…` (an API key) or a ' +
          'session cookie from `POST /v1/session` plus `X-CSRF-Token` on changes. Errors are RFC 9457 ' +
          'problem+json naming each field at fault. POSTs accept `Idempotency-Key` (responses are kept 24 hours).',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'rcp_… API key' },
          session: { type: 'apiKey', in: 'cookie', name: 'recoup_session' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json['$id'] ?? `def-${i}`) },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });

  registerAuthentication(app);
  registerIdempotency(app);
  registerAuditLog(app);
  const metrics = createMetrics(runtime.database.db, () => runtime.deps.clock.now());
  registerRequestMetrics(app, metrics);

  await app.register(apiRoutes, { metrics, limits });
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  if (options.dashboard !== false) await registerDashboard(app);
  await app.ready();
  return app;
}
