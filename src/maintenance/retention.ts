import { sql } from 'kysely';
import { memberOf } from '../store/batch.ts';
import { type Database, type Db, writeTransaction } from '../store/database.ts';
import { IDEMPOTENCY_KEY_HOURS, type RetentionSettings } from './retention-settings.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** What one pruning run deleted, or would delete with `dryRun`. */
export interface PruneReport {
  events: number;
  deliveries: number;
  inboundEvents: number;
  idempotencyKeys: number;
  sessions: number;
}

// Rows per delete: each is its own short transaction, so a large first prune never holds the write lock for long.
const CHUNK = 5_000;

/**
 * Deletes, oldest first, what has outlived its use: outbox events past the retention window whose deliveries have
 * all finished (with those deliveries; an event still being delivered stays, however old), inbound event ids past
 * theirs, idempotency keys older than a day, and expired sessions. Cases, timelines, payments, messages and the
 * audit log are records and are never pruned.
 */
export async function pruneExpired(
  database: Database,
  settings: RetentionSettings,
  now: number,
  options: { dryRun?: boolean; chunk?: number } = {},
): Promise<PruneReport> {
  const chunk = options.chunk ?? CHUNK;
  const cutoffs = {
    events: now - settings.eventDays * DAY_MS,
    inbound: now - settings.inboundDays * DAY_MS,
    idempotency: now - IDEMPOTENCY_KEY_HOURS * HOUR_MS,
  };
  if (options.dryRun) return countExpired(database.db, cutoffs, now);
  const report: PruneReport = { events: 0, deliveries: 0, inboundEvents: 0, idempotencyKeys: 0, sessions: 0 };
  for (;;) {
    const done = await writeTransaction(database, async (trx) => {
      const seqs = (await expiredEvents(trx, cutoffs.events).select('seq').limit(chunk).execute()).map(
        (r) => r.seq,
      );
      if (seqs.length === 0) return true;
      const deliveries = await trx
        .deleteFrom('webhook_deliveries')
        .where(memberOf(trx, 'event_seq', seqs))
        .execute();
      const events = await trx
        .deleteFrom('outbox_events')
        .where(memberOf(trx, 'seq', seqs))
        .execute();
      report.deliveries += Number(deliveries[0]?.numDeletedRows ?? 0);
      report.events += Number(events[0]?.numDeletedRows ?? 0);
      return seqs.length < chunk;
    });
    if (done) break;
  }
  report.inboundEvents = await deleteOldest(database, chunk, {
    table: 'inbound_events',
    key: ['source', 'event_id'],
    age: 'received_at',
    before: cutoffs.inbound,
  });
  report.idempotencyKeys = await deleteOldest(database, chunk, {
    table: 'idempotency_keys',
    key: ['actor', 'key'],
    age: 'created_at',
    before: cutoffs.idempotency,
  });
  const sessions = await database.db.deleteFrom('sessions').where('expires_at', '<', now).executeTakeFirst();
  report.sessions = Number(sessions.numDeletedRows);
  return report;
}

/** Outbox events past the cutoff that were fanned out and have no delivery still pending, oldest first. */
function expiredEvents(db: Db, cutoff: number) {
  return db
    .selectFrom('outbox_events as e')
    .where('e.created_at', '<', cutoff)
    .where('e.fanned_out', '=', 1)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('webhook_deliveries as d')
            .select(sql`1`.as('one'))
            .whereRef('d.event_seq', '=', 'e.seq')
            .where('d.status', '=', 'pending'),
        ),
      ),
    )
    .orderBy('e.created_at')
    .orderBy('e.seq');
}

/**
 * Deletes a table's rows older than `before`, oldest first and `chunk` at a time, each chunk in its own
 * transaction; returns how many went. The rows are picked by their two-column key, which both databases compare as
 * a row value.
 */
async function deleteOldest(
  database: Database,
  chunk: number,
  target: {
    table: 'inbound_events' | 'idempotency_keys';
    key: [string, string];
    age: string;
    before: number;
  },
): Promise<number> {
  const [a, b] = target.key.map((c) => sql.ref(c));
  const t = sql.table(target.table);
  const age = sql.ref(target.age);
  let total = 0;
  for (;;) {
    const result = await writeTransaction(database, (trx) =>
      sql`delete from ${t} where (${a}, ${b}) in
        (select ${a}, ${b} from ${t} where ${age} < ${target.before} order by ${age} limit ${chunk})`.execute(
        trx,
      ),
    );
    const n = Number(result.numAffectedRows ?? 0);
    total += n;
    if (n < chunk) return total;
  }
}

async function countExpired(
  db: Db,
  cutoffs: { events: number; inbound: number; idempotency: number },
  now: number,
): Promise<PruneReport> {
  const count = async (q: { executeTakeFirstOrThrow(): Promise<{ n: number | string | bigint }> }) =>
    Number((await q.executeTakeFirstOrThrow()).n);
  const expired = expiredEvents(db, cutoffs.events).clearOrderBy().select('e.seq');
  return {
    events: await count(db.selectFrom(expired.as('x')).select((eb) => eb.fn.countAll().as('n'))),
    deliveries: await count(
      db
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('event_seq', 'in', expired),
    ),
    inboundEvents: await count(
      db
        .selectFrom('inbound_events')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('received_at', '<', cutoffs.inbound),
    ),
    idempotencyKeys: await count(
      db
        .selectFrom('idempotency_keys')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('created_at', '<', cutoffs.idempotency),
    ),
    sessions: await count(
      db
        .selectFrom('sessions')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('expires_at', '<', now),
    ),
  };
}
