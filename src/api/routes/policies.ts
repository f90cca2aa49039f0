import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DEFAULT_TEMPLATE_ROOT } from '../../channels/templates/renderer.ts';
import { PolicySchema } from '../../domain/policy.ts';
import type { FieldError } from '../../domain/validation.ts';
import {
  PolicyVersionError,
  type PolicyVersionView,
  activatePolicyVersion,
  applyPolicy,
  checkPolicySource,
  getPolicyVersion,
  listCurrentPolicies,
  listPolicyVersions,
  policyDocument,
} from '../../services/policies.ts';
import { templateNames } from '../../services/templates.ts';
import { audited } from '../http/audit.ts';
import { ApiError, conflict, notFound } from '../http/problem.ts';
import { IdParams, Instant, problemResponses } from '../http/schemas.ts';

const PolicyName = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,63}$',
  description: 'lower-case letters, digits and -',
});

const versionProperties = {
  id: Type.String({ description: 'name@version, e.g. card-subscription@3' }),
  name: Type.String(),
  version: Type.Integer({ minimum: 1 }),
  description: Type.Union([Type.String(), Type.Null()]),
  steps: Type.Integer({ description: 'how many steps it has' }),
  current: Type.Boolean({ description: 'the newest version of its name: the one new cases start on' }),
  created_at: Instant({ description: 'when it was applied' }),
};

const PolicyVersionSummarySchema = Type.Object(versionProperties);

const PolicyVersionSchema = Type.Object({
  ...versionProperties,
  document: PolicySchema,
  source: Type.String({ description: 'the text as its author wrote it' }),
});

const SourceBody = Type.Object(
  {
    source: Type.String({ minLength: 1, maxLength: 200_000, description: 'the policy as YAML or JSON text' }),
    format: Type.Union([Type.Literal('yaml'), Type.Literal('json')]),
  },
  { additionalProperties: false },
);

const NameParams = Type.Object({ name: PolicyName });

function summary(row: PolicyVersionView) {
  const document = policyDocument(row);
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    description: document.description ?? null,
    steps: document.steps.length,
    current: row.current,
    created_at: new Date(row.created_at).toISOString(),
  };
}

function present(row: PolicyVersionView) {
  return { ...summary(row), document: policyDocument(row), source: row.source };
}

// Text that does not parse is at fault as a whole (`line 3, column 5` in the reason); anything else names the
// field inside the document, under `body.source`.
function sourceField(error: FieldError) {
  const whole = /^(line \d|\(source\)|\(file\)|\(root\))/.test(error.path);
  return whole
    ? { field: 'body.source', reason: `${error.path}: ${error.message}` }
    : { field: `body.source.${error.path}`, reason: error.message };
}

/** Dunning policies: the current playbooks, their immutable versions, validating, applying and rolling back. */
export const policyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = () => app.recoup.runtime.database.db;
  const templates = () => templateNames(DEFAULT_TEMPLATE_ROOT);

  app.get(
    '/v1/policies',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['policies'],
        summary: 'The current (newest) version of every policy',
        response: { 200: Type.Object({ data: Type.Array(PolicyVersionSummarySchema) }), ...problemResponses },
      },
    },
    async () => ({ data: (await listCurrentPolicies(db())).map(summary) }),
  );

  app.get(
    '/v1/policies/:name/versions',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['policies'],
        summary: 'Every version of a policy, newest first',
        params: NameParams,
        response: { 200: Type.Object({ data: Type.Array(PolicyVersionSummarySchema) }), ...problemResponses },
      },
    },
    async (request) => {
      const rows = await listPolicyVersions(db(), request.params.name);
      if (rows.length === 0) {
        throw new ApiError(404, 'not-found', `no policy named '${request.params.name}'`, [
          { field: 'path.name', reason: 'not found' },
        ]);
      }
      return { data: rows.map(summary) };
    },
  );

  app.get(
    '/v1/policy-versions/:id',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['policies'],
        summary: 'One policy version: its validated document and its source text',
        params: IdParams,
        response: { 200: PolicyVersionSchema, ...problemResponses },
      },
    },
    async (request) => {
      const row = await getPolicyVersion(db(), request.params.id);
      if (!row) throw notFound('policy version', request.params.id);
      return present(row);
    },
  );

  app.post(
    '/v1/policies/validate',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['policies'],
        summary:
          'Check policy text without storing it; every error with its path (as `recoup policy validate`)',
        body: SourceBody,
        response: {
          200: Type.Object({
            valid: Type.Boolean(),
            errors: Type.Array(
              Type.Object({
                path: Type.String({
                  description: 'steps[2].offset, or line 3, column 5 for unparsable text',
                }),
                reason: Type.String(),
              }),
            ),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const checked = checkPolicySource(request.body.source, request.body.format, templates());
      return {
        valid: checked.ok,
        errors: checked.ok ? [] : checked.errors.map((e) => ({ path: e.path, reason: e.message })),
      };
    },
  );

  app.post(
    '/v1/policies',
    {
      config: { access: 'policies:write' },
      schema: {
        tags: ['policies'],
        summary:
          'Apply a policy: store it as a new immutable version (new cases start on it; running cases keep theirs)',
        body: SourceBody,
        response: { 201: PolicyVersionSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const applied = await applyPolicy(db(), {
        source: request.body.source,
        format: request.body.format,
        templates: templates(),
        now: app.recoup.now(),
      });
      if (!applied.ok) {
        const n = applied.errors.length;
        const fields = [
          { field: 'body.source', reason: `not a valid policy: ${n} ${n === 1 ? 'error' : 'errors'}` },
          ...applied.errors.map(sourceField),
        ];
        const first = applied.errors[0]!;
        throw new ApiError(
          400,
          'invalid-request',
          `body.source: not a valid policy: ${first.path}: ${first.message}`,
          fields,
        );
      }
      audited(request, 'policy_version', applied.value.id);
      return reply.code(201).send(present(applied.value));
    },
  );

  app.post(
    '/v1/policy-versions/:id/activate',
    {
      config: { access: 'policies:write' },
      schema: {
        tags: ['policies'],
        summary:
          'Make an older version current again, stored as a new version with its text (running cases keep theirs)',
        params: IdParams,
        response: { 201: PolicyVersionSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const row = await activatePolicyVersion(db(), {
        id,
        templates: templates(),
        now: app.recoup.now(),
      }).catch((error: unknown) => {
        if (!(error instanceof PolicyVersionError)) throw error;
        throw error.kind === 'not_found' ? notFound('policy version', id) : conflict('path.id', error.reason);
      });
      audited(request, 'policy_version', row.id);
      return reply.code(201).send(present(row));
    },
  );
};
