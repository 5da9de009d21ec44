import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { renderAppointment } from '../../../src/ical/vevent.js';
import type { AppointmentRecord, Language, ParticipantResponse } from '../../../src/domain/records.js';
import {
  GERMAN_200,
  anna,
  appointment,
  dateOf,
  expectEveryTzidDefined,
  expectWellFormedLines,
  giulia,
  instantOf,
  jeanLuc,
  musterAg,
  opts,
  parse,
  propertyNames,
  registerTimezones,
  stamp,
  textOf,
  type Component,
} from './fixtures.js';

const FULL = { kind: 'full' } as const;

function render(a: AppointmentRecord, view: Parameters<typeof renderAppointment>[2] = FULL) {
  const text = renderAppointment(a, stamp, view, opts);
  expectWellFormedLines(text);
  const cal = parse(text);
  expectEveryTzidDefined(cal);
  registerTimezones(cal);
  const events = cal.getAllSubcomponents('vevent');
  const master = events.find((e) => !e.hasProperty('recurrence-id'));
  if (!master) throw new Error('no master VEVENT');
  return { text, cal, master, overrides: events.filter((e) => e !== master) };
}

/** Occurrences as ical.js expands them (master + RRULE − EXDATE, overrides applied), as ISO strings. */
function occurrences(master: Component, overrides: Component[], limit = 50) {
  const event = new ICAL.Event(master, { exceptions: overrides });
  const iterator = event.iterator();
  const out: { start: string; end: string; recurrenceId: string; summary: string }[] = [];
  for (let next = iterator.next(); next && out.length < limit; next = iterator.next()) {
    const d = event.getOccurrenceDetails(next);
    out.push({
      start: d.startDate.toJSDate().toISOString(),
      end: d.endDate.toJSDate().toISOString(),
      recurrenceId: d.recurrenceId.toJSDate().toISOString(),
      summary: d.item.summary,
    });
  }
  return out;
}

describe('renderAppointment: a single timed appointment', () => {
  const a = appointment();
  const { cal, master, overrides } = render(a);

  it('is one VCALENDAR with the project PRODID, the zone and one VEVENT', () => {
    expect(cal.getFirstPropertyValue('version')).toBe('2.0');
    expect(cal.getFirstPropertyValue('prodid')).toBe('-//BrokerStar//brokerstar-dav//DE');
    expect(cal.getFirstPropertyValue('calscale')).toBe('GREGORIAN');
    expect(cal.getAllSubcomponents('vtimezone').map((tz) => tz.getFirstPropertyValue('tzid'))).toEqual(['Europe/Zurich']);
    expect(overrides).toEqual([]);
  });

  it('carries the record field by field', () => {
    expect(textOf(master, 'uid')).toBe('brokerstar-appointment-123');
    expect(master.getFirstProperty('dtstart')?.getParameter('tzid')).toBe('Europe/Zurich');
    expect(master.getFirstProperty('dtend')?.getParameter('tzid')).toBe('Europe/Zurich');
    expect(master.getFirstProperty('dtstart')?.toICALString()).toBe('DTSTART;TZID=Europe/Zurich:20250317T090000');
    expect(instantOf(master, 'dtstart')).toEqual(a.startsAt);
    expect(instantOf(master, 'dtend')).toEqual(a.endsAt);
    expect(textOf(master, 'summary')).toBe(a.subject);
    expect(textOf(master, 'location')).toBe(a.location);
    expect(textOf(master, 'description')).toBe(`${GERMAN_200}\n\nKunde: Muster AG (K-010234)`);
    expect(textOf(master, 'url')).toBe('https://crm.broker.example.ch/contacts/4711?view=detail,notes');
    expect(textOf(master, 'status')).toBe('CONFIRMED');
    expect(textOf(master, 'class')).toBe('PUBLIC');
    expect(textOf(master, 'transp')).toBe('OPAQUE');
    expect(master.getFirstPropertyValue('sequence')).toBe(7);
    expect(instantOf(master, 'dtstamp')).toEqual(stamp.lastModified);
    expect(instantOf(master, 'last-modified')).toEqual(stamp.lastModified);
    expect(instantOf(master, 'created')).toEqual(a.createdAt);
    expect(master.getFirstProperty('dtstamp')?.toICALString()).toBe('DTSTAMP:20250203T101530Z');
  });

  it('has no ORGANIZER or ATTENDEE for an owner alone (Outlook would make it a meeting)', () => {
    expect(master.hasProperty('organizer')).toBe(false);
    expect(master.hasProperty('attendee')).toBe(false);
    expect(master.hasProperty('rrule')).toBe(false);
    expect(master.hasProperty('exdate')).toBe(false);
  });

  it('renders the same record identically (ETags derive from it)', () => {
    expect(renderAppointment(a, stamp, FULL, opts)).toBe(renderAppointment(appointment(), stamp, FULL, opts));
  });
});

describe('renderAppointment: status, class and text variants', () => {
  it.each([
    ['confirmed', 'CONFIRMED'],
    ['tentative', 'TENTATIVE'],
    ['cancelled', 'CANCELLED'],
  ] as const)('status %s → %s', (status, expected) => {
    expect(textOf(render(appointment({ status })).master, 'status')).toBe(expected);
  });

  it('marks a private appointment CLASS:PRIVATE for those who may see it in full', () => {
    const { master } = render(appointment({ isPrivate: true }));
    expect(textOf(master, 'class')).toBe('PRIVATE');
    expect(textOf(master, 'summary')).toBe(appointment().subject);
  });

  it('writes only the customer line when there is no description, and no URL without customer', () => {
    expect(textOf(render(appointment({ description: null })).master, 'description')).toBe('Kunde: Muster AG (K-010234)');
    const none = render(appointment({ description: null, contact: null, location: null })).master;
    expect(propertyNames(none)).not.toContain('description');
    expect(propertyNames(none)).not.toContain('url');
    expect(propertyNames(none)).not.toContain('location');
    const noNumber = render(appointment({ description: '  ', contact: { ...musterAg, customerNo: null } })).master;
    expect(textOf(noNumber, 'description')).toBe('Kunde: Muster AG');
  });

  it('falls back to UTC values without TZID for a zone Node does not know', () => {
    const { cal, master } = render(appointment({ timeZone: 'Mitteleuropa/Bern' }));
    expect(cal.getAllSubcomponents('vtimezone')).toEqual([]);
    expect(master.getFirstProperty('dtstart')?.toICALString()).toBe('DTSTART:20250317T080000Z');
    expect(instantOf(master, 'dtend')).toEqual(appointment().endsAt);
  });
});

describe('renderAppointment: participants', () => {
  const a = appointment({
    participants: [
      { employee: jeanLuc, response: 'accepted' },
      { employee: giulia, response: 'tentative' },
      { employee: anna, response: 'accepted' }, // the owner listed as participant: not an attendee
    ],
  });
  const { master } = render(a);

  it('names the owner as ORGANIZER with SCHEDULE-AGENT=CLIENT', () => {
    const organizer = master.getFirstProperty('organizer');
    expect(organizer?.getFirstValue()).toBe('mailto:anna.mueller@broker.example.ch');
    expect(organizer?.getParameter('cn')).toBe('Anna Müller-Lüthi');
    expect(organizer?.getParameter('schedule-agent')).toBe('CLIENT');
  });

  it('lists each other participant as an INDIVIDUAL REQ-PARTICIPANT with SCHEDULE-AGENT=CLIENT', () => {
    const attendees = master.getAllProperties('attendee').map((p) => ({
      value: p.getFirstValue(),
      cn: p.getParameter('cn'),
      partstat: p.getParameter('partstat'),
      role: p.getParameter('role'),
      cutype: p.getParameter('cutype'),
      scheduleAgent: p.getParameter('schedule-agent'),
      rsvp: p.getParameter('rsvp'),
    }));
    expect(attendees).toEqual([
      { value: 'mailto:jean-luc.bezier@broker.example.ch', cn: 'Jean-Luc Bézier, dit "JL"', partstat: 'ACCEPTED', role: 'REQ-PARTICIPANT', cutype: 'INDIVIDUAL', scheduleAgent: 'CLIENT', rsvp: undefined },
      { value: 'mailto:giulia.dagostino@broker.example.ch', cn: "Giulia D'Agostino", partstat: 'TENTATIVE', role: 'REQ-PARTICIPANT', cutype: 'INDIVIDUAL', scheduleAgent: 'CLIENT', rsvp: undefined },
    ]);
  });

  it.each([
    ['needs_action', 'NEEDS-ACTION'],
    ['accepted', 'ACCEPTED'],
    ['declined', 'DECLINED'],
    ['tentative', 'TENTATIVE'],
  ] as const)('maps response %s to PARTSTAT %s', (response: ParticipantResponse, partstat) => {
    const { master: m } = render(appointment({ participants: [{ employee: giulia, response }] }));
    expect(m.getFirstProperty('attendee')?.getParameter('partstat')).toBe(partstat);
  });

  it('writes no ORGANIZER when the owner is the only participant', () => {
    const { master: m } = render(appointment({ participants: [{ employee: anna, response: 'accepted' }] }));
    expect(m.hasProperty('organizer')).toBe(false);
    expect(m.hasProperty('attendee')).toBe(false);
  });
});

describe('renderAppointment: weekly series in Europe/Zurich across the DST change', () => {
  // Mondays 09:00-10:00 local from 17 March 2025, six times; DST starts on Sunday 30 March.
  // 31 March is cancelled; 7 April is moved to Tuesday 8 April 14:00-15:30.
  const series = appointment({
    recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=6',
    exceptions: [
      { originalStart: new Date('2025-03-31T07:00:00Z'), isCancelled: true, startsAt: null, endsAt: null },
      {
        originalStart: new Date('2025-04-07T07:00:00Z'),
        isCancelled: false,
        startsAt: new Date('2025-04-08T12:00:00Z'),
        endsAt: new Date('2025-04-08T13:30:00Z'),
      },
      // An exception row that changes nothing gets no override.
      { originalStart: new Date('2025-04-14T07:00:00Z'), isCancelled: false, startsAt: null, endsAt: null },
    ],
    participants: [{ employee: jeanLuc, response: 'accepted' }],
  });
  const { master, overrides } = render(series);

  it('keeps the RRULE verbatim and writes the cancelled occurrence as EXDATE with TZID', () => {
    expect(master.getFirstProperty('rrule')?.toICALString()).toBe('RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6');
    const exdates = master.getAllProperties('exdate');
    expect(exdates.map((p) => p.getParameter('tzid'))).toEqual(['Europe/Zurich']);
    expect(exdates.map((p) => p.toICALString())).toEqual(['EXDATE;TZID=Europe/Zurich:20250331T090000']);
  });

  it('writes one override with RECURRENCE-ID in the master’s form and the master’s details', () => {
    expect(overrides).toHaveLength(1);
    const o = overrides[0] as Component;
    expect(textOf(o, 'uid')).toBe(textOf(master, 'uid'));
    expect(o.getFirstProperty('recurrence-id')?.toICALString()).toBe('RECURRENCE-ID;TZID=Europe/Zurich:20250407T090000');
    expect(instantOf(o, 'recurrence-id')).toEqual(new Date('2025-04-07T07:00:00Z'));
    expect(instantOf(o, 'dtstart')).toEqual(new Date('2025-04-08T12:00:00Z'));
    expect(instantOf(o, 'dtend')).toEqual(new Date('2025-04-08T13:30:00Z'));
    for (const name of ['summary', 'location', 'description', 'url', 'status', 'class', 'transp', 'sequence']) {
      expect(o.getFirstPropertyValue(name), name).toEqual(master.getFirstPropertyValue(name));
    }
    expect(o.getFirstProperty('organizer')?.getParameter('schedule-agent')).toBe('CLIENT');
    expect(o.getAllProperties('attendee')).toHaveLength(1);
    expect(o.hasProperty('rrule')).toBe(false);
    expect(o.hasProperty('exdate')).toBe(false);
  });

  it('expands to the right instants: 08:00Z before the change, 07:00Z after, minus the cancelled, plus the moved', () => {
    expect(occurrences(master, overrides)).toEqual([
      { start: '2025-03-17T08:00:00.000Z', end: '2025-03-17T09:00:00.000Z', recurrenceId: '2025-03-17T08:00:00.000Z', summary: series.subject },
      { start: '2025-03-24T08:00:00.000Z', end: '2025-03-24T09:00:00.000Z', recurrenceId: '2025-03-24T08:00:00.000Z', summary: series.subject },
      { start: '2025-04-08T12:00:00.000Z', end: '2025-04-08T13:30:00.000Z', recurrenceId: '2025-04-07T07:00:00.000Z', summary: series.subject },
      { start: '2025-04-14T07:00:00.000Z', end: '2025-04-14T08:00:00.000Z', recurrenceId: '2025-04-14T07:00:00.000Z', summary: series.subject },
      { start: '2025-04-21T07:00:00.000Z', end: '2025-04-21T08:00:00.000Z', recurrenceId: '2025-04-21T07:00:00.000Z', summary: series.subject },
    ]);
  });

  it('keeps the master duration when a moved occurrence has only a new start', () => {
    const { overrides: o } = render(
      appointment({
        recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=3',
        exceptions: [{ originalStart: new Date('2025-03-24T08:00:00Z'), isCancelled: false, startsAt: new Date('2025-03-24T13:00:00Z'), endsAt: null }],
      }),
    );
    expect(o.map((e) => [instantOf(e, 'dtstart').toISOString(), instantOf(e, 'dtend').toISOString()])).toEqual([
      ['2025-03-24T13:00:00.000Z', '2025-03-24T14:00:00.000Z'],
    ]);
  });

  it('ignores exceptions of an appointment that does not recur', () => {
    const { master: m, overrides: o } = render(appointment({ exceptions: series.exceptions }));
    expect(m.hasProperty('exdate')).toBe(false);
    expect(o).toEqual([]);
  });
});

describe('renderAppointment: all-day', () => {
  // All-day rows hold local midnights in the zone: 2 June 2025 00:00 CEST = 1 June 22:00Z.
  const june2 = new Date('2025-06-01T22:00:00Z');

  it('writes a one-day appointment (ends_at = starts_at) as DATE with the next day as DTEND', () => {
    const { cal, master } = render(appointment({ allDay: true, startsAt: june2, endsAt: june2 }));
    expect(dateOf(master, 'dtstart')).toBe('2025-06-02');
    expect(dateOf(master, 'dtend')).toBe('2025-06-03');
    expect(master.getFirstProperty('dtstart')?.getParameter('tzid')).toBeUndefined();
    expect(master.getFirstProperty('dtstart')?.toICALString()).toBe('DTSTART;VALUE=DATE:20250602');
    expect(cal.getAllSubcomponents('vtimezone')).toEqual([]);
  });

  it('writes a multi-day appointment over New Year with the exclusive end midnight as DTEND', () => {
    // 29 Dec 2025 00:00 CET = 28 Dec 23:00Z; exclusive end 2 Jan 2026 00:00 CET = 1 Jan 23:00Z.
    const { master } = render(
      appointment({ allDay: true, startsAt: new Date('2025-12-28T23:00:00Z'), endsAt: new Date('2026-01-01T23:00:00Z') }),
    );
    expect(dateOf(master, 'dtstart')).toBe('2025-12-29');
    expect(dateOf(master, 'dtend')).toBe('2026-01-02');
  });

  it('covers the day an end falls on when the end is not a midnight', () => {
    const { master } = render(appointment({ allDay: true, startsAt: june2, endsAt: new Date('2025-06-03T15:00:00Z') }));
    expect(dateOf(master, 'dtend')).toBe('2025-06-04');
  });

  it('writes EXDATE and RECURRENCE-ID of an all-day series as DATE, and expands by days', () => {
    const { master, overrides } = render(
      appointment({
        allDay: true,
        startsAt: june2,
        endsAt: june2,
        recurrenceRule: 'FREQ=DAILY;COUNT=4',
        exceptions: [
          { originalStart: new Date('2025-06-02T22:00:00Z'), isCancelled: true, startsAt: null, endsAt: null },
          { originalStart: new Date('2025-06-03T22:00:00Z'), isCancelled: false, startsAt: new Date('2025-06-05T22:00:00Z'), endsAt: new Date('2025-06-06T22:00:00Z') },
        ],
      }),
    );
    expect(master.getFirstProperty('exdate')?.toICALString()).toBe('EXDATE;VALUE=DATE:20250603');
    const o = overrides[0] as Component;
    expect(o.getFirstProperty('recurrence-id')?.toICALString()).toBe('RECURRENCE-ID;VALUE=DATE:20250604');
    expect([dateOf(o, 'dtstart'), dateOf(o, 'dtend')]).toEqual(['2025-06-06', '2025-06-07']);
    const days = new ICAL.Event(master, { exceptions: overrides });
    const it = days.iterator();
    const seen: string[] = [];
    for (let next = it.next(); next; next = it.next()) seen.push(days.getOccurrenceDetails(next).startDate.toString());
    expect(seen).toEqual(['2025-06-02', '2025-06-06', '2025-06-05']);
  });
});

describe('renderAppointment: busy view (someone else’s private appointment)', () => {
  const secret = appointment({
    isPrivate: true,
    subject: 'Arzttermin Dr. Geheim',
    location: 'Praxis Geheimgasse 7',
    description: 'Vertraulich: Befund besprechen',
    recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=3',
    exceptions: [
      { originalStart: new Date('2025-03-24T08:00:00Z'), isCancelled: true, startsAt: null, endsAt: null },
      { originalStart: new Date('2025-03-31T07:00:00Z'), isCancelled: false, startsAt: new Date('2025-04-01T07:00:00Z'), endsAt: new Date('2025-04-01T08:00:00Z') },
    ],
    participants: [{ employee: giulia, response: 'accepted' }],
  });
  const full = render(secret);

  it.each([
    ['de', 'Besetzt'],
    ['fr', 'Occupé'],
    ['it', 'Occupato'],
    ['en', 'Busy'],
  ] as const)('is a %s busy block: "%s", PRIVATE, OPAQUE, with the same times and no details', (language: Language, summary) => {
    const { text, master, overrides } = render(secret, { kind: 'busy', language });
    for (const e of [master, ...overrides]) {
      expect(textOf(e, 'uid')).toBe('brokerstar-appointment-123');
      expect(textOf(e, 'summary')).toBe(summary);
      expect(textOf(e, 'class')).toBe('PRIVATE');
      expect(textOf(e, 'transp')).toBe('OPAQUE');
      for (const hidden of ['description', 'location', 'url', 'organizer', 'attendee', 'categories', 'status', 'comment', 'contact', 'resources']) {
        expect(propertyNames(e), hidden).not.toContain(hidden);
      }
    }
    expect(master.getFirstProperty('rrule')?.toICALString()).toBe(full.master.getFirstProperty('rrule')?.toICALString());
    expect(master.getAllProperties('exdate').map((p) => p.toICALString())).toEqual(full.master.getAllProperties('exdate').map((p) => p.toICALString()));
    const times = (c: { master: Component; overrides: Component[] }) => occurrences(c.master, c.overrides).map(({ start, end, recurrenceId }) => ({ start, end, recurrenceId }));
    expect(times({ master, overrides })).toEqual(times(full));
    expect(times({ master, overrides })).toHaveLength(2);
    for (const secretText of ['Geheim', 'Vertraulich', 'Muster', 'K-010234', 'giulia', 'anna', 'crm.broker']) {
      expect(text.includes(secretText), secretText).toBe(false);
    }
  });
});
