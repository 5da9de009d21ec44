// BrokerStar stores recurrence rules as free text. A rule every iCalendar reader understands is
// served; an unreadable one (a typo such as BYDAY=XX, an RRULE: prefix, garbage) must not break the
// appointment, the change pump or a client's parser, so the appointment is served as a single one.
import ICAL from 'ical.js';

/** The rule as served (RRULE value, prefix and blanks removed), or null when it cannot be read. */
export function readableRule(raw: string | null): string | null {
  if (raw === null) return null;
  const value = raw.trim().replace(/^RRULE:/i, '');
  if (value === '') return null;
  try {
    const recur = ICAL.Recur.fromString(value);
    // Some mistakes only show when the rule is walked.
    const it = recur.iterator(ICAL.Time.fromData({ year: 2000, month: 1, day: 3, hour: 9, minute: 0, second: 0, isDate: false }));
    for (let i = 0; i < 3 && it.next(); i++);
    return value;
  } catch {
    return null;
  }
}
