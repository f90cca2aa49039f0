import { describe, expect, it } from 'vitest';
import { minorToStripeAmount, stripeAmountToMinor } from '../../src/gateways/stripe/stripe-amounts.ts';

describe('Stripe amounts in Recoup minor units', () => {
  it('keeps the currencies where Stripe and ISO 4217 agree', () => {
    expect(stripeAmountToMinor(4_900, 'USD')).toBe(4_900);
    expect(stripeAmountToMinor(500, 'JPY')).toBe(500);
    expect(stripeAmountToMinor(5_120, 'KWD')).toBe(5_120);
  });

  it('rescales the currencies Stripe keeps in hundredths but Recoup counts whole', () => {
    expect(stripeAmountToMinor(10_000, 'ISK')).toBe(100);
    expect(stripeAmountToMinor(1_050, 'HUF')).toBe(11);
  });
});

describe('Recoup minor units in Stripe amounts', () => {
  it('is the inverse for whole amounts, whatever the case of the code', () => {
    expect(minorToStripeAmount(4_900, 'usd')).toBe(4_900);
    expect(minorToStripeAmount(100, 'ISK')).toBe(10_000);
    expect(minorToStripeAmount(11, 'huf')).toBe(1_100);
    for (const currency of ['USD', 'JPY', 'KWD', 'ISK', 'HUF'])
      expect(stripeAmountToMinor(minorToStripeAmount(1_234, currency), currency)).toBe(1_234);
  });
});
