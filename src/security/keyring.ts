import { createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { KEY_ID_PATTERN } from './ciphertext.ts';

/** One AES-256 key and the id that names it in every value it encrypts. */
export interface EncryptionKey {
  readonly id: string;
  readonly material: Buffer;
}

/** A key list that cannot be used; the message names where the keys came from and why, never a key. */
export class KeyringError extends Error {}

export const KEYS_VARIABLE = 'RECOUP_ENCRYPTION_KEYS';
const KEY_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * The keys Recoup may decrypt with; the first encrypts every new value. Key material is held in a private field,
 * so serialising or logging a Keyring shows its ids only.
 */
export class Keyring {
  readonly #keys: Map<string, Buffer>;
  readonly activeId: string;
  /** Where the keys came from, for error messages: the variable or the key file. */
  readonly source: string;

  constructor(keys: readonly EncryptionKey[], source: string) {
    if (keys.length === 0) throw new KeyringError(`${source}: no keys`);
    this.#keys = new Map();
    for (const key of keys) {
      if (!KEY_ID_PATTERN.test(key.id))
        throw new KeyringError(`${source}: key id '${key.id}' must be 1-64 letters, digits, '.', '_' or '-'`);
      if (this.#keys.has(key.id)) throw new KeyringError(`${source}: key id '${key.id}' appears twice`);
      if (key.material.length !== KEY_BYTES)
        throw new KeyringError(
          `${source}: key '${key.id}' must be ${KEY_BYTES} bytes, got ${key.material.length} bytes`,
        );
      this.#keys.set(key.id, key.material);
    }
    this.activeId = keys[0]!.id;
    this.source = source;
  }

  /** Every key id, the active one first. */
  get ids(): string[] {
    return [...this.#keys.keys()];
  }

  /** The key material for an id, or undefined when this keyring does not hold it. */
  material(id: string): Buffer | undefined {
    return this.#keys.get(id);
  }

  /**
   * A short, one-way fingerprint of a key: lets the database notice a different key reusing a known id without
   * storing anything that helps recover the key.
   */
  fingerprint(id: string): string {
    const material = this.#keys.get(id);
    if (!material) throw new KeyringError(`${this.source}: no key '${id}'`);
    return createHmac('sha256', material)
      .update('recoup encryption key fingerprint v1')
      .digest('hex')
      .slice(0, 32);
  }

  toJSON(): { active: string; ids: string[] } {
    return { active: this.activeId, ids: this.ids };
  }

  [inspect.custom](): string {
    return `Keyring(${this.source}; active ${this.activeId}; ${this.ids.length} keys)`;
  }
}

/** Decodes a key given as base64 (standard or URL alphabet) into exactly 32 bytes, or says what is wrong. */
export function decodeKey(text: string, source: string, id: string): Buffer {
  if (!BASE64.test(text)) throw new KeyringError(`${source}: key '${id}' is not base64`);
  const material = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (material.length !== KEY_BYTES)
    throw new KeyringError(
      `${source}: key '${id}' must decode to ${KEY_BYTES} bytes, got ${material.length} (generate one with: openssl rand -base64 32)`,
    );
  return material;
}

/** Parses `keyId:base64,keyId:base64,…` (the first key active) as RECOUP_ENCRYPTION_KEYS holds it. */
export function parseKeyList(text: string, source = KEYS_VARIABLE): Keyring {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) throw new KeyringError(`${source}: expected keyId:base64-32-bytes[,keyId:…]`);
  const keys = entries.map((entry, i) => {
    const colon = entry.indexOf(':');
    if (colon <= 0)
      throw new KeyringError(`${source}: entry ${i + 1} must be keyId:base64-32-bytes (missing the key id)`);
    const id = entry.slice(0, colon);
    if (!KEY_ID_PATTERN.test(id))
      throw new KeyringError(
        `${source}: entry ${i + 1}: key id must be 1-64 letters, digits, '.', '_' or '-'`,
      );
    return { id, material: decodeKey(entry.slice(colon + 1), source, id) };
  });
  return new Keyring(keys, source);
}

/** A new random key with an id that sorts by creation day and cannot collide in practice. */
export function generateKey(now = Date.now()): EncryptionKey {
  const day = new Date(now).toISOString().slice(0, 10).replace(/-/g, '');
  return { id: `k${day}-${randomBytes(4).toString('hex')}`, material: randomBytes(KEY_BYTES) };
}
