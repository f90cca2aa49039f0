import type { RouteExample } from './route-example.ts';

/** Examples for the GDPR routes. */
export const privacyExamples: RouteExample[] = [
  {
    method: 'GET',
    path: '/v1/customers/{id}/export',
    url: (f) => `/v1/customers/${f.customerId}/export`,
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/customers/{id}/erase',
    url: (f) => `/v1/customers/${f.customerId}/erase`,
    status: 200,
  },
];
