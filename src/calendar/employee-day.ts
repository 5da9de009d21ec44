// The employee's day: the appointment cap turns with the date where he is, not with UTC.
import { zonedToUtc } from './clock.js';
import { isKnownTimeZone, localDateTime, utcFields, type LocalDateTime } from './wall-clock.js';

/** Today's calendar date in the zone (UTC for a zone Node does not know). */
function todayIn(timeZone: string, now: Date): LocalDateTime {
  return isKnownTimeZone(timeZone) ? localDateTime(now, timeZone) : utcFields(now);
}

/** Today's date where the employee is, as YYYY-MM-DD. */
export function localToday(timeZone: string, now: Date = new Date()): string {
  const { year, month, day } = todayIn(timeZone, now);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The instant today began in the employee's zone. */
export function startOfToday(timeZone: string, now: Date = new Date()): Date {
  const { year, month, day } = todayIn(timeZone, now);
  return new Date(zonedToUtc(timeZone, year, month, day));
}
