import type { RouteExample } from './route-example.ts';

/** Examples for the customer routes. */
export const customerExamples: RouteExample[] = [
  { method: 'GET', path: '/v1/customers', url: () => '/v1/customers?limit=10', status: 200 },
  {
    method: 'POST',
    path: '/v1/customers',
    url: () => '/v1/customers',
    body: () => ({
      name: 'Grace Hopper',
      email: 'grace@example.com',
      phone: '+14155550100',
      address: { line1: '1 Navy Way', city: 'Arlington', country: 'US' },
      locale: 'en-US',
      time_zone: 'America/New_York',
      attributes: { plan: 'pro' },
      opted_out: ['sms'],
    }),
    status: 201,
  },
  { method: 'GET', path: '/v1/customers/{id}', url: (f) => `/v1/customers/${f.customerId}`, status: 200 },
  {
    method: 'PATCH',
    path: '/v1/customers/{id}',
    url: (f) => `/v1/customers/${f.customerId}`,
    body: () => ({ email: 'ada.new@example.com', time_zone: 'Europe/London' }),
    status: 200,
  },
];
