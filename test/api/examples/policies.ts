import type { RouteExample } from './route-example.ts';

const EXAMPLE_POLICY = `name: example-policy
anchor: due_date
steps:
  - { id: remind, offset: P1D, action: remind, channel: email, template: invoice-overdue }
  - { id: escalate, offset: P30D, action: escalate, queue: collections }
`;

/** Examples for the policy routes, on the shipped card-subscription policy and a small policy of their own. */
export const policyExamples: RouteExample[] = [
  { method: 'GET', path: '/v1/policies', url: () => '/v1/policies', status: 200 },
  {
    method: 'GET',
    path: '/v1/policies/{name}/versions',
    url: () => '/v1/policies/card-subscription/versions',
    status: 200,
  },
  {
    method: 'GET',
    path: '/v1/policy-versions/{id}',
    url: () => '/v1/policy-versions/card-subscription@1',
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/policies/validate',
    url: () => '/v1/policies/validate',
    body: () => ({ source: EXAMPLE_POLICY, format: 'yaml' }),
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/policies/dry-run',
    url: () => '/v1/policies/dry-run',
    body: (f) => ({
      case_id: f.caseId,
      document: {
        name: 'example-policy',
        anchor: 'first_failure',
        steps: [
          { id: 'retry', offset: 'P2D', action: 'retry' },
          { id: 'remind', offset: 'P3D', action: 'remind', channel: 'email', template: 'payment-urgent' },
        ],
      },
    }),
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/policies',
    url: () => '/v1/policies',
    body: () => ({ source: EXAMPLE_POLICY, format: 'yaml' }),
    status: 201,
  },
  {
    method: 'POST',
    path: '/v1/policy-versions/{id}/activate',
    url: () => '/v1/policy-versions/example-policy@1/activate',
    status: 201,
    // Two versions, so that version 1 is an older one to make current again.
    async prepare(api) {
      for (let i = 0; i < 2; i++) {
        const res = await api.call(
          { scope: 'admin' },
          { method: 'POST', url: '/v1/policies', body: { source: EXAMPLE_POLICY, format: 'yaml' } },
        );
        if (res.statusCode !== 201) throw new Error(`apply failed: ${res.body}`);
      }
    },
  },
];
