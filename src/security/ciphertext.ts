/**
 * How an encrypted value is stored: `enc:v1:<keyId>:<iv>:<ciphertext>:<tag>`, the binary parts base64url. The key
 * id travels with the value, so a database can hold values under several keys while a rotation is under way.
 */
export interface CiphertextParts {
  readonly keyId: string;
  readonly iv: Buffer;
  readonly data: Buffer;
  readonly tag: Buffer;
}

export const CIPHERTEXT_PREFIX = 'enc:v1:';

/** Key ids are written into every value, so they are kept short and free of the `:` separator. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Raised for a stored value that looks encrypted but is not well formed; the message never repeats the value. */
export class CiphertextFormatError extends Error {}

/** The stored form of an encrypted value. */
export function formatCiphertext(parts: CiphertextParts): string {
  return [
    'enc',
    'v1',
    parts.keyId,
    parts.iv.toString('base64url'),
    parts.data.toString('base64url'),
    parts.tag.toString('base64url'),
  ].join(':');
}

/** True when a stored value is in the encrypted form (anything else is plaintext written before encryption). */
export function isCiphertext(value: string): boolean {
  return value.startsWith(CIPHERTEXT_PREFIX);
}

/** The id of the key a stored value is encrypted with, or null for plaintext. */
export function keyIdOf(value: string): string | null {
  if (!isCiphertext(value)) return null;
  const end = value.indexOf(':', CIPHERTEXT_PREFIX.length);
  return end === -1 ? null : value.slice(CIPHERTEXT_PREFIX.length, end);
}

/** Splits a stored value into its parts; throws CiphertextFormatError when it is not well formed. */
export function parseCiphertext(value: string): CiphertextParts {
  const parts = value.split(':');
  if (parts.length !== 6 || parts[0] !== 'enc' || parts[1] !== 'v1')
    throw new CiphertextFormatError('not an enc:v1 value');
  const [, , keyId, iv, data, tag] = parts as [string, string, string, string, string, string];
  if (!KEY_ID_PATTERN.test(keyId)) throw new CiphertextFormatError('malformed key id');
  if (![iv, data, tag].every((p) => BASE64URL.test(p)))
    throw new CiphertextFormatError('malformed base64url');
  const decoded = {
    keyId,
    iv: Buffer.from(iv, 'base64url'),
    data: Buffer.from(data, 'base64url'),
    tag: Buffer.from(tag, 'base64url'),
  };
  if (decoded.iv.length !== 12 || decoded.tag.length !== 16)
    throw new CiphertextFormatError('wrong IV or tag length');
  return decoded;
}
