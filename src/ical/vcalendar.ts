// The VCALENDAR envelope (RFC 5545 §3.4) of VEVENT/VTODO objects: a VTIMEZONE per TZID, DATE and DATE-TIME values.
import type { ContentLines, Params } from './text.js';
import { isKnownTimeZone, localDateTime } from '../calendar/wall-clock.js';
import { formatDate, formatLocalDateTime, formatUtcDateTime, vtimezone } from './timezone.js';

export const PRODID = '-//BrokerStar//brokerstar-dav//DE';

/**
 * The zone date-times are written in: the IANA id when Node knows it, else null, meaning UTC
 * (`…Z`, no TZID), so a typo in BrokerStar's free-text time_zone never yields a TZID without VTIMEZONE.
 */
export function zoneOrUtc(tzid: string): string | null {
  return isKnownTimeZone(tzid) ? tzid : null;
}

/** BEGIN:VCALENDAR and its properties, then one VTIMEZONE per zone that the components will use. */
export function beginCalendar(lines: ContentLines, zones: readonly (string | null)[]): void {
  lines.begin('VCALENDAR').add('VERSION', '2.0').add('PRODID', PRODID).add('CALSCALE', 'GREGORIAN');
  for (const zone of new Set(zones)) if (zone !== null) lines.raw(vtimezone(zone));
}

export function endCalendar(lines: ContentLines): void {
  lines.end('VCALENDAR');
}

export interface DateValue {
  readonly value: string;
  readonly params: Params;
}

/** DATE-TIME with TZID (form 3), or UTC (form 2) when the zone is null. */
export function dateTime(instant: Date, zone: string | null): DateValue {
  return zone === null
    ? { value: formatUtcDateTime(instant), params: [] }
    : { value: formatLocalDateTime(localDateTime(instant, zone)), params: [['TZID', zone]] };
}

/** `VALUE=DATE` of a calendar day written `YYYYMMDD`. */
export function dateOnly(day: CalendarDay): DateValue {
  return { value: formatDate(day), params: [['VALUE', 'DATE']] };
}

export function utcDateTime(instant: Date): string {
  return formatUtcDateTime(instant);
}

export interface CalendarDay {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** The calendar day an instant falls on in a zone (UTC when null). */
export function dayOf(instant: Date, zone: string | null): CalendarDay {
  const l = localDateTime(instant, zone ?? 'UTC');
  return { year: l.year, month: l.month, day: l.day };
}

export function isMidnight(instant: Date, zone: string | null): boolean {
  const l = localDateTime(instant, zone ?? 'UTC');
  return l.hour === 0 && l.minute === 0 && l.second === 0;
}

export function addDays(d: CalendarDay, days: number): CalendarDay {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

export function compareDays(a: CalendarDay, b: CalendarDay): number {
  return Date.UTC(a.year, a.month - 1, a.day) - Date.UTC(b.year, b.month - 1, b.day);
}

/** `YYYY-MM-DD` (BrokerStar's date columns) → a calendar day; undefined when malformed. */
export function parseIsoDay(text: string): CalendarDay | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const day = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  const check = addDays(day, 0);
  return check.year === day.year && check.month === day.month && check.day === day.day ? day : undefined;
}
