import { PASSWORD } from '../../support/api.ts';
import type { RouteExample } from './route-example.ts';

/** Examples for system, session, user and API-key routes. */
export const accessExamples: RouteExample[] = [
  { method: 'GET', path: '/healthz', url: () => '/healthz', status: 200 },
  { method: 'GET', path: '/readyz', url: () => '/readyz', status: 200 },
  { method: 'GET', path: '/metrics', url: () => '/metrics', status: 200 },
  { method: 'GET', path: '/v1/session', url: () => '/v1/session', status: 200 },
  {
    method: 'POST',
    path: '/v1/session',
    url: () => '/v1/session',
    body: () => ({ email: 'viewer@example.com', password: PASSWORD }),
    status: 201,
  },
  { method: 'DELETE', path: '/v1/session', url: () => '/v1/session', status: 204, signsOut: true },
  { method: 'GET', path: '/v1/users', url: () => '/v1/users', status: 200 },
  { method: 'GET', path: '/v1/assignees', url: () => '/v1/assignees', status: 200 },
  {
    method: 'POST',
    path: '/v1/users',
    url: () => '/v1/users',
    body: () => ({
      email: `u${Math.random().toString(36).slice(2)}@example.com`,
      role: 'agent',
      password: 'a long enough password',
    }),
    status: 201,
  },
  { method: 'GET', path: '/v1/users/{id}', url: (f) => `/v1/users/${f.userId}`, status: 200 },
  {
    method: 'PATCH',
    path: '/v1/users/{id}',
    url: (f) => `/v1/users/${f.userId}`,
    body: () => ({ name: 'Vera Viewer' }),
    status: 200,
  },
  { method: 'GET', path: '/v1/api-keys', url: () => '/v1/api-keys', status: 200 },
  {
    method: 'POST',
    path: '/v1/api-keys',
    url: () => '/v1/api-keys',
    body: () => ({ name: 'ci', scope: 'read' }),
    status: 201,
  },
  {
    method: 'POST',
    path: '/v1/api-keys/{id}/revoke',
    url: (f) => `/v1/api-keys/${f.apiKeyId}/revoke`,
    status: 200,
  },
];
