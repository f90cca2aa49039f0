import type { RouteExample } from './route-example.ts';

// The fixtures' tick sends the case's first reminder; prepare finds it, url reads it back by case.
const messageOfCase = new Map<string, string>();

const findMessage: RouteExample['prepare'] = async (api, f) => {
  const row = await api.world.runtime.database.db
    .selectFrom('messages')
    .select('id')
    .where('case_id', '=', f.caseId)
    .executeTakeFirstOrThrow();
  messageOfCase.set(f.caseId, row.id);
};

/** Examples for the message routes, on the reminder the fixtures' case was sent. */
export const messageExamples: RouteExample[] = [
  { method: 'GET', path: '/v1/messages', url: (f) => `/v1/messages?case_id=${f.caseId}`, status: 200 },
  {
    method: 'GET',
    path: '/v1/messages/{id}',
    url: (f) => `/v1/messages/${messageOfCase.get(f.caseId)}`,
    status: 200,
    prepare: findMessage,
  },
  // Marking the fixtures' sent reminder sent answers it as it is; an unknown one is resent.
  {
    method: 'POST',
    path: '/v1/messages/{id}/mark-sent',
    url: (f) => `/v1/messages/${messageOfCase.get(f.caseId)}/mark-sent`,
    status: 200,
    prepare: findMessage,
  },
  {
    method: 'POST',
    path: '/v1/messages/{id}/resend',
    url: (f) => `/v1/messages/${messageOfCase.get(f.caseId)}/resend`,
    status: 200,
    // As a crash with an SMTP server leaves it: sent or not, no one knows.
    async prepare(api, f) {
      await findMessage(api, f);
      await api.world.runtime.database.db
        .updateTable('messages')
        .set({ status: 'unknown' })
        .where('id', '=', messageOfCase.get(f.caseId)!)
        .execute();
    },
  },
];
