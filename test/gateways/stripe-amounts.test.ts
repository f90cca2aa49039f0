import { describe, expect, it } from 'vitest';
import { stripeAmountToMinor } from '../../../src/integrations/inbound/stripe-amounts.ts';

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
