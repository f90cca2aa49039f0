import type Stripe from 'stripe';
import type { TimeZoneOrigin, TimeZoneSettings } from '../../domain/synced-time-zone.ts';
import type { Plan, Planner } from '../../import/plan.ts';
import type { FieldCipher } from '../../security/field-cipher.ts';
import type { Database, Trx } from '../../store/database.ts';
import type { StripeSyncResource } from '../../store/schema/stripe.ts';
import type { BillingAttemptsReport } from '../billing-attempts.ts';
import type { MappedRows } from './to-rows.ts';

/** What a sync did to one kind of record; `skipped` counts each reason (`no customer`, `currency unknown`…). */
export interface SyncCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: Record<string, number>;
}

/** What `syncStripe` did, summed over the resources it walked. */
export interface StripeSyncReport {
  /** `full` re-read every customer and card; `incremental` read what changed since the last sync. */
  mode: 'full' | 'incremental';
  /** True when this run finished a sync an earlier run left unfinished. */
  resumed: boolean;
  customers: SyncCounts;
  paymentMethods: SyncCounts;
  invoices: SyncCounts & { paymentsRecorded: number };
  /** Invoices Recoup held as open that Stripe no longer lists as open, looked up one by one. */
  closedChecked: number;
  /** Stripe's own failed charges recorded as attempts. */
  stripeAttempts: BillingAttemptsReport;
  /** Customers written, by where their time zone came from. */
  timeZones: Record<TimeZoneOrigin, number>;
  /** Requests made to Stripe's API. */
  requests: number;
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
  readonly timeZones: TimeZoneSettings;
  readonly report: StripeSyncReport;
  /** Stripe customers whose cards this run has listed already: a later pass does not list them again. */
  readonly cardsListed: Set<string>;
  /** Counts `n` more objects of `resource` as synced. */
  progress(resource: StripeSyncResource, n: number): void;
}

/** Empty counts. */
export function emptyCounts(): SyncCounts {
  return { inserted: 0, updated: 0, unchanged: 0, skipped: {} };
}

/** An empty report. */
export function emptyReport(mode: StripeSyncReport['mode'], resumed: boolean): StripeSyncReport {
  return {
    mode,
    resumed,
    customers: emptyCounts(),
    paymentMethods: emptyCounts(),
    invoices: { ...emptyCounts(), paymentsRecorded: 0 },
    closedChecked: 0,
    stripeAttempts: { recorded: 0, blocking: 0, unattributed: 0 },
    timeZones: { metadata: 0, address_region: 0, address_country: 0, default: 0, kept: 0 },
    requests: 0,
    warnings: [],
  };
}

/** Adds `n` skips for `reason` to the counts. */
export function countSkipped(counts: SyncCounts, reason: string, n = 1): void {
  if (n > 0) counts.skipped[reason] = (counts.skipped[reason] ?? 0) + n;
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
  for (const [reason, n] of Object.entries(mapped.skipped)) countSkipped(counts, reason, n);
  if (mapped.rows.length === 0) return 0;
  const plan: Plan = await planner(trx, mapped.rows, {
    now: ctx.now,
    lock: ctx.database.dialect === 'postgres',
    cipher: ctx.cipher,
  });
  const payments = await plan.write(trx);
  const refused = new Map<number, string>();
  for (const problem of plan.problems) {
    ctx.report.warnings.push(
      `${mapped.idsByLine.get(problem.line)}: ${problem.column} ${problem.message}; skipped`,
    );
    if (!refused.has(problem.line)) refused.set(problem.line, `${problem.column} refused`);
  }
  for (const reason of refused.values()) countSkipped(counts, reason);
  counts.inserted += plan.inserted;
  counts.updated += plan.updated;
  counts.unchanged += plan.unchanged - refused.size;
  return payments;
}
