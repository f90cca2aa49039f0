import type { Selectable } from 'kysely';
import type { Queryable } from '../store/database.ts';
import type { MessageStatus, Tables } from '../store/tables.ts';

/** A stored message with its open and click stamps (MessageRow is the core table alone). */
export type StoredMessage = Selectable<Tables['messages']>;

/** Which messages a list shows; every filter is optional and they combine with AND. */
export interface MessageFilter {
  readonly caseId?: string | undefined;
  readonly customerId?: string | undefined;
  readonly channel?: string | undefined;
  readonly status?: MessageStatus | undefined;
  /** true: messages a reader opened (or clicked); false: messages never seen opened. */
  readonly opened?: boolean | undefined;
  /** true: messages one of whose links was followed; false: the rest. */
  readonly clicked?: boolean | undefined;
  /** true: messages a payment on their case answered within 72 hours; false: the rest. */
  readonly paid?: boolean | undefined;
}

/** A message as lists show it: everything but its rendered body and the template version it used. */
export type MessageSummary = Omit<StoredMessage, 'body_text' | 'body_html' | 'template_version'>;

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
  'provider_response',
  'error',
  'created_at',
  'sent_at',
  'opened_at',
  'clicked_at',
  'paid_at',
] as const;

/** Up to `limit` messages matching `filter`, newest first, after the cursor id `after`. */
export async function listMessages(
  db: Queryable,
  filter: MessageFilter,
  page: { readonly after: string | null; readonly limit: number },
): Promise<MessageSummary[]> {
  return (
    db
      .selectFrom('messages')
      .select(SUMMARY_COLUMNS)
      .$if(page.after !== null, (q) => q.where('id', '<', page.after!))
      .$if(filter.caseId !== undefined, (q) => q.where('case_id', '=', filter.caseId!))
      .$if(filter.customerId !== undefined, (q) => q.where('customer_id', '=', filter.customerId!))
      .$if(filter.channel !== undefined, (q) => q.where('channel', '=', filter.channel!))
      .$if(filter.status !== undefined, (q) => q.where('status', '=', filter.status!))
      // `is not null` literally, as the partial indexes messages_opened, messages_clicked and messages_paid require.
      .$if(filter.opened !== undefined, (q) => q.where('opened_at', filter.opened ? 'is not' : 'is', null))
      .$if(filter.clicked !== undefined, (q) => q.where('clicked_at', filter.clicked ? 'is not' : 'is', null))
      .$if(filter.paid !== undefined, (q) => q.where('paid_at', filter.paid ? 'is not' : 'is', null))
      .orderBy('id', 'desc')
      .limit(page.limit)
      .execute()
  );
}

/** One message with its rendered body, or null. */
export async function getMessage(db: Queryable, id: string): Promise<StoredMessage | null> {
  return (await db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}
