import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DEFAULT_TEMPLATE_ROOT } from '../../channels/templates/renderer.ts';
import {
  TemplatePreviewError,
  TestSendError,
  getTemplate,
  listTemplates,
  previewTemplate,
  sendTestMessage,
} from '../../services/templates.ts';
import { audited } from '../http/audit.ts';
import { ApiError, invalid } from '../http/problem.ts';
import { Currency, Instant, MinorUnits, problemResponses } from '../http/schemas.ts';

/** A template's name, as policies and requests give it. */
export const TemplateName = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,63}$',
  description: 'a template name such as payment-failed',
});
/** A BCP 47 locale, as requests give it. */
export const Locale = Type.String({
  pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$',
  maxLength: 35,
  description: 'a BCP 47 locale such as de or de-AT',
});

const templateProperties = {
  name: Type.String(),
  locales: Type.Array(Type.String(), { description: 'locales it is written in' }),
  used_by: Type.Array(
    Type.Object({ policy: Type.String(), version_id: Type.String(), steps: Type.Array(Type.String()) }),
    { description: 'current policy versions whose reminder steps send it' },
  ),
};

const TemplateSummarySchema = Type.Object(templateProperties);

const PartsSchema = Type.Object(
  {
    subject: Type.String({ maxLength: 100_000 }),
    text: Type.String({ maxLength: 100_000 }),
    html: Type.String({ maxLength: 100_000 }),
  },
  { additionalProperties: false },
);

const TemplateSchema = Type.Object({
  ...templateProperties,
  sources: Type.Array(
    Type.Object({ locale: Type.String(), subject: Type.String(), text: Type.String(), html: Type.String() }),
    { description: 'its LiquidJS text per locale' },
  ),
});

const PreviewBody = Type.Object(
  {
    name: Type.Optional(TemplateName),
    source: Type.Optional(PartsSchema),
    locale: Locale,
    time_zone: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone dates are shown in; default UTC' }),
    ),
    data: Type.Optional(
      Type.Object(
        {
          customer_name: Type.Optional(Type.String({ maxLength: 200 })),
          customer_email: Type.Optional(Type.String({ maxLength: 320 })),
          amount_due: Type.Optional(MinorUnits()),
          currency: Type.Optional(Currency),
          invoices: Type.Optional(
            Type.Array(
              Type.Object(
                { number: Type.String({ maxLength: 200 }), amount: MinorUnits(), due_at: Instant() },
                { additionalProperties: false },
              ),
              { maxItems: 50 },
            ),
          ),
          decline_class: Type.Optional(
            Type.Union([
              Type.Literal('soft'),
              Type.Literal('hard'),
              Type.Literal('action_required'),
              Type.Null(),
            ]),
          ),
          days_overdue: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
        },
        {
          additionalProperties: false,
          description: 'sample data; anything left out gets a plausible default',
        },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: 'give either `name` (a stored template) or `source` (inline text, e.g. an edit in progress)',
  },
);

const RenderedSchema = Type.Object({
  subject: Type.String(),
  text: Type.String(),
  html: Type.String(),
  locale: Type.String({ description: 'the locale rendered, after falling back (de-AT → de → en)' }),
});

const TestSendBody = Type.Object(
  {
    template: TemplateName,
    locale: Locale,
    channel: Type.Literal('email', { description: 'the channel to send on' }),
    to: Type.String({ format: 'email', maxLength: 320, description: 'the address to send the test to' }),
  },
  { additionalProperties: false },
);

/** Email templates (read-only for now): their locales and text, who uses them, previews and test sends. */
export const templateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = () => app.recoup.runtime.database.db;
  const root = DEFAULT_TEMPLATE_ROOT;

  app.get(
    '/v1/templates',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['templates'],
        summary: 'Every email template with its locales and the current policies that send it',
        response: { 200: Type.Object({ data: Type.Array(TemplateSummarySchema) }), ...problemResponses },
      },
    },
    async () => ({ data: await listTemplates(db(), root) }),
  );

  app.get(
    '/v1/templates/:name',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['templates'],
        summary: 'One template with its LiquidJS text in every locale',
        params: Type.Object({ name: TemplateName }),
        response: { 200: TemplateSchema, ...problemResponses },
      },
    },
    async (request) => {
      const template = await getTemplate(db(), root, request.params.name);
      if (!template) {
        throw new ApiError(404, 'not-found', `no template named '${request.params.name}'`, [
          { field: 'path.name', reason: 'not found' },
        ]);
      }
      return template;
    },
  );

  app.post(
    '/v1/templates/preview',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['templates'],
        summary:
          'Render a stored template or inline template text with sample data, as a customer would see it',
        body: PreviewBody,
        response: { 200: RenderedSchema, ...problemResponses },
      },
    },
    async (request) => {
      const b = request.body;
      const { deps } = app.recoup.runtime;
      const data = b.data ?? {};
      try {
        return await previewTemplate(deps.renderer, deps.settings, {
          name: b.name,
          source: b.source,
          locale: b.locale,
          timeZone: b.time_zone ?? 'UTC',
          sample: {
            customerName: data.customer_name,
            customerEmail: data.customer_email,
            amountDue: data.amount_due,
            currency: data.currency,
            invoices: data.invoices?.map((i) => ({
              number: i.number,
              amount: i.amount,
              dueAt: Date.parse(i.due_at),
            })),
            declineClass: data.decline_class,
            daysOverdue: data.days_overdue,
          },
          now: app.recoup.now(),
        });
      } catch (error) {
        if (error instanceof TemplatePreviewError) throw invalid(`body.${error.field}`, error.reason);
        throw error;
      }
    },
  );

  app.post(
    '/v1/templates/test-send',
    {
      config: { access: 'policies:write' },
      schema: {
        tags: ['templates'],
        summary:
          'Send a stored template, rendered with the preview’s sample data, to an address of your choice over the ' +
          'configured email channel (captured to the outbox folder when no SMTP server is set); the subject ' +
          'starts with `[TEST] `',
        body: TestSendBody,
        response: {
          200: Type.Object({
            message_id: Type.String({ description: 'the id the email’s Message-ID carries' }),
            recipient: Type.String(),
          }),
          ...problemResponses,
          502: Type.Ref('Problem'),
        },
      },
    },
    async (request) => {
      const b = request.body;
      const { deps } = app.recoup.runtime;
      audited(request, 'template', b.template);
      try {
        const sent = await sendTestMessage(deps.renderer, deps.channels, deps.settings, {
          template: b.template,
          locale: b.locale,
          channel: b.channel,
          to: b.to,
          now: app.recoup.now(),
        });
        return { message_id: sent.messageId, recipient: sent.recipient };
      } catch (error) {
        if (error instanceof TemplatePreviewError) {
          throw invalid(`body.${error.field === 'name' ? 'template' : error.field}`, error.reason);
        }
        if (error instanceof TestSendError) {
          // The mail server's answer, whether it refused the address or could not be reached: 502 with its words.
          throw new ApiError(
            502,
            'send-failed',
            `the mail server did not take the message: ${error.reason}`,
            [{ field: 'body.to', reason: error.reason }],
          );
        }
        throw error;
      }
    },
  );
};
