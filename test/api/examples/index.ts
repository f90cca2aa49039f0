import { accessExamples } from './access.ts';
import { analyticsExamples } from './analytics.ts';
import { caseExamples } from './cases.ts';
import { customerExamples } from './customers.ts';
import { integrationExamples } from './integrations.ts';
import { invoiceExamples } from './invoices.ts';
import { paymentMethodExamples } from './payment-methods.ts';
import { privacyExamples } from './privacy.ts';
import { settingsExamples } from './settings.ts';
import { webhookSubscriptionExamples } from './webhook-subscriptions.ts';
import { eventExamples } from './events.ts';
import { messageExamples } from './messages.ts';
import { policyExamples } from './policies.ts';
import type { RouteExample } from './route-example.ts';
import { templateExamples } from './templates.ts';
import { trackingExamples } from './tracking.ts';

/** One valid call of every route in the API. */
export const ROUTE_EXAMPLES: readonly RouteExample[] = [
  ...accessExamples,
  ...settingsExamples,
  ...customerExamples,
  ...caseExamples,
  ...policyExamples,
  ...templateExamples,
  ...messageExamples,
  ...eventExamples,
  ...invoiceExamples,
  ...paymentMethodExamples,
  ...integrationExamples,
  ...privacyExamples,
  ...webhookSubscriptionExamples,
  ...analyticsExamples,
  ...trackingExamples,
];
