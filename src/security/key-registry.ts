import type { Db } from '../store/database.ts';
import { type Keyring, KeyringError } from './keyring.ts';
import { countRowsWithValues } from './stored-values.ts';

/** The `encryption_keys` entry for values written before encryption at rest (no key id can contain brackets). */
export const PLAINTEXT_ID = '(plaintext)';

/** What start-up found: whether values written before encryption at rest may still be in the clear. */
export interface KeyringCheck {
  readonly plaintextPending: boolean;
}

/**
 * Checks a keyring against the keys this database has seen, before anything is read or written with it: a key
 * id whose fingerprint changed, or a key that still encrypts values but is missing from the keyring, stops the
 * start with a KeyringError. New keys and a newly active key are recorded. One read when nothing changed.
 */
export async function checkKeyring(db: Db, keyring: Keyring, now: number): Promise<KeyringCheck> {
  const known = new Map((await db.selectFrom('encryption_keys').selectAll().execute()).map((k) => [k.id, k]));
  for (const id of keyring.ids) {
    const row = known.get(id);
    if (row && row.fingerprint !== keyring.fingerprint(id))
      throw new KeyringError(
        `${keyring.source}: key '${id}' is not the key this database knows by that id; restore the original key`,
      );
  }
  for (const row of known.values()) {
    if (row.id === PLAINTEXT_ID || row.activated_at === null || row.retired_at !== null) continue;
    if (keyring.material(row.id)) continue;
    // Only a count can tell whether the missing key still matters; this runs only while the keyring is wrong.
    const values = await countRowsWithValues(db, { kind: 'under', keyId: row.id });
    if (values > 0)
      throw new KeyringError(
        `${keyring.source}: key '${row.id}' is missing but still encrypts ${values} rows; add it back ` +
          `(a key may be removed once 'recoup keys rotate' has re-encrypted everything)`,
      );
    await db.updateTable('encryption_keys').set({ retired_at: now }).where('id', '=', row.id).execute();
  }
  const fresh = keyring.ids.filter((id) => !known.has(id));
  if (fresh.length > 0)
    await db
      .insertInto('encryption_keys')
      .values(
        fresh.map((id) => ({
          id,
          fingerprint: keyring.fingerprint(id),
          first_seen_at: now,
          activated_at: null,
          retired_at: null,
        })),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  const active = known.get(keyring.activeId);
  if (!active || active.activated_at === null || active.retired_at !== null)
    await db
      .updateTable('encryption_keys')
      .set({ activated_at: active?.activated_at ?? now, retired_at: null })
      .where('id', '=', keyring.activeId)
      .execute();
  const plaintext = known.get(PLAINTEXT_ID);
  return { plaintextPending: plaintext !== undefined && plaintext.retired_at === null };
}

/** Marks every key but the active one (and the plaintext entry) retired: no stored value needs them any more. */
export async function retireKeysBut(db: Db, activeId: string, now: number): Promise<string[]> {
  const retired = await db
    .updateTable('encryption_keys')
    .set({ retired_at: now })
    .where('id', '<>', activeId)
    .where('retired_at', 'is', null)
    .returning('id')
    .execute();
  return retired.map((r) => r.id);
}

/** Marks the plaintext entry retired: every value written before encryption at rest is now encrypted. */
export async function retirePlaintext(db: Db, now: number): Promise<void> {
  await db
    .updateTable('encryption_keys')
    .set({ retired_at: now })
    .where('id', '=', PLAINTEXT_ID)
    .where('retired_at', 'is', null)
    .execute();
}
