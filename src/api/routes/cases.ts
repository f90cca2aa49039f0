import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../services/actor.ts';
import { MANUAL_REMINDER_SPACING_MS, sendManualReminder } from '../../services/case-reminders.ts';
import {
  CaseActionError,
  type CaseSummary,
  addCaseNote,
  assignCase,
  cancelCase,
  getCaseDetail,
  getCaseSummary,
  listCases,
  pauseCase,
  resumeCase,
  retryCaseNow,
} from '../../services/cases.ts';
import type { Database } from '../../store/database.ts';
import type { InvoiceRow, MessagesTable, StepRow, TimelineRow } from '../../store/tables.ts';
import { audited } from '../http/audit.ts';
import { Locale, TemplateName } from './templates.ts';
import { decodeCursor, toPage } from '../http/pagination.ts';
import { conflict, invalid, notFound } from '../http/problem.ts';
import {
  Currency,
  IdParams,
  Instant,
  MinorUnits,
  Page,
  PageQuery,
  iso,
  problemResponses,
} from '../http/schemas.ts';

const CaseStateSchema = Type.Union(
  [
    Type.Literal('open'),
    Type.Literal('needs_attention'),
    Type.Literal('recovered'),
    Type.Literal('exhausted'),
    Type.Literal('cancelled'),
    Type.Literal('written_off'),
  ],
  {
    description:
      'open while dunning runs; needs_attention when the engine failed on it too often in a row (still owed, ' +
      'left alone until a person retries it); every other state is closed',
  },
);

// A type array rather than anyOf: fast-json-stringify writes it without a schema check per value, which counts on
// the list of cases (a benchmarked hot path).
const NullableInstant = (description?: string) =>
  Type.Unsafe<string | null>({
    type: ['string', 'null'],
    format: 'date-time',
    ...(description ? { description } : {}),
  });
const NullableText = Type.Union([Type.String(), Type.Null()]);

const caseProperties = {
  id: Type.String(),
  customer_id: Type.String(),
  customer_name: Type.String(),
  currency: Type.String(),
  state: CaseStateSchema,
  paused: Type.Boolean({ description: 'pending steps wait until the case is resumed' }),
  policy: Type.Object(
    { id: Type.String(), name: Type.String(), version: Type.Integer() },
    { description: 'the policy version the case runs; a newer version never changes a running case' },
  ),
  amount_failed: MinorUnits('what was overdue when its invoices joined the case'),
  amount_recovered: MinorUnits('what came in while the case was open'),
  amount_owed: MinorUnits('what its open invoices still owe now'),
  anchor_at: Instant({ description: "the moment the policy's step offsets count from" }),
  opened_at: Instant(),
  closed_at: NullableInstant(),
  next_due_at: NullableInstant('when its next step is due'),
  escalated_at: NullableInstant('when it was handed to people'),
  assignee: Type.Union(
    [
      Type.Object({
        id: Type.String({ description: 'the user id' }),
        email: Type.String({ description: 'the user’s sign-in email' }),
      }),
      Type.Null(),
    ],
    { description: 'the person working the case; null when nobody is' },
  ),
  error_count: Type.Integer({
    minimum: 0,
    description:
      'how many times in a row the engine failed on the case (0 when healthy); retried with backoff',
  }),
  last_error: Type.Union([Type.String(), Type.Null()], {
    description: 'what the latest failure said; null once the case is worked without error',
  }),
};

const CaseSchema = Type.Object(caseProperties);

const CaseInvoiceSchema = Type.Object({
  id: Type.String(),
  number: Type.String(),
  currency: Type.String(),
  total: MinorUnits(),
  amount_paid: MinorUnits(),
  amount_remaining: MinorUnits('total minus amount_paid'),
  due_at: Instant(),
  status: Type.String(),
});

const StepSchema = Type.Object({
  step_id: Type.String({ description: 'the id of the step in the policy version' }),
  position: Type.Integer(),
  action: Type.String(),
  due_at: Instant(),
  status: Type.Union(
    ['pending', 'done', 'skipped', 'cancelled', 'unknown', 'failed', 'superseded'].map((s) =>
      Type.Literal(s),
    ),
    {
      description: 'superseded: a reminder not sent because a later one of the case was due at the same time',
    },
  ),
  completed_at: NullableInstant(),
});

const TimelineEventSchema = Type.Object({
  id: Type.Integer(),
  type: Type.String({ description: 'case.opened, attempt.failed, message.sent, case.paused, note.added, …' }),
  at: Instant(),
  policy_version_id: NullableText,
  step_id: NullableText,
  rule: Type.Union([Type.String(), Type.Null()], { description: 'why it happened' }),
  data: Type.Record(Type.String(), Type.Unknown()),
});

const CaseDetailSchema = Type.Object({
  ...caseProperties,
  invoices: Type.Array(CaseInvoiceSchema),
  steps: Type.Array(StepSchema, { description: 'its planned steps, in time order' }),
  timeline: Type.Array(TimelineEventSchema, { description: 'everything that happened, oldest first' }),
});

const Id = Type.String({ minLength: 1, maxLength: 100 });
const Reason = Type.String({ minLength: 1, maxLength: 1000 });

const ListQuery = Type.Object(
  {
    ...PageQuery,
    state: Type.Optional(CaseStateSchema),
    customer_id: Type.Optional(Id),
    currency: Type.Optional(Currency),
    policy: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9][a-z0-9-]{0,63}$',
        description: 'a policy name: any of its versions',
      }),
    ),
    paused: Type.Optional(Type.Boolean()),
    escalated: Type.Optional(Type.Boolean()),
    min_amount: Type.Optional(MinorUnits('amount owed at least this, in minor units')),
    max_amount: Type.Optional(MinorUnits('amount owed at most this, in minor units')),
    opened_before: Type.Optional(Instant({ description: 'opened strictly before this instant' })),
    opened_after: Type.Optional(Instant({ description: 'opened at or after this instant' })),
    assignee: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'a user id: cases assigned to them; `none`: cases assigned to nobody',
      }),
    ),
  },
  { additionalProperties: false },
);

const ReasonBody = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });

const AssignBody = Type.Object(
  {
    user_id: Type.Union([Id, Type.Null()], {
      description: 'the user to work the case (an enabled user); null to unassign',
    }),
  },
  { additionalProperties: false },
);

const RemindBody = Type.Object(
  {
    channel: Type.Literal('email', { description: 'the channel to send on' }),
    template: TemplateName,
    locale: Type.Optional(
      Type.String({
        ...Locale,
        description: 'a BCP 47 locale to send in instead of the customer’s own (falls back de-AT → de → en)',
      }),
    ),
  },
  { additionalProperties: false },
);

const ManualMessageSchema = Type.Object({
  id: Type.String({ description: 'the message; see GET /v1/messages/{id}' }),
  case_id: Type.String(),
  step_id: Type.String({ description: 'manual-remind-<n>: the case’s n-th manual reminder' }),
  channel: Type.String(),
  template: Type.String(),
  locale: Type.String({ description: 'the locale rendered, after fallback' }),
  subject: Type.String(),
  status: Type.Union([Type.Literal('sent'), Type.Literal('failed')], {
    description: 'sent, or failed (recorded with the reason; a manual reminder is not retried)',
  }),
  recipient: Type.String({ description: 'where it went, masked: a***@example.com' }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'why it failed, when it did' }),
  created_at: Instant(),
  sent_at: NullableInstant(),
});

/** A case as the API shows it in lists and at the head of its detail. */
export function presentCase(c: CaseSummary) {
  return {
    id: c.id,
    customer_id: c.customer_id,
    customer_name: c.customer_name,
    currency: c.currency,
    state: c.state,
    paused: c.paused === 1,
    policy: { id: c.policy_version_id, name: c.policy_name, version: c.policy_version },
    amount_failed: c.amount_failed,
    amount_recovered: c.amount_recovered,
    amount_owed: c.amount_owed,
    anchor_at: iso(c.anchor_at),
    opened_at: iso(c.opened_at),
    closed_at: iso(c.closed_at),
    next_due_at: iso(c.next_due_at),
    escalated_at: iso(c.escalated_at),
    assignee: c.assignee_user_id === null ? null : { id: c.assignee_user_id, email: c.assignee_email ?? '' },
    error_count: Number(c.error_count),
    last_error: c.last_error,
  };
}

function presentMessage(m: MessagesTable, recipient: string) {
  return {
    id: m.id,
    case_id: m.case_id,
    step_id: m.step_id,
    channel: m.channel,
    template: m.template,
    locale: m.locale,
    subject: m.subject,
    // Recorded after the channel answered, so it is one of the two.
    status: m.status as 'sent' | 'failed',
    recipient,
    error: m.error,
    created_at: iso(m.created_at),
    sent_at: iso(m.sent_at),
  };
}

function presentInvoice(i: InvoiceRow) {
  return {
    id: i.id,
    number: i.number,
    currency: i.currency,
    total: i.total,
    amount_paid: i.amount_paid,
    amount_remaining: Math.max(0, i.total - i.amount_paid),
    due_at: iso(i.due_at),
    status: i.status,
  };
}

function presentStep(s: StepRow) {
  return {
    step_id: s.step_id,
    position: s.position,
    action: s.action,
    due_at: iso(s.due_at),
    status: s.status,
    completed_at: iso(s.completed_at),
  };
}

function presentEvent(e: TimelineRow) {
  return {
    id: Number(e.id),
    type: e.type,
    at: iso(e.at),
    policy_version_id: e.policy_version_id,
    step_id: e.step_id,
    rule: e.rule,
    data: JSON.parse(e.data) as Record<string, unknown>,
  };
}

/** Who is calling, as the case's timeline names them. */
export function actorOf(request: FastifyRequest): Actor {
  const p = request.principal!;
  return p.kind === 'user'
    ? { kind: 'user', id: p.id, name: p.email }
    : { kind: 'api_key', id: p.id, name: `API key ${p.prefix}` };
}

/** The service's refusal as a problem naming the case in the path. */
function asProblem(id: string) {
  return (error: unknown): never => {
    if (error instanceof CaseActionError) {
      if (error.kind === 'not_found') throw notFound('case', id);
      throw error.kind === 'invalid'
        ? invalid(error.field, error.reason)
        : conflict(error.field, error.reason);
    }
    throw error;
  };
}

// The reason is optional, so a bare POST (no body at all) is as good as `{}`; a body sent must still be an object.
const bodyOptional = async (request: FastifyRequest) => {
  if (request.body === undefined) request.body = {};
};

const ms = (value: string | undefined) => (value === undefined ? undefined : Date.parse(value));

/** Cases: the dunning work queue, each case's full history, and a collector's actions on one case. */
export const caseRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const database = () => app.recoup.runtime.database;
  const single = { 200: CaseSchema, ...problemResponses };

  /** The case after a change, as the action routes answer. */
  async function current(id: string) {
    const c = await getCaseSummary(database().db, id);
    if (!c) throw notFound('case', id);
    return presentCase(c);
  }

  app.get(
    '/v1/cases',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['cases'],
        summary: 'List cases, newest first',
        querystring: ListQuery,
        response: { 200: Page(CaseSchema), ...problemResponses },
      },
    },
    async (request) => {
      const q = request.query;
      if (q.min_amount !== undefined && q.max_amount !== undefined && q.min_amount > q.max_amount) {
        throw invalid('query.min_amount', 'must not be greater than max_amount');
      }
      const rows = await listCases(
        database().db,
        {
          state: q.state,
          customerId: q.customer_id,
          currency: q.currency,
          policy: q.policy,
          paused: q.paused,
          escalated: q.escalated,
          minOwed: q.min_amount,
          maxOwed: q.max_amount,
          openedBefore: ms(q.opened_before),
          openedAfter: ms(q.opened_after),
          assignee: q.assignee === 'none' ? null : q.assignee,
        },
        { after: decodeCursor(q.cursor), limit: q.limit + 1 },
      );
      return toPage(rows, q.limit, presentCase);
    },
  );

  app.get(
    '/v1/cases/:id',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['cases'],
        summary: 'A case with its invoices, planned steps and timeline (who and which rule did what)',
        params: IdParams,
        response: { 200: CaseDetailSchema, ...problemResponses },
      },
    },
    async (request) => {
      const detail = await getCaseDetail(database().db, request.params.id);
      if (!detail) throw notFound('case', request.params.id);
      return {
        ...presentCase(detail.summary),
        invoices: detail.invoices.map(presentInvoice),
        steps: detail.steps.map(presentStep),
        timeline: detail.timeline.map(presentEvent),
      };
    },
  );

  /** The answer of a change to a case: audited, then the case as it is now. */
  async function changed(request: FastifyRequest, id: string, change: Promise<unknown>) {
    await change.catch(asProblem(id));
    audited(request, 'case', id);
    return current(id);
  }

  type ReasonAction = (
    database: Database,
    input: { id: string; actor: Actor; reason?: string | undefined; now: number; wallNow: number },
  ) => Promise<unknown>;

  /** A collector's action on one case whose only input is an optional reason (pause, resume, retry now). */
  function reasonAction(verb: 'pause' | 'resume' | 'retry', summary: string, act: ReasonAction) {
    app.post(
      `/v1/cases/:id/${verb}`,
      {
        config: { access: 'cases:work' },
        preValidation: bodyOptional,
        schema: { tags: ['cases'], summary, params: IdParams, body: ReasonBody, response: single },
      },
      async (request) =>
        changed(
          request,
          request.params.id,
          act(database(), {
            id: request.params.id,
            actor: actorOf(request),
            reason: request.body.reason,
            now: app.recoup.now(),
            wallNow: Date.now(),
          }),
        ),
    );
  }

  reasonAction(
    'pause',
    'Pause an open case: its pending steps wait until it is resumed (pausing twice changes nothing)',
    pauseCase,
  );
  reasonAction(
    'resume',
    'Resume a paused case: every pending step moves later by the time it was paused, so the policy ' +
      'carries on with its spacing (no burst of missed steps)',
    resumeCase,
  );
  reasonAction(
    'retry',
    'Retry now: the next pending retry step (or, when the policy has none left, an ad-hoc `manual-retry-<n>` ' +
      'step) becomes due at once and runs at the next tick, under every rule a scheduled retry obeys (hard ' +
      'declines, network limits, idempotency); asking twice before it runs charges once. A `needs_attention` ' +
      'case is put back to work instead: open, its error count reset, due at once (a `case.reopened` event)',
    retryCaseNow,
  );

  app.post(
    '/v1/cases/:id/cancel',
    {
      config: { access: 'billing:write' },
      schema: {
        tags: ['cases'],
        summary:
          'Cancel an open case: it closes as cancelled, every pending step is cancelled, and a `case.cancelled` ' +
          'webhook event (reason `manual`) is sent',
        params: IdParams,
        body: Type.Object({ reason: Reason }, { additionalProperties: false }),
        response: single,
      },
    },
    async (request) =>
      changed(
        request,
        request.params.id,
        cancelCase(database(), {
          id: request.params.id,
          actor: actorOf(request),
          reason: request.body.reason,
          now: app.recoup.now(),
        }),
      ),
  );

  app.post(
    '/v1/cases/:id/assign',
    {
      config: { access: 'cases:work' },
      schema: {
        tags: ['cases'],
        summary:
          'Assign an open case to a person, or unassign a case with `user_id: null`; the timeline records a ' +
          '`case.assigned` event',
        params: IdParams,
        body: AssignBody,
        response: single,
      },
    },
    async (request) =>
      changed(
        request,
        request.params.id,
        assignCase(database(), {
          id: request.params.id,
          userId: request.body.user_id,
          actor: actorOf(request),
          now: app.recoup.now(),
        }),
      ),
  );

  app.post(
    '/v1/cases/:id/remind',
    {
      config: { access: 'cases:work' },
      schema: {
        tags: ['cases'],
        summary:
          'Send a reminder now, as a remind step would: refused (409) outside the customer’s contact hours ' +
          '(the detail says when it is allowed, in their time zone), on a channel they opted out of, over the ' +
          `policy’s message limit, for a paused or closed case, and within ${MANUAL_REMINDER_SPACING_MS / 1000} s ` +
          'of the last manual reminder; the timeline records `manual.remind`',
        params: IdParams,
        body: RemindBody,
        response: { 201: ManualMessageSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const sent = await sendManualReminder(app.recoup.runtime.deps, {
        id,
        channel: request.body.channel,
        template: request.body.template,
        locale: request.body.locale,
        actor: actorOf(request),
        now: app.recoup.now(),
      }).catch(asProblem(id));
      audited(request, 'case', id);
      return reply.code(201).send(presentMessage(sent.message, sent.recipient));
    },
  );

  app.post(
    '/v1/cases/:id/notes',
    {
      config: { access: 'cases:work' },
      schema: {
        tags: ['cases'],
        summary: 'Add a note to the case’s timeline (a `note.added` event naming its author)',
        params: IdParams,
        body: Type.Object(
          { text: Type.String({ minLength: 1, maxLength: 5000 }) },
          { additionalProperties: false },
        ),
        response: { 201: TimelineEventSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (request.body.text.trim() === '') throw invalid('body.text', 'must not be blank');
      const event = await addCaseNote(database(), {
        id,
        actor: actorOf(request),
        text: request.body.text,
        now: app.recoup.now(),
      }).catch(asProblem(id));
      audited(request, 'case', id);
      return reply.code(201).send(presentEvent(event));
    },
  );
};
