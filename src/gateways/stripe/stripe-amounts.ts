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
  const shift = minorUnitDigits(currency.toUpperCase()) - stripeDigits(currency);
  if (shift === 0) return amount;
  return shift > 0 ? amount * 10 ** shift : Math.round(amount / 10 ** -shift);
}

/** Converts Recoup's minor units into the amount Stripe expects for the currency (the inverse of the above). */
export function minorToStripeAmount(amount: number, currency: string): number {
  const shift = stripeDigits(currency) - minorUnitDigits(currency.toUpperCase());
  if (shift === 0) return amount;
  return shift > 0 ? amount * 10 ** shift : Math.round(amount / 10 ** -shift);
}

function stripeDigits(currency: string): number {
  const code = currency.toUpperCase();
  return STRIPE_ZERO_DECIMAL.has(code) ? 0 : STRIPE_THREE_DECIMAL.has(code) ? 3 : 2;
}
