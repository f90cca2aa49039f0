import { IANAZone } from 'luxon';

/** Local hours during which a person may be contacted; `end` is exclusive, weekdays are ISO (1 = Monday). */
export interface ContactWindow {
  start: string;
  end: string;
  weekdays?: number[];
}

/** US Regulation F: no contact before 08:00 or after 21:00 at the consumer's location, any day. */
export const DEFAULT_CONTACT_WINDOW: ContactWindow = { start: '08:00', end: '21:00' };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// A weekday restriction leaves at most six disallowed days in a row; the extra days absorb DST and date-line shifts.
const SEARCH_DAYS = 9;
const ALL_IN_ZONES_HORIZON_DAYS = 14;

interface Bounds {
  start: number;
  end: number;
  weekdays: ReadonlySet<number>;
}

interface WallClock {
  minuteOfDay: number;
  weekday: number;
}

/** Parses 'HH:mm' (00:00..23:59) into hour and minute; null for anything else. */
export function parseClock(text: string): { hour: number; minute: number } | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!m) return null;
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

/** True when `zone` is an IANA time zone name this runtime knows ('Europe/Berlin', 'UTC'). */
export function isValidTimeZone(zone: string): boolean {
  let valid = zoneValidity.get(zone);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(zone);
    zoneValidity.set(zone, valid);
  }
  return valid;
}

/** True when `atMs` falls inside the window by the local wall clock of `timeZone`. */
export function isContactAllowed(atMs: number, timeZone: string, window: ContactWindow): boolean {
  return allowed(atMs, zoneOf(timeZone), boundsOf(window));
}

/** `atMs` itself when contact is allowed then, else the first allowed instant after it. */
export function nextAllowedContact(atMs: number, timeZone: string, window: ContactWindow): number {
  return nextAllowed(atMs, zoneOf(timeZone), boundsOf(window));
}

/** The first instant at or after `atMs` allowed in every zone (Reg F, ambiguous location); null if none within 14 days. */
export function nextAllowedContactInAll(atMs: number, zones: string[], window: ContactWindow): number | null {
  if (zones.length === 0) throw new RangeError('at least one time zone is required');
  const resolved = zones.map(zoneOf);
  const bounds = boundsOf(window);
  const limit = atMs + ALL_IN_ZONES_HORIZON_DAYS * DAY;
  // Each zone's answer is a lower bound for the common one, so jumping to the latest never skips a common instant.
  let at = atMs;
  while (at <= limit) {
    const next = Math.max(...resolved.map((zone) => nextAllowed(at, zone, bounds)));
    if (next === at) return at;
    at = next;
  }
  return null;
}

function nextAllowed(atMs: number, zone: IANAZone, bounds: Bounds): number {
  if (allowed(atMs, zone, bounds)) return atMs;
  const firstStart = windowStartsFrom(atMs, zone, bounds).find((at) => allowed(at, zone, bounds));
  if (firstStart === undefined) throw new RangeError(`no allowed contact time found in ${zone.name}`);
  // Allowed time can also begin at an offset change: a spring-forward jump over the start, or a fall-back that
  // re-enters the window. Either can only come earlier than the next start on the clock.
  const viaTransition = offsetTransitions(zone, atMs, firstStart).find((at) => allowed(at, zone, bounds));
  return viaTransition ?? firstStart;
}

/** Instants whose local wall time equals the window start (none in a DST gap, two in an overlap), ascending. */
function windowStartsFrom(atMs: number, zone: IANAZone, bounds: Bounds): number[] {
  const localMs = atMs + zone.offset(atMs) * MINUTE;
  const localDay = Math.floor(localMs / DAY) * DAY;
  const found: number[] = [];
  for (let day = -1; day <= SEARCH_DAYS; day++) {
    const naive = localDay + day * DAY + bounds.start * MINUTE;
    const offsets = new Set([zone.offset(naive - DAY), zone.offset(naive), zone.offset(naive + DAY)]);
    for (const offset of offsets) {
      const at = naive - offset * MINUTE;
      if (at >= atMs && zone.offset(at) === offset) found.push(at);
    }
  }
  return [...new Set(found)].sort((a, b) => a - b);
}

/** Instants in (fromMs, toMs] where the zone's UTC offset changes, ascending. */
function offsetTransitions(zone: IANAZone, fromMs: number, toMs: number): number[] {
  const found: number[] = [];
  // Offsets change at most a few times a year, so hourly sampling cannot step over two changes.
  for (let lo = fromMs; lo < toMs; lo += HOUR) {
    const hi = Math.min(lo + HOUR, toMs);
    if (zone.offset(lo) !== zone.offset(hi)) found.push(firstWithOffsetOf(zone, lo, hi));
  }
  return found;
}

/** Binary search for the first millisecond in (lo, hi] that already has hi's offset. */
function firstWithOffsetOf(zone: IANAZone, lo: number, hi: number): number {
  const target = zone.offset(hi);
  let a = lo;
  let b = hi;
  while (b - a > 1) {
    const mid = Math.floor((a + b) / 2);
    if (zone.offset(mid) === target) b = mid;
    else a = mid;
  }
  return b;
}

function allowed(atMs: number, zone: IANAZone, bounds: Bounds): boolean {
  const { minuteOfDay, weekday } = wallClock(atMs, zone);
  return bounds.weekdays.has(weekday) && minuteOfDay >= bounds.start && minuteOfDay < bounds.end;
}

function wallClock(atMs: number, zone: IANAZone): WallClock {
  const local = new Date(atMs + zone.offset(atMs) * MINUTE);
  const isoWeekday = ((local.getUTCDay() + 6) % 7) + 1;
  return { minuteOfDay: local.getUTCHours() * 60 + local.getUTCMinutes(), weekday: isoWeekday };
}

// Luxon checks a zone by building an Intl.DateTimeFormat; the engine asks for the same few zones constantly.
const zoneValidity = new Map<string, boolean>();

function zoneOf(timeZone: string): IANAZone {
  if (!isValidTimeZone(timeZone)) throw new RangeError(`unknown time zone '${timeZone}'`);
  return IANAZone.create(timeZone);
}

function boundsOf(window: ContactWindow): Bounds {
  const start = minutesOf(window.start, 'start');
  const end = minutesOf(window.end, 'end');
  if (start >= end)
    throw new RangeError(`contact window start ${window.start} must be before end ${window.end}`);
  const weekdays = window.weekdays ?? [1, 2, 3, 4, 5, 6, 7];
  if (weekdays.length === 0) throw new RangeError('contact window allows no weekday');
  for (const day of weekdays) {
    if (!Number.isInteger(day) || day < 1 || day > 7) throw new RangeError(`weekday ${day} is not 1..7`);
  }
  return { start, end, weekdays: new Set(weekdays) };
}

function minutesOf(text: string, field: string): number {
  const clock = parseClock(text);
  if (!clock) throw new RangeError(`contact window ${field} '${text}' is not HH:mm`);
  return clock.hour * 60 + clock.minute;
}
