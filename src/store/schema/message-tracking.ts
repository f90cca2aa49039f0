import type { ColumnType } from 'kysely';

// What became of a message (migrations 011 and 015): merged into the core `messages` table type through `Tables`.

type Stamp = ColumnType<number | null, number | null | undefined, number | null>;

/** When a message was first opened, first clicked, and answered by a payment; epoch ms, null until then. */
export interface MessageTrackingColumns {
  opened_at: Stamp;
  clicked_at: Stamp;
  /** When a payment on its case came in within 72 hours of its sending (analytics/message-payments.ts). */
  paid_at: Stamp;
}

export interface MessageTrackingTables {
  messages: MessageTrackingColumns;
}
