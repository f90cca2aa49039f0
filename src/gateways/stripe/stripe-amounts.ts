import { minorUnitDigits } from '../../domain/money.ts';

// Stripe counts most currencies in hundredths, these in whole units, and these in thousandths
// (https://docs.stripe.com/currencies#zero-decimal).
const STRIPE_ZERO_DECIMAL = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
const STRIPE_THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

/**
 * Converts a Stripe amount into Recoup's minor units of the same currency. They agree for almost every currency;
 * where they do not (Stripe keeps ISK and HUF in hundredths, Recoup counts whole krónur and forints) the amount is
 * rescaled, rounding half up, since Stripe itself only moves whole units of those.
 */
export function stripeAmountToMinor(amount: number, currency: string): number {
  const stripeDigits = STRIPE_ZERO_DECIMAL.has(currency) ? 0 : STRIPE_THREE_DECIMAL.has(currency) ? 3 : 2;
  const shift = minorUnitDigits(currency) - stripeDigits;
  if (shift === 0) return amount;
  return shift > 0 ? amount * 10 ** shift : Math.round(amount / 10 ** -shift);
}
