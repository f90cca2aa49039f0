import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../services/actor.ts';
import {
  TemplatePreviewError,
  TemplateSaveError,
  TestSendError,
  getTemplate,
  listTemplates,
  previewTemplate,
  resetTemplate,
  saveTemplateVersion,
  sendTestMessage,
  templateHistory,
} from '../../services/templates.ts';
import { audited } from '../http/audit.ts';
import { ApiError, conflict, invalid } from '../http/problem.ts';
import { Currency, Instant, MinorUnits, iso, problemResponses } from '../http/schemas.ts';

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

const localeStateProperties = {
  locale: Type.String(),
  state: Type.Union([Type.Literal('shipped'), Type.Literal('edited')], {
    description: 'shipped: the file Recoup ships; edited: a version saved through the API',
  }),
  version: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
    description: 'the saved version in use; null when the shipped file is',
  }),
  shipped_file: Type.Boolean({
    description: 'whether Recoup ships a file for it, which a reset goes back to',
  }),
};

const templateProperties = {
  name: Type.String(),
  locales: Type.Array(Type.String(), { description: 'locales it is written in' }),
  locale_states: Type.Array(Type.Object(localeStateProperties), {
    description: 'each locale, and whether the engine sends its shipped file or a saved version',
  }),
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
    Type.Object({
      ...localeStateProperties,
      subject: Type.String(),
      text: Type.String(),
      html: Type.String(),
    }),
    { description: 'its LiquidJS text per locale, as the engine sends it' },
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

const LocaleParams = Type.Object({ name: TemplateName, locale: Locale });

const SaveBody = Type.Object(
  {
    subject: Type.String({ minLength: 1, maxLength: 100_000 }),
    text: Type.String({ minLength: 1, maxLength: 100_000 }),
    html: Type.String({ minLength: 1, maxLength: 100_000 }),
  },
  {
    additionalProperties: false,
    description:
      'the LiquidJS text of the three parts; each must parse and render with the preview’s sample data',
  },
);

const ActorSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal('user'), Type.Literal('api_key'), Type.Literal('cli')]),
    id: Type.String(),
    name: Type.String({ description: 'an email address, an API key prefix or an operator name' }),
  },
  { description: 'who saved it' },
);

const SavedVersionSchema = Type.Object({
  name: Type.String(),
  locale: Type.String(),
  version: Type.Integer({ minimum: 1 }),
  state: Type.Literal('edited'),
  created_at: Instant({ description: 'when it was saved' }),
  created_by: ActorSchema,
  subject: Type.String(),
  text: Type.String(),
  html: Type.String(),
});

const HistoryEntrySchema = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  kind: Type.Union([Type.Literal('edit'), Type.Literal('reset')], {
    description: 'edit: saved text; reset: back to the shipped file',
  }),
  current: Type.Boolean({ description: 'the version the engine sends now' }),
  created_at: Instant(),
  created_by: ActorSchema,
});

const ResetSchema = Type.Object({
  name: Type.String(),
  locale: Type.String(),
  state: Type.Union([Type.Literal('shipped'), Type.Literal('removed')], {
    description: 'shipped: the file is sent again; removed: there is no shipped file, so the locale is gone',
  }),
  marker_version: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
    description: 'the reset’s own number in the history; null when nothing had been saved',
  }),
});

/** Who is calling, as a template's history names them. */
function actorOf(request: FastifyRequest): Actor {
  const p = request.principal!;
  return p.kind === 'user'
    ? { kind: 'user', id: p.id, name: p.email }
    : { kind: 'api_key', id: p.id, name: `API key ${p.prefix}` };
}

/** A refused save or reset as a problem naming the field at fault. */
function saveProblem(error: unknown): never {
  if (!(error instanceof TemplateSaveError)) throw error;
  const errors = [{ field: error.field, reason: error.reason }];
  if (error.kind === 'invalid') throw invalid(error.field, error.reason);
  if (error.kind === 'conflict') throw conflict(error.field, error.reason);
  if (error.kind === 'not_found') throw new ApiError(404, 'not-found', error.message, errors);
  throw new ApiError(
    422,
    'template-does-not-render',
    `${error.field}: does not render: ${error.reason}`,
    errors,
  );
}

/**
 * Email templates: their locales and text, who uses them, previews and test sends, and editing — saving a new
 * version of one locale (which the engine sends from its next batch), its history, and going back to the shipped
 * file.
 */
export const templateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = () => app.recoup.runtime.database.db;
  const renderer = () => app.recoup.runtime.deps.renderer;

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
    async () => ({ data: await listTemplates(db(), renderer()) }),
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
      const template = await getTemplate(db(), renderer(), request.params.name);
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
  app.put(
    '/v1/templates/:name/locales/:locale',
    {
      config: { access: 'policies:write' },
      schema: {
        tags: ['templates'],
        summary:
          'Save a template’s text in one locale as a new version, which overrides the shipped file and which ' +
          'every worker sends from its next batch. Each part must parse and render with the preview’s sample ' +
          'data (422 naming `body.subject`, `body.text` or `body.html` otherwise; nothing is stored). A new ' +
          'locale or a new template (starting with `en`) is allowed. Saving the current text again adds no version',
        params: LocaleParams,
        body: SaveBody,
        response: { 200: SavedVersionSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { name, locale } = request.params;
      const { deps } = app.recoup.runtime;
      audited(request, 'template', `${name}/${locale}`);
      const { saved } = await saveTemplateVersion(deps.database, deps.renderer, deps.settings, {
        name,
        locale,
        parts: request.body,
        actor: actorOf(request),
        now: app.recoup.now(),
      }).catch(saveProblem);
      return { ...saved, state: 'edited' as const, created_at: iso(saved.created_at) };
    },
  );

  app.get(
    '/v1/templates/:name/locales/:locale/versions',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['templates'],
        summary: 'The saved versions of a template in one locale, newest first, with who saved each',
        params: LocaleParams,
        response: { 200: Type.Object({ data: Type.Array(HistoryEntrySchema) }), ...problemResponses },
      },
    },
    async (request) => {
      const { name, locale } = request.params;
      const history = await templateHistory(db(), renderer(), name, locale);
      if (!history) {
        throw new ApiError(404, 'not-found', `template '${name}' has no '${locale}' text, shipped or saved`, [
          { field: 'path.locale', reason: 'not found' },
        ]);
      }
      return { data: history.map((h) => ({ ...h, created_at: iso(h.created_at) })) };
    },
  );

  app.post(
    '/v1/templates/:name/locales/:locale/reset',
    {
      config: { access: 'policies:write' },
      schema: {
        tags: ['templates'],
        summary:
          'Go back to the shipped file of a template in one locale; the history keeps every version and records ' +
          'the reset. Without a shipped file the locale is removed. Nothing is added when it is already shipped',
        params: LocaleParams,
        response: { 200: ResetSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { name, locale } = request.params;
      const { deps } = app.recoup.runtime;
      audited(request, 'template', `${name}/${locale}`);
      return resetTemplate(deps.database, deps.renderer, {
        name,
        locale,
        actor: actorOf(request),
        now: app.recoup.now(),
      }).catch(saveProblem);
    },
  );
};
