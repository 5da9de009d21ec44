// Joins single-object iCalendar texts into one VCALENDAR for calendar subscriptions (GET on a
// collection): one VTIMEZONE per TZID, then every component, in order.

const CRLF = '\r\n';

export function mergeCalendars(bodies: readonly string[], name: string): string {
  const timezones = new Map<string, string>();
  const components: string[] = [];
  for (const body of bodies) {
    const lines = body.split(/\r?\n/);
    let depth = 0;
    let current: string[] = [];
    let tzid: string | undefined;
    let isTimezone = false;
    for (const line of lines) {
      if (line === '') continue;
      if (line.startsWith('BEGIN:')) {
        depth++;
        if (depth === 2) {
          current = [];
          isTimezone = line === 'BEGIN:VTIMEZONE';
          tzid = undefined;
        }
      }
      if (depth >= 2) {
        current.push(line);
        if (isTimezone && depth === 2 && line.startsWith('TZID:')) tzid = line.slice(5);
      }
      if (line.startsWith('END:')) {
        if (depth === 2) {
          if (isTimezone) {
            if (tzid && !timezones.has(tzid)) timezones.set(tzid, current.join(CRLF));
          } else {
            components.push(current.join(CRLF));
          }
        }
        depth--;
      }
    }
  }
  const head = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//BrokerStar//brokerstar-dav//DE',
    'CALSCALE:GREGORIAN',
    `X-WR-CALNAME:${name.replace(/[\\;,]/g, (c) => `\\${c}`)}`,
  ];
  return [...head, ...timezones.values(), ...components, 'END:VCALENDAR'].join(CRLF) + CRLF;
}
