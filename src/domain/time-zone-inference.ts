import { IANAZone } from 'luxon';
import { ALPHA3_COUNTRIES, COUNTRY_ALIASES, COUNTRY_ZONES } from './time-zones/country-zones.ts';
import { REGION_ZONES, regionKey } from './time-zones/region-zones.ts';

/** Which fact a customer's time zone came from, most to least direct. */
export type TimeZoneSource = 'metadata' | 'address_region' | 'address_country' | 'default';

/** What a billing system knows about a customer that can place them in a time zone. */
export interface TimeZoneFacts {
  /** Free-form key/value data, e.g. a Stripe customer's metadata. */
  readonly metadata?: Readonly<Record<string, string>> | null;
  /** Metadata keys that may hold an IANA zone, checked in order, e.g. ['time_zone', 'timezone', 'tz']. */
  readonly metadataKeys: readonly string[];
  /** The postal address: an ISO 3166-1 country and the state, province or region within it. */
  readonly address?: { readonly country?: string | null; readonly state?: string | null } | null;
  /** The business's default zone, already valid, for when nothing else tells. */
  readonly fallback: string;
}

/** A zone and the fact it was inferred from. */
export interface InferredTimeZone {
  readonly zone: string;
  readonly source: TimeZoneSource;
}

/** The customer's zone: a metadata value, else their address's region or country, else the fallback. */
export function inferTimeZone(facts: TimeZoneFacts): InferredTimeZone {
  const stated = metadataZone(facts.metadata, facts.metadataKeys);
  if (stated !== null) return { zone: stated, source: 'metadata' };
  return addressZone(facts.address) ?? { zone: facts.fallback, source: 'default' };
}

// ICU accepts fixed offsets ('+05:00') as zones in newer runtimes; only named zones are IANA names.
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

// Node 20's ICU reports some zones by the old names CLDR keeps (Asia/Calcutta); tzdb renamed them, and the
// current names are what people type and what the country tables use.
const RENAMED: Readonly<Record<string, string>> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Coral_Harbour': 'America/Atikokan',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

// Keyed by lower-cased name: ICU ignores case, and the cache stays as small as the zone list.
const canonicalNames = new Map<string, string>();

/** The canonical spelling of an IANA zone name in any case ('europe/berlin' → 'Europe/Berlin'), or null. */
export function canonicalTimeZone(name: string): string | null {
  const trimmed = name.trim();
  const cacheKey = trimmed.toLowerCase();
  const known = canonicalNames.get(cacheKey);
  if (known !== undefined) return known;
  if (!ZONE_NAME.test(trimmed) || !IANAZone.isValidZone(trimmed)) return null;
  // ICU reports its own spelling of the name, which also resolves links (US/Eastern → America/New_York).
  const resolved = new Intl.DateTimeFormat('en-US', { timeZone: trimmed }).resolvedOptions().timeZone;
  const canonical = own(RENAMED, resolved) ?? resolved;
  canonicalNames.set(cacheKey, canonical);
  return canonical;
}

/** The ISO 3166-1 alpha-2 code of a country given by that code, its alpha-3 code or its English name. */
export function countryCode(country: string): string | null {
  const upper = country.trim().toUpperCase();
  if (/^[A-Z]{2}$/.test(upper) && own(COUNTRY_ZONES, upper) !== null) return upper;
  if (/^[A-Z]{3}$/.test(upper)) {
    const code = own(ALPHA3_COUNTRIES, upper);
    if (code !== null) return code;
  }
  const name = regionKey(country);
  return own(countryNames(), name) ?? own(COUNTRY_ALIASES, name);
}

function metadataZone(
  metadata: Readonly<Record<string, string>> | null | undefined,
  keys: readonly string[],
): string | null {
  if (!metadata) return null;
  for (const key of keys) {
    const value = own(metadata, key);
    // Metadata is typed by hand on the billing side: a bad value is skipped, never a reason to fail the sync.
    if (typeof value !== 'string') continue;
    const zone = canonicalTimeZone(value);
    if (zone !== null) return zone;
  }
  return null;
}

function addressZone(address: TimeZoneFacts['address']): InferredTimeZone | null {
  if (!address?.country) return null;
  const country = countryCode(address.country);
  if (country === null) return null;
  const regions = own(REGION_ZONES, country);
  const region = regions && address.state ? regionZone(regions, country, address.state) : null;
  if (region !== null) return { zone: region, source: 'address_region' };
  const zone = own(COUNTRY_ZONES, country);
  return zone === null ? null : { zone, source: 'address_country' };
}

function regionZone(
  regions: Readonly<Record<string, string>>,
  country: string,
  state: string,
): string | null {
  const code = state.trim().toUpperCase();
  // Stripe sends the bare subdivision code (CA, NSW); other systems send the full ISO 3166-2 code (US-CA).
  const bare = code.startsWith(`${country}-`) ? code.slice(country.length + 1) : code;
  return own(regions, bare) ?? own(regions, regionKey(state));
}

let namesByKey: Readonly<Record<string, string>> | null = null;

// English names come from ICU rather than a table of our own: long ('United Kingdom') and short ('UK') forms.
function countryNames(): Readonly<Record<string, string>> {
  if (namesByKey !== null) return namesByKey;
  const names: Record<string, string> = {};
  for (const style of ['long', 'short'] as const) {
    const display = new Intl.DisplayNames('en', { type: 'region', style });
    for (const code of Object.keys(COUNTRY_ZONES)) {
      const name = display.of(code);
      if (name && name !== code) names[regionKey(name)] ??= code;
    }
  }
  namesByKey = names;
  return names;
}

// Keys come from customer data: 'constructor' must not find Object.prototype's.
function own<T>(record: Readonly<Record<string, T>>, key: string): T | null {
  return Object.hasOwn(record, key) ? (record[key] ?? null) : null;
}
