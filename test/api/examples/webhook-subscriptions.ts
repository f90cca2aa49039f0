import { createSubscription } from '../../../src/webhooks/subscriptions.ts';
import type { ApiWorld } from '../../support/api.ts';
import type { Fixtures, RouteExample } from './route-example.ts';

const subscriptions = new Map<string, string>();

async function subscribe(api: ApiWorld, f: Fixtures): Promise<void> {
  const made = await createSubscription(
    api.world.runtime.database.db,
    { url: 'https://hooks.example.com/recoup', eventTypes: ['case.*'] },
    api.world.clock.now(),
  );
  subscriptions.set(f.caseId, made.subscription.id);
}

const subscription = (f: Fixtures) => subscriptions.get(f.caseId)!;

/** Examples for the outbound webhook subscription routes. */
export const webhookSubscriptionExamples: RouteExample[] = [
  { method: 'GET', path: '/v1/webhook-subscriptions', url: () => '/v1/webhook-subscriptions', status: 200 },
  {
    method: 'POST',
    path: '/v1/webhook-subscriptions',
    url: () => '/v1/webhook-subscriptions',
    body: () => ({ url: 'https://hooks.example.com/in', event_types: ['case.recovered', 'payment.*'] }),
    status: 201,
  },
  {
    method: 'GET',
    path: '/v1/webhook-subscriptions/{id}',
    url: (f) => `/v1/webhook-subscriptions/${subscription(f)}`,
    prepare: subscribe,
    status: 200,
  },
  {
    method: 'PATCH',
    path: '/v1/webhook-subscriptions/{id}',
    url: (f) => `/v1/webhook-subscriptions/${subscription(f)}`,
    body: () => ({ description: 'finance data warehouse' }),
    prepare: subscribe,
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/webhook-subscriptions/{id}/replay',
    url: (f) => `/v1/webhook-subscriptions/${subscription(f)}/replay`,
    body: () => ({ since: '2026-01-01T00:00:00.000Z' }),
    prepare: subscribe,
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/webhook-subscriptions/{id}/disable',
    url: (f) => `/v1/webhook-subscriptions/${subscription(f)}/disable`,
    prepare: subscribe,
    status: 200,
  },
];
