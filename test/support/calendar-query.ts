// The calendar-query tests send to list the events in a time range (RFC 4791 §7.8).
import { utcBasic } from './time.js';

/**
 * calendar-query body asking for the getetag of every VEVENT overlapping start..end; an instant is
 * written in UTC basic format, a string is taken as it is (e.g. '20260302T000000Z').
 */
export function eventsInRange(start: Date | number | string, end: Date | number | string): string {
  const at = (t: Date | number | string) => (typeof t === 'string' ? t : utcBasic(t));
  return `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="${at(start)}" end="${at(end)}"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>`;
}
