import type { RouteExample } from './route-example.ts';

/** Examples for the case routes: each acts on the fixtures' open card case (120.00 USD, retries pending). */
export const caseExamples: RouteExample[] = [
  { method: 'GET', path: '/v1/cases', url: () => '/v1/cases?limit=50&state=open', status: 200 },
  { method: 'GET', path: '/v1/cases/{id}', url: (f) => `/v1/cases/${f.caseId}`, status: 200 },
  {
    method: 'POST',
    path: '/v1/cases/{id}/pause',
    url: (f) => `/v1/cases/${f.caseId}/pause`,
    body: () => ({ reason: 'customer promised to pay on Friday' }),
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/cases/{id}/resume',
    url: (f) => `/v1/cases/${f.caseId}/resume`,
    body: () => ({ reason: 'no payment by Friday' }),
    status: 200,
    async prepare(api, f) {
      const res = await api.call(
        { scope: 'admin' },
        { method: 'POST', url: `/v1/cases/${f.caseId}/pause`, body: {} },
      );
      if (res.statusCode !== 200) throw new Error(`pause failed: ${res.body}`);
    },
  },
  {
    method: 'POST',
    path: '/v1/cases/{id}/cancel',
    url: (f) => `/v1/cases/${f.caseId}/cancel`,
    body: () => ({ reason: 'subscription ended by agreement' }),
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/cases/{id}/retry',
    url: (f) => `/v1/cases/${f.caseId}/retry`,
    body: () => ({ reason: 'customer says the card is topped up' }),
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/cases/{id}/assign',
    url: (f) => `/v1/cases/${f.caseId}/assign`,
    body: (f) => ({ user_id: f.agentId }),
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/cases/{id}/remind',
    url: (f) => `/v1/cases/${f.caseId}/remind`,
    body: () => ({ channel: 'email', template: 'payment-retry-reminder', locale: 'de' }),
    status: 201,
  },
  {
    method: 'POST',
    path: '/v1/cases/{id}/notes',
    url: (f) => `/v1/cases/${f.caseId}/notes`,
    body: () => ({ text: 'Called the customer: will pay by bank transfer this week.' }),
    status: 201,
  },
];
