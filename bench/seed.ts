import { sql } from 'kysely';
import { compilePolicy } from '../src/domain/policy.ts';
import type { Database } from '../src/store/database.ts';
import { applyPolicyVersion } from '../src/store/policies.ts';

export const BENCH_POLICY = 'bench-retry';

/**
 * Seeds `n` open cases, each with one retry step due before `now` and one due a day later, generated inside the
 * database (recursive CTE / generate_series) so a million cases take seconds, not minutes.
 */
export async function seedDueCases(database: Database, n: number, now: number): Promise<void> {
  const compiled = compilePolicy({
    name: BENCH_POLICY,
    anchor: 'first_failure',
    steps: [
      { id: 'r1', offset: 'PT0S', action: 'retry' },
      { id: 'r2', offset: 'P1D', action: 'retry' },
    ],
  });
  if (!compiled.ok) throw new Error('bench policy is invalid');
  const policy = await applyPolicyVersion(database.db, compiled.value, '', now);
  const series =
    database.dialect === 'postgres'
      ? sql`select g as i from generate_series(1, ${n}) g`
      : sql`with recursive s(i) as (select 1 union all select i + 1 from s where i < ${n}) select i from s`;
  const due = now - 1_000;
  const later = now + 86_400_000;
  const run = (q: ReturnType<typeof sql>) => q.execute(database.db);
  await run(sql`insert into customers (id, external_id, name, email, phone, locale, time_zone, attributes, opted_out, created_at, updated_at)
    select 'cus_' || i, 'cus_' || i, 'Customer ' || i, null, null, 'en-US', 'UTC', '{}', '[]', ${now}, ${now} from (${series}) x`);
  await run(sql`insert into payment_methods (id, external_id, customer_id, token, type, brand, last4, exp_month, exp_year, priority, status, created_at, updated_at)
    select 'pm_' || i, 'pm_' || i, 'cus_' || i, 'tok_sim_insufficient_funds_never', 'card', 'visa', '4242', 12, 2099, 1, 'active', ${now}, ${now} from (${series}) x`);
  await run(sql`insert into cases (id, customer_id, currency, state, paused, policy_version_id, anchor_at, opened_at, closed_at, next_due_at, lease_owner, lease_expires_at, amount_failed, amount_recovered, escalated_at)
    select 'case_' || i, 'cus_' || i, 'USD', 'open', 0, ${policy.id}, ${due}, ${due}, null, ${due}, null, null, 1000, 0, null from (${series}) x`);
  await run(sql`insert into invoices (id, external_id, customer_id, number, currency, total, amount_paid, due_at, status, collection, failed_at, failure_code, case_id, created_at, updated_at)
    select 'inv_' || i, 'inv_' || i, 'cus_' || i, 'INV-' || i, 'USD', 1000, 0, ${due}, 'open', 'charge_automatically', ${due}, 'insufficient_funds', 'case_' || i, ${now}, ${now} from (${series}) x`);
  await run(sql`insert into scheduled_steps (case_id, step_id, position, action, due_at, status, completed_at)
    select 'case_' || i, 'r1', 0, 'retry', ${due}, 'pending', null from (${series}) x`);
  await run(sql`insert into scheduled_steps (case_id, step_id, position, action, due_at, status, completed_at)
    select 'case_' || i, 'r2', 1, 'retry', ${later}, 'pending', null from (${series}) x`);
  if (database.dialect === 'postgres') await sql`analyze`.execute(database.db);
}
