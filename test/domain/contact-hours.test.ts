import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  type ContactWindow,
  DEFAULT_CONTACT_WINDOW,
  isContactAllowed,
  isValidTimeZone,
  nextAllowedContact,
  nextAllowedContactInAll,
  parseClock,
} from '../../src/domain/contact-hours.ts';

const utc = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

describe('parseClock and isValidTimeZone', () => {
  it('parses HH:mm within a day and rejects the rest', () => {
    expect(parseClock('00:00')).toEqual({ hour: 0, minute: 0 });
    expect(parseClock('23:59')).toEqual({ hour: 23, minute: 59 });
    for (const bad of ['24:00', '7:00', '07:60', '07:00:00', '', 'ab:cd']) expect(parseClock(bad)).toBeNull();
  });

  it('knows IANA zones', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});

describe('isContactAllowed', () => {
  it('applies 08:00–21:00 in the person’s zone with an exclusive end', () => {
    const ny = 'America/New_York';
    expect(isContactAllowed(utc('2026-06-01T12:00:00Z'), ny, DEFAULT_CONTACT_WINDOW)).toBe(true); // 08:00 EDT
    expect(isContactAllowed(utc('2026-06-01T11:59:59Z'), ny, DEFAULT_CONTACT_WINDOW)).toBe(false);
    expect(isContactAllowed(utc('2026-06-02T00:59:59Z'), ny, DEFAULT_CONTACT_WINDOW)).toBe(true); // 20:59:59
    expect(isContactAllowed(utc('2026-06-02T01:00:00Z'), ny, DEFAULT_CONTACT_WINDOW)).toBe(false); // 21:00
  });

  it('rejects invalid windows and zones with a RangeError', () => {
    const at = utc('2026-06-01T12:00:00Z');
    expect(() => isContactAllowed(at, 'UTC', { start: '21:00', end: '08:00' })).toThrow(RangeError);
    expect(() => isContactAllowed(at, 'UTC', { start: '08:00', end: '08:00' })).toThrow(RangeError);
    expect(() => isContactAllowed(at, 'UTC', { start: '8am', end: '21:00' })).toThrow(RangeError);
    expect(() => isContactAllowed(at, 'UTC', { start: '08:00', end: '21:00', weekdays: [] })).toThrow(
      RangeError,
    );
    expect(() => isContactAllowed(at, 'UTC', { start: '08:00', end: '21:00', weekdays: [0] })).toThrow(
      RangeError,
    );
    expect(() => isContactAllowed(at, 'Nowhere/Land', DEFAULT_CONTACT_WINDOW)).toThrow(RangeError);
  });
});

describe('nextAllowedContact around DST changes', () => {
  const ny = 'America/New_York';
  const berlin = 'Europe/Berlin';

  it('New York spring-forward (2026-03-08): 08:00 is already EDT', () => {
    expect(iso(nextAllowedContact(utc('2026-03-08T05:00:00Z'), ny, DEFAULT_CONTACT_WINDOW))).toBe(
      '2026-03-08T12:00:00.000Z',
    );
    expect(isContactAllowed(utc('2026-03-08T11:59:00Z'), ny, DEFAULT_CONTACT_WINDOW)).toBe(false); // 07:59 EDT
  });

  it('New York spring-forward: a start inside the skipped hour opens at the jump (03:00 EDT)', () => {
    const window = { start: '02:30', end: '21:00' };
    expect(iso(nextAllowedContact(utc('2026-03-08T06:00:00Z'), ny, window))).toBe('2026-03-08T07:00:00.000Z');
    // The day after, 02:30 exists again.
    expect(iso(nextAllowedContact(utc('2026-03-09T02:00:00Z'), ny, window))).toBe('2026-03-09T06:30:00.000Z');
  });

  it('New York fall-back (2026-11-01): judged by wall time, the repeated hour re-enters the window', () => {
    const window = { start: '01:00', end: '01:30' };
    expect(isContactAllowed(utc('2026-11-01T05:10:00Z'), ny, window)).toBe(true); // 01:10 EDT
    expect(isContactAllowed(utc('2026-11-01T05:40:00Z'), ny, window)).toBe(false); // 01:40 EDT
    expect(iso(nextAllowedContact(utc('2026-11-01T05:40:00Z'), ny, window))).toBe('2026-11-01T06:00:00.000Z');
    expect(iso(nextAllowedContact(utc('2026-11-01T05:00:00Z'), ny, DEFAULT_CONTACT_WINDOW))).toBe(
      '2026-11-01T13:00:00.000Z',
    );
    expect(isContactAllowed(utc('2026-11-02T01:59:00Z'), ny, DEFAULT_CONTACT_WINDOW)).toBe(true); // 20:59 EST
    expect(isContactAllowed(utc('2026-11-02T02:00:00Z'), ny, DEFAULT_CONTACT_WINDOW)).toBe(false);
  });

  it('Berlin spring-forward (2026-03-29): 02:15 does not exist, 03:00 CEST is the first valid instant', () => {
    const window = { start: '02:15', end: '05:00' };
    expect(iso(nextAllowedContact(utc('2026-03-29T00:30:00Z'), berlin, window))).toBe(
      '2026-03-29T01:00:00.000Z',
    );
    expect(iso(nextAllowedContact(utc('2026-03-28T22:00:00Z'), berlin, DEFAULT_CONTACT_WINDOW))).toBe(
      '2026-03-29T06:00:00.000Z',
    );
  });

  it('Berlin spring-forward: a window wholly inside the skipped hour waits for the next day', () => {
    const window = { start: '02:00', end: '02:59' };
    expect(iso(nextAllowedContact(utc('2026-03-29T00:30:00Z'), berlin, window))).toBe(
      '2026-03-30T00:00:00.000Z',
    );
  });

  it('Berlin fall-back (2026-10-25): 02:00–02:30 is open twice', () => {
    const window = { start: '02:00', end: '02:30' };
    expect(isContactAllowed(utc('2026-10-25T00:10:00Z'), berlin, window)).toBe(true); // 02:10 CEST
    expect(iso(nextAllowedContact(utc('2026-10-25T00:40:00Z'), berlin, window))).toBe(
      '2026-10-25T01:00:00.000Z',
    );
    expect(iso(nextAllowedContact(utc('2026-10-25T01:30:00Z'), berlin, window))).toBe(
      '2026-10-26T01:00:00.000Z',
    );
    expect(iso(nextAllowedContact(utc('2026-10-24T23:00:00Z'), berlin, DEFAULT_CONTACT_WINDOW))).toBe(
      '2026-10-25T07:00:00.000Z',
    );
  });
});

describe('nextAllowedContact with weekdays', () => {
  const weekdaysOnly: ContactWindow = { start: '09:00', end: '17:00', weekdays: [1, 2, 3, 4, 5] };

  it('skips the weekend (Friday evening → Monday 09:00 across the US DST change)', () => {
    // Friday 2026-03-06 22:00 EST → Monday 2026-03-09 09:00 EDT.
    expect(iso(nextAllowedContact(utc('2026-03-07T03:00:00Z'), 'America/New_York', weekdaysOnly))).toBe(
      '2026-03-09T13:00:00.000Z',
    );
  });

  it('returns the input itself when it is allowed', () => {
    const at = utc('2026-03-10T15:23:45.678Z');
    expect(nextAllowedContact(at, 'America/New_York', weekdaysOnly)).toBe(at);
  });

  it('uses the weekday of the local date, not UTC', () => {
    // Monday 00:30 in Tokyo is still Sunday in UTC.
    const mondayOnly = { start: '00:00', end: '23:59', weekdays: [1] };
    expect(isContactAllowed(utc('2026-03-08T15:30:00Z'), 'Asia/Tokyo', mondayOnly)).toBe(true);
    expect(isContactAllowed(utc('2026-03-08T15:30:00Z'), 'UTC', mondayOnly)).toBe(false);
  });
});

describe('nextAllowedContactInAll', () => {
  it('finds the first time convenient in every candidate zone', () => {
    const at = utc('2026-06-01T12:00:00Z'); // 08:00 in New York, 05:00 in Los Angeles
    expect(
      iso(nextAllowedContactInAll(at, ['America/New_York', 'America/Los_Angeles'], DEFAULT_CONTACT_WINDOW)),
    ).toBe('2026-06-01T15:00:00.000Z');
  });

  it('returns null when the windows never overlap', () => {
    const window = { start: '08:00', end: '10:00' };
    expect(
      nextAllowedContactInAll(utc('2026-06-01T00:00:00Z'), ['Asia/Tokyo', 'America/New_York'], window),
    ).toBeNull();
  });

  it('requires at least one zone', () => {
    expect(() => nextAllowedContactInAll(0, [], DEFAULT_CONTACT_WINDOW)).toThrow(RangeError);
  });
});

const zones = [
  'America/New_York',
  'Europe/Berlin',
  'Asia/Tokyo',
  'Australia/Sydney',
  'America/Los_Angeles',
  'Asia/Kolkata',
  'UTC',
];
const clock = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

const instantArb = fc.integer({ min: utc('2026-01-01T00:00:00Z'), max: utc('2027-12-31T23:59:59Z') });
const zoneArb = fc.constantFrom(...zones);
const windowArb: fc.Arbitrary<ContactWindow> = fc
  .tuple(
    fc.uniqueArray(fc.integer({ min: 0, max: 1439 }), { minLength: 2, maxLength: 2 }),
    fc.option(fc.subarray([1, 2, 3, 4, 5, 6, 7], { minLength: 1 }), { nil: undefined }),
  )
  .map(([[a = 0, b = 1], weekdays]) => ({
    start: clock(Math.min(a, b)),
    end: clock(Math.max(a, b)),
    ...(weekdays ? { weekdays } : {}),
  }));

describe('nextAllowedContact properties', () => {
  it('returns the earliest allowed instant at or after the input', () => {
    fc.assert(
      fc.property(instantArb, zoneArb, windowArb, (at, zone, window) => {
        const next = nextAllowedContact(at, zone, window);
        expect(next).toBeGreaterThanOrEqual(at);
        expect(isContactAllowed(next, zone, window)).toBe(true);

        const local = DateTime.fromMillis(next, { zone });
        const wall = clock(local.hour * 60 + local.minute);
        expect(wall >= window.start && wall < window.end).toBe(true);
        expect(window.weekdays ?? [local.weekday]).toContain(local.weekday);

        // Nothing earlier is allowed: the instant just before, and minute samples in between.
        for (const before of [next - 1, next - 60_000]) {
          if (before >= at) expect(isContactAllowed(before, zone, window)).toBe(false);
        }
        const span = next - at;
        for (let i = 0; i < 12 && span > 0; i++) {
          const sample = at + Math.floor((span * i) / 12 / 60_000) * 60_000;
          if (sample < next) expect(isContactAllowed(sample, zone, window)).toBe(false);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('the common instant is allowed everywhere and nothing just before it is', () => {
    fc.assert(
      fc.property(
        instantArb,
        fc.uniqueArray(zoneArb, { minLength: 1, maxLength: 3 }),
        windowArb,
        (at, zs, window) => {
          const next = nextAllowedContactInAll(at, zs, window);
          if (next === null) return;
          expect(next).toBeGreaterThanOrEqual(at);
          expect(next).toBeLessThanOrEqual(at + 14 * 86_400_000);
          for (const zone of zs) expect(isContactAllowed(next, zone, window)).toBe(true);
          if (next - 1 >= at)
            expect(zs.every((zone) => isContactAllowed(next - 1, zone, window))).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});
