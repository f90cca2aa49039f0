import { fieldContext } from '../security/encrypted-columns.ts';
import type { FieldCipher } from '../security/field-cipher.ts';
import type { Sealed } from '../security/sealed.ts';
import type { Queryable } from './database.ts';
import type { SettingsRow } from './schema/settings.ts';

// The one place a settings row is read and written, and its secret encrypted for storage and decrypted for use.

/** A group's stored row, or null when it was never saved. */
export async function readSetting(db: Queryable, key: string): Promise<SettingsRow | null> {
  return (await db.selectFrom('settings').selectAll().where('key', '=', key).executeTakeFirst()) ?? null;
}

/** Stores a group's row whole, replacing the one before (one statement: no reader sees half of it). */
export async function writeSetting(db: Queryable, row: SettingsRow): Promise<void> {
  const { key: _key, ...changes } = row;
  await db
    .insertInto('settings')
    .values(row)
    .onConflict((oc) => oc.column('key').doUpdateSet(changes))
    .execute();
}

/** Encrypts a group's secret for storage, bound to its key, so a value copied to another row does not decrypt. */
export function sealSettingSecret(cipher: FieldCipher, key: string, secret: string): Sealed {
  return cipher.seal(secret, fieldContext('settings', 'secret', key));
}

/** Decrypts a stored group's secret; null when it has none. */
export function openSettingSecret(
  cipher: FieldCipher,
  row: Pick<SettingsRow, 'key' | 'secret'>,
): string | null {
  return cipher.openNullable(row.secret, fieldContext('settings', 'secret', row.key));
}
