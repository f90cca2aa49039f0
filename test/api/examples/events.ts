import type { RouteExample } from './route-example.ts';

// Opening the fixtures' case wrote a `case.opened` event; prepare finds it, url reads it back by case.
const eventOfCase = new Map<string, string>();

/** Examples for the event routes, on the events the fixtures' case wrote to the outbox. */
export const eventExamples: RouteExample[] = [
  { method: 'GET', path: '/v1/events', url: (f) => `/v1/events?case_id=${f.caseId}`, status: 200 },
  {
    method: 'GET',
    path: '/v1/events/{id}',
    url: (f) => `/v1/events/${eventOfCase.get(f.caseId)}`,
    status: 200,
    async prepare(api, f) {
      const row = await api.world.runtime.database.db
        .selectFrom('outbox_events')
        .select('id')
        .where('case_id', '=', f.caseId)
        .where('type', '=', 'case.opened')
        .executeTakeFirstOrThrow();
      eventOfCase.set(f.caseId, row.id);
    },
  },
];
