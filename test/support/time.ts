// Times as tests write and expect them, from Date and Intl alone (independent of the server's time-zone code).

/** An instant in UTC basic format, `20260310T080000Z` (RFC 5545 §3.3.5 form 2), as CalDAV time ranges take it. */
export function utcBasic(instant: Date | number): string {
  return new Date(instant).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

export interface WallClockFields {
  readonly year: string;
  readonly month: string;
  readonly day: string;
  readonly hour: string;
  readonly minute: string;
  readonly second: string;
}

/** The wall-clock reading of an instant in a zone, each field zero-padded (`2026`, `03`, `10`, `09`, `00`, `00`). */
export function wallClockFields(instant: Date, timeZone: string): WallClockFields {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)!.value;
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** The instant a wall-clock time in a zone names (the earlier one in a DST overlap, shifted over a gap). */
export function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const offsetAt = (t: number) => {
    const f = wallClockFields(new Date(t), timeZone);
    return Date.UTC(+f.year, +f.month - 1, +f.day, +f.hour, +f.minute, +f.second) - t;
  };
  let guess = wall - offsetAt(wall);
  guess = wall - offsetAt(guess);
  return guess;
}
