import { createHmac, timingSafeEqual } from 'node:crypto';

// Every delivery carries `Recoup-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` (the scheme Stripe uses): the
// HMAC is keyed with the subscription's secret over the timestamp, a dot and the raw request body, byte for byte
// as received. A receiver recomputes it, compares in constant time and rejects timestamps outside a tolerance, so
// a captured request cannot be replayed later. Several `v1=` entries may appear; any one matching is enough.

/** The header that carries the signature. */
export const SIGNATURE_HEADER = 'Recoup-Signature';

/** The default tolerance between the signature's timestamp and the receiver's clock. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

function hmac(secret: string, timestamp: number, body: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}

/** The `Recoup-Signature` value for a body sent at `timestamp` (unix seconds, default now). */
export function signWebhook(
  secret: string,
  body: string | Buffer,
  timestamp = Math.floor(Date.now() / 1000),
): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body).toString('hex')}`;
}

/**
 * Whether `header` is a valid signature of the raw `body` with `secret`, made within `toleranceSeconds` of `now`
 * (unix seconds). Malformed headers are simply invalid.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined | null,
  body: string | Buffer,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
  now = Math.floor(Date.now() / 1000),
): boolean {
  if (!header) return false;
  let timestamp: number | null = null;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) candidates.push(value.toLowerCase());
  }
  if (timestamp === null || candidates.length === 0) return false;
  if (Math.abs(now - timestamp) > toleranceSeconds) return false;
  const expected = hmac(secret, timestamp, body);
  return candidates.some((c) => timingSafeEqual(Buffer.from(c, 'hex'), expected));
}
