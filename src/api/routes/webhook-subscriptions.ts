import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { SubscriptionNotFoundError, WebhookInputError } from '../../webhooks/errors.ts';
import {
  type WebhookSubscription,
  createSubscription,
  disableSubscription,
  getSubscription,
  listSubscriptions,
  replayDeliveries,
  updateSubscription,
} from '../../webhooks/subscriptions.ts';
import { audited } from '../http/audit.ts';
import { ApiError, notFound } from '../http/problem.ts';
import { IdParams, Instant, iso, problemResponses } from '../http/schemas.ts';

const EventTypes = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
  minItems: 1,
  maxItems: 50,
  description: 'event types such as case.recovered; `case.*` matches a family and `*` everything',
});

const SubscriptionSchema = Type.Object({
  id: Type.String(),
  url: Type.String(),
  event_types: Type.Array(Type.String()),
  description: Type.Union([Type.String(), Type.Null()]),
  created_at: Instant(),
  updated_at: Instant(),
  disabled_at: Type.Union([Instant(), Type.Null()]),
});

const FIELDS: Record<string, string> = { eventTypes: 'event_types', subscriptionId: 'path.id' };

function present(s: WebhookSubscription) {
  return {
    id: s.id,
    url: s.url,
    event_types: s.eventTypes,
    description: s.description,
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
    disabled_at: iso(s.disabledAt),
  };
}

function asProblem(error: unknown): never {
  if (error instanceof SubscriptionNotFoundError) throw notFound('webhook subscription', error.id);
  if (error instanceof WebhookInputError) {
    const named = FIELDS[error.field] ?? error.field;
    const field = named.startsWith('path.') ? named : `body.${named}`;
    const reason = error.message.replace(/^[^:]+: /, '');
    throw new ApiError(400, 'invalid-request', `${field}: ${reason}`, [{ field, reason }]);
  }
  throw error;
}

/** Outbound webhook subscriptions: where Recoup sends its signed events, and replays of what was sent. */
export const webhookSubscriptionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = () => app.recoup.runtime.database.db;
  const rules = () => ({ allowPrivate: app.recoup.runtime.config.webhookAllowPrivate });
  app.get(
    '/v1/webhook-subscriptions',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'List webhook subscriptions (never their secrets)',
        response: { 200: Type.Object({ data: Type.Array(SubscriptionSchema) }), ...problemResponses },
      },
    },
    async () => ({ data: (await listSubscriptions(db())).map(present) }),
  );
  app.post(
    '/v1/webhook-subscriptions',
    {
      config: { access: 'admin', secretResponse: true },
      schema: {
        tags: ['webhooks'],
        summary: 'Subscribe a URL to events; the response holds the signing secret, shown this once',
        description:
          'Deliveries are POSTs with Recoup-Event-Id, Recoup-Event-Type and Recoup-Signature: t=<unix seconds>,v1=<hex ' +
          'HMAC-SHA256 of "<t>.<raw body>" with the secret>. At least once, in order per case, retried with backoff.',
        body: Type.Object(
          {
            url: Type.String({ minLength: 1, maxLength: 2000 }),
            event_types: Type.Optional(EventTypes),
            description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Intersect([SubscriptionSchema, Type.Object({ secret: Type.String() })]),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const { url, event_types, description } = request.body;
      const made = await createSubscription(
        db(),
        {
          url,
          ...(event_types === undefined ? {} : { eventTypes: event_types }),
          ...(description === undefined ? {} : { description }),
        },
        app.recoup.now(),
        rules(),
      ).catch(asProblem);
      audited(request, 'webhook_subscription', made.subscription.id);
      return reply.code(201).send({ ...present(made.subscription), secret: made.secret });
    },
  );
  app.get(
    '/v1/webhook-subscriptions/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Get a webhook subscription',
        params: IdParams,
        response: { 200: SubscriptionSchema, ...problemResponses },
      },
    },
    async (request) => {
      const found = await getSubscription(db(), request.params.id);
      if (!found) throw notFound('webhook subscription', request.params.id);
      return present(found);
    },
  );
  app.patch(
    '/v1/webhook-subscriptions/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Change a subscription’s URL, event types or description',
        params: IdParams,
        body: Type.Object(
          {
            url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
            event_types: Type.Optional(EventTypes),
            description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: SubscriptionSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { url, event_types, description } = request.body;
      const updated = await updateSubscription(
        db(),
        request.params.id,
        {
          ...(url === undefined ? {} : { url }),
          ...(event_types === undefined ? {} : { eventTypes: event_types }),
          ...(description === undefined ? {} : { description }),
        },
        app.recoup.now(),
        rules(),
      ).catch(asProblem);
      audited(request, 'webhook_subscription', updated.id);
      return present(updated);
    },
  );
  app.post(
    '/v1/webhook-subscriptions/:id/disable',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Stop sending to a subscription',
        params: IdParams,
        response: { 200: SubscriptionSchema, ...problemResponses },
      },
    },
    async (request) =>
      present(await disableSubscription(db(), request.params.id, app.recoup.now()).catch(asProblem)),
  );
  app.post(
    '/v1/webhook-subscriptions/:id/replay',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary:
          'Send events again: those since an instant, those with these ids, or (neither) those given up on',
        params: IdParams,
        body: Type.Object(
          {
            since: Type.Optional(Instant()),
            event_ids: Type.Optional(
              Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 1000 }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ queued: Type.Integer() }), ...problemResponses },
      },
    },
    async (request) => {
      const { since, event_ids } = request.body;
      const queued = await replayDeliveries(db(), {
        subscriptionId: request.params.id,
        ...(since === undefined ? {} : { since: Date.parse(since) }),
        ...(event_ids === undefined ? {} : { eventIds: event_ids }),
        now: Date.now(),
      }).catch(asProblem);
      audited(request, 'webhook_subscription', request.params.id);
      return { queued };
    },
  );
};
