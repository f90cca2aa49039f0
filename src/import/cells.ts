import { DateTime } from 'luxon';
import { isValidTimeZone } from '../domain/contact-hours.ts';
import { isCurrency, minorUnitDigits, parseMajorUnits } from '../domain/money.ts';

/** A cell's value converted for storage, or why it cannot be. */
export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string };

/** Converts one non-empty cell: a trimmed string from CSV, or any JSON value but null from JSONL. */
export type CellParser<T> = (value: unknown) => Parsed<T>;

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (message: string): Parsed<never> => ({ ok: false, message });

// JSONL writers often emit numeric ids and digits as numbers; their decimal text is what was meant.
function asText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return null;
}

/** Text of at most `max` characters. */
export function text(max: number): CellParser<string> {
  return (value) => {
    const s = asText(value);
    if (s === null) return fail('expected text');
    return s.length <= max ? ok(s) : fail(`must be at most ${max} characters`);
  };
}

/** One of a fixed set of words, matched case-insensitively. */
export function oneOf<const T extends string>(allowed: readonly T[]): CellParser<T> {
  return (value) => {
    const s = asText(value)?.toLowerCase();
    const match = allowed.find((a) => a === s);
    return match ? ok(match) : fail(`expected one of ${allowed.join(', ')}`);
  };
}

/** A whole number within [min, max]. */
export function integer(min: number, max: number): CellParser<number> {
  return (value) => {
    const s = asText(value);
    const n = s !== null && /^-?\d+$/.test(s) ? Number(s) : Number.NaN;
    return Number.isSafeInteger(n) && n >= min && n <= max
      ? ok(n)
      : fail(`expected a whole number from ${min} to ${max}`);
  };
}

/** A four-digit year, as card expiry dates carry. */
export const year: CellParser<number> = (value) => {
  const s = asText(value);
  return s !== null && /^\d{4}$/.test(s) ? ok(Number(s)) : fail('expected a 4-digit year such as 2028');
};

/** Text matching `pattern`, explained by `expected` when it does not. */
export function matching(pattern: RegExp, expected: string): CellParser<string> {
  return (value) => {
    const s = asText(value);
    return s !== null && pattern.test(s) ? ok(s) : fail(`expected ${expected}`);
  };
}

/** An email address; deliverability is the channel's concern, this only catches obvious typos. */
export const email = matching(/^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/, 'an email address such as ana@example.com');

/** A phone number in E.164 form. */
export const phone = matching(/^\+[1-9]\d{6,14}$/, 'an E.164 phone number such as +14155550100');

/** A BCP 47 locale, stored in its canonical casing (en-us → en-US). */
export const locale: CellParser<string> = (value) => {
  const s = asText(value);
  try {
    const canonical = s === null ? undefined : Intl.getCanonicalLocales(s)[0];
    if (canonical) return ok(canonical);
  } catch {
    // RangeError: not a well-formed tag
  }
  return fail('expected a BCP 47 locale such as en-US');
};

/** An IANA time zone name. */
export const timeZone: CellParser<string> = (value) => {
  const s = asText(value);
  return s !== null && isValidTimeZone(s) ? ok(s) : fail('expected an IANA time zone such as Europe/Berlin');
};

/** An ISO 4217 currency code in any case, stored upper-case. */
export const currency: CellParser<string> = (value) => {
  const s = asText(value)?.toUpperCase() ?? '';
  return isCurrency(s) ? ok(s) : fail('expected an ISO 4217 currency code such as EUR');
};

/**
 * A gateway token. Card numbers are refused so that none is ever stored; the message does not repeat the value
 * because error output ends up in logs.
 */
export const gatewayToken: CellParser<string> = (value) => {
  const s = asText(value);
  if (s === null) return fail('expected text');
  if (/^[\d\s-]+$/.test(s)) {
    const digits = s.replace(/\D/g, '').length;
    if (digits >= 13 && digits <= 19)
      return fail(
        "looks like a card number: import the gateway's token (e.g. tok_… or pm_…), never the card number",
      );
  }
  return s.length <= 500 ? ok(s) : fail('must be at most 500 characters');
};

const DATE = /^[1-9]\d{3}-\d{2}-\d{2}$/;
const ZONE_SUFFIX = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;
const INSTANT_EXPECTED = 'expected a date such as 2026-03-01 or an ISO 8601 timestamp';

/** A calendar date (midnight UTC that day) or an ISO 8601 timestamp with its zone, as epoch ms. */
export const instant: CellParser<number> = (value) => {
  if (typeof value !== 'string') return fail(INSTANT_EXPECTED);
  if (DATE.test(value)) {
    // Date.UTC rolls 2026-02-30 over into March; the round trip catches days a month does not have.
    const day = Date.UTC(
      Number(value.slice(0, 4)),
      Number(value.slice(5, 7)) - 1,
      Number(value.slice(8, 10)),
    );
    return new Date(day).toISOString().startsWith(value) ? ok(day) : fail(INSTANT_EXPECTED);
  }
  const at = DateTime.fromISO(value, { setZone: true });
  if (!at.isValid) return fail(INSTANT_EXPECTED);
  // Without a zone the instant would silently depend on the server's time zone.
  if (!ZONE_SUFFIX.test(value))
    return fail('an ISO 8601 timestamp needs its zone, e.g. 2026-03-01T09:30:00Z');
  return ok(at.toMillis());
};

/** A JSON object (in CSV, its JSON text), stored as JSON text. */
export const jsonObject: CellParser<string> = (value) => {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return fail('expected a JSON object such as {"plan":"pro"}');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return fail('expected a JSON object such as {"plan":"pro"}');
  return ok(JSON.stringify(parsed));
};

/** A set of words from `allowed`: `a;b` in CSV or an array in JSONL; stored sorted and without repeats. */
export function wordSet(allowed: readonly string[]): CellParser<string[]> {
  return (value) => {
    const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(';') : null;
    if (items === null) return fail(`expected a list of ${allowed.join(', ')}`);
    const words = new Set<string>();
    for (const item of items) {
      const word = typeof item === 'string' ? item.trim().toLowerCase() : null;
      if (word === '') continue;
      if (word === null || !allowed.includes(word))
        return fail(`unknown value '${String(item)}'; allowed: ${allowed.join(', ')}`);
      words.add(word);
    }
    return ok([...words].sort());
  };
}

/**
 * A non-negative amount in major units ("1234.56", or a JSON number taken by its decimal text), converted to
 * minor units exactly; never through floating-point multiplication.
 */
export function amount(code: string): CellParser<number> {
  return (value) => {
    const s = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : null;
    const minor = s === null ? null : parseMajorUnits(s, code);
    if (minor === null) {
      const digits = minorUnitDigits(code);
      if (s !== null && /^-?\d+\.\d+$/.test(s))
        return fail(`${code} allows ${digits === 0 ? 'no' : `at most ${digits}`} decimal places`);
      return fail(
        `expected an amount in ${code} such as ${digits === 0 ? '1234' : `1234.${'5'.repeat(digits)}`}`,
      );
    }
    return minor < 0 ? fail('must not be negative') : ok(minor);
  };
}

/** Minor units back in major-unit text, for messages: 123456 EUR → "1234.56". */
export function majorText(minor: number, code: string): string {
  const digits = minorUnitDigits(code);
  if (digits === 0) return String(minor);
  const s = String(minor).padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}
