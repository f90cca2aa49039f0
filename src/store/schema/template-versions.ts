import type { ColumnType, Selectable } from 'kysely';

// Email templates edited through the API: every save is a new row, never changed (see migration 012).

/** Who saved a template version: the audit log's actor kinds that can make changes. */
export type TemplateActorType = 'user' | 'api_key' | 'cli';

export interface TemplateVersionsTable {
  id: string;
  name: string;
  locale: string;
  version: number; // counts up from 1 per (name, locale)
  // The three Liquid parts; all null for a "reset to shipped" marker, which brings the file back.
  subject: string | null;
  text: string | null;
  html: string | null;
  created_at: number;
  actor_type: TemplateActorType; // as in audit_log: who saved it, resolved to a name when read
  actor_id: string;
}

/** What migration 012 adds to `messages`: the saved template version rendered, null for the shipped file. */
export interface MessageTemplateColumns {
  template_version: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface TemplateVersionsTables {
  template_versions: TemplateVersionsTable;
  messages: MessageTemplateColumns;
}

export type TemplateVersionRow = Selectable<TemplateVersionsTable>;
