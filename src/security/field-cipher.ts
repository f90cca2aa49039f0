import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  CIPHERTEXT_PREFIX,
  CiphertextFormatError,
  formatCiphertext,
  isCiphertext,
  parseCiphertext,
} from './ciphertext.ts';
import type { Keyring } from './keyring.ts';
import type { Sealed } from './sealed.ts';

/**
 * A stored value that cannot be decrypted: unknown key, wrong key or tampered. The message names the field and
 * the key id, never the value.
 */
export class DecryptionError extends Error {}

const ALGORITHM = 'aes-256-gcm';

/**
 * Encrypts and decrypts single fields with AES-256-GCM: a random 96-bit IV per value and a 128-bit tag that is
 * checked on every read. `context` names where the value lives (`customers.email:cus_…`) and is bound in as
 * associated data, so a value copied to another row or column fails to decrypt instead of being believed.
 */
export class FieldCipher {
  readonly #prefix: string;

  constructor(readonly keyring: Keyring) {
    this.#prefix = `${CIPHERTEXT_PREFIX}${keyring.activeId}:`;
  }

  /** The id of the key new values are encrypted with. */
  get activeKeyId(): string {
    return this.keyring.activeId;
  }

  /** Encrypts a value with the active key. */
  seal(plaintext: string, context: string): Sealed {
    const keyId = this.keyring.activeId;
    const iv = randomBytes(12);
    const cipher = createCipheriv(ALGORITHM, this.keyring.material(keyId)!, iv);
    cipher.setAAD(associatedData(keyId, context));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return formatCiphertext({ keyId, iv, data, tag: cipher.getAuthTag() }) as Sealed;
  }

  /** `seal` for a nullable column: null stays null. */
  sealNullable(plaintext: string | null, context: string): Sealed | null {
    return plaintext === null ? null : this.seal(plaintext, context);
  }

  /**
   * Decrypts a stored value with whichever key it names. A value without the `enc:` prefix was written before
   * encryption at rest and is returned as it is; `recoup keys rotate` (or the migration) encrypts it.
   */
  open(stored: string, context: string): string {
    if (!isCiphertext(stored)) return stored;
    let parts: ReturnType<typeof parseCiphertext>;
    try {
      parts = parseCiphertext(stored);
    } catch (error) {
      if (error instanceof CiphertextFormatError)
        throw new DecryptionError(`cannot decrypt ${context}: ${error.message}`);
      throw error;
    }
    const key = this.keyring.material(parts.keyId);
    if (!key)
      throw new DecryptionError(
        `cannot decrypt ${context}: key '${parts.keyId}' is not in ${this.keyring.source}`,
      );
    try {
      const decipher = createDecipheriv(ALGORITHM, key, parts.iv);
      decipher.setAAD(associatedData(parts.keyId, context));
      decipher.setAuthTag(parts.tag);
      return Buffer.concat([decipher.update(parts.data), decipher.final()]).toString('utf8');
    } catch {
      throw new DecryptionError(
        `cannot decrypt ${context}: authentication failed (a different key under id '${parts.keyId}', or the value was altered)`,
      );
    }
  }

  /** `open` for a nullable column: null stays null. */
  openNullable(stored: string | null, context: string): string | null {
    return stored === null ? null : this.open(stored, context);
  }

  /** True when a stored value is already encrypted with the active key (nothing for a rotation to do). */
  isCurrent(stored: string): boolean {
    return stored.startsWith(this.#prefix);
  }
}

// The key id is authenticated too, so the header cannot be edited to point a value at another key.
function associatedData(keyId: string, context: string): Buffer {
  return Buffer.from(`recoup:v1:${keyId}:${context}`, 'utf8');
}
