import type { ColumnType } from 'kysely';

// Stripe integration: how far `recoup stripe sync` got, so an interrupted sync resumes where it stopped.

/**
 * The resources a sync walks through. A full sync: every customer with their cards, the open invoices, then the
 * invoices Recoup holds as open that Stripe closed. An incremental one: the customers created since the last sync,
 * the open and closed invoices, then the cards of the customers in dunning.
 */
export type StripeSyncResource =
  | 'customers'
  | 'customers_new'
  | 'invoices'
  | 'invoices_closed'
  | 'methods_in_dunning';

export interface StripeSyncCursorsTable {
  resource: StripeSyncResource;
  pass: number; // which walk over the resource this is; a new sync starts the next one
  cursor: string | null; // the last object whose page is committed: Stripe's starting_after, or a Recoup id
  started_at: number;
  updated_at: number;
  completed_at: number | null; // null while the pass is unfinished
  high_water: ColumnType<number | null, number | null | undefined, number | null>; // newest Stripe `created` seen (s)
}

export interface StripeSyncSeenTable {
  stripe_id: string; // an open Stripe invoice the current pass listed
  pass: number;
}

export interface StripeTables {
  stripe_sync_cursors: StripeSyncCursorsTable;
  stripe_sync_seen: StripeSyncSeenTable;
}
