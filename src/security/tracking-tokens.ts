import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Keyring } from './keyring.ts';

/**
 * Signs and checks the tokens in email tracking URLs (`/t/o/<token>`, `/t/c/<token>?u=<url>`). A token is
 * `<message id>.<mac>`: the message id is a random id (no personal data), and the mac is HMAC-SHA256 over a purpose
 * label, the message id and, for a click, the destination URL, cut to 128 bits and base64url-encoded. Without the
 * key nobody can make a token, nor point a real click token at another URL (which would make us an open redirect).
 *
 * The key is derived with HKDF-SHA256 from the encryption keyring, not configured separately: every process that
 * can read the database already holds that keyring (the start-up check refuses a key that differs from the one the
 * database knows), it survives restarts (the variable or the key file), and there is no second secret to
 * configure, rotate or lose. HKDF with its own label keeps the derived key independent of the encryption key.
 * New tokens are signed with the active key's derivative, and a token signed with any key still in the keyring is
 * accepted, so rotating keys does not break the links in emails already sent; only removing a key from the keyring
 * does, for the emails sent while it was active.
 */
export class TrackingSigner {
  readonly #keys: readonly Buffer[];

  constructor(keyring: Keyring) {
    this.#keys = keyring.ids.map((id) =>
      Buffer.from(hkdfSync('sha256', keyring.material(id)!, SALT, INFO, KEY_BYTES)),
    );
  }

  /** The token of a message's open pixel. */
  openToken(messageId: string): string {
    return `${messageId}.${mac(this.#keys[0]!, openInput(messageId))}`;
  }

  /** The token of one link of a message: valid only together with exactly this destination URL. */
  clickToken(messageId: string, url: string): string {
    return `${messageId}.${mac(this.#keys[0]!, clickInput(messageId, url))}`;
  }

  /** The message id of a genuine open token, or null. */
  verifyOpen(token: string): string | null {
    const parts = splitToken(token);
    return parts && this.#matches(parts.mac, openInput(parts.messageId)) ? parts.messageId : null;
  }

  /** The message id of a genuine click token for exactly this URL, or null. */
  verifyClick(token: string, url: string): string | null {
    const parts = splitToken(token);
    return parts && this.#matches(parts.mac, clickInput(parts.messageId, url)) ? parts.messageId : null;
  }

  #matches(given: string, input: Buffer): boolean {
    const sent = Buffer.from(given, 'utf8');
    return this.#keys.some((key) => {
      const expected = Buffer.from(mac(key, input), 'utf8');
      return expected.length === sent.length && timingSafeEqual(expected, sent);
    });
  }
}

/** The signer for a keyring, derived once per keyring and shared by the engine and the API in one process. */
export function trackingSignerFor(keyring: Keyring): TrackingSigner {
  let signer = signers.get(keyring);
  if (!signer) {
    signer = new TrackingSigner(keyring);
    signers.set(keyring, signer);
  }
  return signer;
}

const signers = new WeakMap<Keyring, TrackingSigner>();
const KEY_BYTES = 32;
const MAC_BYTES = 16;
const SALT = Buffer.from('recoup', 'utf8');
const INFO = Buffer.from('recoup email tracking v1', 'utf8');
// Message ids are `msg_` plus base-36 characters; anything else is not ours and is refused before any HMAC.
const TOKEN = /^([A-Za-z0-9_-]{1,100})\.([A-Za-z0-9_-]{22})$/;

function splitToken(token: string): { messageId: string; mac: string } | null {
  const match = TOKEN.exec(token);
  return match ? { messageId: match[1]!, mac: match[2]! } : null;
}

// Each input starts with its purpose, and its parts are separated by a byte no id or URL contains, so an open
// token is never a click token and no two (id, URL) pairs hash the same text.
function openInput(messageId: string): Buffer {
  return Buffer.from(`open\u0000${messageId}`, 'utf8');
}

function clickInput(messageId: string, url: string): Buffer {
  return Buffer.from(`click\u0000${messageId}\u0000${url}`, 'utf8');
}

function mac(key: Buffer, input: Buffer): string {
  return createHmac('sha256', key).update(input).digest().subarray(0, MAC_BYTES).toString('base64url');
}
