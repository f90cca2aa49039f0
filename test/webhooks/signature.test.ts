import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from '../../src/webhooks/signature.ts';

const SECRET = 'whsec_test_secret';
const BODY = '{"id":"evt_1","type":"case.opened","data":{"amount_due":4900}}';
const T = 1_772_452_800; // 2026-03-02T12:00:00Z

describe('webhook signatures', () => {
  it('signs t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body"> as a receiver recomputes it', () => {
    const header = signWebhook(SECRET, BODY, T);
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    expect(header).toBe(`t=${T},v1=${expected}`);
    expect(verifyWebhookSignature(SECRET, header, BODY, 300, T)).toBe(true);
    expect(verifyWebhookSignature(SECRET, header, Buffer.from(BODY), 300, T + 10)).toBe(true);
  });

  it('rejects a tampered body, a wrong secret and a tampered timestamp', () => {
    const header = signWebhook(SECRET, BODY, T);
    expect(verifyWebhookSignature(SECRET, header, BODY.replace('4900', '4901'), 300, T)).toBe(false);
    expect(verifyWebhookSignature(`${SECRET}x`, header, BODY, 300, T)).toBe(false);
    expect(verifyWebhookSignature(SECRET, header.replace(`t=${T}`, `t=${T + 1}`), BODY, 300, T)).toBe(false);
  });

  it('rejects a signature older or newer than the tolerance', () => {
    const header = signWebhook(SECRET, BODY, T);
    expect(verifyWebhookSignature(SECRET, header, BODY, 300, T + 300)).toBe(true);
    expect(verifyWebhookSignature(SECRET, header, BODY, 300, T + 301)).toBe(false);
    expect(verifyWebhookSignature(SECRET, header, BODY, 300, T - 301)).toBe(false);
    expect(verifyWebhookSignature(SECRET, header, BODY, 3600, T + 3000)).toBe(true);
  });

  it('accepts any one matching v1 (secret rotation) and rejects malformed headers', () => {
    const good = signWebhook(SECRET, BODY, T).split(',')[1]!;
    const other = signWebhook('old-secret', BODY, T).split(',')[1]!;
    expect(verifyWebhookSignature(SECRET, `t=${T},${other},${good}`, BODY, 300, T)).toBe(true);
    expect(verifyWebhookSignature(SECRET, `t=${T},${other}`, BODY, 300, T)).toBe(false);
    for (const bad of [undefined, '', 'garbage', `t=${T}`, good, `t=abc,${good}`, `t=${T},v1=zz`])
      expect(verifyWebhookSignature(SECRET, bad, BODY, 300, T)).toBe(false);
  });
});
