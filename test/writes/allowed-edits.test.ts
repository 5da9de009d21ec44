// Every allowed row of design.md §4 over real HTTP: the owner moves and retitles an appointment
// (timed, all-day and back, one occurrence, the whole series, Outlook's rebuilt series), the
// assignee completes, reopens and advances a task. Each PUT must change exactly the intended
// BrokerStar columns in one transaction, answer 204 with the ETag of the stored version when that
// equals the body and without ETag when it does not, and a later GET must serve the stored version.
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { tableChecksums } from '../support/checksums.js';
import { getOk, putCalendar } from '../support/items.js';
import { listEtags } from '../support/listing.js';
import { startTestServer, type Reply, type TestServer } from '../support/server.js';
import { edited, masterOf, outlookEvent, outlookTodo, setDate, setLocal } from '../unit/policy/clients.js';

const USER = 'anna.meier';
const TERMINE = `/dav/calendars/${USER}/termine/`;
const AUFGABEN = `/dav/calendars/${USER}/aufgaben/`;
const THUNDERBIRD = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0';
const OUTLOOK = 'CalDavSynchronizer/4.4.0';

type Component = InstanceType<typeof ICAL.Component>;
type Row = Record<string, unknown> & { xmin: string; updated_at: Date; starts_at: Date; recurrence_rule: string | null };

const ids: Record<string, string> = {};

// ------------------------------------------------------------------ helpers

/** Checksums of every table except the ones named. */
function except(sums: Record<string, string>, ...tables: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(sums).filter(([t]) => !tables.includes(t)));
}

async function row(dav: TestServer, table: 'appointment' | 'task', id: string): Promise<Row> {
  const { rows } = await dav.db.query(`SELECT *, xmin::text AS xmin FROM brokerstar.${table} WHERE id = $1`, [id]);
  return rows[0] as Row;
}

async function exceptions(dav: TestServer, id: string) {
  const { rows } = await dav.db.query(
    `SELECT original_start, is_cancelled, starts_at, ends_at, xmin::text AS xmin
       FROM brokerstar.appointment_exception WHERE appointment_id = $1 ORDER BY original_start`,
    [id],
  );
  return rows as { original_start: Date; is_cancelled: boolean; starts_at: Date | null; ends_at: Date | null; xmin: string }[];
}

/** The audit row of the last accepted write on a resource. */
async function lastAudit(dav: TestServer, href: string) {
  const { rows } = await dav.db.query(
    `SELECT *, xmin::text AS xmin FROM dav.audit_log WHERE resource = $1 AND outcome = 'accepted' ORDER BY id DESC LIMIT 1`,
    [href],
  );
  return rows[0] as { xmin: string; user_agent: string; username: string; status: number; changes: { field: string; old: unknown; new: unknown }[] };
}

async function get(dav: TestServer, href: string): Promise<{ etag: string; text: string; cal: Component }> {
  const r = await getOk(dav, href);
  return { etag: r.headers.get('etag') ?? '', text: r.text, cal: new ICAL.Component(ICAL.parse(r.text)) };
}

function put(dav: TestServer, href: string, body: string, opts: { ifMatch?: string; userAgent?: string } = {}): Promise<Reply> {
  return putCalendar(dav, href, body, { 'User-Agent': opts.userAgent ?? THUNDERBIRD, ...(opts.ifMatch ? { 'If-Match': opts.ifMatch } : {}) });
}

const master = (cal: Component) => masterOf(cal);
const overrideAt = (cal: Component, ridLocal: string) =>
  cal.getAllSubcomponents('vevent').find((e) => e.getFirstPropertyValue('recurrence-id')?.toString() === ridLocal);
const text = (c: Component | undefined, name: string) => c?.getFirstPropertyValue(name)?.toString();

/** A new SEQUENCE and stamps, as every client writes on save. */
function restamp(c: Component, sequence: number): void {
  c.updatePropertyWithValue('dtstamp', ICAL.Time.fromDateTimeString('2026-11-20T12:00:00Z'));
  c.updatePropertyWithValue('last-modified', ICAL.Time.fromDateTimeString('2026-11-20T12:00:00Z'));
  c.updatePropertyWithValue('sequence', sequence);
}

/**
 * PUT, then: 204; the ETag header present exactly when `sameAsStored`, and then equal to the next
 * GET's ETag; the GET is returned for assertions on the stored version.
 */
async function putAndReread(dav: TestServer, href: string, body: string, opts: { ifMatch?: string; userAgent?: string; sameAsStored: boolean }) {
  const r = await put(dav, href, body, opts);
  expect(r.status, r.text).toBe(204);
  const after = await get(dav, href);
  if (opts.sameAsStored) {
    expect(r.headers.get('etag'), 'the stored version equals the body: the PUT answer carries its ETag').toBe(after.etag);
  } else {
    expect(r.headers.get('etag'), 'the stored version differs from the body: no ETag, so the client re-reads').toBeNull();
  }
  if (opts.ifMatch) expect(after.etag).not.toBe(opts.ifMatch);
  return after;
}

// ------------------------------------------------------------------ the tests

describe('allowed edits (design.md §4)', () => {
  let dav: TestServer;

  beforeAll(async () => {
    dav = await startTestServer({
      user: USER,
      seed: async (db) => {
        const b = builders(db.pool);
        ids.anna = await b.addEmployee({ username: USER });
        ids.beat = await b.addEmployee({ username: 'beat.keller' });
        ids.contact = await b.addContact({ firstName: 'Hans', lastName: 'Muster', customerNo: 'K-010234' });
        const at = (subject: string, startsAt: string, extra: Partial<Parameters<typeof b.addAppointment>[0]> = {}) =>
          b.addAppointment({ ownerId: ids.anna!, startsAt, subject, location: 'Zürich, Bahnhofstrasse 1', description: 'Police besprechen', contactId: ids.contact, participants: [ids.beat!], ...extra });
        ids.move = await at('Kundentermin Muster', '2026-12-01T09:00:00Z');
        ids.allDay = await at('Jahresgespräch', '2026-12-02T13:00:00Z', { participants: [] });
        ids.texts = await at('Beratung', '2026-12-03T09:00:00Z');
        ids.outlookMove = await at('Besprechung Outlook', '2026-12-04T09:00:00Z', { participants: [] });
        ids.alarm = await at('Termin mit Erinnerung', '2026-12-05T09:00:00Z');
        ids.occurrence = await b.addAppointment({
          ownerId: ids.anna!, startsAt: '2026-12-07T08:00:00Z', subject: 'Wochenrapport', recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=10',
          exceptions: [{ originalStart: '2026-12-14T08:00:00Z', startsAt: '2026-12-14T10:00:00Z' }, { originalStart: '2026-12-21T08:00:00Z' }],
        });
        ids.series = await b.addAppointment({
          ownerId: ids.anna!, startsAt: '2026-12-07T12:00:00Z', subject: 'Teamlunch', recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=10',
          exceptions: [{ originalStart: '2026-12-14T12:00:00Z', startsAt: '2026-12-15T12:00:00Z' }, { originalStart: '2026-12-21T12:00:00Z' }],
        });
        // Daily at 09:00 local from Saturday 27 March 2027 (CET); summer time begins on the 28th.
        ids.dstSeries = await b.addAppointment({
          ownerId: ids.anna!, startsAt: '2027-03-27T08:00:00Z', subject: 'Tagesbriefing', recurrenceRule: 'FREQ=DAILY;COUNT=14',
          exceptions: [{ originalStart: '2027-04-01T07:00:00Z', startsAt: '2027-04-01T09:00:00Z' }, { originalStart: '2027-04-03T07:00:00Z' }],
        });
        ids.weekday = await b.addAppointment({
          ownerId: ids.anna!, startsAt: '2026-12-07T08:00:00Z', subject: 'Wochenrapport Montag', recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=10',
          exceptions: [{ originalStart: '2026-12-14T08:00:00Z', startsAt: '2026-12-14T10:00:00Z' }, { originalStart: '2026-12-21T08:00:00Z' }],
        });
        // Mondays 09:00 from 7 December, to 8 February (ten), without BYDAY: as BrokerStar may store it.
        ids.outlookSeries = await b.addAppointment({
          ownerId: ids.anna!, startsAt: '2026-12-07T08:00:00Z', subject: 'Wochenrapport Ost', recurrenceRule: 'FREQ=WEEKLY;UNTIL=20270208T235959Z',
        });
        ids.complete = await b.addTask({ assigneeId: ids.anna!, subject: 'Offerte senden', contactId: ids.contact, dueAt: '2026-12-03T16:00:00Z' });
        ids.reopen = await b.addTask({ assigneeId: ids.anna!, subject: 'Police prüfen', status: 'done', percentComplete: 100, completedAt: '2026-11-20T10:00:00Z' });
        ids.percent = await b.addTask({ assigneeId: ids.anna!, subject: 'Schadenfall abklären', dueAt: '2026-12-10T16:00:00Z', priority: 1 });
        ids.outlookTask = await b.addTask({ assigneeId: ids.anna!, subject: 'Kündigung bearbeiten', createdById: ids.beat, contactId: ids.contact, dueAt: '2026-12-11T15:30:00Z', startsOn: '2026-12-01' });
        ids.xprop = await b.addTask({ assigneeId: ids.anna!, subject: 'Rückruf' });
        ids.selfAttendee = await b.addTask({ assigneeId: ids.anna!, subject: 'Unterlagen nachreichen' });
      },
    });
    await listEtags(dav, TERMINE);
    await listEtags(dav, AUFGABEN);
  });
  afterAll(() => dav?.close());

  describe('appointments: the owner', () => {
    it('moves a timed appointment: starts_at/ends_at change in one transaction, answered with the stored ETag', async () => {
      const href = `${TERMINE}${ids.move}.ics`;
      const served = await get(dav, href);
      const before = await row(dav, 'appointment', ids.move!);
      const sums = await tableChecksums(dav);
      const body = edited(served.text, (cal) => {
        const m = master(cal);
        setLocal(m, 'dtstart', '2026-12-01T14:00:00');
        setLocal(m, 'dtend', '2026-12-01T15:30:00');
        restamp(m, 1);
      });

      const after = await putAndReread(dav, href, body, { ifMatch: served.etag, sameAsStored: true });

      const now = await row(dav, 'appointment', ids.move!);
      expect(now).toEqual({ ...before, starts_at: new Date('2026-12-01T13:00:00Z'), ends_at: new Date('2026-12-01T14:30:00Z'), updated_at: expect.any(Date), xmin: expect.any(String) });
      expect(now.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime());
      expect(except(await tableChecksums(dav), 'appointment'), 'no other BrokerStar table changed').toEqual(except(sums, 'appointment'));
      const audit = await lastAudit(dav, href);
      expect(audit.xmin, 'the BrokerStar update and its audit entry are one transaction').toBe(now.xmin);
      expect(text(master(after.cal), 'dtstart')).toBe('2026-12-01T14:00:00');
      expect(master(after.cal).getFirstProperty('dtstart')!.getParameter('tzid')).toBe('Europe/Zurich');
      expect(text(master(after.cal), 'dtend')).toBe('2026-12-01T15:30:00');
    });

    it('moves a timed appointment to all-day and back', async () => {
      const href = `${TERMINE}${ids.allDay}.ics`;
      const served = await get(dav, href);
      const before = await row(dav, 'appointment', ids.allDay!);
      const sums = await tableChecksums(dav);

      const toAllDay = edited(served.text, (cal) => {
        const m = master(cal);
        setDate(m, 'dtstart', '2026-12-02');
        setDate(m, 'dtend', '2026-12-03');
        restamp(m, 1);
      });
      const allDay = await putAndReread(dav, href, toAllDay, { ifMatch: served.etag, sameAsStored: true });
      const mid = await row(dav, 'appointment', ids.allDay!);
      expect(mid).toEqual({
        ...before,
        all_day: true,
        starts_at: new Date('2026-12-01T23:00:00Z'), // local midnight, Europe/Zurich
        ends_at: new Date('2026-12-02T23:00:00Z'),
        updated_at: expect.any(Date),
        xmin: expect.any(String),
      });
      expect(master(allDay.cal).getFirstPropertyValue('dtstart')).toMatchObject({ isDate: true });
      expect(text(master(allDay.cal), 'dtstart')).toBe('2026-12-02');
      expect(text(master(allDay.cal), 'dtend')).toBe('2026-12-03');

      const back = edited(allDay.text, (cal) => {
        const m = master(cal);
        for (const name of ['dtstart', 'dtend']) {
          const p = m.getFirstProperty(name)!;
          p.setParameter('tzid', 'Europe/Zurich');
          p.resetType('date-time');
        }
        setLocal(m, 'dtstart', '2026-12-02T08:30:00');
        setLocal(m, 'dtend', '2026-12-02T09:15:00');
        restamp(m, 2);
      });
      const timed = await putAndReread(dav, href, back, { ifMatch: allDay.etag, sameAsStored: true });
      expect(await row(dav, 'appointment', ids.allDay!)).toEqual({
        ...before,
        all_day: false,
        starts_at: new Date('2026-12-02T07:30:00Z'),
        ends_at: new Date('2026-12-02T08:15:00Z'),
        updated_at: expect.any(Date),
        xmin: expect.any(String),
      });
      expect(text(master(timed.cal), 'dtstart')).toBe('2026-12-02T08:30:00');
      expect(except(await tableChecksums(dav), 'appointment')).toEqual(except(sums, 'appointment'));
    });

    it('changes subject, location and description (the customer line stays BrokerStar\'s)', async () => {
      const href = `${TERMINE}${ids.texts}.ics`;
      const served = await get(dav, href);
      expect(text(master(served.cal), 'description')).toBe('Police besprechen\n\nKunde: Hans Muster (K-010234)');
      const before = await row(dav, 'appointment', ids.texts!);
      const sums = await tableChecksums(dav);
      const body = edited(served.text, (cal) => {
        const m = master(cal);
        m.updatePropertyWithValue('summary', 'Beratung Hausrat; Müller & Söhne, «Änderung»');
        m.updatePropertyWithValue('location', 'Bern, Bundesplatz 3');
        m.updatePropertyWithValue('description', 'Unterlagen mitnehmen:\n- Police\n- Offerte\n\nKunde: Hans Muster (K-010234)');
        restamp(m, 3);
      });

      const after = await putAndReread(dav, href, body, { ifMatch: served.etag, sameAsStored: true });

      expect(await row(dav, 'appointment', ids.texts!)).toEqual({
        ...before,
        subject: 'Beratung Hausrat; Müller & Söhne, «Änderung»',
        location: 'Bern, Bundesplatz 3',
        description: 'Unterlagen mitnehmen:\n- Police\n- Offerte',
        updated_at: expect.any(Date),
        xmin: expect.any(String),
      });
      expect(except(await tableChecksums(dav), 'appointment')).toEqual(except(sums, 'appointment'));
      expect(text(master(after.cal), 'summary')).toBe('Beratung Hausrat; Müller & Söhne, «Änderung»');
      expect(text(master(after.cal), 'description')).toBe('Unterlagen mitnehmen:\n- Police\n- Offerte\n\nKunde: Hans Muster (K-010234)');
      const audit = await lastAudit(dav, href);
      expect(audit.changes.map((c) => c.field).sort()).toEqual(['description', 'location', 'subject']);
    });

    it('moves one occurrence of a recurring appointment: a new appointment_exception row, the series untouched', async () => {
      const href = `${TERMINE}${ids.occurrence}.ics`;
      const served = await get(dav, href);
      const before = await row(dav, 'appointment', ids.occurrence!);
      const exBefore = await exceptions(dav, ids.occurrence!);
      const sums = await tableChecksums(dav);
      // Thunderbird adds an override: a copy of the occurrence with RECURRENCE-ID and the new times.
      const body = edited(served.text, (cal) => {
        const copy = new ICAL.Component(structuredClone(overrideAt(cal, '2026-12-14T09:00:00')!.jCal));
        const rid = copy.getFirstProperty('recurrence-id')!;
        rid.setValue(ICAL.Time.fromDateTimeString('2026-12-28T09:00:00'));
        setLocal(copy, 'dtstart', '2026-12-28T14:00:00');
        setLocal(copy, 'dtend', '2026-12-28T15:00:00');
        cal.addSubcomponent(copy);
      });

      const after = await putAndReread(dav, href, body, { ifMatch: served.etag, sameAsStored: true });

      const now = await row(dav, 'appointment', ids.occurrence!);
      expect(now).toEqual({ ...before, updated_at: expect.any(Date), xmin: expect.any(String) });
      const exNow = await exceptions(dav, ids.occurrence!);
      expect(exNow).toEqual([
        ...exBefore.slice(0, 2),
        { original_start: new Date('2026-12-28T08:00:00Z'), is_cancelled: false, starts_at: new Date('2026-12-28T13:00:00Z'), ends_at: new Date('2026-12-28T14:00:00Z'), xmin: now.xmin },
      ]);
      expect(exNow.slice(0, 2)).toEqual(exBefore.slice(0, 2));
      expect((await lastAudit(dav, href)).xmin).toBe(now.xmin);
      expect(except(await tableChecksums(dav), 'appointment', 'appointment_exception')).toEqual(except(sums, 'appointment', 'appointment_exception'));
      expect(text(overrideAt(after.cal, '2026-12-28T09:00:00'), 'dtstart')).toBe('2026-12-28T14:00:00');
      expect(text(master(after.cal), 'dtstart')).toBe('2026-12-07T09:00:00');
    });

    it('moves the whole series: the rule moves, existing exceptions keep naming their occurrences', async () => {
      const href = `${TERMINE}${ids.series}.ics`;
      const served = await get(dav, href);
      expect(text(overrideAt(served.cal, '2026-12-14T13:00:00'), 'dtstart')).toBe('2026-12-15T13:00:00');
      const before = await row(dav, 'appointment', ids.series!);
      const sums = await tableChecksums(dav);
      // 13:00 → 14:30 on Mondays. Like Thunderbird and iOS, the client shifts EXDATE and the
      // overrides' RECURRENCE-IDs with the series; the moved occurrence keeps its own time.
      const body = edited(served.text, (cal) => {
        const m = master(cal);
        setLocal(m, 'dtstart', '2026-12-07T14:30:00');
        setLocal(m, 'dtend', '2026-12-07T15:30:00');
        m.getFirstProperty('exdate')!.setValue(ICAL.Time.fromDateTimeString('2026-12-21T14:30:00'));
        overrideAt(cal, '2026-12-14T13:00:00')!.getFirstProperty('recurrence-id')!.setValue(ICAL.Time.fromDateTimeString('2026-12-14T14:30:00'));
        restamp(m, 1);
      });

      const after = await putAndReread(dav, href, body, { ifMatch: served.etag, sameAsStored: true });

      const now = await row(dav, 'appointment', ids.series!);
      expect(now).toEqual({ ...before, starts_at: new Date('2026-12-07T13:30:00Z'), ends_at: new Date('2026-12-07T14:30:00Z'), updated_at: expect.any(Date), xmin: expect.any(String) });
      expect(await exceptions(dav, ids.series!)).toEqual([
        { original_start: new Date('2026-12-14T13:30:00Z'), is_cancelled: false, starts_at: new Date('2026-12-15T12:00:00Z'), ends_at: new Date('2026-12-15T13:00:00Z'), xmin: now.xmin },
        { original_start: new Date('2026-12-21T13:30:00Z'), is_cancelled: true, starts_at: null, ends_at: null, xmin: now.xmin },
      ]);
      expect(except(await tableChecksums(dav), 'appointment', 'appointment_exception')).toEqual(except(sums, 'appointment', 'appointment_exception'));
      expect(text(master(after.cal), 'dtstart')).toBe('2026-12-07T14:30:00');
      expect(after.cal.getAllSubcomponents('vevent').find((e) => !e.hasProperty('recurrence-id'))?.getFirstPropertyValue('exdate')?.toString()).toBe('2026-12-21T14:30:00');
      expect(text(overrideAt(after.cal, '2026-12-14T14:30:00'), 'dtstart')).toBe('2026-12-15T13:00:00');
    });

    it('moves a daily series by one day across the switch to summer time: exceptions follow on the wall clock', async () => {
      const href = `${TERMINE}${ids.dstSeries}.ics`;
      const served = await get(dav, href);
      expect(text(overrideAt(served.cal, '2027-04-01T09:00:00'), 'dtstart')).toBe('2027-04-01T11:00:00');
      // Saturday 09:00 CET → Sunday 09:00 CEST: 23 hours in UTC, one day on the wall clock. The
      // client shifts EXDATE and RECURRENCE-ID by one day on the wall clock (ical.js subtractDate).
      const body = edited(served.text, (cal) => {
        const m = master(cal);
        setLocal(m, 'dtstart', '2027-03-28T09:00:00');
        setLocal(m, 'dtend', '2027-03-28T10:00:00');
        m.getFirstProperty('exdate')!.setValue(ICAL.Time.fromDateTimeString('2027-04-04T09:00:00'));
        overrideAt(cal, '2027-04-01T09:00:00')!.getFirstProperty('recurrence-id')!.setValue(ICAL.Time.fromDateTimeString('2027-04-02T09:00:00'));
      });

      const after = await putAndReread(dav, href, body, { ifMatch: served.etag, sameAsStored: true });

      const now = await row(dav, 'appointment', ids.dstSeries!);
      expect(now.starts_at).toEqual(new Date('2027-03-28T07:00:00Z'));
      expect(await exceptions(dav, ids.dstSeries!), 'each exception still names an occurrence of the rule (09:00 CEST = 07:00Z)').toEqual([
        { original_start: new Date('2027-04-02T07:00:00Z'), is_cancelled: false, starts_at: new Date('2027-04-01T09:00:00Z'), ends_at: new Date('2027-04-01T10:00:00Z'), xmin: now.xmin },
        { original_start: new Date('2027-04-04T07:00:00Z'), is_cancelled: true, starts_at: null, ends_at: null, xmin: now.xmin },
      ]);
      expect(text(overrideAt(after.cal, '2027-04-02T09:00:00'), 'dtstart')).toBe('2027-04-01T11:00:00');
    });

    it('refuses moving a weekly series to another weekday (DTSTART and BYDAY together): the rule is BrokerStar\'s', async () => {
      const href = `${TERMINE}${ids.weekday}.ics`;
      const served = await get(dav, href);
      const sums = await tableChecksums(dav);
      // Thunderbird moving the whole series from Mondays to Tuesdays: DTSTART, BYDAY, EXDATE and
      // RECURRENCE-IDs all move by one day. Stored as sent, the rule would contradict the
      // exceptions; stored with the old rule, the start would lie off it. refusals.test.ts checks
      // the whole answer.
      const body = edited(served.text, (cal) => {
        const m = master(cal);
        setLocal(m, 'dtstart', '2026-12-08T09:00:00');
        setLocal(m, 'dtend', '2026-12-08T10:00:00');
        m.updatePropertyWithValue('rrule', ICAL.Recur.fromString('FREQ=WEEKLY;BYDAY=TU;COUNT=10'));
        m.getFirstProperty('exdate')!.setValue(ICAL.Time.fromDateTimeString('2026-12-22T09:00:00'));
        overrideAt(cal, '2026-12-14T09:00:00')!.getFirstProperty('recurrence-id')!.setValue(ICAL.Time.fromDateTimeString('2026-12-15T09:00:00'));
        restamp(m, 1);
      });

      const r = await put(dav, href, body, { ifMatch: served.etag });

      expect(r.status, r.text).toBe(403);
      expect(r.text).toContain('recurrence-in-brokerstar');
      expect(await tableChecksums(dav), 'refused: BrokerStar unchanged').toEqual(sums);
    });

    it('applies an Outlook PUT of a series that rebuilt the RRULE (BYDAY added, UNTIL as COUNT): only the subject changes', async () => {
      const href = `${TERMINE}${ids.outlookSeries}.ics`;
      const served = await get(dav, href);
      const before = await row(dav, 'appointment', ids.outlookSeries!);
      const sums = await tableChecksums(dav);
      // EventEntityMapper.MapRecurrance1To2: WEEKLY always gets BYDAY from the day-of-week mask, an
      // end date is written as COUNT=Occurrences (Mondays 7 December to 8 February: ten).
      const body = outlookEvent(`brokerstar-appointment-${ids.outlookSeries}`, [
        'DTSTART;TZID=W. Europe Standard Time:20261207T090000',
        'DTEND;TZID=W. Europe Standard Time:20261207T100000',
        'RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=MO',
        'SUMMARY:Wochenrapport Team Ost',
      ]);

      // BrokerStar keeps its own spelling of the rule, so the stored version differs: no ETag.
      const after = await putAndReread(dav, href, body, { ifMatch: served.etag, userAgent: OUTLOOK, sameAsStored: false });

      expect(await row(dav, 'appointment', ids.outlookSeries!)).toEqual({
        ...before,
        subject: 'Wochenrapport Team Ost',
        updated_at: expect.any(Date),
        xmin: expect.any(String),
      });
      expect(except(await tableChecksums(dav), 'appointment')).toEqual(except(sums, 'appointment'));
      expect(text(master(after.cal), 'rrule')).toBe('FREQ=WEEKLY;UNTIL=20270208T235959Z');
      expect((await lastAudit(dav, href)).changes).toEqual([{ field: 'subject', old: 'Wochenrapport Ost', new: 'Wochenrapport Team Ost' }]);
    });

    it('applies an Outlook move (Windows zone, X-MICROSOFT properties, no attendees): times only, answered without ETag', async () => {
      const href = `${TERMINE}${ids.outlookMove}.ics`;
      const served = await get(dav, href);
      const before = await row(dav, 'appointment', ids.outlookMove!);
      const sums = await tableChecksums(dav);
      const body = outlookEvent(`brokerstar-appointment-${ids.outlookMove}`, [
        'DTSTART;TZID=W. Europe Standard Time:20261204T160000',
        'DTEND;TZID=W. Europe Standard Time:20261204T170000',
        'SUMMARY:Besprechung Outlook',
        'LOCATION:Zürich\\, Bahnhofstrasse 1',
        'DESCRIPTION:Police besprechen\\n\\nKunde: Hans Muster (K-010234)',
        'X-MICROSOFT-CDO-IMPORTANCE:1',
      ]);

      const after = await putAndReread(dav, href, body, { ifMatch: served.etag, userAgent: OUTLOOK, sameAsStored: false });

      expect(await row(dav, 'appointment', ids.outlookMove!)).toEqual({
        ...before,
        starts_at: new Date('2026-12-04T15:00:00Z'),
        ends_at: new Date('2026-12-04T16:00:00Z'),
        updated_at: expect.any(Date),
        xmin: expect.any(String),
      });
      expect(except(await tableChecksums(dav), 'appointment')).toEqual(except(sums, 'appointment'));
      expect(text(master(after.cal), 'dtstart')).toBe('2026-12-04T16:00:00');
      expect(master(after.cal).getFirstProperty('dtstart')!.getParameter('tzid')).toBe('Europe/Zurich');
      expect(master(after.cal).hasProperty('x-microsoft-cdo-busystatus')).toBe(false);
      expect(master(after.cal).getAllSubcomponents('valarm')).toHaveLength(0);
      expect((await lastAudit(dav, href)).user_agent).toBe(OUTLOOK);
    });

    it('ignores an added VALARM and X- property: nothing written, 204 without ETag, GET serves BrokerStar\'s version', async () => {
      const href = `${TERMINE}${ids.alarm}.ics`;
      const served = await get(dav, href);
      const before = await row(dav, 'appointment', ids.alarm!);
      const sums = await tableChecksums(dav);
      const body = edited(served.text, (cal) => {
        const m = master(cal);
        m.addPropertyWithValue('x-moz-lastack', ICAL.Time.fromDateTimeString('2026-11-20T12:00:00Z'));
        m.addPropertyWithValue('x-apple-travel-advisory-behavior', 'AUTOMATIC');
        m.addPropertyWithValue('categories', 'Kunde');
        const alarm = new ICAL.Component('valarm');
        alarm.addPropertyWithValue('action', 'DISPLAY');
        alarm.addPropertyWithValue('description', 'Erinnerung');
        alarm.addPropertyWithValue('trigger', ICAL.Duration.fromString('-PT30M'));
        m.addSubcomponent(alarm);
        restamp(m, 4);
      });

      const r = await put(dav, href, body, { ifMatch: served.etag });
      expect(r.status).toBe(204);
      expect(r.headers.get('etag')).toBeNull();
      expect(await row(dav, 'appointment', ids.alarm!), 'not even updated_at moves').toEqual(before);
      expect(await tableChecksums(dav)).toEqual(sums);
      const after = await get(dav, href);
      expect(after.text, 'the served text is unchanged until the delayed re-announcement').toBe(served.text);
      expect(master(after.cal).getAllSubcomponents('valarm')).toHaveLength(0);
      expect(master(after.cal).hasProperty('x-moz-lastack')).toBe(false);
      expect(master(after.cal).hasProperty('categories')).toBe(false);
    });
  });

  describe('tasks: the assignee', () => {
    it('completes a task: status done, completed_at as sent, percent 100', async () => {
      const href = `${AUFGABEN}${ids.complete}.ics`;
      const served = await get(dav, href);
      const before = await row(dav, 'task', ids.complete!);
      const sums = await tableChecksums(dav);
      const body = edited(served.text, (cal) => {
        const t = master(cal);
        t.updatePropertyWithValue('status', 'COMPLETED');
        t.updatePropertyWithValue('percent-complete', 100);
        t.updatePropertyWithValue('completed', ICAL.Time.fromDateTimeString('2026-11-24T15:45:00Z'));
        restamp(t, 1);
      });

      const after = await putAndReread(dav, href, body, { ifMatch: served.etag, sameAsStored: true });

      const now = await row(dav, 'task', ids.complete!);
      expect(now).toEqual({
        ...before,
        status: 'done',
        percent_complete: 100,
        completed_at: new Date('2026-11-24T15:45:00Z'),
        updated_at: expect.any(Date),
        xmin: expect.any(String),
      });
      expect((await lastAudit(dav, href)).xmin).toBe(now.xmin);
      expect(except(await tableChecksums(dav), 'task')).toEqual(except(sums, 'task'));
      expect(text(master(after.cal), 'status')).toBe('COMPLETED');
      expect(text(master(after.cal), 'completed')).toBe('2026-11-24T15:45:00Z');
    });

    it('completes a task without COMPLETED (plus an X- property): completed_at is the time of the PUT, no ETag', async () => {
      const href = `${AUFGABEN}${ids.xprop}.ics`;
      const served = await get(dav, href);
      const t0 = Date.now();
      const body = edited(served.text, (cal) => {
        master(cal).updatePropertyWithValue('status', 'COMPLETED');
        master(cal).addPropertyWithValue('x-apple-sort-order', '1234');
      });
      await putAndReread(dav, href, body, { ifMatch: served.etag, sameAsStored: false });
      const now = await row(dav, 'task', ids.xprop!);
      expect(now.status).toBe('done');
      expect(now.percent_complete, 'the served 0 % sent back unchanged is no choice: done means 100').toBe(100);
      expect((now.completed_at as Date).getTime()).toBeGreaterThanOrEqual(t0 - 1000);
      expect((now.completed_at as Date).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    });

    it('reopens a completed task: completed_at cleared', async () => {
      const href = `${AUFGABEN}${ids.reopen}.ics`;
      const served = await get(dav, href);
      expect(text(master(served.cal), 'completed')).toBe('2026-11-20T10:00:00Z');
      const before = await row(dav, 'task', ids.reopen!);
      const sums = await tableChecksums(dav);
      const body = edited(served.text, (cal) => {
        const t = master(cal);
        t.updatePropertyWithValue('status', 'NEEDS-ACTION');
        t.updatePropertyWithValue('percent-complete', 0);
        t.removeProperty('completed');
        restamp(t, 1);
      });

      const after = await putAndReread(dav, href, body, { ifMatch: served.etag, sameAsStored: true });

      expect(await row(dav, 'task', ids.reopen!)).toEqual({
        ...before,
        status: 'open',
        percent_complete: 0,
        completed_at: null,
        updated_at: expect.any(Date),
        xmin: expect.any(String),
      });
      expect(except(await tableChecksums(dav), 'task')).toEqual(except(sums, 'task'));
      expect(master(after.cal).hasProperty('completed')).toBe(false);
      expect(text(master(after.cal), 'status')).toBe('NEEDS-ACTION');
    });

    it('sets percent complete (in process)', async () => {
      const href = `${AUFGABEN}${ids.percent}.ics`;
      const served = await get(dav, href);
      const before = await row(dav, 'task', ids.percent!);
      const body = edited(served.text, (cal) => {
        const t = master(cal);
        t.updatePropertyWithValue('status', 'IN-PROCESS');
        t.updatePropertyWithValue('percent-complete', 40);
        restamp(t, 1);
      });

      const after = await putAndReread(dav, href, body, { ifMatch: served.etag, sameAsStored: true });

      expect(await row(dav, 'task', ids.percent!)).toEqual({
        ...before,
        status: 'in_progress',
        percent_complete: 40,
        updated_at: expect.any(Date),
        xmin: expect.any(String),
      });
      expect(text(master(after.cal), 'percent-complete')).toBe('40');
    });

    it('accepts the assignee named as ATTENDEE in another spelling (MAILTO:, upper case): no reassignment', async () => {
      const href = `${AUFGABEN}${ids.selfAttendee}.ics`;
      const served = await get(dav, href);
      const body = edited(served.text, (cal) => {
        const t = master(cal);
        t.addPropertyWithValue('attendee', 'MAILTO:Anna.Meier@EXAMPLE.ch');
        t.addPropertyWithValue('organizer', 'mailto:anna.meier@example.ch');
        t.updatePropertyWithValue('status', 'IN-PROCESS');
      });
      await putAndReread(dav, href, body, { ifMatch: served.etag, sameAsStored: false });
      expect((await row(dav, 'task', ids.selfAttendee!)).status).toBe('in_progress');
    });

    it('applies only status and completion from Outlook\'s rebuilt VTODO (DUE 23:59:59, no ORGANIZER/ATTENDEE/URL, VALARM)', async () => {
      const href = `${AUFGABEN}${ids.outlookTask}.ics`;
      const served = await get(dav, href);
      const before = await row(dav, 'task', ids.outlookTask!);
      const sums = await tableChecksums(dav);
      const body = outlookTodo({ id: ids.outlookTask! }, { status: 'COMPLETED', percent: 100, completed: '20261124T143000Z' }, served.text);

      const after = await putAndReread(dav, href, body, { ifMatch: served.etag, userAgent: OUTLOOK, sameAsStored: false });

      expect(await row(dav, 'task', ids.outlookTask!), 'subject, description, due date, priority, assignee untouched').toEqual({
        ...before,
        status: 'done',
        percent_complete: 100,
        completed_at: new Date('2026-11-24T14:30:00Z'),
        updated_at: expect.any(Date),
        xmin: expect.any(String),
      });
      expect(except(await tableChecksums(dav), 'task')).toEqual(except(sums, 'task'));
      const t = master(after.cal);
      expect(text(t, 'summary')).toBe('Kündigung bearbeiten');
      expect(text(t, 'due')).toBe('2026-12-11T16:30:00');
      expect(t.getAllSubcomponents('valarm')).toHaveLength(0);
      const audit = await lastAudit(dav, href);
      expect(audit.changes.map((c) => c.field).sort()).toEqual(['completedAt', 'percentComplete', 'status']);
      expect(audit.user_agent).toBe(OUTLOOK);
    });
  });
});
