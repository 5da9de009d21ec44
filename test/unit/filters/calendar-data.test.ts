import { describe, expect, it } from 'vitest';
import { applyCalendarData, parseCalendarData } from '../../../src/dav/filters/calendar-data.js';
import { CALDAV } from '../../../src/dav/xml/names.js';
import { contentLines, component, expectDavError, ics, propsOf, vevent, WEEKLY_STANDUP } from './fixtures.js';

/** A calendar-multiget body (as Outlook sends it) carrying one calendar-data element. */
const multiget = (calendarData: string) => `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop>
    <D:getetag/>
    ${calendarData}
  </D:prop>
  <D:href>/dav/calendars/anna/termine/1.ics</D:href>
</C:calendar-multiget>`;

const requestOf = (calendarData: string) => {
  const el = propsOf(multiget(calendarData)).find((p) => p.name === CALDAV.calendarData);
  if (!el) throw new Error('no calendar-data');
  return parseCalendarData(el);
};

const apply = (calendarData: string, body = WEEKLY_STANDUP) => applyCalendarData(body, requestOf(calendarData));

const SUBSET = `<C:calendar-data>
  <C:comp name="VCALENDAR">
    <C:prop name="VERSION"/>
    <C:comp name="VEVENT">
      <C:prop name="SUMMARY"/>
      <C:prop name="UID"/>
      <C:prop name="DTSTART"/>
      <C:prop name="ATTENDEE" novalue="yes"/>
    </C:comp>
    <C:comp name="VTIMEZONE"/>
  </C:comp>
</C:calendar-data>`;

const names = (lines: string[]) => lines.map((l) => l.split(/[;:]/)[0]);

describe('parseCalendarData', () => {
  it('asks for nothing special in the plain form every client sends', () => {
    expect(requestOf('<C:calendar-data/>')).toEqual({ comp: null, expand: null, limitRecurrenceSet: null, limitFreebusySet: null });
    expect(requestOf('<C:calendar-data content-type="text/calendar" version="2.0"/>').comp).toBeNull();
  });

  it('reads comp, prop (with novalue), allprop and allcomp', () => {
    const req = requestOf(SUBSET);
    expect(req.comp).toEqual({
      name: 'VCALENDAR',
      props: [{ name: 'VERSION', novalue: false }],
      comps: [
        {
          name: 'VEVENT',
          props: [
            { name: 'SUMMARY', novalue: false },
            { name: 'UID', novalue: false },
            { name: 'DTSTART', novalue: false },
            { name: 'ATTENDEE', novalue: true },
          ],
          comps: [],
        },
        { name: 'VTIMEZONE', props: 'all', comps: 'all' },
      ],
    });
    const all = requestOf('<C:calendar-data><C:comp name="VCALENDAR"><C:allprop/><C:allcomp/></C:comp></C:calendar-data>');
    expect(all.comp).toEqual({ name: 'VCALENDAR', props: 'all', comps: 'all' });
  });

  it('reads expand and limit-recurrence-set ranges', () => {
    expect(requestOf('<C:calendar-data><C:expand start="20260301T000000Z" end="20260401T000000Z"/></C:calendar-data>').expand).toEqual({
      start: new Date('2026-03-01T00:00:00Z'),
      end: new Date('2026-04-01T00:00:00Z'),
    });
    expect(requestOf('<C:calendar-data><C:limit-recurrence-set start="20260301T000000Z" end="20260401T000000Z"/></C:calendar-data>').limitRecurrenceSet).not.toBeNull();
  });

  it('403 CALDAV:supported-calendar-data for anything but text/calendar 2.0', () => {
    for (const attrs of ['content-type="application/calendar+json"', 'version="1.0"', 'content-type="text/vcard" version="3.0"']) {
      expectDavError(() => requestOf(`<C:calendar-data ${attrs}/>`), 403, CALDAV.supportedCalendarData);
    }
  });

  it('accepts a charset parameter on the media type', () => {
    expect(requestOf('<C:calendar-data content-type="text/calendar; charset=utf-8"/>').comp).toBeNull();
  });

  it('400 for malformed sub-requests', () => {
    const bad = [
      '<C:calendar-data><C:expand start="20260301T000000Z"/></C:calendar-data>',
      '<C:calendar-data><C:expand start="2026-03-01" end="20260401T000000Z"/></C:calendar-data>',
      '<C:calendar-data><C:expand start="20260301T000000Z" end="20260401T000000Z"/><C:limit-recurrence-set start="20260301T000000Z" end="20260401T000000Z"/></C:calendar-data>',
      '<C:calendar-data><C:comp name="VEVENT"/></C:calendar-data>',
      '<C:calendar-data><C:comp/></C:calendar-data>',
      '<C:calendar-data><C:comp name="VCALENDAR"><C:allprop/><C:prop name="VERSION"/></C:comp></C:calendar-data>',
      '<C:calendar-data><C:comp name="VCALENDAR"><C:prop name="VERSION" novalue="maybe"/></C:comp></C:calendar-data>',
      '<C:calendar-data><C:comp name="VCALENDAR"/><C:comp name="VCALENDAR"/></C:calendar-data>',
    ];
    for (const xml of bad) expectDavError(() => requestOf(xml), 400);
  });
});

describe('applyCalendarData', () => {
  it('returns the body untouched, without parsing it, when nothing is sub-requested', () => {
    const notICalendar = 'this is not iCalendar at all';
    expect(applyCalendarData(notICalendar, requestOf('<C:calendar-data/>'))).toBe(notICalendar);
    expect(apply('<C:calendar-data/>')).toBe(WEEKLY_STANDUP);
  });

  it('keeps only the requested components and properties, VTIMEZONE in full, novalue as a bare name', () => {
    const body = ics(
      vevent(
        'UID:m',
        'SUMMARY:Besprechung',
        'LOCATION:Zürich',
        'DTSTART;TZID=Europe/Zurich:20260316T100000',
        'ATTENDEE;CN="Muster, Hans";PARTSTAT=ACCEPTED:mailto:hans@example.ch',
        'BEGIN:VALARM',
        'ACTION:DISPLAY',
        'TRIGGER:-PT15M',
        'END:VALARM',
      ),
    );
    const out = apply(SUBSET, body);
    expect(out.endsWith('\r\n')).toBe(true);
    expect(out.replace(/\r\n/g, '')).not.toMatch(/\n|\r/);
    const lines = contentLines(out);
    expect(lines).toContain('VERSION:2.0');
    expect(names(lines)).not.toContain('PRODID');
    expect(lines).toContain('ATTENDEE;CN="Muster, Hans";PARTSTAT=ACCEPTED:');
    expect(lines).toContain('DTSTART;TZID=Europe/Zurich:20260316T100000');
    expect(names(lines)).not.toContain('LOCATION');
    expect(lines).not.toContain('BEGIN:VALARM');
    expect(lines).toContain('BEGIN:DAYLIGHT');
    expect(lines).toContain('TZOFFSETTO:+0200');
    expect(component(out).getFirstSubcomponent('vevent')?.getFirstPropertyValue('summary')).toBe('Besprechung');
  });

  it('drops VTIMEZONE when the selection does not name it', () => {
    const out = apply('<C:calendar-data><C:comp name="VCALENDAR"><C:allprop/><C:comp name="VEVENT"><C:allprop/></C:comp></C:comp></C:calendar-data>');
    expect(out).not.toContain('VTIMEZONE');
    expect(contentLines(out).filter((l) => l === 'BEGIN:VEVENT')).toHaveLength(2);
  });

  it('keeps everything under allcomp/allprop', () => {
    const out = apply('<C:calendar-data><C:comp name="VCALENDAR"><C:allprop/><C:allcomp/></C:comp></C:calendar-data>');
    expect(contentLines(out)).toEqual(contentLines(WEEKLY_STANDUP));
  });

  it('expands the recurrence set into UTC instances with RECURRENCE-ID and no VTIMEZONE (§9.6.5)', () => {
    const out = apply('<C:calendar-data><C:expand start="20260316T000000Z" end="20260420T000000Z"/></C:calendar-data>');
    const cal = component(out);
    expect(cal.getAllSubcomponents('vtimezone')).toHaveLength(0);
    expect(out).not.toMatch(/TZID|RRULE|EXDATE|RDATE/);
    const instances = cal.getAllSubcomponents('vevent').map((e) => ({
      rid: String(e.getFirstProperty('recurrence-id')?.toICALString()),
      start: String(e.getFirstProperty('dtstart')?.toICALString()),
      end: String(e.getFirstProperty('dtend')?.toICALString()),
      summary: e.getFirstPropertyValue('summary'),
    }));
    expect(instances).toEqual([
      { rid: 'RECURRENCE-ID:20260316T090000Z', start: 'DTSTART:20260316T090000Z', end: 'DTEND:20260316T100000Z', summary: 'Wochenrapport' },
      { rid: 'RECURRENCE-ID:20260323T090000Z', start: 'DTSTART:20260323T090000Z', end: 'DTEND:20260323T100000Z', summary: 'Wochenrapport' },
      // after the DST change 10:00 Zurich is 08:00Z; 04-06 is EXDATE'd; 04-13 is replaced by the override
      { rid: 'RECURRENCE-ID:20260330T080000Z', start: 'DTSTART:20260330T080000Z', end: 'DTEND:20260330T090000Z', summary: 'Wochenrapport' },
      { rid: 'RECURRENCE-ID:20260413T080000Z', start: 'DTSTART:20260414T130000Z', end: 'DTEND:20260414T140000Z', summary: 'Wochenrapport (verschoben)' },
    ]);
  });

  it('expands only instances that overlap, and leaves all-day instances as dates', () => {
    const birthdays = ics(vevent('UID:b', 'SUMMARY:Geburtstag', 'DTSTART;VALUE=DATE:20200316', 'DTEND;VALUE=DATE:20200317', 'RRULE:FREQ=YEARLY'));
    const out = apply('<C:calendar-data><C:expand start="20250101T000000Z" end="20270101T000000Z"/></C:calendar-data>', birthdays);
    const lines = contentLines(out);
    expect(lines.filter((l) => l.startsWith('DTSTART'))).toEqual(['DTSTART;VALUE=DATE:20250316', 'DTSTART;VALUE=DATE:20260316']);
    expect(lines.filter((l) => l.startsWith('DTEND'))).toEqual(['DTEND;VALUE=DATE:20250317', 'DTEND;VALUE=DATE:20260317']);
    expect(lines).toContain('RECURRENCE-ID;VALUE=DATE:20260316');
  });

  it('drops a non-recurring event outside the expand range and converts one inside to UTC', () => {
    const single = ics(vevent('UID:s', 'DTSTART;TZID=Europe/Zurich:20260701T140000', 'DTEND;TZID=Europe/Zurich:20260701T150000'));
    expect(apply('<C:calendar-data><C:expand start="20260101T000000Z" end="20260201T000000Z"/></C:calendar-data>', single)).not.toContain('BEGIN:VEVENT');
    const inside = contentLines(apply('<C:calendar-data><C:expand start="20260701T000000Z" end="20260702T000000Z"/></C:calendar-data>', single));
    expect(inside).toContain('DTSTART:20260701T120000Z');
    expect(inside).toContain('DTEND:20260701T130000Z');
  });

  it('limit-recurrence-set keeps the master and only the overrides that touch the range (§9.6.6)', () => {
    const early = apply('<C:calendar-data><C:limit-recurrence-set start="20260316T000000Z" end="20260401T000000Z"/></C:calendar-data>');
    expect(contentLines(early).filter((l) => l.startsWith('RECURRENCE-ID'))).toHaveLength(0);
    expect(early).toContain('RRULE:FREQ=WEEKLY;BYDAY=MO');
    expect(early).toContain('BEGIN:VTIMEZONE');
    const originalTime = apply('<C:calendar-data><C:limit-recurrence-set start="20260413T000000Z" end="20260413T230000Z"/></C:calendar-data>');
    expect(originalTime, 'the instance it replaces lay in the range').toContain('RECURRENCE-ID;TZID=Europe/Zurich:20260413T100000');
    const newTime = apply('<C:calendar-data><C:limit-recurrence-set start="20260414T120000Z" end="20260414T180000Z"/></C:calendar-data>');
    expect(newTime).toContain('RECURRENCE-ID;TZID=Europe/Zurich:20260413T100000');
  });

  it('limit-freebusy-set keeps only the overlapping FREEBUSY periods', () => {
    const fb = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:x',
      'BEGIN:VFREEBUSY',
      'UID:fb',
      'DTSTAMP:20260101T000000Z',
      'FREEBUSY:20260301T080000Z/20260301T090000Z,20260305T080000Z/PT1H',
      'FREEBUSY;FBTYPE=BUSY-TENTATIVE:20260310T080000Z/20260310T090000Z',
      'END:VFREEBUSY',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const out = contentLines(applyCalendarData(fb, requestOf('<C:calendar-data><C:limit-freebusy-set start="20260304T000000Z" end="20260306T000000Z"/></C:calendar-data>')));
    expect(out.filter((l) => l.startsWith('FREEBUSY'))).toEqual(['FREEBUSY:20260305T080000Z/PT1H']);
  });

  it('returns an unreadable body as it is instead of throwing mid-207', () => {
    expect(apply('<C:calendar-data><C:comp name="VCALENDAR"/></C:calendar-data>', 'BEGIN:VCALENDAR\r\nbroken')).toBe('BEGIN:VCALENDAR\r\nbroken');
  });
});
