import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.ts';

function configError(env: Record<string, string>): Error {
  try {
    loadConfig(env);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a ConfigError');
}

describe('time zone settings', () => {
  it('default to UTC and the time_zone, timezone and tz metadata keys', () => {
    const config = loadConfig({});
    expect(config.defaultTimeZone).toBe('UTC');
    expect(config.timeZoneMetadataKeys).toEqual(['time_zone', 'timezone', 'tz']);
    expect(loadConfig({ RECOUP_DEFAULT_TIME_ZONE: '', RECOUP_STRIPE_TIME_ZONE_KEYS: '' })).toMatchObject({
      defaultTimeZone: 'UTC',
      timeZoneMetadataKeys: ['time_zone', 'timezone', 'tz'],
    });
  });

  it('take a default zone in any letter case and keep its canonical spelling', () => {
    expect(loadConfig({ RECOUP_DEFAULT_TIME_ZONE: 'Europe/Berlin' }).defaultTimeZone).toBe('Europe/Berlin');
    expect(loadConfig({ RECOUP_DEFAULT_TIME_ZONE: 'america/new_york' }).defaultTimeZone).toBe(
      'America/New_York',
    );
    expect(loadConfig({ RECOUP_DEFAULT_TIME_ZONE: 'Asia/Kolkata' }).defaultTimeZone).toBe('Asia/Kolkata');
    expect(loadConfig({ RECOUP_DEFAULT_TIME_ZONE: 'Etc/UTC' }).defaultTimeZone).toBe('UTC');
  });

  it('refuse a default zone that is not an IANA name', () => {
    for (const bad of ['Mars/Olympus', 'GMT+5:30', '+05:00', 'Berlin']) {
      const error = configError({ RECOUP_DEFAULT_TIME_ZONE: bad });
      expect(error, bad).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(/^RECOUP_DEFAULT_TIME_ZONE: /);
      expect(error.message).toContain(bad);
    }
  });

  it('read a comma-separated key list, trimmed, in order, without repeats', () => {
    expect(loadConfig({ RECOUP_STRIPE_TIME_ZONE_KEYS: ' tz , customer_tz,tz' }).timeZoneMetadataKeys).toEqual(
      ['tz', 'customer_tz'],
    );
    const fortyChars = 'k'.repeat(40);
    const ten = Array.from({ length: 10 }, (_, i) => `key${i}`).join(',');
    expect(loadConfig({ RECOUP_STRIPE_TIME_ZONE_KEYS: fortyChars }).timeZoneMetadataKeys).toEqual([
      fortyChars,
    ]);
    expect(loadConfig({ RECOUP_STRIPE_TIME_ZONE_KEYS: ten }).timeZoneMetadataKeys).toHaveLength(10);
  });

  it('refuse empty, over-long, bracketed or too many keys', () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `key${i}`).join(',');
    for (const [bad, reason] of [
      ['tz,,timezone', /empty/],
      [' ', /empty/],
      ['tz,', /empty/],
      ['k'.repeat(41), /40-character/],
      ['profile[tz]', /square bracket/],
      [eleven, /at most 10 keys, got 11/],
    ] as const) {
      const error = configError({ RECOUP_STRIPE_TIME_ZONE_KEYS: bad });
      expect(error, bad).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(/^RECOUP_STRIPE_TIME_ZONE_KEYS: /);
      expect(error.message).toMatch(reason);
    }
  });
});
