import { sql } from 'kysely';
import { newId } from '../engine/ids.ts';
import { insertMany } from '../store/batch.ts';
import { type Database, writeTransaction } from '../store/database.ts';
import type { WebhookDeliveriesTable } from '../store/schema/webhooks.ts';
import { matchesEventType, parsePatterns } from './event-patterns.ts';

/**
 * Turns up to `limit` new outbox events, oldest first, into one pending delivery per active subscription that
 * wants them, and marks them fanned out; returns how many events it took. Fan-out is serialised across
 * processes (one advisory lock on PostgreSQL, the write lock on SQLite): if two ran side by side, a later event's
 * delivery could commit, and be sent, before an earlier one of the same case existed.
 */
export async function fanOutEvents(database: Database, o: { now: number; limit: number }): Promise<number> {
  // A read first: most rounds find nothing new, and should not take the write lock to learn it.
  const any = await database.db
    .selectFrom('outbox_events')
    .select('seq')
    .where('fanned_out', '=', 0)
    .limit(1)
    .executeTakeFirst();
  if (!any) return 0;
  return writeTransaction(database, async (trx) => {
    if (database.dialect === 'postgres') await sql`select pg_advisory_xact_lock(7243003)`.execute(trx);
    const events = await trx
      .selectFrom('outbox_events')
      .select(['seq', 'type', 'case_id'])
      .where('fanned_out', '=', 0)
      .orderBy('seq')
      .limit(o.limit)
      .execute();
    if (events.length === 0) return 0;
    const subscriptions = await trx
      .selectFrom('webhook_subscriptions')
      .select(['id', 'event_types'])
      .where('disabled_at', 'is', null)
      .execute();
    const wanted = subscriptions.map((s) => ({ id: s.id, patterns: parsePatterns(s.event_types) }));
    const deliveries: WebhookDeliveriesTable[] = [];
    for (const e of events) {
      for (const s of wanted) {
        if (!matchesEventType(s.patterns, e.type)) continue;
        deliveries.push(newDelivery(s.id, e.seq, e.case_id, o.now));
      }
    }
    await insertMany(trx, 'webhook_deliveries', deliveries, { onConflictDoNothing: true });
    await trx
      .updateTable('outbox_events')
      .set({ fanned_out: 1 })
      .where(
        'seq',
        'in',
        events.map((e) => e.seq),
      )
      .execute();
    return events.length;
  });
}

/** A delivery due at once, never attempted. */
export function newDelivery(
  subscriptionId: string,
  eventSeq: number,
  caseId: string | null,
  now: number,
): WebhookDeliveriesTable {
  return {
    id: newId('dlv'),
    subscription_id: subscriptionId,
    event_seq: eventSeq,
    case_id: caseId,
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    lease_owner: null,
    lease_expires_at: null,
    last_status_code: null,
    last_error: null,
    delivered_at: null,
    created_at: now,
  };
}
