import { insertMany } from '../store/batch.ts';
import type { Db } from '../store/database.ts';
import { SubscriptionNotFoundError, WebhookInputError } from './errors.ts';
import { matchesEventType, parsePatterns } from './event-patterns.ts';
import { EVENT_TYPES } from './events.ts';
import { newDelivery } from './fan-out.ts';

const PAGE = 1_000;

/** Which events to send again: those created since an instant, those with these ids, or (neither) the given up. */
export interface ReplayOptions {
  readonly subscriptionId: string;
  /** Events created at or after this instant (epoch ms). */
  readonly since?: number;
  /** Events with these ids (evt_…). */
  readonly eventIds?: readonly string[];
  /** Wall-clock ms the re-queued deliveries are due at; default now. */
  readonly now?: number;
}

/**
 * Re-queues deliveries to one subscription: every selected event its patterns match is made pending again with a
 * fresh three days of retries, or gets a delivery if it never had one (an event older than the subscription).
 * With neither `since` nor `eventIds`, the deliveries that were given up are re-queued. Returns how many deliveries
 * are now pending. Each page is an idempotent insert and update, so a replay interrupted half way is safely run
 * again.
 */
export async function replayDeliveries(db: Db, options: ReplayOptions): Promise<number> {
  const subscription = await db
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('id', '=', options.subscriptionId)
    .executeTakeFirst();
  if (!subscription) throw new SubscriptionNotFoundError(options.subscriptionId);
  if (subscription.disabled_at !== null)
    throw new WebhookInputError('subscriptionId', 'the subscription is disabled; nothing would be delivered');
  const now = options.now ?? Date.now();
  const patterns = parsePatterns(subscription.event_types);
  const types = EVENT_TYPES.filter((t) => matchesEventType(patterns, t));
  if (types.length === 0) return 0;
  let requeued = 0;
  let after = 0;
  for (;;) {
    let q = db
      .selectFrom('outbox_events as e')
      .select(['e.seq', 'e.case_id'])
      .where('e.fanned_out', '=', 1)
      .where('e.type', 'in', types)
      .where('e.seq', '>', after)
      .orderBy('e.seq')
      .limit(PAGE);
    if (options.eventIds)
      q = q.where('e.id', 'in', options.eventIds.length > 0 ? [...options.eventIds] : ['']);
    if (options.since !== undefined) q = q.where('e.created_at', '>=', options.since);
    if (options.eventIds === undefined && options.since === undefined) {
      q = q.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('webhook_deliveries as d')
            .select('d.id')
            .whereRef('d.event_seq', '=', 'e.seq')
            .where('d.subscription_id', '=', subscription.id)
            .where('d.status', '=', 'failed'),
        ),
      );
    }
    const page = await q.execute();
    if (page.length === 0) return requeued;
    after = page[page.length - 1]!.seq;
    await insertMany(
      db,
      'webhook_deliveries',
      page.map((e) => newDelivery(subscription.id, e.seq, e.case_id, now)),
      { onConflictDoNothing: true },
    );
    const updated = await db
      .updateTable('webhook_deliveries')
      .set({
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        lease_owner: null,
        lease_expires_at: null,
        delivered_at: null,
      })
      .where('subscription_id', '=', subscription.id)
      .where(
        'event_seq',
        'in',
        page.map((e) => e.seq),
      )
      .executeTakeFirst();
    requeued += Number(updated.numUpdatedRows);
    if (page.length < PAGE) return requeued;
  }
}
