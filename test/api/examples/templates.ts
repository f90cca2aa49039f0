import type { RouteExample } from './route-example.ts';

/** Examples for the template routes, on the shipped payment-failed template. */
export const templateExamples: RouteExample[] = [
  { method: 'GET', path: '/v1/templates', url: () => '/v1/templates', status: 200 },
  {
    method: 'GET',
    path: '/v1/templates/{name}',
    url: () => '/v1/templates/payment-failed',
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/templates/preview',
    url: () => '/v1/templates/preview',
    body: () => ({
      name: 'payment-failed',
      locale: 'de-AT',
      time_zone: 'Europe/Vienna',
      data: { customer_name: 'Grete Huber', amount_due: 4_990, currency: 'EUR' },
    }),
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/templates/test-send',
    url: () => '/v1/templates/test-send',
    body: () => ({ template: 'payment-failed', locale: 'de', channel: 'email', to: 'ops@example.com' }),
    status: 200,
  },
];
