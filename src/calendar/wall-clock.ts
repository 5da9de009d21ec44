// The wall-clock reading of an instant in an IANA time zone, through Intl (one cached formatter per zone).

export interface LocalDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();
const MAX_REMEMBERED_UNKNOWN = 1_000;

/** `3/10/2025 AD, 09:00:00`; null when Intl does not know the zone. */
function formatter(tzid: string): Intl.DateTimeFormat | null {
  let f = formatters.get(tzid);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tzid,
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
      f = null; // RangeError: not a zone this Node knows
    }
    // Unknown names come from clients too (TZIDs): remembered only up to a bound, so they cannot grow the map.
    if (f !== null || formatters.size < MAX_REMEMBERED_UNKNOWN) formatters.set(tzid, f);
  }
  return f;
}

/** True when Node's tz data knows the zone (BrokerStar's time_zone column is free text). */
export function isKnownTimeZone(tzid: string): boolean {
  return tzid !== '' && formatter(tzid) !== null;
}

// Reading the formatted text is about twice as fast as formatToParts.
const WALL_CLOCK = /^(\d+)\/(\d+)\/(\d+) (\S+), (\d+):(\d+):(\d+)$/;

/**
 * Wall-clock time of an instant in a zone; years before 1 AD are 0, -1, … (astronomical). Throws
 * RangeError for an unknown zone.
 */
export function localDateTime(instant: Date | number, tzid: string): LocalDateTime {
  const f = formatter(tzid);
  if (!f) throw new RangeError(`unknown time zone ${JSON.stringify(tzid)}`);
  const text = f.format(instant);
  const m = WALL_CLOCK.exec(text);
  if (!m) throw new RangeError(`cannot read local time ${JSON.stringify(text)} in ${tzid}`);
  const [, month, day, eraYear, era, hour, minute, second] = m;
  const year = era === 'BC' || era === 'B' ? 1 - Number(eraYear) : Number(eraYear);
  return { year, month: Number(month), day: Number(day), hour: Number(hour), minute: Number(minute), second: Number(second) };
}

/** The reading of a UTC clock at an instant (Intl not needed). */
export function utcFields(instant: Date | number): LocalDateTime {
  const d = new Date(instant);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** Date.UTC without its 0–99 → 1900s quirk. */
export function utcMs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return date.getTime();
}

/** The wall-clock reading of an instant in a zone, as milliseconds of a UTC clock showing it (whole seconds). */
export function wallClockMs(instant: Date | number, tzid: string): number {
  const l = localDateTime(instant, tzid);
  return utcMs(l.year, l.month, l.day, l.hour, l.minute, l.second);
}
