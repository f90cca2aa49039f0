// Stripe integration: how far `recoup stripe sync` got, so an interrupted sync resumes where it stopped.

/** The resources a sync walks through, in order. */
export type StripeSyncResource = 'customers' | 'invoices' | 'invoices_closed';

export interface StripeSyncCursorsTable {
  resource: StripeSyncResource;
  pass: number; // which walk over the resource this is; a new sync starts the next one
  cursor: string | null; // the last object whose page is committed: Stripe's starting_after, or a Recoup id
  started_at: number;
  updated_at: number;
  completed_at: number | null; // null while the pass is unfinished
}

export interface StripeSyncSeenTable {
  stripe_id: string; // an open Stripe invoice the current pass listed
  pass: number;
}

export interface StripeTables {
  stripe_sync_cursors: StripeSyncCursorsTable;
  stripe_sync_seen: StripeSyncSeenTable;
}
