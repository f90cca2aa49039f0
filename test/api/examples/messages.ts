import type { RouteExample } from './route-example.ts';

// The fixtures' tick sends the case's first reminder; prepare finds it, url reads it back by case.
const messageOfCase = new Map<string, string>();

/** Examples for the message routes, on the reminder the fixtures' case was sent. */
export const messageExamples: RouteExample[] = [
  { method: 'GET', path: '/v1/messages', url: (f) => `/v1/messages?case_id=${f.caseId}`, status: 200 },
  {
    method: 'GET',
    path: '/v1/messages/{id}',
    url: (f) => `/v1/messages/${messageOfCase.get(f.caseId)}`,
    status: 200,
    async prepare(api, f) {
      const row = await api.world.runtime.database.db
        .selectFrom('messages')
        .select('id')
        .where('case_id', '=', f.caseId)
        .executeTakeFirstOrThrow();
      messageOfCase.set(f.caseId, row.id);
    },
  },
];
