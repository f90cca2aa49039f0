import type Stripe from 'stripe';
import type { FieldCipher } from '../../security/field-cipher.ts';
import type { Database } from '../../store/database.ts';
import type { StripeSyncResource } from '../../store/schema/stripe.ts';
import type { TimeZoneSettings } from '../../domain/synced-time-zone.ts';
import { type StripeSyncReport, type SyncContext, emptyReport } from './sync-context.ts';
import { syncClosedInvoices } from './sync-closed-invoices.ts';
import { syncCustomers } from './sync-customers.ts';
import { SYNC_PASSES, type SyncMode, beginSync } from './sync-cursors.ts';
import { syncOpenInvoices } from './sync-invoices.ts';
import { syncDunningMethods } from './sync-methods.ts';

export type { StripeSyncReport, SyncCounts } from './sync-context.ts';
export type { SyncMode } from './sync-cursors.ts';

// New customers are listed from a little before the newest one the last sync saw: Stripe's `created` is whole
// seconds, and a customer made while that listing ran may have been left out of it.
const NEW_CUSTOMER_OVERLAP_S = 3_600;

export interface StripeSyncOptions {
  readonly cipher: FieldCipher;
  readonly now: number;
  /** `incremental` (the default) reads what changed since the last sync; `full` re-reads everything. */
  readonly mode?: SyncMode;
  /** Where customers' time zones come from when Stripe has none (RECOUP_STRIPE_TIME_ZONE_KEYS, …_DEFAULT_…). */
  readonly timeZones?: TimeZoneSettings;
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
 * Copies Stripe customers, their cards and their open invoices into Recoup through the import's planners (matched
 * on external id, so a re-run changes nothing), records Stripe's own failed charges as attempts, then closes what
 * Stripe closed. The first sync, and one asked to be `full`, reads every customer and card; later ones read only
 * what changed: customers created since, every open invoice, and the cards of customers in dunning. Resumable:
 * progress is committed page by page with a cursor per resource, and an interrupted sync continues where it stopped.
 */
export async function syncStripe(
  database: Database,
  stripe: Stripe,
  options: StripeSyncOptions,
): Promise<StripeSyncReport> {
  const start = await beginSync(database, options.mode ?? 'incremental', options.now);
  const synced = new Map<StripeSyncResource, number>();
  const ctx: SyncContext = {
    database,
    stripe,
    cipher: options.cipher,
    now: options.now,
    pageSize: options.pageSize ?? 100,
    concurrency: options.concurrency ?? 4,
    timeZones: options.timeZones ?? { metadataKeys: ['time_zone', 'timezone', 'tz'], fallback: 'UTC' },
    report: emptyReport(start.mode, start.resumed),
    cardsListed: new Set(),
    progress(resource, n) {
      synced.set(resource, (synced.get(resource) ?? 0) + n);
      options.onProgress?.({ resource, synced: synced.get(resource)! });
    },
  };
  const counted = () => ctx.report.requests++;
  stripe.on('response', counted);
  try {
    for (const resource of SYNC_PASSES[start.mode]) {
      const cursor = start.cursors.get(resource);
      if (!cursor || cursor.completed_at !== null) continue;
      try {
        await runPass(ctx, cursor, start);
      } catch (error) {
        throw new StripeSyncError(
          `Stripe sync stopped while syncing ${resource.replaceAll('_', ' ')}: ${(error as Error).message}. ` +
            'Everything synced so far is kept; run it again to resume.',
          ctx.report,
          { cause: error },
        );
      }
    }
  } finally {
    stripe.off('response', counted);
  }
  return ctx.report;
}

function runPass(
  ctx: SyncContext,
  cursor: Parameters<typeof syncCustomers>[1],
  start: Awaited<ReturnType<typeof beginSync>>,
): Promise<void> {
  switch (cursor.resource) {
    case 'customers':
      return syncCustomers(ctx, cursor, null);
    case 'customers_new': {
      const since = start.customersSeenUpTo;
      return syncCustomers(ctx, cursor, since === null ? null : since - NEW_CUSTOMER_OVERLAP_S);
    }
    case 'invoices':
      return syncOpenInvoices(ctx, cursor);
    case 'invoices_closed':
      return syncClosedInvoices(ctx, cursor, start.cursors.get('invoices')!.pass);
    case 'methods_in_dunning':
      return syncDunningMethods(ctx, cursor);
  }
}
