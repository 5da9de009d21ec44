// Calendar arithmetic for the demo data: local dates as day numbers; wall-clock time in a zone to UTC
// through the server's own conversion (src/calendar/clock.ts).
import { zonedToUtc as instantOf, zoneOffsetMs } from '../calendar/clock.js';

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

/** The zone's offset from UTC at an instant, in minutes (Europe/Zurich in summer: 120). */
export function zoneOffsetMinutes(instant: Date, timeZone: string): number {
  return Math.round(zoneOffsetMs(timeZone, instant.getTime()) / 60_000);
}

/** The instant at which the wall clock in `timeZone` shows `day` at `minutes` after midnight. */
export function zonedToUtc(day: Day, minutes: number, timeZone: string): Date {
  const { year, month, date } = ymdOf(day);
  return new Date(instantOf(timeZone, year, month, date, Math.floor(minutes / 60), minutes % 60));
}

/** The local date (day number) of an instant in a zone. */
export function localDayOf(instant: Date, timeZone: string): Day {
  const ms = instant.getTime();
  return Math.floor((ms + zoneOffsetMs(timeZone, ms)) / DAY_MS);
}

export function addMinutes(instant: Date, minutes: number): Date {
  return new Date(instant.getTime() + minutes * 60_000);
}

export function addDaysMs(instant: Date, days: number): Date {
  return new Date(instant.getTime() + days * DAY_MS);
}
