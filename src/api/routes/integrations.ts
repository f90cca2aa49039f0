import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { WebhookContext, WebhookResult } from '../../integrations/inbound/context.ts';
import { WebhookRejectedError } from '../../integrations/inbound/errors.ts';
import { handleGenericWebhook } from '../../integrations/inbound/generic-webhook.ts';
import { handleStripeWebhook } from '../../integrations/inbound/stripe-webhook.ts';
import { audited } from '../http/audit.ts';
import { ApiError } from '../http/problem.ts';

const ResultSchema = Type.Object({
  status: Type.Union([Type.Literal('applied'), Type.Literal('duplicate'), Type.Literal('ignored')]),
  event_id: Type.String(),
  type: Type.String(),
  reason: Type.Optional(Type.String()),
});

const responses = {
  200: ResultSchema,
  400: Type.Ref('Problem'),
  422: Type.Ref('Problem'),
  429: Type.Ref('Problem'),
  503: Type.Ref('Problem'),
} as const;

/** The request part a refusal without field errors is about. */
function fieldOf(reason: string, signatureHeader: string): string {
  if (reason.includes('signature') || reason.includes('timestamp')) return `header.${signatureHeader}`;
  if (reason === 'not-configured') return 'server.webhook_secret';
  return 'body';
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Inbound webhooks, authenticated by their signature rather than a key: Stripe's (`Stripe-Signature`) and a
 * generic one for other billing systems (`Recoup-Signature`, see docs/inbound-webhooks.md). The signature covers
 * the exact bytes sent, so these routes read the body raw.
 */
export const integrationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );
  const context = (
    secret: string | null,
    paymentIntent?: WebhookContext['paymentIntent'],
  ): WebhookContext => {
    const { runtime } = app.recoup;
    return {
      database: runtime.database,
      cipher: runtime.deps.cipher,
      clock: runtime.deps.clock,
      logger: runtime.deps.logger,
      secret,
      paymentIntent,
      timeZones: {
        metadataKeys: runtime.config.timeZoneMetadataKeys,
        fallback: runtime.config.defaultTimeZone,
      },
    };
  };
  // The Stripe SDK is loaded on the first event that needs it: most deployments of the API never do.
  const { stripeSecretKey, stripeApiBase } = app.recoup.runtime.config;
  let stripe: Promise<import('stripe').Stripe> | null = null;
  const paymentIntent = stripeSecretKey
    ? async (id: string) => {
        stripe ??= import('../../gateways/stripe/stripe-client.ts').then(({ createStripeClient }) =>
          createStripeClient({ secretKey: stripeSecretKey, apiBase: stripeApiBase, timeoutMs: 10_000 }),
        );
        return (await stripe).paymentIntents.retrieve(id);
      }
    : null;
  const answer = async (
    request: FastifyRequest,
    signatureHeader: string,
    run: () => Promise<WebhookResult>,
  ) => {
    try {
      const result = await run();
      audited(request, 'inbound_event', result.eventId);
      return {
        status: result.status,
        event_id: result.eventId,
        type: result.type,
        ...(result.reason === undefined ? {} : { reason: result.reason }),
      };
    } catch (error) {
      if (error instanceof WebhookRejectedError) {
        // The handlers name fields inside the event (`data.total`); the API names them inside the request.
        const errors =
          error.errors.length > 0
            ? error.errors.map((e) => ({
                field: e.field === '(root)' ? 'body' : `body.${e.field}`,
                reason: e.reason,
              }))
            : [{ field: fieldOf(error.reason, signatureHeader), reason: error.message }];
        throw new ApiError(error.status, error.reason, error.message, errors);
      }
      throw error;
    }
  };
  app.post(
    '/v1/integrations/stripe/webhook',
    {
      config: { access: 'signed' },
      schema: {
        tags: ['integrations'],
        summary: 'Stripe webhook endpoint: verified with Stripe-Signature, deduplicated by event id',
        description:
          'Handles invoice.payment_failed, invoice.paid, invoice.payment_succeeded, invoice.voided, customer.created/updated, ' +
          'payment_method.attached/updated/detached and charge.dispute.created/closed; other types are acknowledged and ignored. ' +
          'Set RECOUP_STRIPE_WEBHOOK_SECRET to the endpoint’s signing secret (whsec_…).',
        security: [],
        response: responses,
      },
    },
    (request) =>
      answer(request, 'stripe-signature', () =>
        handleStripeWebhook(context(app.recoup.runtime.config.stripeWebhookSecret, paymentIntent), {
          rawBody: request.body as Buffer,
          signature: header(request, 'stripe-signature'),
        }),
      ),
  );
  app.post(
    '/v1/integrations/inbound/webhook',
    {
      config: { access: 'signed' },
      schema: {
        tags: ['integrations'],
        summary:
          'Generic inbound webhook for other billing systems, signed with Recoup-Signature (HMAC-SHA256)',
        description:
          'Recoup-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with RECOUP_INBOUND_WEBHOOK_SECRET>. ' +
          'The JSON contract (customer.upserted, payment_method.upserted, invoice.upserted, invoice.payment_recorded, ' +
          'invoice.voided, dispute.opened, dispute.closed) is in docs/inbound-webhooks.md.',
        security: [],
        response: responses,
      },
    },
    (request) =>
      answer(request, 'recoup-signature', () =>
        handleGenericWebhook(context(app.recoup.runtime.config.inboundWebhookSecret), {
          rawBody: request.body as Buffer,
          signature: header(request, 'recoup-signature'),
        }),
      ),
  );
};
