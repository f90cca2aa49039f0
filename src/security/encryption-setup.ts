import type { Logger } from 'pino';
import type { Database } from '../store/database.ts';
import { FieldCipher } from './field-cipher.ts';
import { loadOrCreateKeyFile } from './key-file.ts';
import { checkKeyring } from './key-registry.ts';
import type { Keyring } from './keyring.ts';
import { reencryptStoredValues } from './reencrypt.ts';

/** Where the keys come from: RECOUP_ENCRYPTION_KEYS when set, else the key file. */
export interface KeySettings {
  readonly encryptionKeys: Keyring | null;
  readonly encryptionKeyFile: string;
}

/** The cipher for the configured keys; without RECOUP_ENCRYPTION_KEYS the key file is read or created. */
export function cipherFor(settings: KeySettings): FieldCipher {
  return new FieldCipher(settings.encryptionKeys ?? loadOrCreateKeyFile(settings.encryptionKeyFile));
}

/**
 * Run once a database is migrated, before it is used: checks the keyring against the keys the database has seen
 * and, on a database that held contact data before encryption at rest, encrypts it (resumable: an interrupted
 * run is finished by the next start or by `recoup keys rotate`).
 */
export async function prepareEncryption(
  database: Database,
  cipher: FieldCipher,
  now: number,
  logger: Logger,
): Promise<void> {
  const check = await checkKeyring(database.db, cipher.keyring, now);
  if (!check.plaintextPending) return;
  const report = await reencryptStoredValues(database, cipher, { scope: 'plaintext', now });
  logger.info(
    { rows: report.reencrypted, remaining: report.remaining },
    'encrypted contact data stored before encryption at rest',
  );
}
