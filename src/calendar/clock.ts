// Instants of iCalendar times (RFC 5545 §3.3.5): UTC, TZID through the server's own zone of that IANA
// id (its offset table) or, for a foreign VTIMEZONE, ical.js, and floating or DATE values in the
// calendar's default time zone (RFC 4791 §9.9).
import ICAL from 'ical.js';
import { offsetTable } from './offset-table.js';
import { isServerZone } from './server-zones.js';
import { isKnownTimeZone, utcFields, utcMs, wallClockMs } from './wall-clock.js';

const DAY_MS = 86_400_000;

/**
 * The zone's UTC offset in ms at an instant: from the zone's offset table (a binary search) in the
 * years it covers, through Intl outside them. ical.js's own look-up (toUnixTime) costs some 30 µs
 * per time, which made comparing two spellings of a rule take 100 ms.
 */
export function zoneOffsetMs(tz: string, ms: number): number {
  const table = offsetTable(tz);
  if (ms < table.from || ms >= table.until) return wallClockMs(ms, tz) - Math.floor(ms / 1000) * 1000;
  const list = table.transitions;
  let lo = 0;
  let hi = list.length; // first transition after ms
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.at <= ms) lo = mid + 1;
    else hi = mid;
  }
  return (lo === 0 ? table.initial : list[lo - 1]!.to) * 1000;
}

/**
 * The instant of a wall-clock time in an IANA zone (UTC when the zone is unknown). Ambiguous
 * times (the repeated hour in autumn) take the first occurrence and times in the spring gap
 * are shifted forward by the gap, as RFC 5545 §3.3.5 prescribes.
 */
export function zonedToUtc(tz: string, y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  const wall = utcMs(y, mo, d, h, mi, s);
  if (!isKnownTimeZone(tz)) return wall;
  const before = zoneOffsetMs(tz, wall - DAY_MS);
  const after = zoneOffsetMs(tz, wall + DAY_MS);
  const valid = [before, after].map((o) => wall - o).filter((t) => wall - zoneOffsetMs(tz, t) === t);
  if (valid.length) return Math.min(...valid);
  return wall - before;
}

/** The UTC instant of an ICAL.Time, given the calendar's default zone for DATE and floating values. */
export class Clock {
  constructor(readonly defaultTimezone: string) {}

  /**
   * `tzid` is the TZID parameter of the property the time came from. A zone of the server's own
   * (every client TZID is resolved to one, src/policy/ical-input.ts) is read from its offset table;
   * another VTIMEZONE (a body of an older renderer) through ical.js; without one (non-compliant
   * data) the IANA id is used directly.
   */
  ms(t: ICAL.Time, tzid?: string | null): number {
    if (t.isDate) return zonedToUtc(this.defaultTimezone, t.year, t.month, t.day);
    const zone = t.zone;
    if (zone && zone.tzid === 'UTC') return utcMs(t.year, t.month, t.day, t.hour, t.minute, t.second);
    if (zone && zone !== ICAL.Timezone.localTimezone && zone.tzid !== 'floating') {
      if (isServerZone(zone)) return zonedToUtc(zone.tzid, t.year, t.month, t.day, t.hour, t.minute, t.second);
      return t.toUnixTime() * 1000;
    }
    const tz = tzid && isKnownTimeZone(tzid) ? tzid : this.defaultTimezone;
    return zonedToUtc(tz, t.year, t.month, t.day, t.hour, t.minute, t.second);
  }

  /** The instant `days` calendar days after a DATE value (local midnight in the default zone). */
  dateMsPlusDays(t: ICAL.Time, days: number): number {
    const d = new Date(utcMs(t.year, t.month, t.day) + days * DAY_MS);
    return zonedToUtc(this.defaultTimezone, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  }
}

/** An ICAL.Time in UTC for an instant. */
export function utcTime(ms: number): ICAL.Time {
  return ICAL.Time.fromData({ ...utcFields(ms), isDate: false }, ICAL.Timezone.utcTimezone);
}

/** Whole calendar days from DATE `a` to DATE `b`. */
export function daysBetween(a: ICAL.Time, b: ICAL.Time): number {
  return Math.round((utcMs(b.year, b.month, b.day) - utcMs(a.year, a.month, a.day)) / DAY_MS);
}

export const DAY = DAY_MS;
