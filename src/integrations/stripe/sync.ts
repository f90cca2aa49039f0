import type Stripe from 'stripe';
import type { FieldCipher } from '../../security/field-cipher.ts';
import type { Database } from '../../store/database.ts';
import type { StripeSyncResource } from '../../store/schema/stripe.ts';
import { type StripeSyncReport, type SyncContext, emptyReport } from './sync-context.ts';
import { syncClosedInvoices } from './sync-closed-invoices.ts';
import { syncCustomers } from './sync-customers.ts';
import { beginSync } from './sync-cursors.ts';
import { syncOpenInvoices } from './sync-invoices.ts';

export type { StripeSyncReport, SyncCounts } from './sync-context.ts';

// Customers (with their cards) first: invoices refer to them.
const RESOURCES: readonly StripeSyncResource[] = ['customers', 'invoices', 'invoices_closed'];

export interface StripeSyncOptions {
  readonly cipher: FieldCipher;
  readonly now: number;
  /** Objects per Stripe list request (Stripe allows 1 to 100). */
  readonly pageSize?: number;
  /** Per-customer card listings and invoice look-ups in flight at once; Stripe's rate limit is per account. */
  readonly concurrency?: number;
  /** Called after every page with the resource and how many of its objects this run has synced. */
  readonly onProgress?: (progress: { resource: StripeSyncResource; synced: number }) => void;
}

/** Raised when a sync stops part-way; what it synced is kept and the next run resumes from its cursors. */
export class StripeSyncError extends Error {
  override readonly name = 'StripeSyncError';

  constructor(
    message: string,
    /** What this run synced before it stopped. */
    readonly report: StripeSyncReport,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Copies Stripe's customers, their cards and their open invoices into Recoup through the import's planners
 * (matched on external id, so a re-run changes nothing), then closes what Stripe closed. Resumable: progress is
 * committed page by page with a cursor per resource, and an interrupted sync continues where it stopped.
 */
export async function syncStripe(
  database: Database,
  stripe: Stripe,
  options: StripeSyncOptions,
): Promise<StripeSyncReport> {
  const { resumed, cursors } = await beginSync(database, RESOURCES, options.now);
  const synced = new Map<StripeSyncResource, number>();
  const ctx: SyncContext = {
    database,
    stripe,
    cipher: options.cipher,
    now: options.now,
    pageSize: options.pageSize ?? 100,
    concurrency: options.concurrency ?? 4,
    report: emptyReport(resumed),
    progress(resource, n) {
      synced.set(resource, (synced.get(resource) ?? 0) + n);
      options.onProgress?.({ resource, synced: synced.get(resource)! });
    },
  };
  for (const resource of RESOURCES) {
    const cursor = cursors.get(resource)!;
    if (cursor.completed_at !== null) continue;
    try {
      if (resource === 'customers') await syncCustomers(ctx, cursor);
      else if (resource === 'invoices') await syncOpenInvoices(ctx, cursor);
      else await syncClosedInvoices(ctx, cursor, cursors.get('invoices')!.pass);
    } catch (error) {
      throw new StripeSyncError(
        `Stripe sync stopped while syncing ${resource.replace('_', ' ')}: ${(error as Error).message}. ` +
          'Everything synced so far is kept; run it again to resume.',
        ctx.report,
        { cause: error },
      );
    }
  }
  return ctx.report;
}
