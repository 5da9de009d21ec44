import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import {
  applyAppointmentPatch,
  decideAppointmentEdit,
  FULL_LOCATION_MARKER,
  FULL_SUBJECT_MARKER,
  type AppointmentPatch,
  type EditDecision,
} from '../../../src/policy/edit-rules.js';
import type { AppointmentRecord } from '../../../src/domain/records.js';
import { anna, appointment, GERMAN_200, giulia, jeanLuc, opts, type Component } from '../ical/fixtures.js';
import { anyUser, asDavx5, bumpStamps, edited, masterOf, OUTLOOK_ZONE, servedEvent, setDate, setLocal, setText } from './clients.js';

const NOW = new Date('2025-03-20T12:00:00Z');
const ANNA = anyUser(anna);

function decide(a: AppointmentRecord, body: string, user = ANNA) {
  return decideAppointmentEdit(a, body, user, opts, NOW);
}

function accepted(d: EditDecision<AppointmentPatch>) {
  if (!d.ok) throw new Error(`refused: ${d.rule}: ${d.detail}`);
  return d;
}

/** The client's edit applied to the served text of `a`, through ical.js. */
function put(a: AppointmentRecord, edit: (cal: Component, master: Component) => void, user = ANNA) {
  return decide(a, edited(servedEvent(a), (cal) => edit(cal, masterOf(cal))), user);
}

const NO_CHANGE = { ok: true, patch: { exceptions: [] }, changes: [], truncated: false, storedDiffers: false };

describe('decideAppointmentEdit: round trips', () => {
  it('accepts the served text unchanged, with nothing to write and nothing differing', () => {
    expect(decide(appointment(), servedEvent(appointment()))).toEqual(NO_CHANGE);
  });

  it('treats a re-serialisation with new DTSTAMP, SEQUENCE and PRODID as unchanged', () => {
    expect(put(appointment(), (cal, m) => (bumpStamps(m, 8), asDavx5(cal)))).toEqual(NO_CHANGE);
  });

  it('reads the same instants written in UTC instead of the zone', () => {
    const d = put(appointment(), (_cal, m) => {
      for (const name of ['dtstart', 'dtend']) m.getFirstProperty(name)?.removeParameter('tzid');
      setLocal(m, 'dtstart', '2025-03-17T08:00:00Z');
      setLocal(m, 'dtend', '2025-03-17T09:00:00Z');
    });
    expect(d).toEqual(NO_CHANGE);
  });
});

describe('decideAppointmentEdit: moving an appointment', () => {
  const a = appointment(); // Monday 2025-03-17 09:00-10:00 Europe/Zurich (CET)
  const later = {
    startsAt: new Date('2025-03-17T09:00:00Z'),
    endsAt: new Date('2025-03-17T10:00:00Z'),
  };

  it('DAVx5 moving it by an hour changes start and end, and the stored version equals the body', () => {
    const d = put(a, (cal, m) => {
      asDavx5(cal);
      bumpStamps(m, 8);
      setLocal(m, 'dtstart', '2025-03-17T10:00:00');
      setLocal(m, 'dtend', '2025-03-17T11:00:00');
    });
    expect(d).toEqual({
      ok: true,
      patch: { ...later, exceptions: [] },
      changes: [
        { field: 'startsAt', old: '2025-03-17T08:00:00.000Z', new: '2025-03-17T09:00:00.000Z' },
        { field: 'endsAt', old: '2025-03-17T09:00:00.000Z', new: '2025-03-17T10:00:00.000Z' },
      ],
      truncated: false,
      storedDiffers: false,
    });
  });

  it('Thunderbird moving it by an hour adds X-MOZ-GENERATION, so the stored version differs', () => {
    const d = accepted(
      put(a, (_cal, m) => {
        setLocal(m, 'dtstart', '2025-03-17T10:00:00');
        setLocal(m, 'dtend', '2025-03-17T11:00:00');
        m.addPropertyWithValue('x-moz-generation', '1');
      }),
    );
    expect(d.patch).toEqual({ ...later, exceptions: [] });
    expect(d.changes.map((c) => c.field)).toEqual(['startsAt', 'endsAt']);
    expect(d.storedDiffers).toBe(true);
  });

  it('moves it through an Outlook VTIMEZONE with a Windows zone id', () => {
    const body = edited(servedEvent(a), (cal) => {
      const m = masterOf(cal);
      cal.addSubcomponent(new ICAL.Component(ICAL.parse(OUTLOOK_ZONE.join('\r\n'))));
      for (const name of ['dtstart', 'dtend']) m.getFirstProperty(name)?.setParameter('tzid', 'W. Europe Standard Time');
      setLocal(m, 'dtstart', '2025-03-17T10:00:00');
      setLocal(m, 'dtend', '2025-03-17T11:00:00');
    });
    const d = accepted(decide(a, body));
    expect(d.patch).toEqual({ ...later, exceptions: [] });
    expect(d.storedDiffers).toBe(false);
  });

  it('reads a TZID without VTIMEZONE through the generated zone, and a floating time in the appointment’s zone', () => {
    const body = edited(servedEvent(a), (cal) => {
      const m = masterOf(cal);
      for (const tz of cal.getAllSubcomponents('vtimezone')) cal.removeSubcomponent(tz);
      setLocal(m, 'dtstart', '2025-03-17T10:00:00'); // TZID=Europe/Zurich kept
      m.getFirstProperty('dtend')?.removeParameter('tzid');
      setLocal(m, 'dtend', '2025-03-17T11:00:00'); // floating
    });
    expect(accepted(decide(a, body)).patch).toEqual({ ...later, exceptions: [] });
  });

  it('takes DURATION instead of DTEND, with nominal days across the DST change', () => {
    const d = accepted(
      put(a, (_cal, m) => {
        m.removeProperty('dtend');
        m.addPropertyWithValue('duration', ICAL.Duration.fromString('P14DT2H'));
      }),
    );
    // 14 days later at 11:00 local: CEST by then.
    expect(d.patch).toEqual({ endsAt: new Date('2025-03-31T09:00:00Z'), exceptions: [] });
    expect(d.storedDiffers).toBe(true); // DURATION where BrokerStar writes DTEND
  });

  it('takes a missing DTEND as zero length', () => {
    const d = accepted(put(a, (_cal, m) => m.removeProperty('dtend')));
    expect(d.patch).toEqual({ endsAt: a.startsAt, exceptions: [] });
    expect(d.changes).toEqual([{ field: 'endsAt', old: '2025-03-17T09:00:00.000Z', new: '2025-03-17T08:00:00.000Z' }]);
  });

  it('switches a timed appointment to all-day: local midnights in the appointment’s zone', () => {
    const d = put(a, (_cal, m) => {
      setDate(m, 'dtstart', '2025-03-17');
      setDate(m, 'dtend', '2025-03-19');
    });
    expect(d).toEqual({
      ok: true,
      patch: {
        startsAt: new Date('2025-03-16T23:00:00Z'),
        endsAt: new Date('2025-03-18T23:00:00Z'),
        allDay: true,
        exceptions: [],
      },
      changes: [
        { field: 'startsAt', old: '2025-03-17T08:00:00.000Z', new: '2025-03-16T23:00:00.000Z' },
        { field: 'endsAt', old: '2025-03-17T09:00:00.000Z', new: '2025-03-18T23:00:00.000Z' },
        { field: 'allDay', old: false, new: true },
      ],
      truncated: false,
      storedDiffers: false, // the all-day version renders without VTIMEZONE and with the same DATEs
    });
  });

  it('switches an all-day appointment to a timed one', () => {
    const allDay = appointment({
      allDay: true,
      startsAt: new Date('2025-03-16T23:00:00Z'),
      endsAt: new Date('2025-03-17T23:00:00Z'),
    });
    const d = accepted(
      put(allDay, (_cal, m) => {
        for (const name of ['dtstart', 'dtend']) m.getFirstProperty(name)?.removeParameter('tzid');
        setLocal(m, 'dtstart', '2025-03-17T13:00:00Z');
        setLocal(m, 'dtend', '2025-03-17T14:30:00Z');
      }),
    );
    expect(d.patch).toEqual({
      startsAt: new Date('2025-03-17T13:00:00Z'),
      endsAt: new Date('2025-03-17T14:30:00Z'),
      allDay: false,
      exceptions: [],
    });
    expect(d.storedDiffers).toBe(false);
  });

  it('sees no change in a one-day all-day row stored with ends_at = starts_at', () => {
    const oneDay = appointment({
      allDay: true,
      startsAt: new Date('2025-03-16T23:00:00Z'),
      endsAt: new Date('2025-03-16T23:00:00Z'),
    });
    expect(decide(oneDay, servedEvent(oneDay))).toEqual(NO_CHANGE);
  });
});

describe('decideAppointmentEdit: texts', () => {
  const a = appointment({ subject: 'Beratung', location: 'Büro Zürich', description: 'Unterlagen mitbringen' });

  it('applies subject, location and description, without the customer line the renderer added', () => {
    const d = put(a, (_cal, m) => {
      setText(m, 'summary', 'Beratung Vorsorge');
      setText(m, 'location', 'Büro Bern');
      setText(m, 'description', 'Unterlagen und Ausweis mitbringen\n\nKunde: Muster AG (K-010234)');
    });
    expect(d).toEqual({
      ok: true,
      patch: { subject: 'Beratung Vorsorge', location: 'Büro Bern', description: 'Unterlagen und Ausweis mitbringen', exceptions: [] },
      changes: [
        { field: 'subject', old: 'Beratung', new: 'Beratung Vorsorge' },
        { field: 'location', old: 'Büro Zürich', new: 'Büro Bern' },
        { field: 'description', old: 'Unterlagen mitbringen', new: 'Unterlagen und Ausweis mitbringen' },
      ],
      truncated: false,
      storedDiffers: false,
    });
  });

  it('strips the customer line also when the client wrote CRLF, and stores LF', () => {
    const d = accepted(
      put(a, (_cal, m) => setText(m, 'description', 'Zeile 1\r\nZeile 2\r\n\r\nKunde: Muster AG (K-010234)\r\n')),
    );
    expect(d.patch).toEqual({ description: 'Zeile 1\nZeile 2', exceptions: [] });
  });

  it('drops the customer line also when the user typed below it', () => {
    const d = accepted(
      put(a, (_cal, m) => setText(m, 'description', 'Unterlagen mitbringen\n\nKunde: Muster AG (K-010234)\nRückruf am Freitag')),
    );
    expect(d.patch).toEqual({ description: 'Unterlagen mitbringen\n\nRückruf am Freitag', exceptions: [] });
    expect(d.storedDiffers).toBe(true);
  });

  it('never stores the customer line, also when the client removed it', () => {
    const d = accepted(put(a, (_cal, m) => setText(m, 'description', 'Unterlagen mitbringen')));
    expect(d.patch).toEqual({ exceptions: [] });
    expect(d.changes).toEqual([]);
    expect(d.storedDiffers).toBe(true); // BrokerStar serves the customer line again
  });

  it('keeps the subject when SUMMARY is missing, and clears location and description when they are', () => {
    const d = put(a, (_cal, m) => {
      m.removeProperty('summary');
      m.removeProperty('location');
      m.removeProperty('description');
    });
    expect(d).toEqual({
      ok: true,
      patch: { location: null, description: null, exceptions: [] },
      changes: [
        { field: 'location', old: 'Büro Zürich', new: null },
        { field: 'description', old: 'Unterlagen mitbringen', new: null },
      ],
      truncated: false,
      storedDiffers: true, // SUMMARY and the customer line come back
    });
  });

  it('puts a SUMMARY and LOCATION with line breaks on one line: each CR/LF run is one space', () => {
    const d = accepted(
      put(a, (_cal, m) => {
        setText(m, 'summary', 'Beratung\r\n\r\nVorsorge \n');
        setText(m, 'location', 'Büro\nBern\r\n  3. Stock');
      }),
    );
    expect(d.patch).toEqual({ subject: 'Beratung Vorsorge', location: 'Büro Bern 3. Stock', exceptions: [] });
    expect(d.storedDiffers).toBe(true);
    expect(d.truncated).toBe(false);
  });

  it('joins the lines before the 150-character cut: 150 characters on two lines are not cut, 151 are', () => {
    const twoLines = (n: number) => `${'a'.repeat(75)}\r\n${'b'.repeat(n - 76)}`;
    const fits = accepted(put(a, (_cal, m) => setText(m, 'summary', twoLines(150))));
    expect(fits.patch.subject).toBe(`${'a'.repeat(75)} ${'b'.repeat(74)}`);
    expect(fits.truncated).toBe(false);
    const over = accepted(put(a, (_cal, m) => setText(m, 'summary', twoLines(151))));
    expect(over.patch.subject).toBe(`${'a'.repeat(75)} ${'b'.repeat(74)}`);
    expect(over.truncated).toBe(true);
    expect(over.patch.description).toBe(`${FULL_SUBJECT_MARKER}${'a'.repeat(75)} ${'b'.repeat(75)}\n\nUnterlagen mitbringen`);
  });

  it('keeps the subject when SUMMARY is empty or only line breaks (never blanks it)', () => {
    for (const empty of ['', '\r\n', ' \n ']) {
      const d = accepted(put(a, (_cal, m) => setText(m, 'summary', empty)));
      expect(d.patch, JSON.stringify(empty)).toEqual({ exceptions: [] });
      expect(d.changes).toEqual([]);
    }
  });

  it("leaves BrokerStar's own subject with a line break alone when the client sends it back unchanged", () => {
    const multiLine = appointment({ subject: 'Beratung\nVorsorge', location: 'Büro\nZürich' });
    expect(decide(multiLine, servedEvent(multiLine))).toEqual(NO_CHANGE);
  });

  it('sees no change in a stored description with CRLF and trailing blanks served as LF', () => {
    const crlf = appointment({ description: 'Zeile 1\r\nZeile 2  \r\n' });
    expect(decide(crlf, servedEvent(crlf))).toEqual(NO_CHANGE);
  });

  it('ignores everything else a client adds or changes: alarms, X- properties, TRANSP, CATEGORIES, URL', () => {
    const d = put(a, (_cal, m) => {
      const alarm = new ICAL.Component('valarm');
      alarm.addPropertyWithValue('action', 'DISPLAY');
      alarm.addPropertyWithValue('trigger', ICAL.Duration.fromString('-PT15M'));
      m.addSubcomponent(alarm);
      m.addPropertyWithValue('x-microsoft-cdo-busystatus', 'BUSY');
      m.addPropertyWithValue('categories', 'Kunde');
      setText(m, 'transp', 'TRANSPARENT');
      setText(m, 'url', 'https://example.org/');
    });
    expect(d).toEqual({ ...NO_CHANGE, storedDiffers: true });
  });
});

describe('decideAppointmentEdit: STATUS is BrokerStar’s', () => {
  const a = appointment(); // confirmed

  it('refuses a changed STATUS (tentative, cancelled) on the master or an override', () => {
    for (const status of ['TENTATIVE', 'CANCELLED']) {
      const d = put(a, (_cal, m) => setText(m, 'status', status));
      expect(d, status).toEqual({ ok: false, rule: 'change-appointment-status', detail: `STATUS:${status} instead of CONFIRMED` });
    }
    const series = appointment({ recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=6' });
    const d = decide(
      series,
      edited(servedEvent(series), (cal) => setText(addOverride(cal, local('2025-03-24T09:00:00'), '2025-03-24T09:00:00', '2025-03-24T10:00:00'), 'status', 'CANCELLED')),
    );
    expect(d).toMatchObject({ ok: false, rule: 'change-appointment-status' });
  });

  it('refuses it together with an allowed edit, so nothing is written', () => {
    const d = put(a, (_cal, m) => {
      setText(m, 'summary', 'Neu');
      setText(m, 'status', 'CANCELLED');
    });
    expect(d).toMatchObject({ ok: false, rule: 'change-appointment-status' });
  });

  it('accepts STATUS left out (Outlook writes none), in another case, and a cancelled one sent back cancelled', () => {
    expect(put(a, (_cal, m) => m.removeAllProperties('status'))).toEqual({ ...NO_CHANGE, storedDiffers: true });
    expect(put(a, (_cal, m) => setText(m, 'status', 'confirmed'))).toEqual(NO_CHANGE);
    const cancelled = appointment({ status: 'cancelled' });
    expect(put(cancelled, (_cal, m) => bumpStamps(m, 9))).toEqual(NO_CHANGE);
    const tentative = appointment({ status: 'tentative' });
    expect(accepted(put(tentative, (_cal, m) => setText(m, 'summary', 'Neu'))).patch).toEqual({ subject: 'Neu', exceptions: [] });
  });
});

describe('decideAppointmentEdit: the 150-character cut', () => {
  const a = appointment({ subject: 'Beratung', location: 'Büro', description: 'Unterlagen mitbringen' });
  const longSubject = GERMAN_200.replace('\n', ' ');
  const longLocation = `Sitzungszimmer „Matterhorn“, 3. Stock, ${'Bahnhofstrasse 1, 8001 Zürich; '.repeat(5)}`;

  it('cuts a long German subject at 150 and keeps the full text at the top of the description', () => {
    const d = put(a, (_cal, m) => setText(m, 'summary', longSubject));
    const cut = [...longSubject].slice(0, 150).join('');
    expect(d).toEqual({
      ok: true,
      patch: {
        subject: cut,
        description: `${FULL_SUBJECT_MARKER}${longSubject}\n\nUnterlagen mitbringen`,
        exceptions: [],
      },
      changes: [
        { field: 'subject', old: 'Beratung', new: cut },
        { field: 'description', old: 'Unterlagen mitbringen', new: `Vollständiger Betreff: ${longSubject}\n\nUnterlagen mitbringen` },
      ],
      truncated: true,
      storedDiffers: true,
    });
  });

  it('marks both subject and location, one line each, in that order', () => {
    const d = accepted(
      put(a, (_cal, m) => {
        setText(m, 'location', longLocation);
        setText(m, 'summary', longSubject);
      }),
    );
    expect(d.patch.location).toBe([...longLocation].slice(0, 150).join(''));
    expect(d.patch.description).toBe(
      `${FULL_SUBJECT_MARKER}${longSubject}\n${FULL_LOCATION_MARKER}${longLocation.trim()}\n\nUnterlagen mitbringen`,
    );
    expect(d.truncated).toBe(true);
  });

  it('does not add the marker line twice on a second identical PUT (Outlook keeps its long text)', () => {
    const body = edited(servedEvent(a), (cal) => setText(masterOf(cal), 'summary', longSubject));
    const first = accepted(decide(a, body));
    const stored = applyAppointmentPatch(a, first.patch);
    expect(decide(stored, body)).toEqual({ ok: true, patch: { exceptions: [] }, changes: [], truncated: true, storedDiffers: true });
  });

  it('does not add the marker line again when the client re-read the stored version (DAVx5, Thunderbird)', () => {
    const first = accepted(put(a, (_cal, m) => setText(m, 'summary', longSubject)));
    const stored = applyAppointmentPatch(a, first.patch);
    expect(decide(stored, servedEvent(stored))).toEqual(NO_CHANGE);
    const moved = accepted(put(stored, (_cal, m) => setLocal(m, 'dtend', '2025-03-17T10:30:00')));
    expect(moved.patch).toEqual({ endsAt: new Date('2025-03-17T09:30:00Z'), exceptions: [] });
  });

  it('replaces the marker line of an older long subject instead of stacking them', () => {
    const first = accepted(put(a, (_cal, m) => setText(m, 'summary', longSubject)));
    const stored = applyAppointmentPatch(a, first.patch);
    const newer = `Neu: ${longSubject}`;
    const d = accepted(put(stored, (_cal, m) => setText(m, 'summary', newer)));
    expect(d.patch.description).toBe(`${FULL_SUBJECT_MARKER}${newer}\n\nUnterlagen mitbringen`);
  });

  it('cuts before a ZWJ family emoji and keeps the whole sequence in the full text', () => {
    const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}';
    const subject = `${'Familienberatung '.repeat(8)}${'x'.repeat(8)}${family} Müller`; // family at code points 145-151
    const d = accepted(put(a, (_cal, m) => setText(m, 'summary', subject)));
    expect(d.patch.subject).toBe(`${'Familienberatung '.repeat(8)}${'x'.repeat(8)}`);
    expect(d.patch.description?.split('\n')[0]).toBe(`${FULL_SUBJECT_MARKER}${subject}`);
  });

  it('cuts between flags and after a combining accent, never inside', () => {
    const flags = '\u{1F1E8}\u{1F1ED}\u{1F1E9}\u{1F1EA}'; // 🇨🇭🇩🇪
    const d = accepted(put(a, (_cal, m) => setText(m, 'location', `${'o'.repeat(147)}${flags}`)));
    expect(d.patch.location).toBe(`${'o'.repeat(147)}\u{1F1E8}\u{1F1ED}`);
    const e = accepted(put(a, (_cal, m) => setText(m, 'location', `${'o'.repeat(149)}e\u0301`)));
    expect(e.patch.location).toBe('o'.repeat(149));
  });

  it('keeps exactly 150 characters uncut and cuts 151', () => {
    const exact = accepted(put(a, (_cal, m) => setText(m, 'summary', 'ä'.repeat(150))));
    expect(exact).toMatchObject({ patch: { subject: 'ä'.repeat(150) }, truncated: false, storedDiffers: false });
    expect(exact.patch.description).toBeUndefined();
    const over = accepted(put(a, (_cal, m) => setText(m, 'summary', 'ä'.repeat(151))));
    expect(over).toMatchObject({ patch: { subject: 'ä'.repeat(150) }, truncated: true, storedDiffers: true });
    expect(over.patch.description).toBe(`${FULL_SUBJECT_MARKER}${'ä'.repeat(151)}\n\nUnterlagen mitbringen`);
  });

  it('puts the full text alone into an empty description, line breaks of the subject as spaces', () => {
    const d = accepted(
      put(a, (_cal, m) => {
        setText(m, 'summary', `${'a'.repeat(100)}\n${'b'.repeat(100)}`);
        m.removeProperty('description');
      }),
    );
    expect(d.patch.description).toBe(`${FULL_SUBJECT_MARKER}${'a'.repeat(100)} ${'b'.repeat(100)}`);
  });
});

describe('decideAppointmentEdit: refusals', () => {
  const withColleague = appointment({
    participants: [
      { employee: anna, response: 'accepted' },
      { employee: jeanLuc, response: 'needs_action' },
    ],
  });

  it('refuses anyone but the owner; a participant only answers (an unchanged body is no change)', () => {
    expect(decide(withColleague, servedEvent(withColleague), anyUser(jeanLuc))).toMatchObject({ ok: true, changes: [], patch: { exceptions: [] } });
    const retitled = servedEvent(withColleague).replace(/^SUMMARY:.*$/m, 'SUMMARY:Verschoben');
    expect(decide(withColleague, retitled, anyUser(jeanLuc))).toMatchObject({ ok: false, rule: 'not-owner' });
  });

  it('refuses another ORGANIZER, and accepts the owner’s in another spelling or a missing one', () => {
    const other = put(withColleague, (_cal, m) => m.updatePropertyWithValue('organizer', 'mailto:giulia.dagostino@broker.example.ch'));
    expect(other).toMatchObject({ ok: false, rule: 'change-organizer' });
    const spelled = put(withColleague, (_cal, m) => m.updatePropertyWithValue('organizer', ' MAILTO:Anna.Mueller@Broker.Example.CH'));
    expect(spelled).toMatchObject({ ok: true, changes: [] });
    const missing = put(withColleague, (_cal, m) => m.removeProperty('organizer'));
    expect(missing).toMatchObject({ ok: true, changes: [], storedDiffers: true });
  });

  it('refuses an added or a removed participant', () => {
    const added = put(withColleague, (_cal, m) => m.addPropertyWithValue('attendee', 'mailto:giulia.dagostino@broker.example.ch'));
    expect(added).toMatchObject({ ok: false, rule: 'change-participants' });
    const removed = put(withColleague, (_cal, m) => {
      m.removeAllProperties('attendee');
      m.addPropertyWithValue('attendee', 'mailto:anna.mueller@broker.example.ch'); // Outlook lists the organizer too
    });
    expect(removed).toMatchObject({ ok: false, rule: 'change-participants' });
  });

  it('accepts dropped ATTENDEEs (Outlook, iOS), the owner listed as attendee and a changed PARTSTAT', () => {
    const dropped = put(withColleague, (_cal, m) => {
      m.removeAllProperties('attendee');
      m.removeProperty('organizer');
    });
    expect(dropped).toMatchObject({ ok: true, changes: [], storedDiffers: true });
    const withOwner = put(withColleague, (_cal, m) => {
      const p = m.addPropertyWithValue('attendee', 'mailto:anna.mueller@broker.example.ch');
      p.setParameter('role', 'CHAIR');
    });
    expect(withOwner).toMatchObject({ ok: true, changes: [] });
    const partstat = put(withColleague, (_cal, m) => m.getFirstProperty('attendee')?.setParameter('partstat', 'ACCEPTED'));
    expect(partstat).toMatchObject({ ok: true, changes: [], storedDiffers: true });
  });

  it('refuses participants on an appointment that has none', () => {
    const a = appointment();
    const d = put(a, (_cal, m) => m.addPropertyWithValue('attendee', 'mailto:giulia.dagostino@broker.example.ch'));
    expect(d).toMatchObject({ ok: false, rule: 'change-participants' });
    expect(put(a, (_cal, m) => m.addPropertyWithValue('attendee', 'mailto:anna.mueller@broker.example.ch'))).toMatchObject({ ok: true });
  });

  it('refuses making an appointment private or confidential, and keeps a private one private', () => {
    expect(put(appointment(), (_cal, m) => setText(m, 'class', 'PRIVATE'))).toMatchObject({ ok: false, rule: 'make-private' });
    expect(put(appointment(), (_cal, m) => setText(m, 'class', 'confidential'))).toMatchObject({ ok: false, rule: 'make-private' });
    const priv = appointment({ isPrivate: true });
    expect(decide(priv, servedEvent(priv))).toEqual(NO_CHANGE);
    expect(put(priv, (_cal, m) => setText(m, 'class', 'PUBLIC'))).toEqual({ ...NO_CHANGE, storedDiffers: true });
  });

  it('refuses a body whose UID is not the resource’s', () => {
    expect(put(appointment(), (_cal, m) => setText(m, 'uid', 'brokerstar-appointment-124'))).toMatchObject({
      ok: false,
      rule: 'uid-mismatch',
    });
  });

  it('refuses a VTODO, or a body without VEVENT', () => {
    const todo = put(appointment(), (cal, m) => {
      const t = new ICAL.Component('vtodo');
      t.addPropertyWithValue('uid', 'brokerstar-appointment-123');
      cal.removeSubcomponent(m);
      cal.addSubcomponent(t);
    });
    expect(todo).toMatchObject({ ok: false, rule: 'wrong-component' });
    const empty = put(appointment(), (cal, m) => cal.removeSubcomponent(m));
    expect(empty).toMatchObject({ ok: false, rule: 'wrong-component' });
  });

  it('refuses data it cannot read: not iCalendar, no DTSTART, DTEND before DTSTART, a broken date', () => {
    const a = appointment();
    expect(decide(a, 'BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n')).toMatchObject({ ok: false, rule: 'invalid-data' });
    expect(decide(a, 'hello')).toMatchObject({ ok: false, rule: 'invalid-data' });
    expect(decide(a, '')).toMatchObject({ ok: false, rule: 'invalid-data' });
    expect(put(a, (_cal, m) => m.removeProperty('dtstart'))).toMatchObject({ ok: false, rule: 'invalid-data' });
    expect(put(a, (_cal, m) => setLocal(m, 'dtend', '2025-03-17T08:59:00'))).toMatchObject({ ok: false, rule: 'invalid-data' });
    const broken = servedEvent(a).replace(/DTSTART;TZID=Europe\/Zurich:\d{8}T\d{6}/, 'DTSTART;TZID=Europe/Zurich:morgen');
    expect(decide(a, broken)).toMatchObject({ ok: false, rule: 'invalid-data' });
  });

  it('checks ownership before reading the body', () => {
    expect(decide(appointment(), 'hello', anyUser(giulia))).toMatchObject({ ok: false, rule: 'not-owner' });
  });
});

/** Thunderbird's way of moving one occurrence: a copy of the master without RRULE, with RECURRENCE-ID. */
function addOverride(cal: Component, rid: ICAL.Time, start: string, end: string, tzid: string | null = 'Europe/Zurich'): Component {
  const master = masterOf(cal);
  const o = new ICAL.Component(structuredClone(master.jCal));
  o.removeAllProperties('rrule');
  o.removeAllProperties('exdate');
  const p = o.addPropertyWithValue('recurrence-id', rid);
  if (tzid && !rid.isDate) p.setParameter('tzid', tzid);
  if (start.length === 10) {
    setDate(o, 'dtstart', start);
    setDate(o, 'dtend', end);
  } else {
    setLocal(o, 'dtstart', start);
    setLocal(o, 'dtend', end);
  }
  cal.addSubcomponent(o);
  return o;
}

const local = (s: string) => ICAL.Time.fromDateTimeString(s);

describe('decideAppointmentEdit: occurrences of a recurring appointment', () => {
  // Mondays 09:00-10:00 Europe/Zurich from 17 March 2025, six times; DST starts on 30 March.
  const series = appointment({ recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=6' });
  const putSeries = (a: AppointmentRecord, edit: (cal: Component) => void) => decide(a, edited(servedEvent(a), edit));

  it('moves the occurrence of 24 March (CET) to Wednesday 2 April (CEST): one exception with the right instants', () => {
    const d = putSeries(series, (cal) => addOverride(cal, local('2025-03-24T09:00:00'), '2025-04-02T09:00:00', '2025-04-02T10:00:00'));
    expect(d).toEqual({
      ok: true,
      patch: {
        exceptions: [
          {
            originalStart: new Date('2025-03-24T08:00:00Z'),
            startsAt: new Date('2025-04-02T07:00:00Z'),
            endsAt: new Date('2025-04-02T08:00:00Z'),
          },
        ],
      },
      changes: [
        {
          field: 'exception 2025-03-24T08:00:00.000Z',
          old: { startsAt: '2025-03-24T08:00:00.000Z', endsAt: '2025-03-24T09:00:00.000Z' },
          new: { startsAt: '2025-04-02T07:00:00.000Z', endsAt: '2025-04-02T08:00:00.000Z' },
        },
      ],
      truncated: false,
      storedDiffers: false,
    });
  });

  it('finds the occurrences after the DST change at 09:00 summer time, not at the winter offset', () => {
    const moved = putSeries(series, (cal) => addOverride(cal, local('2025-03-31T09:00:00'), '2025-03-31T14:00:00', '2025-03-31T15:00:00'));
    expect(accepted(moved).patch.exceptions).toEqual([
      { originalStart: new Date('2025-03-31T07:00:00Z'), startsAt: new Date('2025-03-31T12:00:00Z'), endsAt: new Date('2025-03-31T13:00:00Z') },
    ]);
    // 08:00Z on 31 March is 10:00 summer time: no occurrence, although it is 09:00 at the winter offset.
    const winter = putSeries(series, (cal) => addOverride(cal, local('2025-03-31T08:00:00Z'), '2025-03-31T14:00:00', '2025-03-31T15:00:00', null));
    expect(accepted(winter).patch.exceptions).toEqual([]);
  });

  it('reads a RECURRENCE-ID written in UTC', () => {
    const d = putSeries(series, (cal) => addOverride(cal, local('2025-03-24T08:00:00Z'), '2025-03-24T11:00:00', '2025-03-24T12:00:00', null));
    expect(accepted(d).patch.exceptions).toEqual([
      { originalStart: new Date('2025-03-24T08:00:00Z'), startsAt: new Date('2025-03-24T10:00:00Z'), endsAt: new Date('2025-03-24T11:00:00Z') },
    ]);
  });

  it('ignores an override whose RECURRENCE-ID is no occurrence: a Tuesday, a time off the rule, after COUNT', () => {
    for (const rid of ['2025-03-25T09:00:00', '2025-03-24T10:00:00', '2025-04-28T09:00:00']) {
      const d = putSeries(series, (cal) => addOverride(cal, local(rid), '2025-03-26T09:00:00', '2025-03-26T10:00:00'));
      expect(d, rid).toEqual({ ok: true, patch: { exceptions: [] }, changes: [], truncated: false, storedDiffers: true });
    }
  });

  it('ignores an override of an occurrence BrokerStar cancelled', () => {
    const cancelled = appointment({
      recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=6',
      exceptions: [{ originalStart: new Date('2025-03-24T08:00:00Z'), isCancelled: true, startsAt: null, endsAt: null }],
    });
    const d = putSeries(cancelled, (cal) => addOverride(cal, local('2025-03-24T09:00:00'), '2025-03-25T09:00:00', '2025-03-25T10:00:00'));
    expect(d).toEqual({ ok: true, patch: { exceptions: [] }, changes: [], truncated: false, storedDiffers: true });
  });

  describe('with an occurrence BrokerStar already moved', () => {
    const moved = appointment({
      recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=6',
      exceptions: [
        {
          originalStart: new Date('2025-03-24T08:00:00Z'),
          isCancelled: false,
          startsAt: new Date('2025-03-25T13:00:00Z'),
          endsAt: new Date('2025-03-25T14:00:00Z'),
        },
        { originalStart: new Date('2025-04-07T07:00:00Z'), isCancelled: true, startsAt: null, endsAt: null },
      ],
    });

    it('sees no change when the override comes back as served', () => {
      expect(decide(moved, servedEvent(moved))).toEqual(NO_CHANGE);
    });

    it('moves it again, old values being the moved ones', () => {
      const d = putSeries(moved, (cal) => {
        const o = cal.getAllSubcomponents('vevent').find((e) => e.hasProperty('recurrence-id'));
        if (!o) throw new Error('no override served');
        setLocal(o, 'dtstart', '2025-03-26T08:00:00');
        setLocal(o, 'dtend', '2025-03-26T09:30:00');
      });
      expect(d).toEqual({
        ok: true,
        patch: {
          exceptions: [
            { originalStart: new Date('2025-03-24T08:00:00Z'), startsAt: new Date('2025-03-26T07:00:00Z'), endsAt: new Date('2025-03-26T08:30:00Z') },
          ],
        },
        changes: [
          {
            field: 'exception 2025-03-24T08:00:00.000Z',
            old: { startsAt: '2025-03-25T13:00:00.000Z', endsAt: '2025-03-25T14:00:00.000Z' },
            new: { startsAt: '2025-03-26T07:00:00.000Z', endsAt: '2025-03-26T08:30:00.000Z' },
          },
        ],
        truncated: false,
        storedDiffers: false,
      });
    });

    it('keeps the exception when a client drops the override (deleting is BrokerStar’s)', () => {
      const d = putSeries(moved, (cal) => {
        for (const o of cal.getAllSubcomponents('vevent').filter((e) => e.hasProperty('recurrence-id'))) cal.removeSubcomponent(o);
      });
      expect(d).toEqual({ ...NO_CHANGE, storedDiffers: true });
    });
  });

  it('ignores everything but the times on an override', () => {
    const d = putSeries(series, (cal) => {
      const o = addOverride(cal, local('2025-03-24T09:00:00'), '2025-03-24T09:00:00', '2025-03-24T10:00:00');
      setText(o, 'summary', 'Nur diesmal: Vorsorge');
      setText(o, 'location', 'Telefon');
    });
    expect(d).toEqual({ ...NO_CHANGE, storedDiffers: true });
  });

  it('refuses an added EXDATE that deletes an occurrence, in any spelling: deleting one is BrokerStar’s', () => {
    const zoned = putSeries(series, (cal) => {
      const ex = masterOf(cal).addPropertyWithValue('exdate', local('2025-03-31T09:00:00'));
      ex.setParameter('tzid', 'Europe/Zurich');
    });
    expect(zoned).toEqual({ ok: false, rule: 'delete-occurrence', detail: 'EXDATE 2025-03-31T07:00:00.000Z deletes an occurrence of the series' });
    // Outlook: UTC, after an allowed move of another occurrence; a list of two with one new date.
    const outlook = putSeries(series, (cal) => {
      addOverride(cal, local('2025-03-24T09:00:00'), '2025-03-24T11:00:00', '2025-03-24T12:00:00');
      masterOf(cal).addPropertyWithValue('exdate', local('2025-04-14T07:00:00Z'));
    });
    expect(outlook).toMatchObject({ ok: false, rule: 'delete-occurrence' });
    const list = putSeries(series, (cal) => {
      const p = masterOf(cal).addPropertyWithValue('exdate', local('2025-03-25T08:00:00Z'));
      p.setValues([local('2025-03-25T08:00:00Z'), local('2025-04-07T07:00:00Z')]);
    });
    expect(list).toMatchObject({ ok: false, rule: 'delete-occurrence' });
  });

  it('ignores an EXDATE that deletes nothing: no occurrence there, or on a single appointment', () => {
    for (const at of ['2025-03-25T08:00:00Z', '2025-03-31T08:00:00Z', '2025-05-05T07:00:00Z']) {
      const d = putSeries(series, (cal) => masterOf(cal).addPropertyWithValue('exdate', local(at)));
      expect(d, at).toEqual({ ...NO_CHANGE, storedDiffers: true });
    }
    const single = appointment();
    expect(putSeries(single, (cal) => masterOf(cal).addPropertyWithValue('exdate', local('2025-03-24T08:00:00Z')))).toEqual({ ...NO_CHANGE, storedDiffers: true });
  });

  it('accepts the EXDATE of an occurrence BrokerStar cancelled, spelled in UTC', () => {
    const cancelled = appointment({
      recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=6',
      exceptions: [{ originalStart: new Date('2025-04-07T07:00:00Z'), isCancelled: true, startsAt: null, endsAt: null }],
    });
    const d = putSeries(cancelled, (cal) => {
      const m = masterOf(cal);
      m.removeAllProperties('exdate');
      m.addPropertyWithValue('exdate', local('2025-04-07T07:00:00Z'));
    });
    expect(d).toEqual(NO_CHANGE);
  });

  it('ignores the EXDATE CalDav Synchronizer adds next to a moved occurrence ("to avoid 2 events")', () => {
    // 24 March moved onto Monday 31 March 07:30, before that day's occurrence: Outlook adds EXDATE 31 March.
    const d = putSeries(series, (cal) => {
      addOverride(cal, local('2025-03-24T09:00:00'), '2025-03-31T07:30:00', '2025-03-31T08:30:00');
      masterOf(cal).addPropertyWithValue('exdate', local('2025-03-31T07:00:00Z'));
    });
    const ok = accepted(d);
    expect(ok.patch.exceptions).toEqual([
      { originalStart: new Date('2025-03-24T08:00:00Z'), startsAt: new Date('2025-03-31T05:30:00Z'), endsAt: new Date('2025-03-31T06:30:00Z') },
    ]);
    expect(ok.storedDiffers).toBe(true);
  });

  it('refuses a changed RRULE: the series structure is BrokerStar’s', () => {
    const d = putSeries(series, (cal) => {
      masterOf(cal).updatePropertyWithValue('rrule', ICAL.Recur.fromString('FREQ=WEEKLY;BYDAY=MO;COUNT=10'));
    });
    expect(d).toMatchObject({ ok: false, rule: 'change-recurrence' });
  });

  it('accepts the stored RRULE spelled differently (part order, UNTIL in UTC)', () => {
    const d = putSeries(series, (cal) => {
      const m = masterOf(cal);
      const stored = String(m.getFirstPropertyValue('rrule'));
      const parts = stored.split(';').reverse().join(';');
      m.updatePropertyWithValue('rrule', ICAL.Recur.fromString(parts));
    });
    expect(d).toMatchObject({ ok: true });
  });

  it('moves the whole series when the master moves, and applies master texts to it', () => {
    const d = putSeries(series, (cal) => {
      const m = masterOf(cal);
      setLocal(m, 'dtstart', '2025-03-17T08:30:00');
      setText(m, 'summary', 'Vorsorge-Sprechstunde');
    });
    expect(accepted(d).patch).toEqual({ subject: 'Vorsorge-Sprechstunde', startsAt: new Date('2025-03-17T07:30:00Z'), exceptions: [] });
    expect(accepted(d).storedDiffers).toBe(false);
  });

  it('ignores overrides of an appointment that does not recur', () => {
    const single = appointment();
    const d = decide(single, edited(servedEvent(single), (cal) => addOverride(cal, local('2025-03-17T09:00:00'), '2025-03-18T09:00:00', '2025-03-18T10:00:00')));
    expect(d).toEqual({ ...NO_CHANGE, storedDiffers: true });
  });

  it('moves an occurrence of an all-day series by whole days (RECURRENCE-ID a DATE)', () => {
    const allDay = appointment({
      recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=6',
      allDay: true,
      startsAt: new Date('2025-03-16T23:00:00Z'),
      endsAt: new Date('2025-03-17T23:00:00Z'),
    });
    const d = putSeries(allDay, (cal) => addOverride(cal, ICAL.Time.fromDateString('2025-03-31'), '2025-04-02', '2025-04-03'));
    expect(d).toEqual({
      ok: true,
      patch: {
        exceptions: [
          { originalStart: new Date('2025-03-30T22:00:00Z'), startsAt: new Date('2025-04-01T22:00:00Z'), endsAt: new Date('2025-04-02T22:00:00Z') },
        ],
      },
      changes: [
        {
          field: 'exception 2025-03-30T22:00:00.000Z',
          old: { startsAt: '2025-03-30T22:00:00.000Z', endsAt: '2025-03-31T22:00:00.000Z' },
          new: { startsAt: '2025-04-01T22:00:00.000Z', endsAt: '2025-04-02T22:00:00.000Z' },
        },
      ],
      truncated: false,
      storedDiffers: false,
    });
  });

  it('refuses two overrides of the same occurrence', () => {
    const d = putSeries(series, (cal) => {
      addOverride(cal, local('2025-03-24T09:00:00'), '2025-03-25T09:00:00', '2025-03-25T10:00:00');
      addOverride(cal, local('2025-03-24T09:00:00'), '2025-03-26T09:00:00', '2025-03-26T10:00:00');
    });
    expect(d).toMatchObject({ ok: false, rule: 'invalid-data' });
  });
});

describe('applyAppointmentPatch', () => {
  it('sets the patched fields, keeps the others, and upserts moved occurrences in order', () => {
    const a = appointment({
      recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=6',
      exceptions: [
        { originalStart: new Date('2025-03-24T08:00:00Z'), isCancelled: false, startsAt: new Date('2025-03-25T08:00:00Z'), endsAt: null },
        { originalStart: new Date('2025-04-07T07:00:00Z'), isCancelled: true, startsAt: null, endsAt: null },
      ],
    });
    const b = applyAppointmentPatch(a, {
      location: null,
      startsAt: new Date('2025-03-17T07:00:00Z'),
      exceptions: [
        { originalStart: new Date('2025-03-31T07:00:00Z'), startsAt: new Date('2025-04-01T07:00:00Z'), endsAt: new Date('2025-04-01T08:00:00Z') },
        { originalStart: new Date('2025-03-24T08:00:00Z'), startsAt: new Date('2025-03-26T08:00:00Z'), endsAt: new Date('2025-03-26T09:00:00Z') },
      ],
    });
    expect(b).toEqual({
      ...a,
      location: null,
      startsAt: new Date('2025-03-17T07:00:00Z'),
      exceptions: [
        { originalStart: new Date('2025-03-24T08:00:00Z'), isCancelled: false, startsAt: new Date('2025-03-26T08:00:00Z'), endsAt: new Date('2025-03-26T09:00:00Z') },
        { originalStart: new Date('2025-03-31T07:00:00Z'), isCancelled: false, startsAt: new Date('2025-04-01T07:00:00Z'), endsAt: new Date('2025-04-01T08:00:00Z') },
        { originalStart: new Date('2025-04-07T07:00:00Z'), isCancelled: true, startsAt: null, endsAt: null },
      ],
    });
    expect(a.location).not.toBeNull();
  });
});
