import type { RouteExample } from './route-example.ts';

/** Examples for the payment method routes. */
export const paymentMethodExamples: RouteExample[] = [
  { method: 'GET', path: '/v1/payment-methods', url: () => '/v1/payment-methods', status: 200 },
  {
    method: 'POST',
    path: '/v1/payment-methods',
    url: () => '/v1/payment-methods',
    body: (f) => ({
      customer_id: f.customerId,
      token: 'tok_ok',
      type: 'card',
      brand: 'visa',
      last4: '4242',
      exp_month: 12,
      exp_year: 2030,
    }),
    status: 201,
  },
  {
    method: 'GET',
    path: '/v1/payment-methods/{id}',
    url: (f) => `/v1/payment-methods/${f.paymentMethodId}`,
    status: 200,
  },
  {
    method: 'PATCH',
    path: '/v1/payment-methods/{id}',
    url: (f) => `/v1/payment-methods/${f.paymentMethodId}`,
    body: () => ({ priority: 2, exp_month: 6, exp_year: 2031 }),
    status: 200,
  },
];
