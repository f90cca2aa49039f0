import type { ColumnType } from 'kysely';

// Email open and click tracking (migration 011): merged into the core `messages` table type through `Tables`.

/** When a message was first opened and first clicked, epoch ms; null until then, and left out on insert. */
export interface MessageTrackingColumns {
  opened_at: ColumnType<number | null, number | null | undefined, number | null>;
  clicked_at: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface MessageTrackingTables {
  messages: MessageTrackingColumns;
}
