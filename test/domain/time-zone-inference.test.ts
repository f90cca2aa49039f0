import { IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  type TimeZoneFacts,
  canonicalTimeZone,
  countryCode,
  inferTimeZone,
} from '../../src/domain/time-zone-inference.ts';
import { ALPHA3_COUNTRIES, COUNTRY_ZONES } from '../../src/domain/time-zones/country-zones.ts';
import { REGION_ZONES, regionKey } from '../../src/domain/time-zones/region-zones.ts';

const KEYS = ['time_zone', 'timezone', 'tz'];
const FALLBACK = 'Europe/London';

const infer = (facts: Partial<TimeZoneFacts>) =>
  inferTimeZone({ metadataKeys: KEYS, fallback: FALLBACK, ...facts });
const at = (country: string | null, state?: string | null) => infer({ address: { country, state } });

describe('inferTimeZone from metadata', () => {
  it('takes the first configured key holding a valid zone, in key order', () => {
    const metadata = { tz: 'Asia/Tokyo', timezone: 'America/Chicago', time_zone: 'Europe/Paris' };
    expect(infer({ metadata })).toEqual({ zone: 'Europe/Paris', source: 'metadata' });
    expect(infer({ metadata, metadataKeys: ['tz', 'time_zone'] })).toEqual({
      zone: 'Asia/Tokyo',
      source: 'metadata',
    });
    expect(infer({ metadata: { plan: 'gold', tz: 'Asia/Tokyo' } }).zone).toBe('Asia/Tokyo');
  });

  it('skips invalid values to the next key, then to the address, never throwing', () => {
    expect(infer({ metadata: { time_zone: 'Mars/Olympus', tz: 'Asia/Tokyo' } })).toEqual({
      zone: 'Asia/Tokyo',
      source: 'metadata',
    });
    const address = { country: 'DE' };
    for (const bad of ['', '  ', 'CET-ish', '+05:00', 'Europe/', '../etc/passwd', 'x'.repeat(500)]) {
      expect(infer({ metadata: { time_zone: bad }, address }), bad).toEqual({
        zone: 'Europe/Berlin',
        source: 'address_country',
      });
    }
    const odd = { time_zone: 42 } as unknown as Record<string, string>;
    expect(infer({ metadata: odd })).toEqual({ zone: FALLBACK, source: 'default' });
  });

  it('ignores keys that are not configured, and inherited properties', () => {
    expect(infer({ metadata: { zone: 'Asia/Tokyo' } }).source).toBe('default');
    expect(infer({ metadata: {}, metadataKeys: ['constructor', 'toString'] }).source).toBe('default');
    expect(infer({ metadata: null }).source).toBe('default');
  });

  it('accepts any letter case and returns the canonical spelling', () => {
    expect(infer({ metadata: { tz: 'europe/berlin' } }).zone).toBe('Europe/Berlin');
    expect(infer({ metadata: { tz: ' AMERICA/NEW_YORK ' } }).zone).toBe('America/New_York');
    expect(infer({ metadata: { tz: 'asia/kolkata' } }).zone).toBe('Asia/Kolkata');
    expect(infer({ metadata: { tz: 'UTC' } }).zone).toBe('UTC');
    expect(infer({ metadata: { tz: 'Etc/UTC' } }).zone).toBe('UTC');
  });
});

describe('canonicalTimeZone', () => {
  it('spells zones as tzdb does now, whatever ICU calls them', () => {
    expect(canonicalTimeZone('Asia/Calcutta')).toBe('Asia/Kolkata');
    expect(canonicalTimeZone('europe/kiev')).toBe('Europe/Kyiv');
    expect(canonicalTimeZone('Europe/Kyiv')).toBe('Europe/Kyiv');
    expect(canonicalTimeZone('America/Buenos_Aires')).toBe('America/Argentina/Buenos_Aires');
    expect(canonicalTimeZone('US/Eastern')).toBe('America/New_York');
    expect(canonicalTimeZone('Mars/Olympus')).toBeNull();
  });
});

describe('inferTimeZone from a US, Canadian or Australian address', () => {
  it('reads a state as its code, its prefixed code or its name', () => {
    expect(at('US', 'CA')).toEqual({ zone: 'America/Los_Angeles', source: 'address_region' });
    expect(at('US', 'New York')).toEqual({ zone: 'America/New_York', source: 'address_region' });
    expect(at('US', 'US-HI')).toEqual({ zone: 'Pacific/Honolulu', source: 'address_region' });
    expect(at('US', 'AZ').zone).toBe('America/Phoenix');
    expect(at('us', ' tx ').zone).toBe('America/Chicago');
    expect(at('US', 'new york').zone).toBe('America/New_York');
    expect(at('US', 'District of Columbia').zone).toBe('America/New_York');
    expect(at('US', 'Indiana').zone).toBe('America/Indiana/Indianapolis');
    expect(at('US', 'PR').zone).toBe('America/Puerto_Rico');
  });

  it('gives split states their majority zone', () => {
    expect(at('US', 'FL').zone).toBe('America/New_York');
    expect(at('US', 'TN').zone).toBe('America/Chicago');
    expect(at('US', 'OR').zone).toBe('America/Los_Angeles');
    expect(at('US', 'ID').zone).toBe('America/Boise');
  });

  it('reads Canadian provinces in English and French', () => {
    expect(at('CA', 'QC')).toEqual({ zone: 'America/Toronto', source: 'address_region' });
    expect(at('CA', 'Québec')).toEqual({ zone: 'America/Toronto', source: 'address_region' });
    expect(at('CA', 'quebec').zone).toBe('America/Toronto');
    expect(at('CA', 'BC').zone).toBe('America/Vancouver');
    expect(at('CA', 'Terre-Neuve-et-Labrador').zone).toBe('America/St_Johns');
  });

  it('reads Australian states', () => {
    expect(at('AU', 'WA')).toEqual({ zone: 'Australia/Perth', source: 'address_region' });
    expect(at('AU', 'New South Wales').zone).toBe('Australia/Sydney');
    expect(at('AU', 'AU-QLD').zone).toBe('Australia/Brisbane');
  });
});

describe('inferTimeZone from other multi-zone countries', () => {
  it('reads regions case- and accent-insensitively', () => {
    expect(at('BR', 'AM')).toEqual({ zone: 'America/Manaus', source: 'address_region' });
    expect(at('BR', 'São Paulo').zone).toBe('America/Sao_Paulo');
    expect(at('BR', 'sao paulo').zone).toBe('America/Sao_Paulo');
    expect(at('ES', 'CN')).toEqual({ zone: 'Atlantic/Canary', source: 'address_region' });
    expect(at('ES', 'Islas Canarias').zone).toBe('Atlantic/Canary');
    expect(at('PT', '20').zone).toBe('Atlantic/Azores');
    expect(at('EC', 'W').zone).toBe('Pacific/Galapagos');
    expect(at('NZ', 'CIT').zone).toBe('Pacific/Chatham');
    expect(at('MX', 'Baja California').zone).toBe('America/Tijuana');
    expect(at('MX', 'ROO').zone).toBe('America/Cancun');
    expect(at('RU', 'Sverdlovsk Oblast').zone).toBe('Asia/Yekaterinburg');
    expect(at('RU', 'Свердловская область').zone).toBe('Asia/Yekaterinburg');
    expect(at('RU', 'KGD').zone).toBe('Europe/Kaliningrad');
    expect(at('ID', 'Bali').zone).toBe('Asia/Makassar');
    expect(at('MN', 'Hovd').zone).toBe('Asia/Hovd');
  });

  it('falls back to the country’s most populous zone when the region is missing or unknown', () => {
    for (const state of [undefined, null, '', 'Narnia', 'XX', 'US-XX']) {
      expect(at('US', state), String(state)).toEqual({ zone: 'America/New_York', source: 'address_country' });
    }
    expect(at('AU', 'Jervis Bay')).toEqual({ zone: 'Australia/Sydney', source: 'address_country' });
    expect(at('ES', 'Madrid')).toEqual({ zone: 'Europe/Madrid', source: 'address_country' });
    expect(at('RU', 'Tverskaya')).toEqual({ zone: 'Europe/Moscow', source: 'address_country' });
    expect(at('US', 'constructor')).toEqual({ zone: 'America/New_York', source: 'address_country' });
  });
});

describe('inferTimeZone from a single-zone country', () => {
  it('uses the country’s zone, whatever the state says', () => {
    expect(at('DE')).toEqual({ zone: 'Europe/Berlin', source: 'address_country' });
    expect(at('FR', 'Île-de-France')).toEqual({ zone: 'Europe/Paris', source: 'address_country' });
    expect(at('JP', '13')).toEqual({ zone: 'Asia/Tokyo', source: 'address_country' });
    expect(at('IN', 'MH')).toEqual({ zone: 'Asia/Kolkata', source: 'address_country' });
    expect(at(' gb ').zone).toBe('Europe/London');
  });

  it('also reads the alpha-3 code and the English name', () => {
    expect(at('DEU').zone).toBe('Europe/Berlin');
    expect(at('Germany').zone).toBe('Europe/Berlin');
    expect(at('United Kingdom').zone).toBe('Europe/London');
    expect(at('USA', 'CA').zone).toBe('America/Los_Angeles');
    expect(at('United States', 'US-CA').zone).toBe('America/Los_Angeles');
    expect(countryCode('Côte d’Ivoire')).toBe('CI');
    expect(countryCode('UK')).toBe('GB');
    expect(countryCode('Narnia')).toBeNull();
  });
});

describe('inferTimeZone with nothing to go on', () => {
  it('uses the fallback for an unknown, missing or odd country', () => {
    for (const country of ['ZZ', 'XYZ', '', '   ', 'Narnia', 'constructor', '__proto__', null]) {
      expect(at(country, 'CA'), String(country)).toEqual({ zone: FALLBACK, source: 'default' });
    }
    expect(infer({})).toEqual({ zone: FALLBACK, source: 'default' });
    expect(infer({ address: null })).toEqual({ zone: FALLBACK, source: 'default' });
    expect(infer({ address: { state: 'CA' } })).toEqual({ zone: FALLBACK, source: 'default' });
  });
});

describe('the zone tables', () => {
  const regionZones = Object.entries(REGION_ZONES).flatMap(([country, regions]) =>
    Object.entries(regions).map(([key, zone]) => ({ country, key, zone })),
  );

  it('name only zones this runtime knows, spelled canonically', () => {
    for (const [country, zone] of Object.entries(COUNTRY_ZONES)) {
      expect(IANAZone.isValidZone(zone), `${country} ${zone}`).toBe(true);
      expect(canonicalTimeZone(zone), `${country} ${zone}`).toBe(zone);
    }
    for (const { country, key, zone } of regionZones) {
      expect(IANAZone.isValidZone(zone), `${country} ${key} ${zone}`).toBe(true);
      expect(canonicalTimeZone(zone), `${country} ${key} ${zone}`).toBe(zone);
    }
  });

  it('cover every ISO 3166-1 country, keyed by upper-case alpha-2 codes', () => {
    const countries = Object.keys(COUNTRY_ZONES);
    expect(countries.length).toBeGreaterThanOrEqual(240);
    for (const code of countries) expect(code).toMatch(/^[A-Z]{2}$/);
    for (const code of Object.keys(REGION_ZONES)) {
      expect(code).toMatch(/^[A-Z]{2}$/);
      expect(COUNTRY_ZONES[code], code).toBeDefined();
    }
    for (const [alpha3, alpha2] of Object.entries(ALPHA3_COUNTRIES)) {
      expect(alpha3).toMatch(/^[A-Z]{3}$/);
      expect(COUNTRY_ZONES[alpha2], alpha3).toBeDefined();
    }
    expect(Object.keys(ALPHA3_COUNTRIES).length).toBe(countries.length);
  });

  it('key regions by upper-case code or by folded name', () => {
    for (const { country, key } of regionZones) {
      const isCode = /^[A-Z0-9]{1,4}$/.test(key);
      expect(isCode || regionKey(key) === key, `${country} ${key}`).toBe(true);
    }
  });

  it('list every US state and the regions the brief names', () => {
    const us = REGION_ZONES['US']!;
    const states = Object.keys(us).filter((key) => /^[A-Z]{2}$/.test(key));
    expect(states.length).toBe(57); // 50 states, DC, PR, VI, GU, AS, MP, UM
    const counts = Object.fromEntries(
      ['CA', 'AU', 'BR', 'MX'].map((c) => [c, new Set(codesOf(REGION_ZONES[c]!)).size]),
    );
    expect(counts['AU']).toBe(8);
    expect(counts['BR']).toBe(27);
    expect(counts['CA']).toBeGreaterThanOrEqual(13);
    expect(codesOf(REGION_ZONES['MX']!).filter((c) => c.length === 3).length).toBeGreaterThanOrEqual(32);
  });

  it('hold the brief’s most populous choices', () => {
    expect(COUNTRY_ZONES['IN']).toBe('Asia/Kolkata');
    expect(COUNTRY_ZONES['AR']).toBe('America/Argentina/Buenos_Aires');
    expect(COUNTRY_ZONES['UA']).toBe('Europe/Kyiv');
    expect(COUNTRY_ZONES['US']).toBe('America/New_York');
    expect(COUNTRY_ZONES['CA']).toBe('America/Toronto');
    expect(COUNTRY_ZONES['AU']).toBe('Australia/Sydney');
    expect(COUNTRY_ZONES['BR']).toBe('America/Sao_Paulo');
    expect(COUNTRY_ZONES['RU']).toBe('Europe/Moscow');
    expect(COUNTRY_ZONES['CL']).toBe('America/Santiago');
  });
});

function codesOf(regions: Readonly<Record<string, string>>): string[] {
  return Object.keys(regions).filter((key) => /^[A-Z0-9]+$/.test(key));
}
