import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseCiphertext } from '../../src/security/ciphertext.ts';
import { DecryptionError, FieldCipher } from '../../src/security/field-cipher.ts';
import { Keyring } from '../../src/security/keyring.ts';

const k1 = { id: 'k1', material: randomBytes(32) };
const k2 = { id: 'k2', material: randomBytes(32) };
const cipherWith = (...keys: { id: string; material: Buffer }[]) =>
  new FieldCipher(new Keyring(keys, 'test keys'));
const CONTEXT = 'customers.email:cus_1';

/** Replaces one base64url part of a stored value, keeping the rest. */
function withPart(value: string, index: number, change: (bytes: Buffer) => Buffer): string {
  const parts = value.split(':');
  parts[index] = change(Buffer.from(parts[index]!, 'base64url')).toString('base64url');
  return parts.join(':');
}

function flipFirstBit(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  copy[0] = copy[0]! ^ 1;
  return copy;
}

describe('FieldCipher', () => {
  it('round-trips text, including empty and non-ASCII values, in the self-describing format', () => {
    const cipher = cipherWith(k1);
    for (const text of ['ana@example.com', '', '+14155550100', '{"line1":"Hauptstraße 5","city":"Köln"}']) {
      const sealed = cipher.seal(text, CONTEXT);
      expect(sealed).toMatch(/^enc:v1:k1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]*:[A-Za-z0-9_-]{22}$/);
      expect(sealed).not.toContain(text || '\u0000');
      expect(cipher.open(sealed, CONTEXT)).toBe(text);
    }
  });

  it('uses a fresh 96-bit IV for every value, so equal values never look equal', () => {
    const cipher = cipherWith(k1);
    const a = cipher.seal('ana@example.com', CONTEXT);
    const b = cipher.seal('ana@example.com', CONTEXT);
    expect(a).not.toBe(b);
    expect(parseCiphertext(a).iv).toHaveLength(12);
    expect(parseCiphertext(a).iv.equals(parseCiphertext(b).iv)).toBe(false);
  });

  it('detects a tampered ciphertext, tag or IV, and a value moved to another row or column', () => {
    const cipher = cipherWith(k1);
    const sealed = cipher.seal('ana@example.com', CONTEXT);
    const tampered = [
      withPart(sealed, 4, flipFirstBit), // ciphertext
      withPart(sealed, 5, flipFirstBit), // tag
      withPart(sealed, 3, flipFirstBit), // IV
    ];
    for (const value of tampered) {
      expect(() => cipher.open(value, CONTEXT)).toThrow(DecryptionError);
      expect(() => cipher.open(value, CONTEXT)).toThrow(/authentication failed/);
    }
    expect(() => cipher.open(sealed, 'customers.email:cus_2')).toThrow(DecryptionError);
    expect(() => cipher.open(sealed, 'customers.phone:cus_1')).toThrow(DecryptionError);
    expect(() => cipher.open('enc:v1:k1:nonsense', CONTEXT)).toThrow(/cannot decrypt customers.email:cus_1/);
  });

  it('refuses a value under the wrong key, or under a key id pointed at another key', () => {
    const sealed = cipherWith(k1).seal('ana@example.com', CONTEXT);
    const impostor = cipherWith({ id: 'k1', material: randomBytes(32) });
    expect(() => impostor.open(sealed, CONTEXT)).toThrow(/authentication failed/);
    expect(() => cipherWith(k2).open(sealed, CONTEXT)).toThrow(/key 'k1' is not in test keys/);
    // Editing the header to name another key in the keyring does not help: the key id is authenticated.
    const relabelled = sealed.replace('enc:v1:k1:', 'enc:v1:k2:');
    expect(() => cipherWith(k1, k2).open(relabelled, CONTEXT)).toThrow(DecryptionError);
  });

  it('decrypts with older keys while encrypting with the first one', () => {
    const old = cipherWith(k1).seal('ana@example.com', CONTEXT);
    const rotated = cipherWith(k2, k1);
    expect(rotated.activeKeyId).toBe('k2');
    expect(rotated.open(old, CONTEXT)).toBe('ana@example.com');
    expect(rotated.isCurrent(old)).toBe(false);
    const fresh = rotated.seal('ana@example.com', CONTEXT);
    expect(fresh.startsWith('enc:v1:k2:')).toBe(true);
    expect(rotated.isCurrent(fresh)).toBe(true);
  });

  it('passes plaintext written before encryption at rest through, and null through the nullable forms', () => {
    const cipher = cipherWith(k1);
    expect(cipher.open('legacy@example.com', CONTEXT)).toBe('legacy@example.com');
    expect(cipher.isCurrent('legacy@example.com')).toBe(false);
    expect(cipher.sealNullable(null, CONTEXT)).toBeNull();
    expect(cipher.openNullable(null, CONTEXT)).toBeNull();
  });

  it('never puts the value or key material in an error message', () => {
    const sealed = cipherWith(k1).seal('secret@example.com', CONTEXT);
    const error = (() => {
      try {
        cipherWith({ id: 'k1', material: randomBytes(32) }).open(sealed, CONTEXT);
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(DecryptionError);
    expect(error!.message).not.toContain('secret@example.com');
    expect(error!.message).not.toContain(sealed.split(':')[4]!);
    expect(error!.message).not.toContain(k1.material.toString('base64'));
  });
});
