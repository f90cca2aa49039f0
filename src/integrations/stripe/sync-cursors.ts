import type { Selectable } from 'kysely';
import { type Database, type Trx, writeTransaction } from '../../store/database.ts';
import type { StripeSyncCursorsTable, StripeSyncResource } from '../../store/schema/stripe.ts';

export type SyncCursor = Selectable<StripeSyncCursorsTable>;

/** The passes a sync runs, in order: customers (with their cards) first, since invoices refer to them. */
export const SYNC_PASSES = {
  full: ['customers', 'invoices', 'invoices_closed'],
  incremental: ['customers_new', 'invoices', 'invoices_closed', 'methods_in_dunning'],
} as const satisfies Record<string, readonly StripeSyncResource[]>;

export type SyncMode = keyof typeof SYNC_PASSES;

/** How a sync begins: resuming an unfinished one, or a new one of the mode asked for (full the first time). */
export interface SyncStart {
  readonly mode: SyncMode;
  readonly resumed: boolean;
  readonly cursors: Map<StripeSyncResource, SyncCursor>;
  /** The newest Stripe `created` (epoch s) any customer listing has seen: where listing new customers starts. */
  readonly customersSeenUpTo: number | null;
}

/**
 * Begins a sync: while any resource's pass is unfinished the sync resumes it (finished resources are skipped);
 * otherwise every resource of the mode starts its next pass from the beginning. An incremental sync is full until
 * a full one has finished once. Decided in one transaction so two syncs started together agree.
 */
export async function beginSync(database: Database, asked: SyncMode, now: number): Promise<SyncStart> {
  return writeTransaction(database, async (trx) => {
    const rows = await trx.selectFrom('stripe_sync_cursors').selectAll().execute();
    const byResource = new Map(rows.map((r) => [r.resource, r]));
    const marks = rows.map((r) => r.high_water).filter((h): h is number => h !== null);
    const customersSeenUpTo = marks.length > 0 ? Math.max(...marks) : null;
    const unfinished = rows.filter((r) => r.completed_at === null).map((r) => r.resource);
    if (unfinished.length > 0) {
      const mode = unfinished.includes('customers') ? 'full' : 'incremental';
      return { mode, resumed: true, cursors: byResource, customersSeenUpTo };
    }
    const fullOnce = byResource.get('customers')?.completed_at != null;
    const mode: SyncMode = asked === 'incremental' && fullOnce ? 'incremental' : 'full';
    for (const resource of SYNC_PASSES[mode]) {
      const current = byResource.get(resource);
      const fresh: SyncCursor = {
        resource,
        pass: (current?.pass ?? 0) + 1,
        cursor: null,
        started_at: now,
        updated_at: now,
        completed_at: null,
        high_water: current?.high_water ?? null,
      };
      await trx
        .insertInto('stripe_sync_cursors')
        .values(fresh)
        .onConflict((oc) =>
          oc.column('resource').doUpdateSet({
            pass: fresh.pass,
            cursor: null,
            started_at: now,
            updated_at: now,
            completed_at: null,
          }),
        )
        .execute();
      byResource.set(resource, fresh);
    }
    // A resource of the other mode keeps its finished row: it is not part of this sync.
    for (const resource of byResource.keys())
      if (!(SYNC_PASSES[mode] as readonly string[]).includes(resource)) byResource.delete(resource);
    return { mode, resumed: false, cursors: byResource, customersSeenUpTo };
  });
}

/**
 * Records, in the transaction that wrote a page, the last object of the page; `done` ends the pass. `seenUpTo`
 * raises the resource's high-water mark of Stripe `created` times (given as a pass ends).
 */
export async function advanceCursor(
  trx: Trx,
  resource: StripeSyncResource,
  cursor: string | null,
  done: boolean,
  now: number,
  seenUpTo: number | null = null,
): Promise<void> {
  await trx
    .updateTable('stripe_sync_cursors')
    .set({ cursor, updated_at: now, completed_at: done ? now : null })
    .where('resource', '=', resource)
    .execute();
  if (seenUpTo === null) return;
  await trx
    .updateTable('stripe_sync_cursors')
    .set({ high_water: seenUpTo })
    .where('resource', '=', resource)
    .where((eb) => eb.or([eb('high_water', 'is', null), eb('high_water', '<', seenUpTo)]))
    .execute();
}
