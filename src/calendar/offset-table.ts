// A zone's UTC offsets from 1970 to 2039, read once from Node's tz data through Intl: the table the
// clock converts with (a binary search) and the server's VTIMEZONEs are built from.
import { isKnownTimeZone } from './wall-clock.js';

/** Transitions are generated from here ... */
export const FIRST_YEAR = 1970;
/** ... to the end of the year before this; a yearly rule still in force then is left open-ended. */
export const END_YEAR = 2040;
const DAY = 86_400_000;
/**
 * Sampling step when looking for offset changes; each change found is then bisected to the second.
 * A week would miss America/Boa_Vista's one-week DST of October 2000.
 */
const STEP = DAY;

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** `3/10/2025, GMT+01:00`; formatting this is about four times faster than formatToParts. Throws RangeError for an unknown zone. */
export function offsetFormatter(tzid: string): Intl.DateTimeFormat {
  let f = offsetFormatters.get(tzid);
  if (f === undefined) {
    if (!isKnownTimeZone(tzid)) throw new RangeError(`unknown time zone ${JSON.stringify(tzid)}`);
    f = new Intl.DateTimeFormat('en-US', { timeZone: tzid, timeZoneName: 'longOffset' });
    offsetFormatters.set(tzid, f);
  }
  return f;
}

const LONG_OFFSET = /GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** UTC offset of a zone at an instant, in seconds. */
export function offsetSeconds(instantMs: number, tzid: string): number {
  const text = offsetFormatter(tzid).format(instantMs);
  const m = LONG_OFFSET.exec(text);
  if (!m) throw new RangeError(`cannot read UTC offset ${JSON.stringify(text)} in ${tzid}`);
  if (!m[1]) return 0;
  const seconds = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -seconds : seconds;
}

export interface Transition {
  /** First instant (ms) with the new offset. */
  readonly at: number;
  readonly from: number;
  readonly to: number;
}

function transitions(tzid: string): Transition[] {
  const found: Transition[] = [];
  const end = Date.UTC(END_YEAR, 0, 1);
  let t = Date.UTC(FIRST_YEAR, 0, 1);
  let offset = offsetSeconds(t, tzid);
  while (t < end) {
    const next = Math.min(t + STEP, end);
    const nextOffset = offsetSeconds(next, tzid);
    if (nextOffset === offset) {
      t = next;
      continue;
    }
    // Bisect (t, next] to the first second with a different offset, then continue from there so a
    // second change inside the same step is found too.
    let lo = t;
    let hi = next;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (offsetSeconds(mid, tzid) === offset) lo = mid;
      else hi = mid;
    }
    const to = offsetSeconds(hi, tzid);
    found.push({ at: hi, from: offset, to });
    offset = to;
    t = hi;
  }
  return found;
}

/** A zone's UTC offsets from 1970 to 2039: the offset at the start, then every change (offsets in seconds). */
export interface OffsetTable {
  readonly from: number;
  readonly until: number;
  readonly initial: number;
  readonly transitions: readonly Transition[];
}

const offsetTables = new Map<string, OffsetTable>();

/**
 * The zone's offset table, computed once per zone and process (the same scan the VTIMEZONE is
 * built from). Throws RangeError for an unknown zone.
 */
export function offsetTable(tzid: string): OffsetTable {
  let table = offsetTables.get(tzid);
  if (table === undefined) {
    const from = Date.UTC(FIRST_YEAR, 0, 1);
    table = { from, until: Date.UTC(END_YEAR, 0, 1), initial: offsetSeconds(from, tzid), transitions: transitions(tzid) };
    offsetTables.set(tzid, table);
  }
  return table;
}
