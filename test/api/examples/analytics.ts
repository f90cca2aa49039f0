import type { RouteExample } from './route-example.ts';

// The fixtures' case opened a day before the world's clock; a period of the last week covers it.
const PERIOD = 'from=2026-02-22T00:00:00Z&to=2026-03-02T00:00:00Z';

/** Examples for the analytics routes the dashboard reads. */
export const analyticsExamples: RouteExample[] = [
  {
    method: 'GET',
    path: '/v1/analytics/overview',
    url: () => `/v1/analytics/overview?${PERIOD}`,
    status: 200,
  },
  { method: 'GET', path: '/v1/analytics/daily', url: () => `/v1/analytics/daily?${PERIOD}`, status: 200 },
  {
    method: 'GET',
    path: '/v1/analytics/breakdown',
    url: () => `/v1/analytics/breakdown?dimension=step&${PERIOD}`,
    status: 200,
  },
  {
    method: 'GET',
    path: '/v1/analytics/messages',
    url: () => `/v1/analytics/messages?${PERIOD}`,
    status: 200,
  },
  { method: 'GET', path: '/v1/analytics/forecast', url: () => '/v1/analytics/forecast', status: 200 },
];
