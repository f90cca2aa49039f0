import type { NewOutboxEvent } from '../store/schema/webhooks.ts';
import { type Database, type Trx, writeTransaction } from '../store/database.ts';
import { lockCasesForEvents, outboxEvent, writeOutboxEvents } from '../webhooks/outbox.ts';

/** What a reader did with a tracked email: loaded its pixel, or followed one of its links. */
export type TrackedAction = 'open' | 'click';

/**
 * Records a reader's open or click of a message, once each: only the first open sets `opened_at` and only the
 * first click sets `clicked_at`, each by an update guarded with `… is null`, so concurrent requests cannot both
 * win. A click implies an open, so it sets `opened_at` too when the pixel was blocked. Each first time is
 * announced as a `message.opened` or `message.clicked` event in the same transaction. Returns what was recorded
 * (nothing for an unknown message or a repeat).
 *
 * The message row is locked before its case (by the update), the order the engine's own outcome transactions
 * take, so a click that lands while a batch is being recorded waits for it instead of deadlocking.
 */
export async function recordTracked(
  database: Database,
  messageId: string,
  action: TrackedAction,
  now: number,
): Promise<TrackedAction[]> {
  return writeTransaction(database, async (trx) => {
    const events: NewOutboxEvent[] = [];
    const recorded: TrackedAction[] = [];
    let caseId: string | null = null;
    for (const done of action === 'click' ? (['open', 'click'] as const) : (['open'] as const)) {
      const column = done === 'open' ? 'opened_at' : 'clicked_at';
      const changed = await stamp(trx, messageId, column, now);
      if (!changed) continue;
      caseId = changed.case_id;
      recorded.push(done);
      const subject = { caseId: changed.case_id, customerId: changed.customer_id };
      const data = {
        message_id: messageId,
        step_id: changed.step_id,
        channel: changed.channel,
        template: changed.template,
      };
      events.push(
        done === 'open'
          ? outboxEvent('message.opened', now, subject, data)
          : outboxEvent('message.clicked', now, subject, data),
      );
    }
    if (caseId !== null) {
      await lockCasesForEvents(trx, [caseId]);
      await writeOutboxEvents(trx, events);
    }
    return recorded;
  });
}

function stamp(trx: Trx, messageId: string, column: 'opened_at' | 'clicked_at', now: number) {
  return trx
    .updateTable('messages')
    .set({ [column]: now })
    .where('id', '=', messageId)
    .where(column, 'is', null)
    .returning(['case_id', 'customer_id', 'step_id', 'channel', 'template'])
    .executeTakeFirst();
}
