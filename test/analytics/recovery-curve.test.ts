import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AGE_BUCKET_DAYS,
  type DurationCount,
  MIN_CASES_AT_RISK,
  forecastCollections,
  forecastModel,
  recoveryCurve,
  recoveryWithin,
} from '../../src/analytics/recovery-curve.ts';

const usd = (outcome: DurationCount['outcome'], day: number, cases: number): DurationCount => ({
  currency: 'USD',
  outcome,
  day,
  cases,
});

describe('the recovery curve', () => {
  it('counts every case at risk until the day it closed, and open cases until their age', () => {
    const curve = recoveryCurve([usd('recovered', 0, 4), usd('closed', 1, 2), usd('open', 2, 4)]);
    expect(curve.atRisk).toEqual([10, 6, 4]);
    expect(curve.recoveredRate).toEqual([0.4, 0, 0]);
    expect(curve.closedRate[0]).toBeCloseTo(0.4);
    expect(curve.closedRate[1]).toBeCloseTo(2 / 6);
    expect(curve.closedRate[2]).toBe(0);
  });

  it('chains daily rates: half recovered on day 0, half of the rest on day 1', () => {
    const curve = recoveryCurve([usd('recovered', 0, 50), usd('recovered', 1, 25), usd('closed', 1, 25)]);
    expect(recoveryWithin(curve, 0, 1)).toBeCloseTo(0.5);
    expect(recoveryWithin(curve, 0, 2)).toBeCloseTo(0.75);
    // A case still open at age 1 is one of the 50 that reached day 1: half of them recovered that day.
    expect(recoveryWithin(curve, 1, 30)).toBeCloseTo(0.5);
  });

  it('does not count young open cases as failures (they are censored, not lost)', () => {
    // 100 closed cases: half recovered on day 5, half closed otherwise on day 20; 100 more opened 2 days ago.
    const curve = recoveryCurve([usd('recovered', 5, 50), usd('closed', 20, 50), usd('open', 2, 100)]);
    expect(recoveryWithin(curve, 0, 30)).toBeCloseTo(0.5);
    // A naive share (recovered ÷ all cases) would say 0.25.
  });

  it('gives nothing beyond the recorded history and never more than 1', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            outcome: fc.constantFrom('recovered' as const, 'closed' as const, 'open' as const),
            day: fc.integer({ min: 0, max: 120 }),
            cases: fc.integer({ min: 1, max: 50 }),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        fc.integer({ min: 0, max: 130 }),
        (counts, age) => {
          const curve = recoveryCurve(counts);
          const p30 = recoveryWithin(curve, age, 30);
          const p60 = recoveryWithin(curve, age, 60);
          const p90 = recoveryWithin(curve, age, 90);
          expect(p30).toBeGreaterThanOrEqual(0);
          expect(p30).toBeLessThanOrEqual(p60 + 1e-12);
          expect(p60).toBeLessThanOrEqual(p90 + 1e-12);
          expect(p90).toBeLessThanOrEqual(1 + 1e-12);
          expect(recoveryWithin(curve, curve.atRisk.length, 90)).toBe(0);
        },
      ),
    );
  });
});

describe('the forecast model', () => {
  const enough = MIN_CASES_AT_RISK;

  it("uses a currency's own curve where it has enough history", () => {
    const model = forecastModel([
      { currency: 'USD', outcome: 'recovered', day: 3, cases: enough },
      { currency: 'USD', outcome: 'closed', day: 3, cases: enough },
      { currency: 'EUR', outcome: 'recovered', day: 3, cases: enough },
    ]);
    expect(model.probability('USD', 0, 30)).toBeCloseTo(0.5);
    expect(model.probability('EUR', 0, 30)).toBeCloseTo(1);
  });

  it('falls back to all currencies together for a week with too little history', () => {
    const model = forecastModel([
      { currency: 'USD', outcome: 'recovered', day: 3, cases: enough * 3 },
      { currency: 'USD', outcome: 'closed', day: 3, cases: enough },
      { currency: 'JPY', outcome: 'closed', day: 3, cases: 2 },
    ]);
    // JPY alone would say 0; the pooled curve says 90 of 122.
    expect(model.probability('JPY', 0, 30)).toBeCloseTo((enough * 3) / (enough * 4 + 2));
    expect(model.probability('GBP', 0, 30)).toBeCloseTo((enough * 3) / (enough * 4 + 2));
  });

  it('uses the oldest week with enough history for ages beyond it', () => {
    // Enough cases reach week 0 and week 1; nothing reaches week 10.
    const counts: DurationCount[] = [
      { currency: 'USD', outcome: 'recovered', day: 2, cases: enough },
      { currency: 'USD', outcome: 'recovered', day: AGE_BUCKET_DAYS + 1, cases: enough },
      { currency: 'USD', outcome: 'closed', day: AGE_BUCKET_DAYS + 2, cases: enough },
    ];
    const model = forecastModel(counts);
    const week1 = model.probability('USD', AGE_BUCKET_DAYS, 30);
    expect(week1).toBeCloseTo(0.5);
    expect(model.probability('USD', 10 * AGE_BUCKET_DAYS + 3, 30)).toBe(week1);
    expect(model.probability('USD', 10 * AGE_BUCKET_DAYS + 3, 90)).toBe(model.probability('USD', 7, 90));
  });

  it('forecasts nothing without any history', () => {
    expect(forecastModel([]).probability('USD', 5, 90)).toBe(0);
  });
});

describe('expected collections', () => {
  it('multiplies each balance by its probability, per currency, rounded to minor units at the end', () => {
    const model = {
      probability: (currency: string, age: number, horizon: 30 | 60 | 90) =>
        (currency === 'USD' ? (age < 7 ? 0.5 : 0.1) : 0.25) * (horizon / 90),
    };
    const result = forecastCollections(model, [
      { currency: 'USD', ageDays: 1, balance: 1_001 },
      { currency: 'USD', ageDays: 20, balance: 10_000 },
      { currency: 'EUR', ageDays: 3, balance: 400 },
    ]);
    expect(result).toEqual([
      { currency: 'EUR', openAmount: 400, next30Days: 33, next60Days: 67, next90Days: 100 },
      {
        currency: 'USD',
        openAmount: 11_001,
        next30Days: Math.round((1_001 * 0.5 + 10_000 * 0.1) / 3),
        next60Days: Math.round(((1_001 * 0.5 + 10_000 * 0.1) * 2) / 3),
        next90Days: Math.round(1_001 * 0.5 + 10_000 * 0.1),
      },
    ]);
  });
});
