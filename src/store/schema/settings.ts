import type { Selectable } from 'kysely';
import type { Sealed } from '../../security/sealed.ts';

// Settings changed at run time through the API (migration 013).

export interface SettingsTable {
  key: string; // the group: `email`
  value: string; // JSON of the group's settings, never holding its secret
  secret: Sealed | null; // the group's secret (the SMTP password), encrypted; write and read it through store/settings.ts
  updated_at: number;
  updated_by: string; // `user:usr_…`, `api_key:key_…` or `cli`, as api_keys.created_by
}

export interface SettingsTables {
  settings: SettingsTable;
}

export type SettingsRow = Selectable<SettingsTable>;
