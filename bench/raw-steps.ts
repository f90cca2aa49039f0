import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { WAL_CHECKPOINT_PAGES } from '../src/store/database.ts';

// The reference: the rows the engine writes for one failed retry step, written with plain prepared SQL in batches
// of 500, on a connection set up as the engine's is. `engine` is every write the engine makes, in the fewest
// transactions its promises allow: the lease and the charge's intent commit before the charge (so a crash can never
// charge twice), then the outcome, the step, two timeline events, the outbox event and the case's next due time
// with its lease released. `five-rows` is the older, smaller reference that writes only the final attempt, the step,
// the two events and the case: no lease, no intent before the outcome, no outbox event.
export type RawWrites = 'engine' | 'five-rows';

const BATCH = 500;
const PAYLOAD = JSON.stringify({
  amount: 1000,
  currency: 'USD',
  attempt_id: 'att_0000000000000000000000',
  payment_method_id: 'pm_0',
  step_id: 'r1',
  decline_code: 'insufficient_funds',
  decline_class: 'soft',
  network_decline_code: null,
  network_advice_code: null,
  method_stopped: false,
});

/** Raw SQL doing a step's writes for cases 1..n on SQLite; returns steps per second. */
export function rawSqliteSteps(file: string, n: number, now: number, writes: RawWrites = 'engine'): number {
  const db = new Sqlite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`); // the engine's own setting (store/database.ts)
  db.pragma('foreign_keys = ON');
  const lease = db.prepare(`update cases set lease_owner = 'raw', lease_expires_at = ? where id = ?`);
  const intent = db.prepare(
    `insert into payment_attempts (id, case_id, step_id, payment_method_id, amount, currency, idempotency_key, status,
       created_at)
     values (?, ?, 'r1', ?, 1000, 'USD', ?, 'pending', ?)`,
  );
  const outcome = db.prepare(
    `update payment_attempts set status = 'failed', decline_code = 'insufficient_funds', decline_class = 'soft',
       stop_method = 0, completed_at = ? where id = ? and status = 'pending'`,
  );
  const attempt = db.prepare(
    `insert into payment_attempts (id, case_id, step_id, payment_method_id, amount, currency, idempotency_key, status,
       decline_code, decline_class, stop_method, created_at, completed_at)
     values (?, ?, 'r1', ?, 1000, 'USD', ?, 'failed', 'insufficient_funds', 'soft', 0, ?, ?)`,
  );
  const step = db.prepare(
    `update scheduled_steps set status = 'done', completed_at = ? where case_id = ? and step_id = 'r1'`,
  );
  const event = db.prepare(
    `insert into timeline_events (case_id, at, type, policy_version_id, step_id, rule, data) values (?, ?, ?, 'bench-retry@1', 'r1', ?, '{}')`,
  );
  const outbox = db.prepare(
    `insert into outbox_events (id, type, case_id, customer_id, payload, created_at) values (?, 'payment.failed', ?, ?, ?, ?)`,
  );
  const release = db.prepare(
    `update cases set next_due_at = ?, lease_owner = null, lease_expires_at = null where id = ?`,
  );
  const kase = db.prepare(`update cases set next_due_at = ? where id = ?`);
  const intents = db.transaction((from: number, to: number) => {
    for (let i = from; i <= to; i++) {
      const id = `case_${i}`;
      lease.run(now + 300_000, id);
      intent.run(`raw_${i}`, id, `pm_${i}`, `raw:${id}:r1:pm_${i}`, now);
    }
  });
  const outcomes = db.transaction((from: number, to: number) => {
    for (let i = from; i <= to; i++) {
      const id = `case_${i}`;
      outcome.run(now, `raw_${i}`);
      step.run(now, id);
      event.run(id, now, 'attempt.started', 'charging');
      event.run(id, now, 'attempt.failed', 'soft decline');
      outbox.run(`evt_raw_${i}`, id, `cus_${i}`, PAYLOAD, now);
      release.run(now + 86_400_000, id);
    }
  });
  const fiveRows = db.transaction((from: number, to: number) => {
    for (let i = from; i <= to; i++) {
      const id = `case_${i}`;
      attempt.run(`raw_${i}`, id, `pm_${i}`, `raw:${id}:r1:pm_${i}`, now, now);
      step.run(now, id);
      event.run(id, now, 'attempt.started', 'charging');
      event.run(id, now, 'attempt.failed', 'soft decline');
      kase.run(now + 86_400_000, id);
    }
  });
  const started = performance.now();
  for (let i = 1; i <= n; i += BATCH) {
    const to = Math.min(n, i + BATCH - 1);
    if (writes === 'engine') {
      intents(i, to);
      outcomes(i, to);
    } else {
      fiveRows(i, to);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return n / seconds;
}

/** The same writes on PostgreSQL, one multi-row statement per table per batch; returns steps per second. */
export async function rawPostgresSteps(
  url: string,
  n: number,
  now: number,
  writes: RawWrites = 'engine',
): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = performance.now();
  for (let from = 1; from <= n; from += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, n - from + 1) }, (_, k) => from + k);
    const cases = ids.map((i) => `case_${i}`);
    if (writes === 'engine') {
      await client.query('begin');
      await client.query(
        `update cases set lease_owner = 'raw', lease_expires_at = $2 where id = any($1::text[])`,
        [cases, now + 300_000],
      );
      await client.query(
        `insert into payment_attempts (id, case_id, step_id, payment_method_id, amount, currency, idempotency_key,
           status, created_at)
         select 'raw_' || i, 'case_' || i, 'r1', 'pm_' || i, 1000, 'USD', 'raw:case_' || i || ':r1', 'pending', $2
         from unnest($1::int[]) i`,
        [ids, now],
      );
      await client.query('commit');
    }
    await client.query('begin');
    if (writes === 'engine') {
      await client.query(
        `update payment_attempts set status = 'failed', decline_code = 'insufficient_funds', decline_class = 'soft',
           stop_method = 0, completed_at = $2 where id = any($1::text[]) and status = 'pending'`,
        [ids.map((i) => `raw_${i}`), now],
      );
    } else {
      await client.query(
        `insert into payment_attempts (id, case_id, step_id, payment_method_id, amount, currency, idempotency_key,
           status, decline_code, decline_class, stop_method, created_at, completed_at)
         select 'raw_' || i, 'case_' || i, 'r1', 'pm_' || i, 1000, 'USD', 'raw:case_' || i || ':r1', 'failed',
           'insufficient_funds', 'soft', 0, $2, $2 from unnest($1::int[]) i`,
        [ids, now],
      );
    }
    await client.query(
      `update scheduled_steps set status = 'done', completed_at = $2 where step_id = 'r1' and case_id = any($1::text[])`,
      [cases, now],
    );
    await client.query(
      `insert into timeline_events (case_id, at, type, policy_version_id, step_id, rule, data)
       select 'case_' || i, $2, t, 'bench-retry@1', 'r1', 'raw', '{}' from unnest($1::int[]) i,
         unnest(array['attempt.started', 'attempt.failed']) t`,
      [ids, now],
    );
    if (writes === 'engine') {
      await client.query(
        `insert into outbox_events (id, type, case_id, customer_id, payload, created_at)
         select 'evt_raw_' || i, 'payment.failed', 'case_' || i, 'cus_' || i, $3, $2 from unnest($1::int[]) i`,
        [ids, now, PAYLOAD],
      );
      await client.query(
        `update cases set next_due_at = $2, lease_owner = null, lease_expires_at = null where id = any($1::text[])`,
        [cases, now + 86_400_000],
      );
    } else {
      await client.query(`update cases set next_due_at = $2 where id = any($1::text[])`, [
        cases,
        now + 86_400_000,
      ]);
    }
    await client.query('commit');
  }
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return n / seconds;
}
