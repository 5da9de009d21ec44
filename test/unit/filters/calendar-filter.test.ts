import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import {
  matchesCalendarFilter,
  parseCalendarFilter,
  pushdownOf,
  type CalendarFilter,
} from '../../../src/dav/filters/calendar-filter.js';
import { CALDAV } from '../../../src/dav/xml/names.js';
import { parseXml } from '../../../src/dav/xml/parse.js';
import { childOf, component, expectDavError, ics, vevent, vtodo, WEEKLY_STANDUP, ZURICH } from './fixtures.js';

// Request bodies as the clients send them (namespaces and prefixes included).
const DAVX5_EVENTS = `<?xml version='1.0' encoding='UTF-8' ?>
<CAL:calendar-query xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav" xmlns:CARD="urn:ietf:params:xml:ns:carddav">
<prop><getetag /></prop>
<CAL:filter><CAL:comp-filter name="VCALENDAR"><CAL:comp-filter name="VEVENT"><CAL:time-range start="20260101T000000Z" /></CAL:comp-filter></CAL:comp-filter></CAL:filter>
</CAL:calendar-query>`;

const OUTLOOK_EVENTS = `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop>
    <D:getetag />
  </D:prop>
  <C:filter>
    <C:comp-filter name="VCALENDAR">
      <C:comp-filter name="VEVENT">
        <C:time-range start="20260115T000000Z" end="20270116T000000Z" />
      </C:comp-filter>
    </C:comp-filter>
  </C:filter>
</C:calendar-query>`;

const THUNDERBIRD_TASKS = `<?xml version="1.0" encoding="UTF-8"?>
<calendar-query xmlns:D="DAV:" xmlns="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/></D:prop>
  <filter><comp-filter name="VCALENDAR"><comp-filter name="VTODO"/></comp-filter></filter>
</calendar-query>`;

const DAVX5_TASKS = `<?xml version='1.0' encoding='UTF-8' ?><CAL:calendar-query xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav"><prop><getetag /></prop><CAL:filter><CAL:comp-filter name="VCALENDAR"><CAL:comp-filter name="VTODO" /></CAL:comp-filter></CAL:filter></CAL:calendar-query>`;

const IOS_EVENTS = `<?xml version="1.0" encoding="UTF-8"?>
<B:calendar-query xmlns:B="urn:ietf:params:xml:ns:caldav">
  <A:prop xmlns:A="DAV:">
    <A:getetag/>
    <A:getcontenttype/>
  </A:prop>
  <B:filter>
    <B:comp-filter name="VCALENDAR">
      <B:comp-filter name="VEVENT">
        <B:time-range start="20251216T000000Z"/>
      </B:comp-filter>
    </B:comp-filter>
  </B:filter>
</B:calendar-query>`;

/** iOS Reminders asks for open tasks only. */
const IOS_OPEN_TASKS = `<?xml version="1.0" encoding="UTF-8"?>
<B:calendar-query xmlns:B="urn:ietf:params:xml:ns:caldav">
  <A:prop xmlns:A="DAV:"><A:getetag/></A:prop>
  <B:filter>
    <B:comp-filter name="VCALENDAR">
      <B:comp-filter name="VTODO">
        <B:prop-filter name="COMPLETED"><B:is-not-defined/></B:prop-filter>
      </B:comp-filter>
    </B:comp-filter>
  </B:filter>
</B:calendar-query>`;

const filterOf = (xml: string) => parseCalendarFilter(childOf(xml, CALDAV.filter));

/** A filter body around the inner part of the VCALENDAR comp-filter. */
const inner = (xml: string) =>
  filterOf(`<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:filter><C:comp-filter name="VCALENDAR">${xml}</C:comp-filter></C:filter></C:calendar-query>`);

/** A VEVENT comp-filter with a time range; null = attribute left out. */
const eventsIn = (start: string | null, end: string | null) =>
  inner(`<C:comp-filter name="VEVENT"><C:time-range${start ? ` start="${start}"` : ''}${end ? ` end="${end}"` : ''}/></C:comp-filter>`);
const todosIn = (start: string | null, end: string | null) =>
  inner(`<C:comp-filter name="VTODO"><C:time-range${start ? ` start="${start}"` : ''}${end ? ` end="${end}"` : ''}/></C:comp-filter>`);

const matches = (f: CalendarFilter, text: string, tz = ZURICH) => matchesCalendarFilter(f, component(text), tz);

describe('parseCalendarFilter on client request bodies', () => {
  it('reads the DAVx5 open-ended VEVENT time-range as start only', () => {
    const f = filterOf(DAVX5_EVENTS);
    const vevent = f.vcalendar.compFilters[0];
    expect(vevent?.name).toBe('VEVENT');
    expect(vevent?.timeRange).toEqual({ start: new Date('2026-01-01T00:00:00Z'), end: null });
    expect(pushdownOf(f)).toEqual({ component: 'VEVENT', timeRange: vevent?.timeRange, exact: false, rangeOnly: true });
  });

  it('reads the Outlook window with start and end in UTC', () => {
    const push = pushdownOf(filterOf(OUTLOOK_EVENTS));
    expect(push.component).toBe('VEVENT');
    expect(push.timeRange).toEqual({ start: new Date('2026-01-15T00:00:00Z'), end: new Date('2027-01-16T00:00:00Z') });
    expect(push.exact, 'the store only compares the series span').toBe(false);
    expect(push.rangeOnly, 'timed single events are decided in SQL').toBe(true);
  });

  it('takes the Thunderbird and DAVx5 task queries (no time-range) as exact', () => {
    for (const body of [THUNDERBIRD_TASKS, DAVX5_TASKS]) {
      expect(pushdownOf(filterOf(body))).toEqual({ component: 'VTODO', timeRange: null, exact: true, rangeOnly: false });
    }
  });

  it('reads the iOS queries: open-ended events, and open tasks that need the matcher', () => {
    expect(pushdownOf(filterOf(IOS_EVENTS)).timeRange).toEqual({ start: new Date('2025-12-16T00:00:00Z'), end: null });
    const tasks = filterOf(IOS_OPEN_TASKS);
    expect(pushdownOf(tasks)).toEqual({ component: 'VTODO', timeRange: null, exact: false, rangeOnly: false });
    expect(tasks.vcalendar.compFilters[0]?.propFilters[0]).toMatchObject({ name: 'COMPLETED', isNotDefined: true });
  });

  it('pushes nothing down for a bare VCALENDAR filter, which matches everything exactly', () => {
    expect(pushdownOf(inner(''))).toEqual({ component: null, timeRange: null, exact: true, rangeOnly: false });
  });

  it('pushes the component but no time-range down for VTODO ranges', () => {
    expect(pushdownOf(todosIn('20260101T000000Z', null))).toEqual({ component: 'VTODO', timeRange: null, exact: false, rangeOnly: false });
  });

  it('parses text-match collations and negate-condition, param-filters and is-not-defined', () => {
    const f = inner(`<C:comp-filter name="VEVENT">
        <C:prop-filter name="summary"><C:text-match collation="i;octet" negate-condition="yes">Budget</C:text-match></C:prop-filter>
        <C:prop-filter name="ATTENDEE"><C:param-filter name="partstat"><C:text-match>accepted</C:text-match></C:param-filter></C:prop-filter>
        <C:prop-filter name="LOCATION"><C:is-not-defined/></C:prop-filter>
      </C:comp-filter>`);
    const [summary, attendee, location] = f.vcalendar.compFilters[0]!.propFilters;
    expect(summary).toMatchObject({ name: 'SUMMARY', textMatch: { text: 'Budget', collation: 'i;octet', negate: true, matchType: 'contains' } });
    expect(attendee?.paramFilters[0]).toMatchObject({ name: 'PARTSTAT', textMatch: { collation: 'i;ascii-casemap', negate: false } });
    expect(location).toMatchObject({ isNotDefined: true, textMatch: null, timeRange: null });
  });
});

describe('parseCalendarFilter refuses malformed filters with DavErrors', () => {
  const caldav = (xml: string) => () =>
    parseCalendarFilter(parseXml(`<C:filter xmlns:C="urn:ietf:params:xml:ns:caldav">${xml}</C:filter>`));
  const cases: [string, string][] = [
    ['a top comp-filter other than VCALENDAR', '<C:comp-filter name="VEVENT"/>'],
    ['no comp-filter at all', ''],
    ['two top comp-filters', '<C:comp-filter name="VCALENDAR"/><C:comp-filter name="VCALENDAR"/>'],
    ['a comp-filter without name', '<C:comp-filter name="VCALENDAR"><C:comp-filter/></C:comp-filter>'],
    ['VEVENT nested in VEVENT', '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:comp-filter name="VEVENT"/></C:comp-filter></C:comp-filter>'],
    ['VALARM directly under VCALENDAR', '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VALARM"/></C:comp-filter>'],
    ['a time-range on VCALENDAR', '<C:comp-filter name="VCALENDAR"><C:time-range start="20260101T000000Z"/></C:comp-filter>'],
    ['a time-range in a SUMMARY prop-filter', '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY"><C:time-range start="20260101T000000Z"/></C:prop-filter></C:comp-filter></C:comp-filter>'],
    ['a time-range in local time', '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="20260101T000000"/></C:comp-filter></C:comp-filter>'],
    ['a time-range in ISO extended format', '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="2026-01-01T00:00:00Z"/></C:comp-filter></C:comp-filter>'],
    ['an impossible date', '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="20260230T000000Z"/></C:comp-filter></C:comp-filter>'],
    ['a time-range without bounds', '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range/></C:comp-filter></C:comp-filter>'],
    ['a time-range ending before it starts', '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="20260201T000000Z" end="20260101T000000Z"/></C:comp-filter></C:comp-filter>'],
    ['is-not-defined next to a time-range', '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:is-not-defined/><C:time-range start="20260101T000000Z"/></C:comp-filter></C:comp-filter>'],
    ['is-not-defined next to a text-match', '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY"><C:is-not-defined/><C:text-match>x</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter>'],
    ['two text-matches in one prop-filter', '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY"><C:text-match>x</C:text-match><C:text-match>y</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter>'],
    ['negate-condition other than yes/no', '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY"><C:text-match negate-condition="true">x</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter>'],
    ['an unknown CALDAV element', '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:regex>x</C:regex></C:comp-filter></C:comp-filter>'],
    ['a param-filter directly in a comp-filter', '<C:comp-filter name="VCALENDAR"><C:param-filter name="TZID"/></C:comp-filter>'],
  ];
  for (const [what, xml] of cases) {
    it(`400 CALDAV:valid-filter for ${what}`, () => {
      expectDavError(caldav(xml), 400, CALDAV.validFilter);
    });
  }

  it('403 CALDAV:supported-collation for an unknown collation', () => {
    expectDavError(
      caldav('<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY"><C:text-match collation="i;basic">x</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter>'),
      403,
      CALDAV.supportedCollation,
    );
  });

  it('ignores elements of foreign namespaces (RFC 4918 extensibility)', () => {
    const f = caldav('<C:comp-filter name="VCALENDAR"><X:hint xmlns:X="urn:example"/><C:comp-filter name="VTODO"/></C:comp-filter>')();
    expect(f.vcalendar.compFilters.map((c) => c.name)).toEqual(['VTODO']);
  });
});

describe('matchesCalendarFilter: a weekly recurring event in Europe/Zurich', () => {
  it('matches the instance after the DST change at 08:00Z, not at the pre-DST 09:00Z', () => {
    expect(matches(eventsIn('20260330T080000Z', '20260330T083000Z'), WEEKLY_STANDUP)).toBe(true);
    expect(matches(eventsIn('20260330T090000Z', '20260330T093000Z'), WEEKLY_STANDUP)).toBe(false);
    expect(matches(eventsIn('20260323T090000Z', '20260323T093000Z'), WEEKLY_STANDUP), 'before the change').toBe(true);
  });

  it('does not match a range that covers only the EXDATE’d instance', () => {
    expect(matches(eventsIn('20260406T000000Z', '20260406T235959Z'), WEEKLY_STANDUP)).toBe(false);
  });

  it('matches a moved instance at its new time but not at the time it was moved from', () => {
    expect(matches(eventsIn('20260413T070000Z', '20260413T110000Z'), WEEKLY_STANDUP)).toBe(false);
    expect(matches(eventsIn('20260414T133000Z', '20260414T134500Z'), WEEKLY_STANDUP)).toBe(true);
  });

  it('matches the open-ended DAVx5/iOS range far after the start of an infinite rule, and terminates', () => {
    expect(matches(eventsIn('20400101T000000Z', null), WEEKLY_STANDUP)).toBe(true);
  });

  it('uses end-only ranges: before the first instance nothing matches', () => {
    expect(matches(eventsIn(null, '20260316T090000Z'), WEEKLY_STANDUP)).toBe(false);
    expect(matches(eventsIn(null, '20260316T090001Z'), WEEKLY_STANDUP)).toBe(true);
  });

  it('does not match between instances or after a COUNT-limited series', () => {
    expect(matches(eventsIn('20260317T000000Z', '20260322T000000Z'), WEEKLY_STANDUP)).toBe(false);
    const limited = WEEKLY_STANDUP.replace('RRULE:FREQ=WEEKLY;BYDAY=MO', 'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3');
    expect(matches(eventsIn('20260330T000000Z', '20260331T000000Z'), limited)).toBe(true);
    expect(matches(eventsIn('20260331T000000Z', null), limited), 'only the override is left after the third').toBe(true);
    expect(matches(eventsIn('20260415T000000Z', null), limited)).toBe(false);
  });

  it('fast-forwards a daily series from 1995 to an open-ended range in 2026', () => {
    const daily = ics(vevent('UID:daily', 'DTSTART;TZID=Europe/Zurich:19950102T080000', 'DURATION:PT15M', 'RRULE:FREQ=DAILY'));
    const t0 = performance.now();
    expect(matches(eventsIn('20260301T071000Z', null), daily)).toBe(true);
    expect(matches(eventsIn('20260301T071000Z', '20260301T071500Z'), daily), '08:10–08:15 local lies inside 08:00–08:15').toBe(true);
    expect(matches(eventsIn('20260301T071500Z', '20260301T235900Z'), daily), 'after the daily slot').toBe(false);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('terminates on a rule no date satisfies and returns the object rather than losing it', () => {
    const impossible = ics(vevent('UID:never', 'DTSTART:20260101T100000Z', 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30'));
    const t0 = performance.now();
    expect(matches(eventsIn('20270101T000000Z', null), impossible)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('matches an RDATE instance and the DTSTART of a series whose rule skips it', () => {
    const rdate = ics(vevent('UID:r', 'DTSTART:20260105T100000Z', 'DURATION:PT1H', 'RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=2', 'RDATE:20260301T120000Z'));
    expect(matches(eventsIn('20260105T100000Z', '20260105T103000Z'), rdate), 'DTSTART on a Monday').toBe(true);
    expect(matches(eventsIn('20260301T123000Z', '20260301T130000Z'), rdate)).toBe(true);
    expect(matches(eventsIn('20260302T000000Z', null), rdate)).toBe(false);
  });
});

describe('matchesCalendarFilter: long-running series agree with plain ical.js expansion', () => {
  const utc = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const series: [string, string][] = [
    ['FREQ=DAILY;INTERVAL=3', '20010203T073000'],
    ['FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH', '20030108T073000'],
    ['FREQ=MONTHLY;BYDAY=2TU', '20010109T073000'],
    ['FREQ=MONTHLY;BYMONTHDAY=15,28', '20040315T073000'],
    ['FREQ=MONTHLY;INTERVAL=5', '20000120T073000'],
    ['FREQ=YEARLY', '19900515T073000'],
  ];
  for (const [rule, start] of series) {
    it(`${rule} from ${start.slice(0, 4)}`, () => {
      const text = ics(vevent('UID:s', `DTSTART;TZID=Europe/Zurich:${start}`, 'DURATION:PT30M', `RRULE:${rule}`));
      const master = component(text).getFirstSubcomponent('vevent')!;
      const dtstart = master.getFirstPropertyValue('dtstart') as ICAL.Time;
      const iter = (master.getFirstPropertyValue('rrule') as ICAL.Recur).iterator(dtstart);
      const oracle: number[] = [];
      for (let t = iter.next(); t && t.year <= 2026; t = iter.next()) if (t.year === 2026) oracle.push(t.toUnixTime() * 1000);
      expect(oracle.length).toBeGreaterThan(0);
      const minute = 60_000;
      oracle.forEach((s, i) => {
        expect(matches(eventsIn(utc(s), utc(s + minute)), text), `instance ${utc(s)}`).toBe(true);
        const next = oracle[i + 1];
        if (next !== undefined) {
          expect(matches(eventsIn(utc(s + 31 * minute), utc(next - minute)), text), `gap after ${utc(s)}`).toBe(false);
        }
      });
    });
  }
});

describe('matchesCalendarFilter: VEVENT time-range rules (RFC 4791 §9.9)', () => {
  const allDay = ics(vevent('UID:ad', 'SUMMARY:Ferien', 'DTSTART;VALUE=DATE:20260316', 'DTEND;VALUE=DATE:20260317'));

  it('reads an all-day event in the calendar’s default time zone', () => {
    // 00:30 on 16 March in Zurich is 23:30Z on the 15th.
    expect(matches(eventsIn('20260315T233000Z', '20260315T234500Z'), allDay, ZURICH)).toBe(true);
    expect(matches(eventsIn('20260315T233000Z', '20260315T234500Z'), allDay, 'UTC')).toBe(false);
    expect(matches(eventsIn('20260316T231500Z', '20260316T233000Z'), allDay, ZURICH), 'after midnight Zurich').toBe(false);
    expect(matches(eventsIn('20260316T231500Z', '20260316T233000Z'), allDay, 'UTC')).toBe(true);
  });

  it('gives an all-day event without DTEND one day', () => {
    const oneDay = ics(vevent('UID:ad1', 'DTSTART;VALUE=DATE:20260316'));
    expect(matches(eventsIn('20260316T120000Z', '20260316T130000Z'), oneDay)).toBe(true);
    expect(matches(eventsIn('20260317T000000Z', '20260317T010000Z'), oneDay)).toBe(false);
  });

  it('treats a zero-duration event as a point in [start, end)', () => {
    const point = ics(vevent('UID:p', 'DTSTART:20260316T100000Z'));
    const explicit = ics(vevent('UID:p2', 'DTSTART:20260316T100000Z', 'DTEND:20260316T100000Z'));
    for (const text of [point, explicit]) {
      expect(matches(eventsIn('20260316T100000Z', '20260316T110000Z'), text), 'range starting at it').toBe(true);
      expect(matches(eventsIn('20260316T090000Z', '20260316T100000Z'), text), 'range ending at it').toBe(false);
    }
  });

  it('uses DURATION when there is no DTEND, and an exclusive end', () => {
    const withDuration = ics(vevent('UID:d', 'DTSTART:20260316T100000Z', 'DURATION:PT90M'));
    expect(matches(eventsIn('20260316T112900Z', null), withDuration)).toBe(true);
    expect(matches(eventsIn('20260316T113000Z', null), withDuration)).toBe(false);
    expect(matches(eventsIn(null, '20260316T100000Z'), withDuration)).toBe(false);
  });

  it('reads floating times in the default time zone', () => {
    const floating = ics(vevent('UID:f', 'DTSTART:20260316T100000', 'DTEND:20260316T110000'));
    expect(matches(eventsIn('20260316T090000Z', '20260316T091000Z'), floating, ZURICH)).toBe(true);
    expect(matches(eventsIn('20260316T100000Z', '20260316T101000Z'), floating, ZURICH)).toBe(false);
  });

  it('checks the component type: a VEVENT filter does not match a task', () => {
    const task = ics(vtodo('UID:t', 'DUE:20260316T100000Z'));
    expect(matches(eventsIn('20260101T000000Z', null), task)).toBe(false);
    expect(matches(inner('<C:comp-filter name="VTODO"/>'), task)).toBe(true);
  });
});

describe('matchesCalendarFilter: the VTODO table of RFC 4791 §9.9, row by row', () => {
  const todo = (...lines: string[]) => ics(vtodo('UID:todo', ...lines));

  it('DTSTART + DURATION: (start <= DTSTART+DURATION) AND (end > DTSTART OR end >= DTSTART+DURATION)', () => {
    const t = todo('DTSTART:20260310T100000Z', 'DURATION:PT2H');
    expect(matches(todosIn('20260310T110000Z', '20260310T113000Z'), t)).toBe(true);
    expect(matches(todosIn('20260310T120000Z', '20260310T130000Z'), t), 'start = DTSTART+DURATION').toBe(true);
    expect(matches(todosIn('20260310T123000Z', '20260310T130000Z'), t)).toBe(false);
    expect(matches(todosIn('20260310T080000Z', '20260310T100000Z'), t), 'ends at DTSTART').toBe(false);
  });

  it('DTSTART + DUE: (start < DUE OR start <= DTSTART) AND (end > DTSTART OR end >= DUE)', () => {
    const t = todo('DTSTART:20260310T100000Z', 'DUE:20260312T100000Z');
    expect(matches(todosIn('20260311T000000Z', '20260311T010000Z'), t)).toBe(true);
    expect(matches(todosIn('20260312T100000Z', '20260313T000000Z'), t), 'starts at DUE').toBe(false);
    expect(matches(todosIn('20260309T000000Z', '20260310T100000Z'), t), 'ends at DTSTART').toBe(false);
  });

  it('DTSTART only: (start <= DTSTART) AND (end > DTSTART)', () => {
    const t = todo('DTSTART:20260310T100000Z');
    expect(matches(todosIn('20260310T100000Z', '20260310T100001Z'), t)).toBe(true);
    expect(matches(todosIn('20260310T100001Z', null), t)).toBe(false);
  });

  it('DUE only: (start < DUE) AND (end >= DUE)', () => {
    const t = todo('DUE:20260312T100000Z');
    expect(matches(todosIn('20260312T090000Z', '20260312T100000Z'), t), 'ends exactly at DUE').toBe(true);
    expect(matches(todosIn('20260312T100000Z', '20260312T110000Z'), t), 'starts at DUE').toBe(false);
  });

  it('COMPLETED + CREATED: (start <= CREATED OR start <= COMPLETED) AND (end >= CREATED OR end >= COMPLETED)', () => {
    const t = todo('CREATED:20260301T000000Z', 'COMPLETED:20260305T000000Z', 'STATUS:COMPLETED');
    expect(matches(todosIn('20260302T000000Z', '20260303T000000Z'), t)).toBe(true);
    expect(matches(todosIn('20260306T000000Z', '20260307T000000Z'), t)).toBe(false);
    expect(matches(todosIn('20260201T000000Z', '20260228T000000Z'), t)).toBe(false);
  });

  it('COMPLETED only: (start <= COMPLETED) AND (end >= COMPLETED)', () => {
    const t = todo('COMPLETED:20260305T000000Z');
    expect(matches(todosIn('20260304T000000Z', '20260305T000000Z'), t)).toBe(true);
    expect(matches(todosIn('20260305T000001Z', null), t)).toBe(false);
  });

  it('CREATED only: (end > CREATED)', () => {
    const t = todo('CREATED:20260301T000000Z');
    expect(matches(todosIn('20260101T000000Z', '20260301T000001Z'), t)).toBe(true);
    expect(matches(todosIn('20260101T000000Z', '20260301T000000Z'), t)).toBe(false);
    expect(matches(todosIn('20300101T000000Z', null), t), 'any later range').toBe(true);
  });

  it('none of them: always true', () => {
    const t = todo('SUMMARY:Offerte nachfassen');
    expect(matches(todosIn('19900101T000000Z', '19900102T000000Z'), t)).toBe(true);
  });

  it('a recurring task moves its DUE with each instance', () => {
    const t = todo('DTSTART:20260302T080000Z', 'DUE:20260302T170000Z', 'RRULE:FREQ=WEEKLY;COUNT=4');
    expect(matches(todosIn('20260316T120000Z', '20260316T130000Z'), t)).toBe(true);
    expect(matches(todosIn('20260317T000000Z', '20260323T000000Z'), t), 'the 23rd starts at 08:00').toBe(false);
    expect(matches(todosIn('20260317T000000Z', '20260323T080001Z'), t)).toBe(true);
    expect(matches(todosIn('20260324T000000Z', null), t)).toBe(false);
  });

  it('matches the Thunderbird/DAVx5 task query (no time-range) against every task', () => {
    for (const t of [todo('DUE:20260312T100000Z'), todo('SUMMARY:x'), todo('COMPLETED:20260305T000000Z')]) {
      expect(matches(filterOf(THUNDERBIRD_TASKS), t)).toBe(true);
      expect(matches(filterOf(IOS_OPEN_TASKS), t)).toBe(!t.includes('COMPLETED:'));
    }
  });
});

describe('matchesCalendarFilter: text-match, param-filter, is-not-defined', () => {
  const meeting = ics(
    vevent(
      'UID:m',
      'DTSTART:20260316T100000Z',
      'SUMMARY:Besprechung Straße Élan',
      'ATTENDEE;CN="Muster, Hans";PARTSTAT=ACCEPTED:mailto:hans.muster@example.ch',
      'ATTENDEE;CN=Anna Meier;PARTSTAT=DECLINED;ROLE=OPT-PARTICIPANT:mailto:anna@example.ch',
      'CATEGORIES:Kunde,Offerte',
      'BEGIN:VALARM',
      'ACTION:DISPLAY',
      'DESCRIPTION:Erinnerung',
      'TRIGGER:-PT15M',
      'END:VALARM',
    ),
  );
  const summary = (attrs: string, text: string) =>
    inner(`<C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY"><C:text-match ${attrs}>${text}</C:text-match></C:prop-filter></C:comp-filter>`);

  it('i;ascii-casemap (the default) folds ASCII letters only', () => {
    expect(matches(summary('', 'besprechung'), meeting)).toBe(true);
    expect(matches(summary('collation="i;ascii-casemap"', 'STRASSE'), meeting)).toBe(false);
    expect(matches(summary('collation="i;ascii-casemap"', 'élan'), meeting), 'É is not ASCII').toBe(false);
    expect(matches(summary('collation="i;ascii-casemap"', 'STRAßE'), meeting)).toBe(true);
  });

  it('i;octet is exact', () => {
    expect(matches(summary('collation="i;octet"', 'Besprechung'), meeting)).toBe(true);
    expect(matches(summary('collation="i;octet"', 'besprechung'), meeting)).toBe(false);
  });

  it('i;unicode-casemap folds fully', () => {
    expect(matches(summary('collation="i;unicode-casemap"', 'STRASSE'), meeting)).toBe(true);
    expect(matches(summary('collation="i;unicode-casemap"', 'élan'), meeting)).toBe(true);
  });

  it('negate-condition inverts the test', () => {
    expect(matches(summary('negate-condition="yes"', 'Budget'), meeting)).toBe(true);
    expect(matches(summary('negate-condition="yes"', 'besprechung'), meeting)).toBe(false);
  });

  it('matches any instance of a multi-valued property, and CATEGORIES as a whole', () => {
    const attendee = (text: string) =>
      inner(`<C:comp-filter name="VEVENT"><C:prop-filter name="ATTENDEE"><C:text-match>${text}</C:text-match></C:prop-filter></C:comp-filter>`);
    expect(matches(attendee('anna@example.ch'), meeting)).toBe(true);
    expect(matches(inner('<C:comp-filter name="VEVENT"><C:prop-filter name="CATEGORIES"><C:text-match>offerte</C:text-match></C:prop-filter></C:comp-filter>'), meeting)).toBe(true);
  });

  it('param-filter tests the parameter of the same property instance', () => {
    const accepted = (who: string, partstat: string) =>
      inner(`<C:comp-filter name="VEVENT"><C:prop-filter name="ATTENDEE"><C:text-match>${who}</C:text-match>
        <C:param-filter name="PARTSTAT"><C:text-match>${partstat}</C:text-match></C:param-filter></C:prop-filter></C:comp-filter>`);
    expect(matches(accepted('hans', 'accepted'), meeting)).toBe(true);
    expect(matches(accepted('anna', 'accepted'), meeting), 'Anna declined').toBe(false);
    const noRole = inner('<C:comp-filter name="VEVENT"><C:prop-filter name="ATTENDEE"><C:text-match>hans</C:text-match><C:param-filter name="ROLE"><C:is-not-defined/></C:param-filter></C:prop-filter></C:comp-filter>');
    expect(matches(noRole, meeting)).toBe(true);
    const bare = inner('<C:comp-filter name="VEVENT"><C:prop-filter name="ATTENDEE"><C:param-filter name="RSVP"/></C:prop-filter></C:comp-filter>');
    expect(matches(bare, meeting), 'no attendee has RSVP').toBe(false);
  });

  it('is-not-defined on properties and components', () => {
    expect(matches(inner('<C:comp-filter name="VEVENT"><C:prop-filter name="LOCATION"><C:is-not-defined/></C:prop-filter></C:comp-filter>'), meeting)).toBe(true);
    expect(matches(inner('<C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY"><C:is-not-defined/></C:prop-filter></C:comp-filter>'), meeting)).toBe(false);
    expect(matches(inner('<C:comp-filter name="VTODO"><C:is-not-defined/></C:comp-filter>'), meeting)).toBe(true);
    expect(matches(inner('<C:comp-filter name="VEVENT"><C:comp-filter name="VALARM"><C:is-not-defined/></C:comp-filter></C:comp-filter>'), meeting)).toBe(false);
  });

  it('evaluates a prop-filter time-range on the property value', () => {
    const stamp = (start: string, end: string) =>
      inner(`<C:comp-filter name="VEVENT"><C:prop-filter name="DTSTAMP"><C:time-range start="${start}" end="${end}"/></C:prop-filter></C:comp-filter>`);
    expect(matches(stamp('20251231T000000Z', '20260101T000001Z'), meeting)).toBe(true);
    expect(matches(stamp('20260101T000001Z', '20260102T000000Z'), meeting)).toBe(false);
  });

  it('evaluates a VALARM time-range at the trigger time', () => {
    const alarm = (start: string, end: string) =>
      inner(`<C:comp-filter name="VEVENT"><C:comp-filter name="VALARM"><C:time-range start="${start}" end="${end}"/></C:comp-filter></C:comp-filter>`);
    expect(matches(alarm('20260316T094500Z', '20260316T094600Z'), meeting)).toBe(true);
    expect(matches(alarm('20260316T095000Z', '20260316T110000Z'), meeting)).toBe(false);
  });
});
