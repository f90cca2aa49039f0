import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { WAL_CHECKPOINT_PAGES } from '../src/store/database.ts';

// The reference: what one retry step must durably change, written with plain prepared SQL in batches of 500 —
// one attempt row, the step's status, two timeline events and the case's next due time — on a connection set up
// as the engine's is.
const BATCH = 500;

/** Raw SQL doing a step's minimal writes for cases 1..n on SQLite; returns steps per second. */
export function rawSqliteSteps(file: string, n: number, now: number): number {
  const db = new Sqlite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`); // the engine's own setting (store/database.ts)
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
  const kase = db.prepare(`update cases set next_due_at = ? where id = ?`);
  const batch = db.transaction((from: number, to: number) => {
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
  for (let i = 1; i <= n; i += BATCH) batch(i, Math.min(n, i + BATCH - 1));
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return n / seconds;
}

/** The same writes on PostgreSQL, one multi-row statement per table per batch; returns steps per second. */
export async function rawPostgresSteps(url: string, n: number, now: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = performance.now();
  for (let from = 1; from <= n; from += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, n - from + 1) }, (_, k) => from + k);
    await client.query('begin');
    await client.query(
      `insert into payment_attempts (id, case_id, step_id, payment_method_id, amount, currency, idempotency_key, status,
         decline_code, decline_class, stop_method, created_at, completed_at)
       select 'raw_' || i, 'case_' || i, 'r1', 'pm_' || i, 1000, 'USD', 'raw:case_' || i || ':r1', 'failed',
         'insufficient_funds', 'soft', 0, $2, $2 from unnest($1::int[]) i`,
      [ids, now],
    );
    await client.query(
      `update scheduled_steps set status = 'done', completed_at = $2 where step_id = 'r1' and case_id = any($1::text[])`,
      [ids.map((i) => `case_${i}`), now],
    );
    await client.query(
      `insert into timeline_events (case_id, at, type, policy_version_id, step_id, rule, data)
       select 'case_' || i, $2, t, 'bench-retry@1', 'r1', 'raw', '{}' from unnest($1::int[]) i,
         unnest(array['attempt.started', 'attempt.failed']) t`,
      [ids, now],
    );
    await client.query(`update cases set next_due_at = $2 where id = any($1::text[])`, [
      ids.map((i) => `case_${i}`),
      now + 86_400_000,
    ]);
    await client.query('commit');
  }
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return n / seconds;
}
