import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';
import type { RateLimits } from '../http/context.ts';
import { analyticsRoutes } from './analytics.ts';
import { apiKeyRoutes } from './api-keys.ts';
import { customerRoutes } from './customers.ts';
import { caseRoutes } from './cases.ts';
import { eventRoutes } from './events.ts';
import { integrationRoutes } from './integrations.ts';
import { invoiceRoutes } from './invoices.ts';
import { messageRoutes } from './messages.ts';
import { paymentMethodRoutes } from './payment-methods.ts';
import { policyRoutes } from './policies.ts';
import { privacyRoutes } from './privacy.ts';
import { sessionRoutes } from './session.ts';
import { settingsRoutes } from './settings.ts';
import { systemRoutes } from './system.ts';
import { templateRoutes } from './templates.ts';
import { trackingRoutes } from './tracking.ts';
import { userRoutes } from './users.ts';
import { webhookSubscriptionRoutes } from './webhook-subscriptions.ts';

/** Every route of the API, one plugin per resource. */
export const apiRoutes: FastifyPluginAsyncTypebox<{ metrics: Registry; limits: RateLimits }> = async (
  app,
  opts,
) => {
  await app.register(systemRoutes, { metrics: opts.metrics });
  await app.register(sessionRoutes, { loginPerMinute: opts.limits.loginPerMinute });
  await app.register(userRoutes);
  await app.register(apiKeyRoutes);
  await app.register(settingsRoutes);
  await app.register(customerRoutes);
  await app.register(caseRoutes);
  await app.register(policyRoutes);
  await app.register(templateRoutes);
  await app.register(messageRoutes);
  await app.register(eventRoutes);
  await app.register(invoiceRoutes);
  await app.register(paymentMethodRoutes);
  await app.register(integrationRoutes);
  await app.register(privacyRoutes);
  await app.register(webhookSubscriptionRoutes);
  await app.register(analyticsRoutes);
  await app.register(trackingRoutes);
};
