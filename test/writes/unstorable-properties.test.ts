// What a PUT may carry that BrokerStar cannot store (issue 16, docs/writes.md "Every property, by
// class"): each property is stored, refused with a message, or ignored; an ignored one is answered
// 204 WITHOUT an ETag (RFC 4791 §5.3.4: the client must re-read) and the next GET serves
// BrokerStar's version, so no answer ever pretends that something was stored. A real change of
// BrokerStar's data (a task's subject, description, due date, priority; an appointment's status;
// a deleted occurrence) is refused; what clients rewrite on their own is not a change.
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { tableChecksums } from '../support/checksums.js';
import { davError } from '../support/dav-error.js';
import { getItem, putCalendar } from '../support/items.js';
import { startTestServer, type Reply, type TestServer } from '../support/server.js';
import { outlookTodo } from '../unit/policy/clients.js';

type Component = InstanceType<typeof ICAL.Component>;

const USER = 'anna.meier';
const TERMINE = `/dav/calendars/${USER}/termine/`;
const AUFGABEN = `/dav/calendars/${USER}/aufgaben/`;
const BS = 'https://brokerstar-dav.ch/ns/';

const ids: Record<string, string> = {};
let dav: TestServer;

/** The served body with `change` applied to its first VEVENT/VTODO. */
function edited(text: string, change: (c: Component) => void): string {
  const cal = new ICAL.Component(ICAL.parse(text));
  change((cal.getFirstSubcomponent('vevent') ?? cal.getFirstSubcomponent('vtodo'))!);
  return cal.toString();
}

async function putEdited(href: string, change: (c: Component) => void): Promise<{ r: Reply; before: Record<string, string>; served: string }> {
  const served = await getItem(dav, href);
  const before = await tableChecksums(dav);
  const r = await putCalendar(dav, href, edited(served.text, change), { 'If-Match': served.etag });
  return { r, before, served: served.text };
}

async function taskRow(id: string) {
  const { rows } = await dav.db.query('SELECT subject, description, priority, status, percent_complete FROM brokerstar.task WHERE id = $1', [id]);
  return rows[0] as Record<string, unknown>;
}

/** Refused: 403 with need-privileges, the precondition and the message; nothing stored; audited with the rule's detail. */
async function expectRefused(href: string, change: (c: Component) => void, refusal: { element: string; message: string; reason: RegExp }): Promise<void> {
  const { r, before } = await putEdited(href, change);
  expect(r.status, r.text).toBe(403);
  const { names } = await davError(r);
  expect(names).toEqual(expect.arrayContaining(['{DAV:}need-privileges', `{${BS}}${refusal.element}`]));
  expect(r.text).toContain(refusal.message);
  expect(await tableChecksums(dav)).toEqual(before);
  const { rows } = await dav.db.query(`SELECT outcome, status, reason FROM dav.audit_log WHERE resource = $1 ORDER BY id DESC LIMIT 1`, [href]);
  expect(rows[0]).toMatchObject({ outcome: 'refused', status: 403 });
  expect(rows[0]?.reason).toMatch(refusal.reason);
}

const TASK_DETAILS = {
  element: 'task-details-in-brokerstar',
  message: 'Betreff, Beschreibung, Fälligkeit und Priorität einer Aufgabe werden nur in BrokerStar unter Aufgaben geändert.',
};

/** Ignored: 204 without ETag, BrokerStar untouched, and the next GET serves what was served before. */
async function expectIgnored(href: string, change: (c: Component) => void, absent: RegExp): Promise<void> {
  const { r, before } = await putEdited(href, change);
  expect(r.status, r.text).toBe(204);
  expect(r.headers.get('etag'), 'no ETag: the client must re-read').toBeNull();
  expect(await tableChecksums(dav)).toEqual(before);
  expect((await getItem(dav, href)).text).not.toMatch(absent);
}

beforeAll(async () => {
  dav = await startTestServer({
    user: USER,
    seed: async (db) => {
      const b = builders(db.pool);
      ids.anna = await b.addEmployee({ username: USER });
      ids.beat = await b.addEmployee({ username: 'beat.keller' });
      ids.task = await b.addTask({ assigneeId: ids.anna, subject: 'Offerte senden', createdById: ids.beat, description: 'Unterlagen beilegen' });
      ids.organizerTask = await b.addTask({ assigneeId: ids.anna, subject: 'Police prüfen' });
      ids.localTask = await b.addTask({ assigneeId: ids.anna, subject: 'Rückruf' });
      ids.appointment = await b.addAppointment({ ownerId: ids.anna, startsAt: '2026-12-01T09:00:00Z', subject: 'Kundentermin' });
      ids.contact = await b.addContact({ lastName: 'Muster AG', customerNo: 'K-010234' });
      ids.detailsTask = await b.addTask({
        assigneeId: ids.anna,
        subject: 'Kündigung bearbeiten',
        description: 'Frist beachten',
        contactId: ids.contact,
        priority: 1,
        startsOn: '2026-12-01',
        dueAt: '2026-12-11T15:30:00Z',
        status: 'in_progress',
        percentComplete: 20,
      });
      // Mondays 09:00 Europe/Zurich from 7 December 2026, six times; the 21st cancelled in BrokerStar.
      ids.series = await b.addAppointment({
        ownerId: ids.anna,
        startsAt: '2026-12-07T08:00:00Z',
        subject: 'Teamsitzung',
        recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=6',
        exceptions: [{ originalStart: '2026-12-21T08:00:00Z' }],
      });
    },
  });
});
afterAll(() => dav?.close());

describe('stored', () => {
  it("a task's STATUS, PERCENT-COMPLETE and COMPLETED reach BrokerStar", async () => {
    const href = `${AUFGABEN}${ids.task}.ics`;
    const { r } = await putEdited(href, (t) => {
      t.updatePropertyWithValue('status', 'IN-PROCESS');
      t.updatePropertyWithValue('percent-complete', 40);
    });
    expect(r.status, r.text).toBe(204);
    expect(await taskRow(ids.task!)).toMatchObject({ status: 'in_progress', percent_complete: 40 });
  });
});

describe('refused with a message, nothing stored', () => {
  it("a task's ORGANIZER naming someone else (who gave the task is BrokerStar's created_by)", async () => {
    const href = `${AUFGABEN}${ids.organizerTask}.ics`;
    const { r, before } = await putEdited(href, (t) => {
      t.addPropertyWithValue('organizer', 'mailto:beat.keller@example.ch');
      t.updatePropertyWithValue('status', 'COMPLETED');
    });
    expect(r.status, r.text).toBe(403);
    const { names } = await davError(r);
    expect(names).toEqual(expect.arrayContaining(['{DAV:}need-privileges', `{${BS}}organizer-in-brokerstar`]));
    expect(r.text).toContain('Wer eine Aufgabe vergeben hat, wird nur in BrokerStar unter Aufgaben festgehalten.');
    expect(await tableChecksums(dav)).toEqual(before);
    const { rows } = await dav.db.query(`SELECT reason FROM dav.audit_log WHERE resource = $1 ORDER BY id DESC LIMIT 1`, [href]);
    expect(rows[0]?.reason).toMatch(/^task-organizer: ORGANIZER beat\.keller@example\.ch on a task of anna\.meier@example\.ch/);
  });

  it("a task's ATTENDEE naming someone else (a reassignment)", async () => {
    const { r, before } = await putEdited(`${AUFGABEN}${ids.organizerTask}.ics`, (t) => t.addPropertyWithValue('attendee', 'mailto:beat.keller@example.ch'));
    expect(r.status).toBe(403);
    expect((await davError(r)).names).toContain(`{${BS}}assign-in-brokerstar`);
    expect(await tableChecksums(dav)).toEqual(before);
  });

  it('is not refused when the ORGANIZER is the assignee himself (Thunderbird adds it), in any spelling', async () => {
    const { r } = await putEdited(`${AUFGABEN}${ids.organizerTask}.ics`, (t) => {
      t.addPropertyWithValue('organizer', 'MAILTO:Anna.Meier@EXAMPLE.ch');
      t.updatePropertyWithValue('status', 'COMPLETED');
    });
    expect(r.status, r.text).toBe(204);
    expect(await taskRow(ids.organizerTask!)).toMatchObject({ status: 'done', percent_complete: 100 });
  });
});

describe('ignored: answered without ETag, served again as BrokerStar has it', () => {
  it('client-local properties of an appointment: alarms, X- properties, categories, colour', async () => {
    await expectIgnored(
      `${TERMINE}${ids.appointment}.ics`,
      (e) => {
        const alarm = new ICAL.Component('valarm');
        alarm.addPropertyWithValue('action', 'DISPLAY');
        alarm.addPropertyWithValue('description', 'Erinnerung');
        alarm.addPropertyWithValue('trigger', ICAL.Duration.fromString('-PT15M'));
        e.addSubcomponent(alarm);
        e.addPropertyWithValue('x-apple-travel-advisory-behavior', 'AUTOMATIC');
        e.addPropertyWithValue('categories', 'Kunde');
        e.addPropertyWithValue('color', 'turquoise');
      },
      /VALARM|X-APPLE-TRAVEL|CATEGORIES|COLOR:/,
    );
  });

  it('client-local properties of a task: alarms, X- properties, categories', async () => {
    await expectIgnored(
      `${AUFGABEN}${ids.localTask}.ics`,
      (t) => {
        const alarm = new ICAL.Component('valarm');
        alarm.addPropertyWithValue('action', 'DISPLAY');
        alarm.addPropertyWithValue('description', 'Erinnerung');
        alarm.addPropertyWithValue('trigger', ICAL.Duration.fromString('-PT1H'));
        t.addSubcomponent(alarm);
        t.addPropertyWithValue('x-moz-generation', '3');
        t.addPropertyWithValue('categories', 'Dringend');
      },
      /VALARM|X-MOZ-GENERATION|CATEGORIES/,
    );
  });

});

describe("a task's subject, description, due date and priority are BrokerStar's: refused, nothing stored", () => {
  const href = () => `${AUFGABEN}${ids.detailsTask}.ics`;

  it('a new SUMMARY, even with a status change', async () => {
    await expectRefused(
      href(),
      (t) => {
        t.updatePropertyWithValue('summary', 'Kündigung erledigt');
        t.updatePropertyWithValue('status', 'COMPLETED');
      },
      { ...TASK_DETAILS, reason: /^task-details: SUMMARY "Kündigung erledigt" instead of "Kündigung bearbeiten"/ },
    );
  });

  it('a new DESCRIPTION', async () => {
    await expectRefused(href(), (t) => t.updatePropertyWithValue('description', 'Frist verpasst'), {
      ...TASK_DETAILS,
      reason: /^task-details: DESCRIPTION "Frist verpasst" instead of "Frist beachten"/,
    });
  });

  it('another due day', async () => {
    await expectRefused(
      href(),
      (t) => {
        const due = t.getFirstProperty('due')!;
        due.setValue(ICAL.Time.fromDateTimeString('2026-12-18T16:30:00'));
      },
      { ...TASK_DETAILS, reason: /^task-details: DUE 2026-12-18T15:30:00\.000Z instead of 2026-12-11T15:30:00\.000Z/ },
    );
  });

  it('another PRIORITY (low instead of high)', async () => {
    await expectRefused(href(), (t) => t.updatePropertyWithValue('priority', 9), {
      ...TASK_DETAILS,
      reason: /^task-details: PRIORITY 9 instead of BrokerStar's 1/,
    });
  });

  it("is not refused for Outlook's rebuilt task: DUE at 23:59:59 of its zone, DTSTART a date, the customer line, CRLF", async () => {
    const served = await getItem(dav, href());
    const r = await putCalendar(dav, href(), outlookTodo({ id: ids.detailsTask! }, { status: 'IN-PROCESS', percent: 60 }, served.text), { 'If-Match': served.etag });
    expect(r.status, r.text).toBe(204);
    expect(r.headers.get('etag'), 'the rebuild differs from what is served: the client must re-read').toBeNull();
    expect(await taskRow(ids.detailsTask!)).toMatchObject({ subject: 'Kündigung bearbeiten', description: 'Frist beachten', priority: 1, status: 'in_progress', percent_complete: 60 });
  });

  it('is not refused for a DUE as a DATE on the same day and a subject re-spaced (Tasks.org, a client that trims)', async () => {
    const { r } = await putEdited(href(), (t) => {
      t.removeAllProperties('dtstart');
      const due = t.getFirstProperty('due')!;
      due.removeParameter('tzid');
      due.resetType('date');
      due.setValue(ICAL.Time.fromDateString('2026-12-11'));
      t.updatePropertyWithValue('summary', ' Kündigung  bearbeiten ');
      t.updatePropertyWithValue('percent-complete', 70);
    });
    expect(r.status, r.text).toBe(204);
    expect(await taskRow(ids.detailsTask!)).toMatchObject({ subject: 'Kündigung bearbeiten', percent_complete: 70 });
  });
});

describe("an appointment's status and its occurrences are BrokerStar's", () => {
  it('a changed STATUS is refused', async () => {
    await expectRefused(`${TERMINE}${ids.appointment}.ics`, (e) => e.updatePropertyWithValue('status', 'CANCELLED'), {
      element: 'status-in-brokerstar',
      message: 'Ob ein Termin bestätigt, vorläufig oder abgesagt ist, wird nur in BrokerStar unter Termine geändert.',
      reason: /^appointment-status: STATUS:CANCELLED instead of CONFIRMED/,
    });
  });

  it('an EXDATE deleting an occurrence is refused, and the item announced again', async () => {
    const href = `${TERMINE}${ids.series}.ics`;
    const etag = (await getItem(dav, href)).etag;
    await expectRefused(href, (e) => e.addPropertyWithValue('exdate', ICAL.Time.fromDateTimeString('2026-12-14T08:00:00Z')), {
      element: 'delete-in-brokerstar',
      message: 'Einzelne Termine einer Serie werden nur in BrokerStar unter Termine gelöscht. Der Termin wird wiederhergestellt.',
      reason: /^delete-occurrence: EXDATE 2026-12-14T08:00:00\.000Z deletes an occurrence of the series/,
    });
    expect((await getItem(dav, href)).etag, 'a new ETag: a client that deleted the occurrence restores it').not.toBe(etag);
  });

  it('the EXDATE BrokerStar serves, spelled in UTC, goes through with a new subject', async () => {
    const href = `${TERMINE}${ids.series}.ics`;
    const { r } = await putEdited(href, (e) => {
      e.removeAllProperties('exdate');
      e.addPropertyWithValue('exdate', ICAL.Time.fromDateTimeString('2026-12-21T08:00:00Z'));
      e.updatePropertyWithValue('summary', 'Teamsitzung (neu)');
    });
    expect(r.status, r.text).toBe(204);
    const { rows } = await dav.db.query('SELECT subject FROM brokerstar.appointment WHERE id = $1', [ids.series]);
    expect(rows[0]?.subject).toBe('Teamsitzung (neu)');
  });
});
