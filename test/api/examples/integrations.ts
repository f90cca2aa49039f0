import Stripe from 'stripe';
import { signRecoupPayload } from '../../../src/integrations/inbound/recoup-signature.ts';
import { INBOUND_WEBHOOK_SECRET, STRIPE_WEBHOOK_SECRET } from '../../support/api.ts';
import type { RouteExample } from './route-example.ts';

const stripe = new Stripe('sk_test_examples');
let n = 0;

/** Examples for the signed inbound webhooks: each call is a new, correctly signed event. */
export const integrationExamples: RouteExample[] = [
  {
    method: 'POST',
    path: '/v1/integrations/stripe/webhook',
    url: () => '/v1/integrations/stripe/webhook',
    body: () =>
      JSON.stringify({
        id: `evt_example_${++n}`,
        object: 'event',
        type: 'customer.created',
        created: Math.floor(Date.UTC(2026, 2, 1, 9) / 1000),
        data: {
          object: {
            id: `cus_example_${n}`,
            object: 'customer',
            name: 'Example Ltd',
            email: 'ap@example.com',
          },
        },
      }),
    headers: (_f, body) => ({
      'content-type': 'application/json',
      'stripe-signature': stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret: STRIPE_WEBHOOK_SECRET,
        timestamp: Math.floor(Date.UTC(2026, 2, 1, 9) / 1000),
      }),
    }),
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/integrations/inbound/webhook',
    url: () => '/v1/integrations/inbound/webhook',
    body: () =>
      JSON.stringify({
        id: `evt_generic_${++n}`,
        type: 'customer.upserted',
        created: Date.UTC(2026, 2, 1, 9),
        data: { external_id: `C-${n}`, name: 'Generic Co' },
      }),
    headers: (_f, body) => ({
      'content-type': 'application/json',
      'recoup-signature': signRecoupPayload(
        INBOUND_WEBHOOK_SECRET,
        body,
        Math.floor(Date.UTC(2026, 2, 1, 9) / 1000),
      ),
    }),
    status: 200,
  },
];
