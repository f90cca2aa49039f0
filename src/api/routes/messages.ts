import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CaseActionError } from '../../services/cases.ts';
import { type MessageAction, markMessageSent, resendMessage } from '../../services/message-actions.ts';
import { type MessageSummary, getMessage, listMessages } from '../../services/messages.ts';
import { audited } from '../http/audit.ts';
import { decodeCursor, toPage } from '../http/pagination.ts';
import { conflict, notFound } from '../http/problem.ts';
import { IdParams, Instant, Page, PageQuery, iso, problemResponses } from '../http/schemas.ts';
import { actorOf } from './cases.ts';

const MessageStatusSchema = Type.Union(
  [
    Type.Literal('sending'),
    Type.Literal('sent'),
    Type.Literal('failed'),
    Type.Literal('unknown'),
    Type.Literal('resent'),
  ],
  {
    description:
      'sending while in flight; unknown when a crash came between sending and recording and the channel cannot ' +
      'tell whether it left (the engine never sends it again: resend it or mark it sent); resent when a person ' +
      'had an unknown message sent anew',
  },
);

const Id = Type.String({ minLength: 1, maxLength: 100 });
const NullableText = Type.Union([Type.String(), Type.Null()]);

const messageProperties = {
  id: Type.String(),
  case_id: Type.String(),
  customer_id: Type.String(),
  step_id: Type.String({ description: 'the policy step that sent it' }),
  channel: Type.String({ description: 'email, webhook, …' }),
  template: Type.String(),
  locale: Type.String({ description: 'the locale rendered, after fallback' }),
  subject: Type.String(),
  status: MessageStatusSchema,
  provider_id: NullableText,
  provider_response: Type.Union([Type.String(), Type.Null()], {
    description:
      'what the provider answered when it took the message (an SMTP server’s 250 line), if anything',
  }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'why it failed, when it did' }),
  created_at: Instant(),
  sent_at: Type.Union([Instant(), Type.Null()]),
  opened_at: Type.Union([Instant(), Type.Null()], {
    description:
      'when the email was first seen opened (its tracking pixel loaded, or a link followed); approximate: ' +
      'mail clients that block images never report an open, and some prefetch images without a reader',
  }),
  clicked_at: Type.Union([Instant(), Type.Null()], {
    description: 'when one of its links was first followed, through the tracked redirect',
  }),
  paid_at: Type.Union([Instant(), Type.Null()], {
    description:
      'when the first payment on its case came in, if one did within 72 hours of sending (from a retry, the API, ' +
      'an import or the billing system): the reminder was answered',
  }),
};

const MessageSummarySchema = Type.Object(messageProperties);
const MessageSchema = Type.Object({
  ...messageProperties,
  body_text: Type.String(),
  body_html: NullableText,
  template_version: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
    description:
      'the saved version of the template it was rendered from (GET /v1/templates/{name}/locales/{locale}/versions); ' +
      'null when it came from the template shipped with Recoup',
  }),
});

function present(m: MessageSummary) {
  return {
    id: m.id,
    case_id: m.case_id,
    customer_id: m.customer_id,
    step_id: m.step_id,
    channel: m.channel,
    template: m.template,
    locale: m.locale,
    subject: m.subject,
    status: m.status,
    provider_id: m.provider_id,
    provider_response: m.provider_response,
    error: m.error,
    created_at: iso(m.created_at),
    sent_at: iso(m.sent_at),
    opened_at: iso(m.opened_at),
    clicked_at: iso(m.clicked_at),
    paid_at: iso(m.paid_at),
  };
}

/** Messages Recoup sent (reminders and policy webhooks), with their rendered content. */
export const messageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = () => app.recoup.runtime.database.db;

  app.get(
    '/v1/messages',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['messages'],
        summary: 'List messages, newest first',
        querystring: Type.Object(
          {
            ...PageQuery,
            case_id: Type.Optional(Id),
            customer_id: Type.Optional(Id),
            channel: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
            status: Type.Optional(MessageStatusSchema),
            opened: Type.Optional(
              Type.Boolean({
                description: 'only messages seen opened (true) or not (false); opens are approximate',
              }),
            ),
            clicked: Type.Optional(
              Type.Boolean({ description: 'only messages with a followed link (true) or without (false)' }),
            ),
            paid: Type.Optional(
              Type.Boolean({
                description: 'only messages a payment answered within 72 hours (true) or none did (false)',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(MessageSummarySchema), ...problemResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await listMessages(
        db(),
        {
          caseId: q.case_id,
          customerId: q.customer_id,
          channel: q.channel,
          status: q.status,
          opened: q.opened,
          clicked: q.clicked,
          paid: q.paid,
        },
        { after: decodeCursor(q.cursor), limit: q.limit + 1 },
      );
      return toPage(rows, q.limit, present);
    },
  );

  app.get(
    '/v1/messages/:id',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['messages'],
        summary: 'One message with its rendered text and HTML',
        params: IdParams,
        response: { 200: MessageSchema, ...problemResponses },
      },
    },
    async (request) => {
      const m = await getMessage(db(), request.params.id);
      if (!m) throw notFound('message', request.params.id);
      return {
        ...present(m),
        body_text: m.body_text,
        body_html: m.body_html,
        template_version: m.template_version,
      };
    },
  );

  /** A person's answer about an unknown message: audited, and the message (or its resend) as it is now. */
  function messageAction(
    verb: 'resend' | 'mark-sent',
    summary: string,
    act: (deps: typeof app.recoup.runtime.deps, input: MessageAction) => Promise<MessageSummary>,
  ) {
    app.post(
      `/v1/messages/:id/${verb}`,
      {
        config: { access: 'cases:work' },
        schema: {
          tags: ['messages'],
          summary,
          params: IdParams,
          response: { 200: MessageSummarySchema, ...problemResponses },
        },
      },
      async (request) => {
        const { id } = request.params;
        audited(request, 'message', id);
        const m = await act(app.recoup.runtime.deps, {
          id,
          actor: actorOf(request),
          now: app.recoup.now(),
        }).catch((error: unknown): never => {
          if (!(error instanceof CaseActionError)) throw error;
          throw error.kind === 'not_found' ? notFound('message', id) : conflict('path.id', error.reason);
        });
        return present(m);
      },
    );
  }

  messageAction(
    'resend',
    'Send an unknown message again, as a new message with its own intent; idempotent: asked again, it answers ' +
      'the resend already sent and sends nothing. Refused (409) for a sent message, one in flight, a paid or ' +
      'cancelled case, or a channel the customer opted out of. The case timeline records message.resend',
    resendMessage,
  );
  messageAction(
    'mark-sent',
    'Mark an unknown message sent (found in the mail server’s log, say); its step is done. Idempotent: a sent ' +
      'message is answered as it is. The case timeline records message.marked_sent',
    markMessageSent,
  );
};
