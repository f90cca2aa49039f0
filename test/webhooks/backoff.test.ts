import { describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, RETRY_BASE_MS, RETRY_CAP_MS, retryDelayMs } from '../../src/webhooks/backoff.ts';

const HOUR = 3_600_000;

describe('webhook retry backoff', () => {
  it('starts at 10 s and doubles, within ±20% jitter', () => {
    for (let n = 1; n <= 8; n++) {
      const nominal = RETRY_BASE_MS * 2 ** (n - 1);
      expect(retryDelayMs(n, 0.5)).toBe(nominal);
      expect(retryDelayMs(n, 0)).toBe(nominal * 0.8);
      expect(retryDelayMs(n, 0.999_999)).toBeCloseTo(nominal * 1.2, -1);
    }
    expect(retryDelayMs(1, 0.5)).toBe(10_000);
  });

  it('never waits longer than 6 hours, however many attempts failed', () => {
    for (let n = 1; n <= 60; n++)
      for (const r of [0, 0.5, 0.999]) expect(retryDelayMs(n, r)).toBeLessThanOrEqual(RETRY_CAP_MS);
    expect(RETRY_CAP_MS).toBe(6 * HOUR);
    expect(retryDelayMs(30, 0.5)).toBe(RETRY_CAP_MS);
  });

  it('spreads jittered waits apart', () => {
    const waits = new Set(Array.from({ length: 50 }, () => retryDelayMs(5)));
    expect(waits.size).toBeGreaterThan(10);
  });

  it('gives up about three days after the first attempt', () => {
    let nominal = 0;
    let shortest = 0;
    let longest = 0;
    for (let n = 1; n < MAX_ATTEMPTS; n++) {
      nominal += retryDelayMs(n, 0.5);
      shortest += retryDelayMs(n, 0);
      longest += retryDelayMs(n, 0.999_999);
    }
    expect(nominal / HOUR).toBeGreaterThan(66);
    expect(nominal / HOUR).toBeLessThan(78);
    expect(shortest / HOUR).toBeGreaterThan(55);
    expect(longest / HOUR).toBeLessThan(80);
  });
});
