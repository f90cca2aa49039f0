import type { Logger } from 'pino';
import { mapLimit } from '../engine/map-limit.ts';
import { type Database, writeTransaction } from '../store/database.ts';
import type { OutboxEventRow, WebhookDeliveryRow } from '../store/schema/webhooks.ts';
import { MAX_ATTEMPTS, retryDelayMs } from './backoff.ts';
import { claimDueDeliveries, completeDeliveries, type DeliveryOutcome } from './delivery-store.ts';
import { postWebhook } from './post.ts';
import { SIGNATURE_HEADER, signWebhook } from './signature.ts';

/**
 * What delivering needs: the database, a logger, the lease owner id and lease length of this process, and whether
 * non-public destinations are allowed (RECOUP_WEBHOOK_ALLOW_PRIVATE; refused by default).
 */
export interface WebhookDeps {
  readonly database: Database;
  readonly logger: Logger;
  readonly settings: {
    readonly owner: string;
    readonly leaseMs: number;
    readonly webhookAllowPrivate: boolean;
  };
}

/** One delivery round: when it runs, how much it claims, and how it talks to receivers. */
export interface DeliverOptions {
  /** Wall-clock ms: which deliveries are due, and the base of retry times. */
  readonly now: number;
  readonly limit: number;
  /**
   * Per request, default 10 s, at most half the lease; a request after the first of its chain is only started if
   * it can end before the delivery's lease does.
   */
  readonly timeoutMs?: number;
  /** Deliveries taken behind each claimed chain head, sent in order after it. Default 25. */
  readonly perChain?: number;
  /** Requests in flight at once (one per chain). Default 16. */
  readonly concurrency?: number;
}

/** What a delivery round did. */
export interface DeliveryReport {
  readonly claimed: number;
  readonly delivered: number;
  readonly retrying: number;
  readonly gaveUp: number;
  /** Claimed but released unattempted: not enough lease left to finish a request. */
  readonly released: number;
}

const EMPTY: DeliveryReport = { claimed: 0, delivered: 0, retrying: 0, gaveUp: 0, released: 0 };
// Kept free at the end of a lease, so that a request started in time is over before anyone else may take it.
const LEASE_MARGIN_MS = 250;

/**
 * Claims due deliveries under a lease, POSTs each event signed with its subscription's secret, and records every
 * outcome in one transaction: 2xx is delivered; anything else (a destination refused as non-public included) is
 * retried with backoff, and given up (failed, still replayable) after MAX_ATTEMPTS. At least once: a crash after a send and before its record sends it again, with
 * the same event id.
 */
export async function deliverWebhooks(deps: WebhookDeps, options: DeliverOptions): Promise<DeliveryReport> {
  const { database, settings } = deps;
  const timeoutMs = Math.min(options.timeoutMs ?? 10_000, Math.floor(settings.leaseMs / 2));
  const wallNow = Date.now();
  const claimed = await claimDueDeliveries(database, {
    owner: settings.owner,
    now: options.now,
    wallNow,
    leaseMs: settings.leaseMs,
    limit: options.limit,
    perChain: options.perChain ?? 25,
  });
  if (claimed.length === 0) return EMPTY;
  const [events, subscriptions] = await Promise.all([
    database.db
      .selectFrom('outbox_events')
      .selectAll()
      .where('seq', 'in', [...new Set(claimed.map((d) => d.event_seq))])
      .execute(),
    database.db
      .selectFrom('webhook_subscriptions')
      .select(['id', 'url', 'secret'])
      .where('id', 'in', [...new Set(claimed.map((d) => d.subscription_id))])
      .execute(),
  ]);
  const eventBySeq = new Map(events.map((e) => [e.seq, e]));
  const subscriptionById = new Map(subscriptions.map((s) => [s.id, s]));
  const leaseEnds = wallNow + settings.leaseMs - LEASE_MARGIN_MS;

  const send = async (d: WebhookDeliveryRow, first: boolean): Promise<DeliveryOutcome> => {
    const event = eventBySeq.get(d.event_seq);
    const subscription = subscriptionById.get(d.subscription_id);
    // A chain's first request only needs a live lease, so that a slow claim cannot starve delivery; should the
    // lease lapse in flight, a second sender may repeat it, which at-least-once allows and which cannot reorder
    // the chain. Later requests start only if they can end within the lease.
    const ends = Date.now() + (first ? 0 : timeoutMs);
    if (!event || !subscription || ends > leaseEnds) return release(d);
    const body = eventBody(event);
    const result = await postWebhook(
      subscription.url,
      body,
      {
        'Recoup-Event-Id': event.id,
        'Recoup-Event-Type': event.type,
        [SIGNATURE_HEADER]: signWebhook(subscription.secret, body),
      },
      { timeoutMs, allowPrivate: settings.webhookAllowPrivate },
    );
    const attempts = d.attempts + 1;
    const base = {
      ...release(d),
      attempted: true,
      attempts,
      last_status_code: result.statusCode,
      last_error: result.error,
    };
    if (result.delivered) return { ...base, status: 'delivered' as const, delivered_at: Date.now() };
    if (attempts >= MAX_ATTEMPTS) {
      deps.logger.warn(
        { subscription: d.subscription_id, event: event.id, attempts, error: result.error },
        'webhook delivery given up',
      );
      return { ...base, status: 'failed' as const };
    }
    return { ...base, next_attempt_at: options.now + retryDelayMs(attempts) };
  };
  // Chains go side by side; within a chain one request at a time, and nothing after a failure.
  const chains = groupChains(claimed);
  const outcomes = (
    await mapLimit(chains, options.concurrency ?? 16, async (chain) => {
      const done: DeliveryOutcome[] = [];
      for (const d of chain) {
        const blocked = done.length > 0 && done[done.length - 1]!.status !== 'delivered';
        done.push(blocked ? release(d) : await send(d, done.length === 0));
      }
      return done;
    })
  ).flat();

  await writeTransaction(database, (trx) => completeDeliveries(trx, settings.owner, outcomes));
  const attempted = outcomes.filter((o) => o.attempted);
  return {
    claimed: claimed.length,
    delivered: attempted.filter((o) => o.status === 'delivered').length,
    retrying: attempted.filter((o) => o.status === 'pending').length,
    gaveUp: attempted.filter((o) => o.status === 'failed').length,
    released: claimed.length - attempted.length,
  };
}

/** Claimed deliveries by (subscription, case) in event order; deliveries of no case are chains of one. */
function groupChains(claimed: readonly WebhookDeliveryRow[]): WebhookDeliveryRow[][] {
  const chains = new Map<string, WebhookDeliveryRow[]>();
  for (const d of [...claimed].sort((a, b) => a.event_seq - b.event_seq)) {
    const key = d.case_id === null ? d.id : `${d.subscription_id}|${d.case_id}`;
    const chain = chains.get(key);
    if (chain) chain.push(d);
    else chains.set(key, [d]);
  }
  return [...chains.values()];
}

/** The delivery unchanged, its lease to be let go. */
function release(d: WebhookDeliveryRow): DeliveryOutcome {
  return {
    id: d.id,
    subscription_id: d.subscription_id,
    case_id: d.case_id,
    event_seq: d.event_seq,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.next_attempt_at,
    last_status_code: d.last_status_code,
    last_error: d.last_error,
    delivered_at: d.delivered_at,
    attempted: false,
  };
}

/**
 * The JSON body of an event, the same bytes on every attempt: the stored payload is spliced in as written, so
 * nothing is re-serialised.
 */
export function eventBody(e: OutboxEventRow): string {
  const head = JSON.stringify({
    id: e.id,
    type: e.type,
    sequence: e.seq,
    created_at: e.created_at,
    case_id: e.case_id,
    customer_id: e.customer_id,
  });
  return `${head.slice(0, -1)},"data":${e.payload}}`;
}
