// The birthdays calendar's events (issue 16): one yearly all-day VEVENT per contact with a birthday,
// the same text for every employee (so one body per contact, one ETag). Like Nextcloud's birthday
// calendar: "Anna Muster (1975)", the series starting on the day of birth; where the year is not
// worth showing (before 1900: BrokerStar's placeholders for "unknown", 1604 from Apple, 0001), the
// name alone and a series starting in a year every client handles.
import type { ContactRecord, RenderStamp } from '../domain/records.js';
import type { RenderOptions } from './render-options.js';
import { ContentLines, rawValue } from './text.js';
import { uidOf } from './uid.js';
import { formattedName } from './vcard.js';
import { addDays, beginCalendar, dateOnly, endCalendar, parseIsoDay, utcDateTime, type CalendarDay } from './vcalendar.js';

/** Birth years before this are not shown: they mean "year unknown" in practice. */
export const FIRST_SHOWN_BIRTH_YEAR = 1900;

/**
 * Where the year is not shown, the series starts in 1972: a leap year (29 February exists in it)
 * and after 1970, which some clients treat as the earliest date they expand reliably.
 */
export const YEARLESS_START_YEAR = 1972;

export interface BirthdaySeries {
  /** DTSTART (a DATE): the day of birth, or that day in YEARLESS_START_YEAR. */
  readonly start: CalendarDay;
  /** RRULE: every year; 29 February falls on the last day of February in other years. */
  readonly rule: string;
  /** The birth year in the summary, null where it is not shown. */
  readonly year: number | null;
}

/** The yearly series of a birthday (`YYYY-MM-DD`); undefined when it is not a date. */
export function birthdaySeries(birthday: string): BirthdaySeries | undefined {
  const m = /^(\d{4})-(\d{2}-\d{2})$/.exec(birthday);
  if (!m) return undefined;
  const shown = Number(m[1]) >= FIRST_SHOWN_BIRTH_YEAR;
  // A year not shown is checked as the day in YEARLESS_START_YEAR (0001-05-05 is a valid placeholder).
  const start = parseIsoDay(shown ? birthday : `${YEARLESS_START_YEAR}-${m[2]}`);
  if (!start) return undefined;
  // BYMONTHDAY=-1 (as Nextcloud does): 29 February in leap years, 28 February in the others.
  const leapDay = start.month === 2 && start.day === 29;
  return { start, rule: leapDay ? 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1' : 'FREQ=YEARLY', year: shown ? start.year : null };
}

/** The summary: the contact's name as the address book shows it, with the birth year where known. */
export function birthdaySummary(c: ContactRecord, series: BirthdaySeries): string {
  const name = formattedName(c);
  return series.year === null ? name : `${name} (${series.year})`;
}

/**
 * A contact's birthday as a complete iCalendar object, or undefined when he has none. Transparent
 * (a birthday blocks no time), public, linked to the contact in BrokerStar. Pure and synchronous.
 */
export function renderBirthday(c: ContactRecord, stamp: RenderStamp, opts: RenderOptions): string | undefined {
  const series = c.birthday === null ? undefined : birthdaySeries(c.birthday);
  if (!series) return undefined;
  const summary = birthdaySummary(c, series);
  const lines = new ContentLines();
  beginCalendar(lines, []);
  lines.begin('VEVENT');
  lines.add('UID', uidOf('birthday', c.id));
  lines.add('DTSTAMP', utcDateTime(stamp.lastModified));
  lines.add('LAST-MODIFIED', utcDateTime(stamp.lastModified));
  lines.add('SEQUENCE', String(Math.max(0, Math.trunc(stamp.sequence))));
  lines.text('SUMMARY', summary);
  const start = dateOnly(series.start);
  const end = dateOnly(addDays(series.start, 1));
  lines.add('DTSTART', start.value, start.params);
  lines.add('DTEND', end.value, end.params);
  lines.add('RRULE', series.rule);
  lines.add('URL', rawValue(opts.contactUrl({ id: c.id, customerNo: c.customerNo, displayName: formattedName(c) })));
  lines.add('CLASS', 'PUBLIC');
  lines.add('TRANSP', 'TRANSPARENT');
  lines.end('VEVENT');
  endCalendar(lines);
  return lines.toString();
}
