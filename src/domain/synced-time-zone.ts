import { type InferredTimeZone, type TimeZoneFacts, inferTimeZone } from './time-zone-inference.ts';

/** Where a synced customer's zone came from: inferred, or Recoup's own value kept. */
export type SyncedTimeZone = InferredTimeZone | { readonly zone: string; readonly source: 'kept' };

/** The source a synced customer's zone came from. */
export type TimeZoneOrigin = SyncedTimeZone['source'];

/** How customers' time zones are chosen when the billing system states none (the operator's settings). */
export interface TimeZoneSettings {
  /** Metadata keys read, in order: RECOUP_STRIPE_TIME_ZONE_KEYS. */
  readonly metadataKeys: readonly string[];
  /** The business's zone, for customers nothing else places: RECOUP_DEFAULT_TIME_ZONE. */
  readonly fallback: string;
}

/** What Recoup already holds for a customer a billing system sends again. */
export interface StoredZone {
  readonly zone: string;
  readonly address: { readonly country?: string | null; readonly state?: string | null } | null;
}

// Recoup filled in UTC for customers it could not place before it inferred zones: such a zone was never chosen.
const UNCHOSEN = 'UTC';

/**
 * The zone for a customer a billing system sends, which has no zone field of its own: one stated in its metadata
 * wins; otherwise Recoup's stored zone is kept while the customer's country and region are what they were (a
 * person may have set it), and inferred again from the address once they moved, or when it was never chosen.
 */
export function syncedTimeZone(facts: TimeZoneFacts, stored: StoredZone | null): SyncedTimeZone {
  const inferred = inferTimeZone(facts);
  if (inferred.source === 'metadata' || stored === null || stored.zone === UNCHOSEN) return inferred;
  return sameRegion(stored.address, facts.address ?? null) ? { zone: stored.zone, source: 'kept' } : inferred;
}

function sameRegion(a: StoredZone['address'], b: StoredZone['address']): boolean {
  const part = (value: string | null | undefined) => (value ?? '').trim().toLowerCase();
  return part(a?.country) === part(b?.country) && part(a?.state) === part(b?.state);
}
