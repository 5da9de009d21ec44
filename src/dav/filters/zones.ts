// Instants of iCalendar times (RFC 5545 §3.3.5): UTC, TZID through the object's VTIMEZONE, and
// floating or DATE values in the calendar's default time zone (RFC 4791 §9.9), via Intl for IANA ids.
import ICAL from 'ical.js';

const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatter(tz: string): Intl.DateTimeFormat | null {
  let f = formatters.get(tz);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch {
      f = null; // not an IANA id Intl knows
    }
    formatters.set(tz, f);
  }
  return f;
}

export const isKnownZone = (tz: string): boolean => formatter(tz) !== null;

/** Date.UTC without its 0–99 → 1900s quirk. */
function utcMs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return date.getTime();
}

/** The zone's UTC offset in ms at an instant. */
function offsetAt(f: Intl.DateTimeFormat, ms: number): number {
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(new Date(ms))) p[part.type] = part.value;
  let year = Number(p.year);
  if (p.era === 'BC' || p.era === 'B') year = 1 - year;
  const local = utcMs(year, Number(p.month), Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return local - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant of a wall-clock time in an IANA zone (UTC when the zone is unknown). Ambiguous
 * times (the repeated hour in autumn) take the first occurrence and times in the spring gap
 * are shifted forward by the gap, as RFC 5545 §3.3.5 prescribes.
 */
export function zonedToUtc(tz: string, y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  const wall = utcMs(y, mo, d, h, mi, s);
  const f = formatter(tz);
  if (!f) return wall;
  const before = offsetAt(f, wall - DAY_MS);
  const after = offsetAt(f, wall + DAY_MS);
  const valid = [before, after].map((o) => wall - o).filter((t) => wall - offsetAt(f, t) === t);
  if (valid.length) return Math.min(...valid);
  return wall - before;
}

/** The UTC instant of an ICAL.Time, given the calendar's default zone for DATE and floating values. */
export class Clock {
  constructor(readonly defaultTimezone: string) {}

  /**
   * `tzid` is the TZID parameter of the property the time came from: ical.js resolves it through
   * the object's VTIMEZONE; without one (non-compliant data) the IANA id is used directly.
   */
  ms(t: ICAL.Time, tzid?: string | null): number {
    if (t.isDate) return zonedToUtc(this.defaultTimezone, t.year, t.month, t.day);
    const zone = t.zone;
    if (zone && zone.tzid === 'UTC') return utcMs(t.year, t.month, t.day, t.hour, t.minute, t.second);
    if (zone && zone !== ICAL.Timezone.localTimezone && zone.tzid !== 'floating') return t.toUnixTime() * 1000;
    const tz = tzid && isKnownZone(tzid) ? tzid : this.defaultTimezone;
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
  const d = new Date(ms);
  return ICAL.Time.fromData(
    {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      isDate: false,
    },
    ICAL.Timezone.utcTimezone,
  );
}

/** Whole calendar days from DATE `a` to DATE `b`. */
export function daysBetween(a: ICAL.Time, b: ICAL.Time): number {
  return Math.round((utcMs(b.year, b.month, b.day) - utcMs(a.year, a.month, a.day)) / DAY_MS);
}

export const DAY = DAY_MS;
