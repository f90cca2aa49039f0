import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './http/problem.ts';

/** Where `vite build` puts the dashboard (web/dist), next to this package's sources. */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

// Shown instead of the app when the bundle is missing, e.g. a checkout installed with `--ignore-scripts`.
const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Recoup</title></head>
<body><main><h1>The dashboard is not built</h1><p>Run <code>npm run build:web</code> (or <code>npm install</code>,
which builds it), then reload. The API is up: see <a href="/docs">/docs</a>.</p></main></body></html>`;

// Paths the page never answers for: an unknown one there is a 404 problem, not the app (`/t/` holds the email
// tracking links, whose routes are registered explicitly and win over the page's wildcard).
const API_PREFIXES = ['/v1/', '/docs', '/openapi.json', '/metrics', '/healthz', '/readyz', '/t/'];

/**
 * Serves the single-page dashboard: hashed assets with a year's cache, and `index.html` (never cached) for every
 * other GET that is not an API path, so deep links like /cases/cas_… load the app.
 */
export async function registerDashboard(app: FastifyInstance, dir = DASHBOARD_DIR): Promise<void> {
  const index = join(dir, 'index.html');
  const built = existsSync(index);
  if (built) {
    await app.register(fastifyStatic, {
      root: join(dir, 'assets'),
      prefix: '/assets/',
      immutable: true,
      maxAge: '365d',
      index: false,
      wildcard: true,
      serveDotFiles: false,
    });
  }
  const html = built ? readFileSync(index, 'utf8') : NOT_BUILT;
  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0]!;
    if (API_PREFIXES.some((p) => path.startsWith(p))) {
      throw new ApiError(404, 'not-found', `no route GET ${path}`, [
        { field: 'path', reason: 'no such route' },
      ]);
    }
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
  };
  const options = { config: { access: 'public' as const }, schema: { hide: true } };
  app.get('/', options, page);
  app.get('/*', options, page);
}
