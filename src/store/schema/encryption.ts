// Encryption at rest: which keys this database has seen, so a wrong or missing key is caught at start-up.

/**
 * One key id that encrypted (or may have encrypted) values in this database. The reserved id `(plaintext)` stands
 * for values written before encryption at rest: while it is not retired, such values may still exist.
 */
export interface EncryptionKeysTable {
  id: string;
  fingerprint: string; // one-way HMAC under the key: a different key reusing the id is refused, nothing leaks
  first_seen_at: number;
  activated_at: number | null; // first start with this key active: values may be encrypted with it from then on
  retired_at: number | null; // when a rotation left no value under it: it may be dropped from the keyring
}

export interface EncryptionTables {
  encryption_keys: EncryptionKeysTable;
}
