/** Money is always an integer count of the currency's minor units (cents, pence, yen) with its ISO 4217 code. */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

const knownCurrencies = new Set(Intl.supportedValuesOf('currency'));

/** True when `code` is an upper-case ISO 4217 code that this runtime's Intl knows. */
export function isCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && knownCurrencies.has(code);
}

// Building an Intl.NumberFormat is slow; imports ask for the same few currencies hundreds of thousands of times.
const digitsByCurrency = new Map<string, number>();
const moneyFormats = new Map<string, Intl.NumberFormat>();

/** How many decimal places the currency's minor unit has (USD 2, JPY 0, KWD 3). */
export function minorUnitDigits(currency: string): number {
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    const format = new Intl.NumberFormat('en', { style: 'currency', currency });
    digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

/** Formats minor units for a person, in their locale: formatMoney(123456, 'EUR', 'de-DE') → "1.234,56 €". */
export function formatMoney(amount: number, currency: string, locale: string): string {
  const digits = minorUnitDigits(currency);
  const key = `${locale}|${currency}`;
  let format = moneyFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    moneyFormats.set(key, format);
  }
  return format.format(amount / 10 ** digits);
}

/** Parses a decimal string in major units ("12.34") into minor units without floating-point rounding. */
export function parseMajorUnits(text: string, currency: string): number | null {
  const digits = minorUnitDigits(currency);
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return null;
  const frac = m[3] ?? '';
  if (frac.length > digits) return null;
  const minor = Number(m[2]) * 10 ** digits + Number(frac.padEnd(digits, '0') || '0');
  if (!Number.isSafeInteger(minor)) return null;
  return m[1] ? -minor : minor;
}

/** True for a non-negative safe integer, the only shape an amount may take. */
export function isMinorAmount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
