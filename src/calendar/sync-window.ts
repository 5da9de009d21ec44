// The sync windows (SYNC_PAST_DAYS, SYNC_DONE_TASKS_DAYS): history older than so many days is not
// served. Days are the employee's calendar days, like the cap's "today" (employee-day.ts), so an
// item ages out when his day turns, not at some UTC hour.
import { zonedToUtc } from './clock.js';
import { localToday } from './employee-day.js';
import { utcMs } from './wall-clock.js';

/** The first day still inside a window: its date (YYYY-MM-DD) and the instant it began in the zone. */
export interface WindowStart {
  readonly date: string;
  readonly instant: Date;
}

/**
 * The first day of a window of `days` days before today where the employee is (today minus
 * `days`); undefined for 0 (no window). Something that ended on that day or later is inside.
 */
export function windowStart(timeZone: string, days: number, now: Date): WindowStart | undefined {
  if (days <= 0) return undefined;
  const [year, month, day] = localToday(timeZone, now).split('-').map(Number) as [number, number, number];
  const first = new Date(utcMs(year, month, day - days));
  const y = first.getUTCFullYear();
  const m = first.getUTCMonth() + 1;
  const d = first.getUTCDate();
  return {
    date: `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
    instant: new Date(zonedToUtc(timeZone, y, m, d)),
  };
}
