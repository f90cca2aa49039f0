import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { Registry } from 'prom-client';
import { problemResponses } from '../http/schemas.ts';

/** Liveness, readiness (the database answers) and Prometheus metrics. */
export const systemRoutes: FastifyPluginAsyncTypebox<{ metrics: Registry }> = async (app, { metrics }) => {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Liveness: the process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Readiness: the database answers',
        response: {
          200: Type.Object({ status: Type.Literal('ready'), database: Type.String() }),
          503: Type.Ref('Problem'),
        },
      },
    },
    async (_request, reply) => {
      const { db, dialect } = app.recoup.runtime.database;
      try {
        await sql`select 1`.execute(db);
        return { status: 'ready' as const, database: dialect };
      } catch {
        return reply
          .code(503)
          .type('application/problem+json')
          .send({
            type: 'https://recoup.dev/problems/not-ready',
            title: 'Service Unavailable',
            status: 503,
            detail: 'the database does not answer',
            errors: [{ field: 'database', reason: 'unreachable' }],
          });
      }
    },
  );
  app.get(
    '/metrics',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['system'],
        summary: 'Prometheus metrics (scrape with an API key of scope read)',
        produces: ['text/plain'],
        response: { 200: Type.String(), ...problemResponses },
      },
    },
    async (_request, reply) => {
      reply.type(metrics.contentType);
      return metrics.metrics();
    },
  );
};
