// Joins single-object iCalendar texts into one VCALENDAR for calendar subscriptions (GET on a
// collection): one VTIMEZONE per TZID, then every component, in order. The parts are exported so
// the answer can be streamed (dav/methods/get.ts) instead of built in memory.

const CRLF = '\r\n';

/** The VTIMEZONEs (by TZID) and the other components of one iCalendar text, each as its lines. */
export interface CalendarParts {
  readonly timezones: Map<string, string>;
  readonly components: string[];
}

export function splitCalendar(body: string): CalendarParts {
  const timezones = new Map<string, string>();
  const components: string[] = [];
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
  return { timezones, components };
}

/** The opening lines of the merged calendar, each followed by CRLF. */
export function calendarHead(name: string): string {
  const head = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//BrokerStar//brokerstar-dav//DE',
    'CALSCALE:GREGORIAN',
    `X-WR-CALNAME:${name.replace(/[\\;,]/g, (c) => `\\${c}`)}`,
  ];
  return head.join(CRLF) + CRLF;
}

export const CALENDAR_END = `END:VCALENDAR${CRLF}`;

export function mergeCalendars(bodies: readonly string[], name: string): string {
  const timezones = new Map<string, string>();
  const components: string[] = [];
  for (const body of bodies) {
    const parts = splitCalendar(body);
    for (const [tzid, text] of parts.timezones) if (!timezones.has(tzid)) timezones.set(tzid, text);
    components.push(...parts.components);
  }
  return calendarHead(name) + [...timezones.values(), ...components].map((part) => part + CRLF).join('') + CALENDAR_END;
}
