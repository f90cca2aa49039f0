import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * Sets helmet's security headers, with a content security policy that allows the dashboard's own scripts, styles
 * and images and nothing else, on every response. The middleware is built once: @fastify/helmet built it again,
 * parsing the policy, for every request.
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  const apply = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        // helmet's default would make a browser fetch the dashboard's assets over https even when it is served
        // over plain http on a private network, and they would fail to load.
        upgradeInsecureRequests: null,
      },
    },
  });
  // helmet throws rather than passing errors on (since 8.1), so `done` is only ever called without one.
  app.addHook('onRequest', (request, reply, done) => apply(request.raw, reply.raw, () => done()));
}
