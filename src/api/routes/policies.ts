import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { PolicySchema, STEP_ACTIONS, networkLimitFindings } from '../../domain/policy.ts';
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
import { DryRunError, dryRunPolicy } from '../../services/policy-dry-run.ts';
import { knownTemplateNames } from '../../services/templates.ts';
import { audited } from '../http/audit.ts';
import { ApiError, conflict, invalid, notFound } from '../http/problem.ts';
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

const PolicyWarningsSchema = Type.Array(
  Type.Object({
    path: Type.String({ description: 'the field, e.g. retryLimits.maxAttemptsPerMethod' }),
    reason: Type.String(),
  }),
  {
    description:
      "what the policy allows that is worth a second look, e.g. retry limits above the card networks' (allowed by allowAboveNetworkLimits)",
  },
);

const PolicyVersionSchema = Type.Object({
  ...versionProperties,
  document: PolicySchema,
  source: Type.String({ description: 'the text as its author wrote it' }),
  warnings: PolicyWarningsSchema,
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
  const document = policyDocument(row);
  return {
    ...summary(row),
    document,
    source: row.source,
    warnings: warningsOf(networkLimitFindings(document)),
  };
}

function warningsOf(checked: { warnings: readonly FieldError[] }) {
  return checked.warnings.map((w) => ({ path: w.path, reason: w.message }));
}

// Text that does not parse is at fault as a whole (`line 3, column 5` in the reason); anything else names the
// field inside the document, under the body field that carried it (`body.source`, `body.document`).
function documentField(at: string, error: FieldError) {
  const whole = /^(line \d|\(source\)|\(file\)|\(root\))/.test(error.path);
  return whole
    ? { field: at, reason: `${error.path}: ${error.message}` }
    : { field: `${at}.${error.path}`, reason: error.message };
}

/** 400 for a policy that does not validate: the body field first, then every error inside it. */
function invalidPolicy(at: string, errors: readonly FieldError[]): ApiError {
  const n = errors.length;
  const first = errors[0]!;
  return new ApiError(400, 'invalid-request', `${at}: not a valid policy: ${first.path}: ${first.message}`, [
    { field: at, reason: `not a valid policy: ${n} ${n === 1 ? 'error' : 'errors'}` },
    ...errors.map((e) => documentField(at, e)),
  ]);
}

const DryRunStepSchema = Type.Object({
  step_id: Type.String({ description: 'the policy step (or an ad-hoc step already planned for the case)' }),
  action: Type.Union(STEP_ACTIONS.map((a) => Type.Literal(a))),
  channel: Type.Optional(Type.String({ description: 'for reminders' })),
  template: Type.Optional(Type.String({ description: 'for reminders' })),
  at: Instant({ description: 'when the engine would decide it' }),
  would: Type.Union([Type.Literal('run'), Type.Literal('skip')]),
  reason: Type.String({
    description: 'the rule behind it, as the timeline would say it (and any wait before)',
  }),
});

const DryRunSchema = Type.Object({
  policy_version_id: Type.Union([Type.String(), Type.Null()], {
    description: 'the version tried; null when a document was',
  }),
  time_zone: Type.String({ description: 'the customer’s time zone, in which days are dated' }),
  days: Type.Array(
    Type.Object({
      date: Type.String({ format: 'date', description: 'a day in the customer’s time zone' }),
      steps: Type.Array(DryRunStepSchema),
    }),
    { description: 'each day something would happen, in time order' },
  ),
  assumptions: Type.Array(Type.String(), { description: 'what the answer takes for granted' }),
});

const DryRunBody = Type.Object(
  {
    case_id: Type.String({ minLength: 1, maxLength: 100, description: 'the case to try the policy on' }),
    document: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'a policy document (as a version’s `document`), e.g. an edit in progress',
      }),
    ),
    policy_version_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'a stored version, e.g. card-subscription@2',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'give `document` or `policy_version_id`, or neither for the version the case runs',
  },
);

/** Dunning policies: the current playbooks, their immutable versions, validating, applying and rolling back. */
export const policyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = () => app.recoup.runtime.database.db;
  // Shipped templates and those saved through the API (a new template may be sent as soon as it is saved).
  const templates = () => knownTemplateNames(app.recoup.runtime.deps.renderer);

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
          'Check policy text without storing it; every error with its path, and warnings (as `recoup policy validate`)',
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
            warnings: PolicyWarningsSchema,
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const checked = checkPolicySource(request.body.source, request.body.format, await templates());
      return {
        valid: checked.ok,
        errors: checked.ok ? [] : checked.errors.map((e) => ({ path: e.path, reason: e.message })),
        warnings: warningsOf(checked),
      };
    },
  );

  app.post(
    '/v1/policies/dry-run',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['policies'],
        summary:
          'What a policy would do to a case from now, day by day, decided as the engine decides (contact hours, ' +
          'opt-outs, message limits, retry rules); writes nothing. An invalid document answers 400 with the ' +
          'errors validate gives',
        body: DryRunBody,
        response: { 200: DryRunSchema, ...problemResponses },
      },
    },
    async (request) => {
      const b = request.body;
      if (b.document !== undefined && b.policy_version_id !== undefined) {
        throw invalid('body.document', 'give either document or policy_version_id, not both');
      }
      const result = await dryRunPolicy(app.recoup.runtime.deps, {
        caseId: b.case_id,
        document: b.document,
        versionId: b.policy_version_id,
        templates: await templates(),
        now: app.recoup.now(),
      }).catch((error: unknown) => {
        if (!(error instanceof DryRunError)) throw error;
        if (error.kind === 'not_found') {
          throw new ApiError(404, 'not-found', error.message, [{ field: error.field, reason: error.reason }]);
        }
        throw error.errors.length > 0
          ? invalidPolicy(error.field, error.errors)
          : invalid(error.field, error.reason);
      });
      return {
        policy_version_id: result.policyVersionId,
        time_zone: result.timeZone,
        days: result.days.map((d) => ({
          date: d.date,
          steps: d.steps.map((s) => ({
            step_id: s.stepId,
            action: s.action,
            ...(s.channel === null ? {} : { channel: s.channel }),
            ...(s.template === null ? {} : { template: s.template }),
            at: new Date(s.at).toISOString(),
            would: s.would,
            reason: s.reason,
          })),
        })),
        assumptions: result.assumptions,
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
        templates: await templates(),
        now: app.recoup.now(),
      });
      if (!applied.ok) throw invalidPolicy('body.source', applied.errors);
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
        templates: await templates(),
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
