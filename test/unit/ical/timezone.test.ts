import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { calendarTimezoneText } from '../../../src/ical/calendar-timezone.js';
import { isKnownTimeZone, localDateTime } from '../../../src/calendar/wall-clock.js';
import { vtimezone } from '../../../src/ical/timezone.js';
import { expectWellFormedLines, parse, type Component } from './fixtures.js';

function timezoneOf(tzid: string): { component: Component; zone: InstanceType<typeof ICAL.Timezone> } {
  const component = parse(`BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n${vtimezone(tzid)}\r\nEND:VCALENDAR\r\n`).getFirstSubcomponent('vtimezone');
  if (!component) throw new Error('no VTIMEZONE');
  return { component, zone: new ICAL.Timezone(component) };
}

/** The UTC instant ical.js computes for a wall-clock time in the generated zone. */
function instantOfLocal(zone: InstanceType<typeof ICAL.Timezone>, local: string): string {
  const t = ICAL.Time.fromDateTimeString(local);
  t.zone = zone;
  return t.toJSDate().toISOString();
}

describe('vtimezone', () => {
  it('describes Europe/Zurich with its current EU rule and the pre-1996 September end', () => {
    const { component, zone } = timezoneOf('Europe/Zurich');
    expect(component.getFirstPropertyValue('tzid')).toBe('Europe/Zurich');
    const observances = component.getAllSubcomponents().map((c) => ({
      kind: c.name,
      from: c.getFirstProperty('tzoffsetfrom')?.toICALString(),
      to: c.getFirstProperty('tzoffsetto')?.toICALString(),
      rrule: c.getFirstProperty('rrule')?.toICALString(),
    }));
    expect(observances).toContainEqual({ kind: 'daylight', from: 'TZOFFSETFROM:+0100', to: 'TZOFFSETTO:+0200', rrule: 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU' });
    expect(observances).toContainEqual({ kind: 'standard', from: 'TZOFFSETFROM:+0200', to: 'TZOFFSETTO:+0100', rrule: 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU' });
    expect(instantOfLocal(zone, '2025-03-30T01:59:00')).toBe('2025-03-30T00:59:00.000Z');
    expect(instantOfLocal(zone, '2025-03-30T03:00:00')).toBe('2025-03-30T01:00:00.000Z');
    expect(instantOfLocal(zone, '2025-10-26T03:30:00')).toBe('2025-10-26T02:30:00.000Z');
    expect(instantOfLocal(zone, '1990-10-15T12:00:00')).toBe('1990-10-15T11:00:00.000Z'); // DST ended in September then
    expect(instantOfLocal(zone, '1975-07-01T12:00:00')).toBe('1975-07-01T11:00:00.000Z'); // no DST before 1981
  });

  it('follows current tz data: Mexico City has had no DST since 2022', () => {
    const { zone } = timezoneOf('America/Mexico_City');
    expect(instantOfLocal(zone, '2021-07-01T12:00:00')).toBe('2021-07-01T17:00:00.000Z');
    expect(instantOfLocal(zone, '2025-07-01T12:00:00')).toBe('2025-07-01T18:00:00.000Z');
  });

  // Compares ical.js's reading of the generated VTIMEZONE with Node's tz data at pseudo-random
  // instants from 1970 to 2039, in zones with rule changes, southern DST, half hours, 45 minutes,
  // Ramadan breaks (Casablanca), a "Friday before the last Sunday" rule (Jerusalem) and a one-week DST (Boa Vista).
  it.each([
    'Europe/Zurich',
    'Europe/Berlin',
    'Europe/London',
    'America/New_York',
    'America/Sao_Paulo',
    'America/Santiago',
    'America/Boa_Vista',
    'Australia/Sydney',
    'Australia/Lord_Howe',
    'Asia/Kolkata',
    'Asia/Kathmandu',
    'Asia/Jerusalem',
    'Africa/Casablanca',
    'Pacific/Chatham',
    'UTC',
  ])('agrees with Intl for %s', (tzid) => {
    const { zone } = timezoneOf(tzid);
    let seed = 20250317;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const from = Date.UTC(1970, 0, 2);
    const to = Date.UTC(2039, 11, 1);
    let checked = 0;
    for (let i = 0; i < 400; i++) {
      const ms = from + Math.floor((next() * (to - from)) / 60_000) * 60_000;
      const l = localDateTime(ms, tzid);
      const ambiguous = [-7200e3, -3600e3, -1800e3, 1800e3, 3600e3, 7200e3].some((d) => {
        const o = localDateTime(ms + d, tzid);
        return o.year === l.year && o.month === l.month && o.day === l.day && o.hour === l.hour && o.minute === l.minute;
      });
      if (ambiguous) continue; // a wall-clock time that occurs twice (end of DST)
      const t = new ICAL.Time({ year: l.year, month: l.month, day: l.day, hour: l.hour, minute: l.minute, second: l.second, isDate: false }, zone);
      expect(t.toJSDate().getTime(), `${tzid} ${new Date(ms).toISOString()}`).toBe(ms);
      checked++;
    }
    expect(checked).toBeGreaterThan(390);
  });

  it('is well-formed, cached, and refuses unknown zones', () => {
    const text = vtimezone('Asia/Jerusalem');
    expectWellFormedLines(`${text}\r\n`);
    expect(vtimezone('Asia/Jerusalem')).toBe(text);
    expect(isKnownTimeZone('Europe/Zurich')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isKnownTimeZone('')).toBe(false);
    expect(() => vtimezone('Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('calendarTimezoneText (RFC 4791 §5.2.2)', () => {
  it('is a VCALENDAR with exactly one VTIMEZONE and nothing else', () => {
    const text = calendarTimezoneText('Europe/Zurich');
    expectWellFormedLines(text);
    const cal = parse(text);
    expect(cal.name).toBe('vcalendar');
    expect(cal.getFirstPropertyValue('version')).toBe('2.0');
    expect(cal.getFirstPropertyValue('prodid')).toBe('-//BrokerStar//brokerstar-dav//DE');
    expect(cal.getAllSubcomponents().map((c) => c.name)).toEqual(['vtimezone']);
    expect(cal.getFirstSubcomponent('vtimezone')?.getFirstPropertyValue('tzid')).toBe('Europe/Zurich');
  });

  it('describes UTC for a zone Node does not know', () => {
    const cal = parse(calendarTimezoneText('Europe/Zürich'));
    const tz = cal.getFirstSubcomponent('vtimezone');
    expect(tz?.getFirstPropertyValue('tzid')).toBe('UTC');
    expect(tz?.getFirstSubcomponent('standard')?.getFirstProperty('tzoffsetto')?.toICALString()).toBe('TZOFFSETTO:+0000');
  });
});
