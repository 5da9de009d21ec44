// Hand-written iCalendar objects and helpers shared by the filter tests. Times are chosen around
// the Swiss DST change of 2026-03-29 (CET +01:00 → CEST +02:00).
import ICAL from 'ical.js';
import { expect } from 'vitest';
import { DavError } from '../../../src/dav/dav-error.js';
import type { ClarkName } from '../../../src/dav/xml/names.js';
import { child, parseXml, type XmlElement } from '../../../src/dav/xml/parse.js';

export const ZURICH = 'Europe/Zurich';

export const VTIMEZONE_ZURICH = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Zurich',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'TZNAME:CEST',
  'DTSTART:19810329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'TZNAME:CET',
  'DTSTART:19961027T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
];

/** A VCALENDAR (with the Zurich VTIMEZONE) around the given component lines, CRLF-terminated. */
export function ics(...components: string[][]): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//BrokerStar//DAV//DE',
    ...VTIMEZONE_ZURICH,
    ...components.flat(),
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

export const vevent = (...lines: string[]) => ['BEGIN:VEVENT', 'DTSTAMP:20260101T000000Z', ...lines, 'END:VEVENT'];
export const vtodo = (...lines: string[]) => ['BEGIN:VTODO', 'DTSTAMP:20260101T000000Z', ...lines, 'END:VTODO'];

/**
 * Weekly on Monday 10:00–11:00 Zurich time from 2026-03-16: 09:00Z before the DST change,
 * 08:00Z after it. The 2026-04-06 instance is cancelled (EXDATE) and the 2026-04-13 one moved
 * to Tuesday 2026-04-14 15:00–16:00 (13:00Z–14:00Z).
 */
export const WEEKLY_STANDUP = ics(
  vevent(
    'UID:standup-1',
    'SUMMARY:Wochenrapport',
    'DTSTART;TZID=Europe/Zurich:20260316T100000',
    'DTEND;TZID=Europe/Zurich:20260316T110000',
    'RRULE:FREQ=WEEKLY;BYDAY=MO',
    'EXDATE;TZID=Europe/Zurich:20260406T100000',
  ),
  vevent(
    'UID:standup-1',
    'SUMMARY:Wochenrapport (verschoben)',
    'RECURRENCE-ID;TZID=Europe/Zurich:20260413T100000',
    'DTSTART;TZID=Europe/Zurich:20260414T150000',
    'DTEND;TZID=Europe/Zurich:20260414T160000',
  ),
);

export const component = (text: string) => new ICAL.Component(ICAL.parse(text));

/** The CALDAV:/CARDDAV:filter (or any child) of a REPORT body, as the report handler finds it. */
export function childOf(xml: string, name: ClarkName): XmlElement {
  const el = child(parseXml(xml), name);
  if (!el) throw new Error(`no ${name} in the request`);
  return el;
}

/** The DAV:prop children of a REPORT body. */
export function propsOf(xml: string): readonly XmlElement[] {
  const prop = child(parseXml(xml), '{DAV:}prop');
  return prop?.children ?? [];
}

/** Asserts that `fn` throws a DavError with this status and condition element. */
export function expectDavError(fn: () => unknown, status: number, condition?: ClarkName): DavError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'a DavError, not a plain exception').toBeInstanceOf(DavError);
  const err = caught as DavError;
  expect(err.status).toBe(status);
  if (condition) expect(err.condition?.name).toBe(condition);
  else expect(err.condition).toBeUndefined();
  return err;
}

/** Unfolded content lines of an iCalendar/vCard text. */
export const contentLines = (text: string) => text.replace(/\r\n[ \t]/g, '').split('\r\n').filter((l) => l !== '');
