// The CALDAV:calendar-timezone value (RFC 4791 §5.2.2): a VCALENDAR holding just the collection zone's VTIMEZONE.
import { ContentLines } from './text.js';
import { beginCalendar, endCalendar, zoneOrUtc } from './vcalendar.js';

const cache = new Map<string, string>();

/** For a zone Node does not know (free text in BrokerStar) the value describes UTC instead. */
export function calendarTimezoneText(tzid: string): string {
  let text = cache.get(tzid);
  if (text === undefined) {
    const lines = new ContentLines();
    beginCalendar(lines, [zoneOrUtc(tzid) ?? 'UTC']);
    endCalendar(lines);
    text = lines.toString();
    cache.set(tzid, text);
  }
  return text;
}
