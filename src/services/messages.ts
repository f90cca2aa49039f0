import type { Queryable } from '../store/database.ts';
import type { MessageRow, MessageStatus } from '../store/tables.ts';

/** Which messages a list shows; every filter is optional and they combine with AND. */
export interface MessageFilter {
  readonly caseId?: string | undefined;
  readonly customerId?: string | undefined;
  readonly channel?: string | undefined;
  readonly status?: MessageStatus | undefined;
}

/** A message as lists show it: everything but its rendered body. */
export type MessageSummary = Omit<MessageRow, 'body_text' | 'body_html'>;

const SUMMARY_COLUMNS = [
  'id',
  'case_id',
  'step_id',
  'customer_id',
  'channel',
  'template',
  'locale',
  'recipient',
  'subject',
  'status',
  'idempotency_key',
  'provider_id',
  'error',
  'created_at',
  'sent_at',
] as const;

/** Up to `limit` messages matching `filter`, newest first, after the cursor id `after`. */
export async function listMessages(
  db: Queryable,
  filter: MessageFilter,
  page: { readonly after: string | null; readonly limit: number },
): Promise<MessageSummary[]> {
  return db
    .selectFrom('messages')
    .select(SUMMARY_COLUMNS)
    .$if(page.after !== null, (q) => q.where('id', '<', page.after!))
    .$if(filter.caseId !== undefined, (q) => q.where('case_id', '=', filter.caseId!))
    .$if(filter.customerId !== undefined, (q) => q.where('customer_id', '=', filter.customerId!))
    .$if(filter.channel !== undefined, (q) => q.where('channel', '=', filter.channel!))
    .$if(filter.status !== undefined, (q) => q.where('status', '=', filter.status!))
    .orderBy('id', 'desc')
    .limit(page.limit)
    .execute();
}

/** One message with its rendered body, or null. */
export async function getMessage(db: Queryable, id: string): Promise<MessageRow | null> {
  return (await db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}
