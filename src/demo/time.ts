// Calendar arithmetic for the demo data: local dates as day numbers, wall-clock time in a zone to UTC.
import { wallClockMs } from '../ical/wall-clock.js';

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 (a "day number"); the demo generator's unit for local dates. */
export type Day = number;

export function dayOf(year: number, month: number, date: number): Day {
  return Math.round(Date.UTC(year, month - 1, date) / DAY_MS);
}

export function ymdOf(day: Day): { year: number; month: number; date: number } {
  const d = new Date(day * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, date: d.getUTCDate() };
}

/** 'YYYY-MM-DD' */
export function isoDate(day: Day): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Monday … 6 = Sunday. */
export function weekdayOf(day: Day): number {
  return (((day + 3) % 7) + 7) % 7;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const HOUR_MS = 3_600_000;
const offsetCache = new Map<string, Map<number, number>>();

/**
 * The zone's offset at an instant in milliseconds. Intl is slow and a large run converts millions
 * of times, so offsets are cached per UTC hour, for every hour without a transition inside it.
 */
function offsetMs(instantMs: number, timeZone: string): number {
  let zone = offsetCache.get(timeZone);
  if (!zone) {
    zone = new Map();
    offsetCache.set(timeZone, zone);
  }
  const hour = Math.floor(instantMs / HOUR_MS);
  const cached = zone.get(hour);
  if (cached !== undefined) return cached;
  const start = hour * HOUR_MS;
  const atStart = wallClockMs(start, timeZone) - start;
  const end = start + HOUR_MS - 1000;
  const atEnd = wallClockMs(end, timeZone) - end;
  if (atStart === atEnd) {
    if (zone.size > 200_000) zone.clear();
    zone.set(hour, atStart);
    return atStart;
  }
  const at = Math.floor(instantMs / 1000) * 1000;
  return wallClockMs(at, timeZone) - at;
}

/** The zone's offset from UTC at an instant, in minutes (Europe/Zurich in summer: 120). */
export function zoneOffsetMinutes(instant: Date, timeZone: string): number {
  return Math.round(offsetMs(instant.getTime(), timeZone) / 60_000);
}

/**
 * The instant at which the wall clock in `timeZone` shows `day` at `minutes` after midnight.
 * Times inside a DST gap resolve to the later offset; the generator keeps appointments out of
 * the night hours so this never matters for its data.
 */
export function zonedToUtc(day: Day, minutes: number, timeZone: string): Date {
  const local = day * DAY_MS + minutes * 60_000;
  let guess = local - offsetMs(local, timeZone);
  guess = local - offsetMs(guess, timeZone);
  return new Date(guess);
}

/** The local date (day number) of an instant in a zone. */
export function localDayOf(instant: Date, timeZone: string): Day {
  const ms = instant.getTime();
  return Math.floor((ms + offsetMs(ms, timeZone)) / DAY_MS);
}

export function addMinutes(instant: Date, minutes: number): Date {
  return new Date(instant.getTime() + minutes * 60_000);
}

export function addDaysMs(instant: Date, days: number): Date {
  return new Date(instant.getTime() + days * DAY_MS);
}
