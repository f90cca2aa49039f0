import type Stripe from 'stripe';
import type { Plan, Planner } from '../../import/plan.ts';
import type { FieldCipher } from '../../security/field-cipher.ts';
import type { Database, Trx } from '../../store/database.ts';
import type { StripeSyncResource } from '../../store/schema/stripe.ts';
import type { MappedRows } from './to-rows.ts';

/** What a sync did to one kind of record. */
export interface SyncCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Left out, each with a warning: an unusable value, an unknown customer, a changed currency. */
  skipped: number;
}

/** What `syncStripe` did, summed over the resources it walked. */
export interface StripeSyncReport {
  /** True when this run finished a sync an earlier run left unfinished. */
  resumed: boolean;
  customers: SyncCounts;
  paymentMethods: SyncCounts;
  invoices: SyncCounts & { paymentsRecorded: number };
  /** Invoices Recoup held as open that Stripe no longer lists as open, looked up one by one. */
  closedChecked: number;
  warnings: string[];
}

/** Everything a sync phase works with. */
export interface SyncContext {
  readonly database: Database;
  readonly stripe: Stripe;
  readonly cipher: FieldCipher;
  readonly now: number;
  readonly pageSize: number;
  readonly concurrency: number;
  readonly report: StripeSyncReport;
  /** Counts `n` more objects of `resource` as synced. */
  progress(resource: StripeSyncResource, n: number): void;
}

/** An empty report. */
export function emptyReport(resumed: boolean): StripeSyncReport {
  const counts = () => ({ inserted: 0, updated: 0, unchanged: 0, skipped: 0 });
  return {
    resumed,
    customers: counts(),
    paymentMethods: counts(),
    invoices: { ...counts(), paymentsRecorded: 0 },
    closedChecked: 0,
    warnings: [],
  };
}

/**
 * Plans mapped rows with the import's planner and writes them in the caller's transaction. Unlike a file import,
 * a row the planner objects to does not stop the others: it is skipped with a warning naming its Stripe id.
 * Returns how many payments the writes recorded.
 */
export async function writeRows<F>(
  ctx: SyncContext,
  trx: Trx,
  planner: Planner<F>,
  mapped: MappedRows<F>,
  counts: SyncCounts,
): Promise<number> {
  ctx.report.warnings.push(...mapped.warnings);
  counts.skipped += mapped.skipped;
  if (mapped.rows.length === 0) return 0;
  const plan: Plan = await planner(trx, mapped.rows, {
    now: ctx.now,
    lock: ctx.database.dialect === 'postgres',
    cipher: ctx.cipher,
  });
  const payments = await plan.write(trx);
  const refused = new Set(plan.problems.map((p) => p.line));
  for (const problem of plan.problems) {
    ctx.report.warnings.push(
      `${mapped.idsByLine.get(problem.line)}: ${problem.column} ${problem.message}; skipped`,
    );
  }
  counts.inserted += plan.inserted;
  counts.updated += plan.updated;
  counts.unchanged += plan.unchanged - refused.size;
  counts.skipped += refused.size;
  return payments;
}
