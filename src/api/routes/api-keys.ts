import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { type ApiKeySummary, createApiKey, listApiKeys, revokeApiKey } from '../../access/api-keys.ts';
import { audited } from '../http/audit.ts';
import { notFound } from '../http/problem.ts';
import { IdParams, Instant, problemResponses } from '../http/schemas.ts';

const ScopeSchema = Type.Union([Type.Literal('read'), Type.Literal('write'), Type.Literal('admin')]);

const ApiKeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'the visible start of the key, to tell keys apart' }),
  scope: ScopeSchema,
  created_at: Instant(),
  last_used_at: Type.Union([Instant(), Type.Null()]),
  revoked_at: Type.Union([Instant(), Type.Null()]),
});

function present(key: ApiKeySummary) {
  const at = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scope: key.scope,
    created_at: new Date(key.created_at).toISOString(),
    last_used_at: at(key.last_used_at),
    revoked_at: at(key.revoked_at),
  };
}

/** API keys for programs: made with a scope, shown once, revoked by id (admin only). */
export const apiKeyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = () => app.recoup.runtime.database.db;
  app.get(
    '/v1/api-keys',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['api-keys'],
        summary: 'List API keys (never their secrets)',
        response: { 200: Type.Object({ data: Type.Array(ApiKeySchema) }), ...problemResponses },
      },
    },
    async () => ({ data: (await listApiKeys(db())).map(present) }),
  );
  app.post(
    '/v1/api-keys',
    {
      config: { access: 'admin', secretResponse: true },
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key; the response holds its secret, shown this once',
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 200 }), scope: ScopeSchema },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Intersect([ApiKeySchema, Type.Object({ secret: Type.String() })]),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const p = request.principal!;
      const made = await createApiKey(db(), {
        ...request.body,
        createdBy: `${p.kind}:${p.id}`,
        now: app.recoup.now(),
      });
      audited(request, 'api_key', made.key.id);
      return reply.code(201).send({ ...present(made.key), secret: made.secret });
    },
  );
  app.post(
    '/v1/api-keys/:id/revoke',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key at once',
        params: IdParams,
        response: { 200: ApiKeySchema, ...problemResponses },
      },
    },
    async (request) => {
      const key = await revokeApiKey(db(), request.params.id, app.recoup.now());
      if (!key) throw notFound('API key', request.params.id);
      app.apiKeys.clear();
      return present(key);
    },
  );
};
