import { PostgresAdapter, sql } from 'kysely';
import { updateMany } from '../store/batch.ts';
import type { Database, Db, Trx } from '../store/database.ts';
import type { DeliveryStatus, WebhookDeliveryRow } from '../store/schema/webhooks.ts';

// Deliveries of one case to one subscription go strictly in event order. Only the head of each (subscription,
// case) chain — the pending delivery with no earlier pending one — can be claimed; whoever holds a head may take
// the deliveries queued behind it too, since no one else can claim them while the head is pending, and sends them
// one after another, stopping at the first failure. So a delivery is never attempted before every earlier one of
// its chain was accepted by the receiver.

/** Who claims and until when: leases are wall-clock; `now` decides which deliveries are due. */
export interface DeliveryClaim {
  readonly owner: string;
  readonly now: number;
  readonly wallNow: number;
  readonly leaseMs: number;
  /** Chain heads claimed at most. */
  readonly limit: number;
  /** Deliveries taken behind each head at most. */
  readonly perChain: number;
}

/**
 * Leases up to `limit` due chain heads of active subscriptions, picked in a CTE so the limit holds (on PostgreSQL
 * with `FOR UPDATE SKIP LOCKED`, so delivering processes claim side by side), then up to `perChain` deliveries
 * queued behind each head, in order. Returns them all, in event order.
 */
export async function claimDueDeliveries(
  database: Database,
  o: DeliveryClaim,
): Promise<WebhookDeliveryRow[]> {
  const lock = database.dialect === 'postgres' ? sql`for update of d skip locked` : sql``;
  const expires = o.wallNow + o.leaseMs;
  const heads = await sql<WebhookDeliveryRow>`
    with due as (
      select d.id from webhook_deliveries d
      where d.status = 'pending' and d.next_attempt_at <= ${o.now}
        and (d.lease_expires_at is null or d.lease_expires_at < ${o.wallNow})
        and not exists (
          select 1 from webhook_deliveries e
          where e.status = 'pending' and e.subscription_id = d.subscription_id and e.case_id = d.case_id
            and e.event_seq < d.event_seq)
        and exists (
          select 1 from webhook_subscriptions s where s.id = d.subscription_id and s.disabled_at is null)
      order by d.next_attempt_at, d.event_seq
      limit ${o.limit}
      ${lock}
    )
    update webhook_deliveries set lease_owner = ${o.owner}, lease_expires_at = ${expires}
    where id in (select id from due)
    returning *`.execute(database.db);
  const chained = heads.rows.filter((h) => h.case_id !== null);
  if (chained.length === 0 || o.perChain <= 0) return heads.rows;
  const json = JSON.stringify(
    chained.map((h) => ({ subscription_id: h.subscription_id, case_id: h.case_id, event_seq: h.event_seq })),
  );
  const source =
    database.dialect === 'postgres'
      ? sql`select * from jsonb_to_recordset(cast(${json} as jsonb)) as v(subscription_id text, case_id text, event_seq bigint)`
      : sql`select value ->> 'subscription_id' as subscription_id, value ->> 'case_id' as case_id,
              value ->> 'event_seq' as event_seq from json_each(${json})`;
  const behind = await sql<WebhookDeliveryRow>`
    with heads as (${source}),
    queued as (
      select d.id, row_number() over (partition by d.subscription_id, d.case_id order by d.event_seq) as n
      from webhook_deliveries d
      join heads h on d.subscription_id = h.subscription_id and d.case_id = h.case_id and d.event_seq > h.event_seq
      where d.status = 'pending'
    )
    update webhook_deliveries set lease_owner = ${o.owner}, lease_expires_at = ${expires}
    where id in (select id from queued where n <= ${o.perChain})
    returning *`.execute(database.db);
  return [...heads.rows, ...behind.rows].sort((a, b) => a.event_seq - b.event_seq);
}

/** A claimed delivery's outcome: attempted (delivered, retrying or given up), or released unattempted. */
export interface DeliveryOutcome {
  readonly id: string;
  readonly subscription_id: string;
  readonly case_id: string | null;
  readonly event_seq: number;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly next_attempt_at: number;
  readonly last_status_code: number | null;
  readonly last_error: string | null;
  readonly delivered_at: number | null;
  /** Whether a request was made in this round (else the lease is only let go). */
  readonly attempted: boolean;
}

/**
 * Records outcomes and releases the leases, only where this owner still holds them: a delivery whose lease
 * expired and was taken over belongs to its new owner (it may then be sent twice; receivers deduplicate on the
 * event id). A failed head pushes the rest of its chain back to its own retry time, so that claims do not keep
 * stepping over deliveries that cannot go yet.
 */
export async function completeDeliveries(
  trx: Trx,
  owner: string,
  outcomes: readonly DeliveryOutcome[],
): Promise<void> {
  await updateMany(
    trx,
    'webhook_deliveries',
    {
      keys: ['id'],
      set: [
        'status',
        'attempts',
        'next_attempt_at',
        'last_status_code',
        'last_error',
        'delivered_at',
        'lease_owner',
        'lease_expires_at',
      ],
      where: sql`webhook_deliveries.lease_owner = ${owner}`,
    },
    outcomes.map((o) => ({ ...o, lease_owner: null, lease_expires_at: null })),
  );
  const held = outcomes.filter((o) => o.attempted && o.status === 'pending' && o.case_id !== null);
  if (held.length > 0) await holdChains(trx, held);
}

async function holdChains(trx: Trx, heads: readonly DeliveryOutcome[]): Promise<void> {
  const json = JSON.stringify(
    heads.map((h) => ({
      subscription_id: h.subscription_id,
      case_id: h.case_id,
      event_seq: h.event_seq,
      next: h.next_attempt_at,
    })),
  );
  const postgres = trx.getExecutor().adapter instanceof PostgresAdapter;
  const field = (n: string) => (postgres ? sql`v.${sql.ref(n)}` : sql`v.value ->> ${sql.lit(n)}`);
  const source = postgres
    ? sql`jsonb_to_recordset(cast(${json} as jsonb)) as v(subscription_id text, case_id text, event_seq bigint, next bigint)`
    : sql`json_each(${json}) as v`;
  await sql`
    update webhook_deliveries set next_attempt_at = ${field('next')}
    from ${source}
    where webhook_deliveries.status = 'pending'
      and webhook_deliveries.subscription_id = ${field('subscription_id')}
      and webhook_deliveries.case_id = ${field('case_id')}
      and webhook_deliveries.event_seq > ${field('event_seq')}
      and webhook_deliveries.next_attempt_at < ${field('next')}`.execute(trx);
}

/**
 * Delivery work that is due or could become due without anyone adding events: events not yet fanned out, and
 * due chain heads, leased or not (a dead process's lease expires). Deliveries waiting on a retry timer are not
 * counted, so `--exit-when-idle` does not wait hours for a receiver that is down.
 */
export async function countDueDeliveryWork(db: Db, now: number): Promise<number> {
  const unfanned = await db
    .selectFrom('outbox_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('fanned_out', '=', 0)
    .executeTakeFirstOrThrow();
  const heads = await sql<{ n: number }>`
    select count(*) as n from webhook_deliveries d
    where d.status = 'pending' and d.next_attempt_at <= ${now}
      and not exists (
        select 1 from webhook_deliveries e
        where e.status = 'pending' and e.subscription_id = d.subscription_id and e.case_id = d.case_id
          and e.event_seq < d.event_seq)
      and exists (
        select 1 from webhook_subscriptions s where s.id = d.subscription_id and s.disabled_at is null)`.execute(
    db,
  );
  return Number(unfanned.n) + Number(heads.rows[0]?.n ?? 0);
}
