import type { RouteExample } from './route-example.ts';

/** Examples for the invoice routes: each acts on the fixtures' open, past-due invoice (total 120.00 USD). */
export const invoiceExamples: RouteExample[] = [
  { method: 'GET', path: '/v1/invoices', url: () => '/v1/invoices', status: 200 },
  {
    method: 'POST',
    path: '/v1/invoices',
    url: () => '/v1/invoices',
    body: (f) => ({
      customer_id: f.customerId,
      number: `INV-${Math.random().toString(36).slice(2, 10)}`,
      currency: 'USD',
      total: 4_900,
      due_at: '2026-04-01T00:00:00.000Z',
      collection: 'send_invoice',
    }),
    status: 201,
  },
  { method: 'GET', path: '/v1/invoices/{id}', url: (f) => `/v1/invoices/${f.invoiceId}`, status: 200 },
  {
    method: 'PATCH',
    path: '/v1/invoices/{id}',
    url: (f) => `/v1/invoices/${f.invoiceId}`,
    body: () => ({ number: 'INV-2026-0042', due_at: '2026-03-15T00:00:00.000Z' }),
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/invoices/{id}/payments',
    url: (f) => `/v1/invoices/${f.invoiceId}/payments`,
    body: () => ({ amount: 2_000, reference: 'bank-transfer-77' }),
    status: 201,
  },
  {
    method: 'POST',
    path: '/v1/invoices/{id}/void',
    url: (f) => `/v1/invoices/${f.invoiceId}/void`,
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/invoices/{id}/mark-uncollectible',
    url: (f) => `/v1/invoices/${f.invoiceId}/mark-uncollectible`,
    status: 200,
  },
];
