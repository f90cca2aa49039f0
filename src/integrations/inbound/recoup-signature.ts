import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookRejectedError } from './errors.ts';

/**
 * The `Recoup-Signature` header value for a body: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, the
 * scheme Stripe uses and Recoup's outbound webhooks sign with. Senders (and tests) compute it the same way.
 */
export function signRecoupPayload(secret: string, body: Buffer | string, timestampSeconds: number): string {
  return `t=${timestampSeconds},v1=${hmac(secret, timestampSeconds, body)}`;
}

/**
 * Verifies a `Recoup-Signature` header against the raw body: one of its `v1` values must be the HMAC of
 * "<t>.<body>" and `t` within `toleranceSeconds` of `now`, either way, since a timestamp far in the future would
 * stretch the replay window as much as an old one. `timestamp` stands in for a header that carries no `t=`.
 * Returns the signed timestamp in seconds.
 */
export function verifyRecoupSignature(input: {
  readonly secret: string;
  readonly body: Buffer | string;
  readonly header: string | undefined;
  readonly timestamp?: number | undefined;
  readonly now: number;
  readonly toleranceSeconds: number;
}): number {
  if (!input.header?.trim())
    throw new WebhookRejectedError('missing-signature', 'Recoup-Signature header is missing');
  const parts = input.header.split(',').map((p) => p.trim().split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const signatures = parts.filter(([k, v]) => k === 'v1' && v).map(([, v]) => v!);
  const timestamp = t !== undefined ? Number(t) : input.timestamp;
  if (timestamp === undefined || !Number.isSafeInteger(timestamp) || signatures.length === 0)
    throw new WebhookRejectedError(
      'invalid-signature',
      'Recoup-Signature must read t=<unix seconds>,v1=<hex HMAC-SHA256>',
    );
  if (t !== undefined && input.timestamp !== undefined && input.timestamp !== timestamp)
    throw new WebhookRejectedError('invalid-signature', 'the timestamp header disagrees with the signature');
  const expected = Buffer.from(hmac(input.secret, timestamp, input.body), 'hex');
  const matches = signatures.some((s) => {
    const given = Buffer.from(s, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches)
    throw new WebhookRejectedError(
      'invalid-signature',
      'no signature matches the body and the shared secret',
    );
  // Checked after the HMAC so an unsigned request learns nothing about the clock.
  if (Math.abs(Math.floor(input.now / 1000) - timestamp) > input.toleranceSeconds)
    throw new WebhookRejectedError(
      'timestamp-outside-tolerance',
      `the signature's timestamp is more than ${input.toleranceSeconds} s away from the receiver's clock`,
    );
  return timestamp;
}

function hmac(secret: string, timestamp: number, body: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}
