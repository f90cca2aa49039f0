// How long Recoup keeps what it needs only for a while; the pruning itself is retention.ts.

/** Stored idempotent responses answer repeats for a day, as Stripe's do; after that a key may be used afresh. */
export const IDEMPOTENCY_KEY_HOURS = 24;

/** How long Recoup keeps what it needs only for a while (RECOUP_EVENT_RETENTION_DAYS, RECOUP_INBOUND_RETENTION_DAYS). */
export interface RetentionSettings {
  /** Outbox events: the window `GET /v1/events` lists and `recoup webhooks replay` can replay. */
  readonly eventDays: number;
  /** Ids of applied inbound events, kept to ignore a billing system's retries of them. */
  readonly inboundDays: number;
}
