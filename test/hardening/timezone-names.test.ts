// How a client's TZID is resolved (src/calendar/zone-names.ts, src/policy/ical-input.ts): by name only,
// never through the body's VTIMEZONE. Every alias in the tables must name a zone this Node knows,
// or the alias would silently turn into a refusal.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { DISPLAY_NAMES, ianaZoneOf, WINDOWS_ZONES } from '../../src/calendar/zone-names.js';
import { InvalidCalendarData, parseCalendar, TimeReader } from '../../src/policy/ical-input.js';

const body = (zone: string[], tzid: string) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', ...zone, 'BEGIN:VEVENT', 'UID:u', 'DTSTAMP:20261120T120000Z',
    `DTSTART;TZID="${tzid}":20260710T140000`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

const startOf = (text: string) => {
  const ev = parseCalendar(text).getFirstSubcomponent('vevent')!;
  return new Date(new TimeReader('UTC').time(ev, 'dtstart')!.ms).toISOString();
};

const canonical = (tzid: string) => new Intl.DateTimeFormat('en-US', { timeZone: tzid }).resolvedOptions().timeZone;

describe('ianaZoneOf', () => {
  it('resolves every Windows and Outlook name in its tables to a zone this Node knows', () => {
    for (const name of [...Object.keys(WINDOWS_ZONES), ...Object.keys(DISPLAY_NAMES)]) expect(ianaZoneOf(name), name).toBeDefined();
  });

  it.each([
    ['Europe/Zurich', 'Europe/Zurich'],
    ['europe/zurich', 'Europe/Zurich'],
    ['W. Europe Standard Time', 'Europe/Berlin'],
    ['w. europe standard time', 'Europe/Berlin'],
    ['Romance Standard Time', 'Europe/Paris'],
    ['Central Europe Standard Time', 'Europe/Budapest'],
    ['GMT Standard Time', 'Europe/London'],
    ['Eastern Standard Time', 'America/New_York'],
    ['Pacific Standard Time', 'America/Los_Angeles'],
    ['(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna', 'Europe/Berlin'],
    ['(GMT+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna', 'Europe/Berlin'],
    ['/citadel.org/20190101_1/Europe/Zurich', 'Europe/Zurich'],
    // Intl's own spelling of a three-part id (ICU may use the older America/Buenos_Aires)
    ['/mozilla.org/20050126_1/America/Argentina/Buenos_Aires', canonical('America/Argentina/Buenos_Aires')],
  ])('%s -> %s', (tzid, iana) => {
    expect(ianaZoneOf(tzid)).toBe(iana);
  });

  it.each(['', 'Mars/Olympus_Mons', 'Customized Time Zone', 'x'.repeat(300), '/a/b/c'])('%j is no zone', (tzid) => {
    expect(ianaZoneOf(tzid)).toBeUndefined();
  });

  it('UTC names are UTC', () => {
    for (const tzid of ['UTC', 'Etc/UTC', 'Coordinated Universal Time']) expect(['UTC', 'Etc/UTC']).toContain(ianaZoneOf(tzid));
  });
});

describe('parseCalendar resolves TZIDs by name', () => {
  it('a Windows name is read in its IANA zone (14:00 in Berlin in July is 12:00 UTC)', () => {
    expect(startOf(body([], 'W. Europe Standard Time'))).toBe('2026-07-10T12:00:00.000Z');
  });

  it('a name it does not know is read through the X-LIC-LOCATION of its VTIMEZONE, whose rules are never expanded', () => {
    const zone = ['BEGIN:VTIMEZONE', 'TZID:Customized Time Zone', 'X-LIC-LOCATION:Europe/Zurich', 'BEGIN:STANDARD',
      'DTSTART:19700101T000000', 'RRULE:FREQ=MINUTELY', 'TZOFFSETFROM:+0500', 'TZOFFSETTO:+0500', 'END:STANDARD', 'END:VTIMEZONE'];
    const t0 = performance.now();
    expect(startOf(body(zone, 'Customized Time Zone'))).toBe('2026-07-10T12:00:00.000Z');
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('an unknown TZID is InvalidCalendarData naming it', () => {
    expect(() => parseCalendar(body([], 'Mars/Olympus_Mons'))).toThrow(InvalidCalendarData);
    expect(() => parseCalendar(body([], 'Mars/Olympus_Mons'))).toThrow(/Mars\/Olympus_Mons/);
  });

  it('more than four distinct zones in one body is InvalidCalendarData (each new zone costs its definition once)', () => {
    const zones = ['Europe/Zurich', 'Europe/Paris', 'Asia/Tokyo', 'America/Chicago', 'Australia/Perth'];
    const text = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', 'BEGIN:VEVENT', 'UID:u', 'DTSTAMP:20261120T120000Z',
      ...zones.map((z) => `EXDATE;TZID=${z}:20260710T140000`), 'DTSTART;TZID=Europe/Zurich:20260710T140000', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    expect(() => parseCalendar(text)).toThrow(/more than 4 time zones/);
    expect(startOf(text.replace(/EXDATE;TZID=Australia\/Perth[^\r]*\r\n/, ''))).toBe('2026-07-10T12:00:00.000Z');
  });

  it('the body keeps no VTIMEZONE and ical.js reads the server\'s own zone', () => {
    const cal = parseCalendar(body(['BEGIN:VTIMEZONE', 'TZID:Europe/Zurich', 'BEGIN:STANDARD', 'DTSTART:19700101T000000',
      'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0100', 'END:STANDARD', 'END:VTIMEZONE'], 'Europe/Zurich'));
    expect(cal.getAllSubcomponents('vtimezone')).toEqual([]);
    const start = cal.getFirstSubcomponent('vevent')!.getFirstPropertyValue('dtstart') as ICAL.Time;
    expect(start.zone?.tzid).toBe('Europe/Zurich');
    expect(start.toUnixTime()).toBe(Date.parse('2026-07-10T12:00:00Z') / 1000);
  });
});

describe('a definition whose TZID names no zone is matched by its observances (Outlook "Customized Time Zone")', () => {
  const OFFSETS: Record<string, [string, string]> = {
    'Customized Time Zone': ['+0100', '+0200'],
    'Eastern (custom)': ['-0500', '-0400'],
    'Shifted (custom)': ['+0100', '+0200'],
  };
  const windowsShape = (tzid: string, std: [string, string, string], dst: [string, string, string]) => [
    'BEGIN:VTIMEZONE', `TZID:${tzid}`,
    'BEGIN:STANDARD', `DTSTART:16010101T${std[0]}`, `RRULE:FREQ=YEARLY;BYDAY=${std[1]};BYMONTH=${std[2]}`,
    `TZOFFSETFROM:${OFFSETS[tzid]![1]}`, `TZOFFSETTO:${OFFSETS[tzid]![0]}`, 'END:STANDARD',
    'BEGIN:DAYLIGHT', `DTSTART:16010101T${dst[0]}`, `RRULE:FREQ=YEARLY;BYDAY=${dst[1]};BYMONTH=${dst[2]}`,
    `TZOFFSETFROM:${OFFSETS[tzid]![0]}`, `TZOFFSETTO:${OFFSETS[tzid]![1]}`, 'END:DAYLIGHT',
    'END:VTIMEZONE',
  ];

  it("Outlook's Central European definition is read as Europe/Zurich (14:00 in July is 12:00 UTC)", () => {
    const zone = windowsShape('Customized Time Zone', ['030000', '-1SU', '10'], ['020000', '-1SU', '3']);
    expect(startOf(body(zone, 'Customized Time Zone'))).toBe('2026-07-10T12:00:00.000Z');
  });

  it('a US Eastern definition (second Sunday of March, first of November) is read as New York time', () => {
    const zone = windowsShape('Eastern (custom)', ['020000', '1SU', '11'], ['020000', '2SU', '3']);
    expect(startOf(body(zone, 'Eastern (custom)'))).toBe('2026-07-10T18:00:00.000Z');
  });

  it('a fixed offset without rules is read as a zone that keeps that offset all year', () => {
    const zone = ['BEGIN:VTIMEZONE', 'TZID:India (custom)', 'BEGIN:STANDARD', 'DTSTART:16010101T000000',
      'TZOFFSETFROM:+0530', 'TZOFFSETTO:+0530', 'END:STANDARD', 'END:VTIMEZONE'];
    expect(startOf(body(zone, 'India (custom)'))).toBe('2026-07-10T08:30:00.000Z');
  });

  it('a definition no known zone follows (daylight saving from the first Sunday of February) is refused', () => {
    const zone = windowsShape('Shifted (custom)', ['030000', '-1SU', '10'], ['020000', '1SU', '2']);
    expect(() => parseCalendar(body(zone, 'Shifted (custom)'))).toThrow(InvalidCalendarData);
  });
});
