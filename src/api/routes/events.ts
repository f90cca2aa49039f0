import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { getEvent, listEvents } from '../../services/events.ts';
import type { OutboxEventRow } from '../../store/schema/webhooks.ts';
import { EVENT_TYPES } from '../../webhooks/events.ts';
import { decodeCursor, toPage } from '../http/pagination.ts';
import { notFound } from '../http/problem.ts';
import { IdParams, Instant, Page, PageQuery, iso, problemResponses } from '../http/schemas.ts';

const EventTypeSchema = Type.Union(
  EVENT_TYPES.map((t) => Type.Literal(t)),
  { description: 'an event type of the webhook catalogue' },
);

const EventSchema = Type.Object({
  id: Type.String({ description: 'evt_…: the id webhook receivers deduplicate on' }),
  type: Type.String(),
  sequence: Type.Integer({ description: 'commit order; orders the events of one case' }),
  case_id: Type.Union([Type.String(), Type.Null()]),
  customer_id: Type.String(),
  created_at: Instant({ description: 'when the change it describes happened' }),
  data: Type.Record(Type.String(), Type.Unknown(), {
    description: 'the event’s data, exactly as webhook deliveries carry it',
  }),
});

function present(e: OutboxEventRow) {
  return {
    id: e.id,
    type: e.type,
    sequence: Number(e.seq),
    case_id: e.case_id,
    customer_id: e.customer_id,
    created_at: iso(e.created_at),
    data: JSON.parse(e.payload) as Record<string, unknown>,
  };
}

/** The events Recoup publishes to webhook subscribers (the outbox), read-only. */
export const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = () => app.recoup.runtime.database.db;

  app.get(
    '/v1/events',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['events'],
        summary: 'List events, newest first',
        querystring: Type.Object(
          {
            ...PageQuery,
            type: Type.Optional(EventTypeSchema),
            case_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(EventSchema), ...problemResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await listEvents(
        db(),
        { type: q.type, caseId: q.case_id },
        { after: decodeCursor(q.cursor), limit: q.limit + 1 },
      );
      return toPage(rows, q.limit, present);
    },
  );

  app.get(
    '/v1/events/:id',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['events'],
        summary: 'One event with its data',
        params: IdParams,
        response: { 200: EventSchema, ...problemResponses },
      },
    },
    async (request) => {
      const e = await getEvent(db(), request.params.id);
      if (!e) throw notFound('event', request.params.id);
      return present(e);
    },
  );
};
