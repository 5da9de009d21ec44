// BrokerStar's data is free text in places: one appointment with a recurrence rule nobody can read
// must not stop the change pump, and with it every user's sync (issue 4: a write is visible to the
// next request). Such an appointment is served as a single one; the rest goes on as usual.
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnnaServer } from '../support/anna.js';
import { builders } from '../support/builders.js';
import { eventsInRange } from '../support/calendar-query.js';
import { davError } from '../support/dav-error.js';
import { putCalendar } from '../support/items.js';
import { AUFGABEN, KONTAKTE, TERMINE } from '../support/collections.js';
import type { TestServer } from '../support/server.js';
import { LISTING } from '../support/sync-requests.js';

const DAY = 86_400_000;
const SOON = Math.floor(Date.now() / DAY) * DAY + 2 * DAY + 8 * 3_600_000;

describe('unreadable BrokerStar data', () => {
  let dav: TestServer;
  let anna: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    dav = await startAnnaServer(async ({ b, anna: annaId }) => {
      anna = annaId;
      await b.addContact({ lastName: 'Frei' });
      await b.addTask({ assigneeId: anna, subject: 'Offerte' });
      ids.good = await b.addAppointment({ ownerId: anna, startsAt: new Date(SOON), subject: 'Beratung' });
    });
    // Written after the server rendered everything: the next pump pass meets them.
    const b = builders(dav.db.pool);
    ids.typo = await b.addAppointment({ ownerId: anna, startsAt: new Date(SOON), subject: 'Tippfehler', recurrenceRule: 'FREQ=WEEKLY;BYDAY=XX' });
    ids.prefixed = await b.addAppointment({ ownerId: anna, startsAt: new Date(SOON), subject: 'Präfix', recurrenceRule: 'RRULE:FREQ=DAILY;COUNT=3' });
    ids.garbage = await b.addAppointment({ ownerId: anna, startsAt: new Date(SOON), subject: 'Unsinn', recurrenceRule: 'jeden Montag' });
  });
  afterAll(() => dav?.close());

  it('does not stop any collection from answering', async () => {
    for (const path of [KONTAKTE('anna.meier'), TERMINE('anna.meier'), AUFGABEN('anna.meier')]) {
      const r = await dav.propfind(path, LISTING, '1');
      expect(r.status, path).toBe(207);
    }
  });

  it('serves an unreadable rule as a single appointment, and a prefixed one without its prefix', async () => {
    const vevents = async (id: string) => {
      const r = await dav.request('GET', `${TERMINE('anna.meier')}${id}.ics`);
      expect(r.status).toBe(200);
      return new ICAL.Component(ICAL.parse(r.text)).getAllSubcomponents('vevent');
    };
    for (const id of [ids.typo!, ids.garbage!]) {
      const [event, ...more] = await vevents(id);
      expect(more).toHaveLength(0);
      expect(event!.getFirstPropertyValue('rrule')).toBeNull();
    }
    const [series] = await vevents(ids.prefixed!);
    expect(String(series!.getFirstPropertyValue('rrule'))).toBe('FREQ=DAILY;COUNT=3');
  });

  it('answers time ranges over them, the series with all its instances', async () => {
    const day = (n: number) => eventsInRange(SOON + n * DAY - 3_600_000, SOON + n * DAY + 3_600_000);
    const first = await dav.report(TERMINE('anna.meier'), day(0), { depth: '1' });
    expect(first.status).toBe(207);
    expect(first.ms.hrefs.map((h) => h.split('/').at(-1)).sort()).toEqual(
      [ids.good, ids.typo, ids.prefixed, ids.garbage].map((id) => `${id}.ics`).sort(),
    );
    const third = await dav.report(TERMINE('anna.meier'), day(2), { depth: '1' });
    expect(third.ms.hrefs.map((h) => h.split('/').at(-1))).toEqual([`${ids.prefixed}.ics`]);
  });

  it('keeps later BrokerStar writes flowing', async () => {
    await dav.db.query(`UPDATE brokerstar.appointment SET subject = 'Beratung neu' WHERE id = $1`, [ids.good]);
    const r = await dav.request('GET', `${TERMINE('anna.meier')}${ids.good}.ics`);
    expect(r.text).toContain('SUMMARY:Beratung neu');
  });
});

describe('edits of an appointment whose rule is unreadable', () => {
  let dav: TestServer;
  let id: string;
  beforeAll(async () => {
    dav = await startAnnaServer(async ({ b, anna }) => {
      id = await b.addAppointment({ ownerId: anna, startsAt: new Date(SOON), subject: 'Jour fixe', recurrenceRule: 'jeden Montag' });
    });
  });
  afterAll(() => dav?.close());

  const edit = async (change: (event: ICAL.Component) => void) => {
    const href = `${TERMINE('anna.meier')}${id}.ics`;
    const served = await dav.request('GET', href);
    const cal = new ICAL.Component(ICAL.parse(served.text));
    change(cal.getFirstSubcomponent('vevent')!);
    return putCalendar(dav, href, cal.toString(), { 'If-Match': served.headers.get('etag')! });
  };

  it('changes its subject, but refuses to move it: BrokerStar still holds a series there', async () => {
    const retitled = await edit((e) => e.updatePropertyWithValue('summary', 'Jour fixe (Raum 2)'));
    expect(retitled.status).toBe(204);
    const moved = await edit((e) => {
      const start = e.getFirstPropertyValue('dtstart') as ICAL.Time;
      start.adjust(0, 1, 0, 0);
      e.updatePropertyWithValue('dtstart', start);
      const end = e.getFirstPropertyValue('dtend') as ICAL.Time;
      end.adjust(0, 1, 0, 0);
      e.updatePropertyWithValue('dtend', end);
    });
    expect(moved.status).toBe(403);
    expect((await davError(moved)).names).toContain('{DAV:}need-privileges');
    const { rows } = await dav.db.query(`SELECT subject, starts_at, recurrence_rule FROM brokerstar.appointment WHERE id = $1`, [id]);
    expect(rows[0]).toEqual({ subject: 'Jour fixe (Raum 2)', starts_at: new Date(SOON), recurrence_rule: 'jeden Montag' });
  });
});
