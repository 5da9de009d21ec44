// The birthdays calendar (issue 16): a read-only calendar per employee with a yearly all-day event
// per visible contact with a birthday. Visibility as the address book (restricted, archived,
// deleted), BIRTHDAY_CALENDAR=all|mine|off, years unknown or before 1900, 29 February, ETags that
// move only with the event, removals in sync-collection, time-range queries, refused writes.
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { eventsInRange } from '../support/calendar-query.js';
import { davError } from '../support/dav-error.js';
import { C, childNamed, childrenNamed, D, parseMultistatus, propText, type ResponseEntry } from '../support/multistatus.js';
import { startSecondServer } from '../support/second-server.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { SYNC } from '../support/sync-requests.js';

const ANNA = 'anna.meier';
const BRUNO = 'bruno.keller';
const DENISE = 'denise.dubois';
const GEBURTSTAGE = (user: string) => `/dav/calendars/${user}/geburtstage/`;
const HOME = (user: string) => `/dav/calendars/${user}/`;

const PROPS = `<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:displayname/><d:resourcetype/>
<c:supported-calendar-component-set/><d:current-user-privilege-set/><d:getetag/></d:prop></d:propfind>`;
const SYNC_DATA = (token: string) => `<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level>
<d:prop><d:getetag/><c:calendar-data/></d:prop></d:sync-collection>`;

interface Ids {
  anna: string;
  bruno: string;
  plain: string;
  oldYear: string;
  appleYear: string;
  leapDay: string;
  noBirthday: string;
  onlyBruno: string;
  restrictedAnnaAdvises: string;
  archived: string;
  deleted: string;
  annaAdvises: string;
}

const parse = (text: string) => new ICAL.Component(ICAL.parse(text) as unknown[]);
const vevent = (text: string) => parse(text).getFirstSubcomponent('vevent')!;
const memberHrefs = (hrefs: string[], collection: string) => hrefs.filter((h) => h !== collection).sort();
const item = (user: string, id: string) => `${GEBURTSTAGE(user)}${id}.ics`;

/** Local names of the privileges in a current-user-privilege-set. */
function privileges(entry: ResponseEntry | undefined): string[] {
  const p = entry?.props.get(D('current-user-privilege-set'));
  return childrenNamed(p?.el, D('privilege'))
    .flatMap((priv) => priv.children.map((c) => c.name))
    .sort();
}

/** The days (YYYY-MM-DD) on which the event occurs in [from, until). */
function occurrenceDays(text: string, from: string, until: string): string[] {
  const ev = new ICAL.Event(vevent(text));
  const it = ev.iterator();
  const days: string[] = [];
  for (let next = it.next(); next && days.length < 200; next = it.next()) {
    const day = next.toString().slice(0, 10);
    if (day >= until) break;
    if (day >= from) days.push(day);
  }
  return days;
}

async function seed(db: { pool: import('pg').Pool }, out: { ids?: Ids }) {
  const b = builders(db.pool);
  const anna = await b.addEmployee({ username: ANNA });
  const bruno = await b.addEmployee({ username: BRUNO });
  await b.addEmployee({ username: DENISE, language: 'fr' });
  out.ids = {
    anna,
    bruno,
    plain: await b.addContact({ firstName: 'Eva', lastName: 'Muster', birthday: '1975-03-14', advisorId: bruno }),
    oldYear: await b.addContact({ firstName: 'Otto', lastName: 'Alt', birthday: '1850-07-01' }),
    appleYear: await b.addContact({ firstName: 'Ohne', lastName: 'Jahr', birthday: '1604-12-24', advisorId: anna }),
    leapDay: await b.addContact({ firstName: 'Lea', lastName: 'Schalttag', birthday: '1988-02-29', favoriteOf: [anna] }),
    noBirthday: await b.addContact({ firstName: 'Kein', lastName: 'Geburtstag' }),
    onlyBruno: await b.addContact({ firstName: 'Nur', lastName: 'Bruno', birthday: '1980-05-05', restrictedTo: [bruno] }),
    restrictedAnnaAdvises: await b.addContact({ firstName: 'Annas', lastName: 'Geheimkunde', birthday: '1970-01-10', advisorId: anna, restrictedTo: [bruno] }),
    archived: await b.addContact({ firstName: 'Alt', lastName: 'Archiv', birthday: '1960-06-06', archived: true }),
    deleted: await b.addContact({ firstName: 'Weg', lastName: 'Geloescht', birthday: '1961-06-07', deletedAt: '2026-01-01T00:00:00Z' }),
    annaAdvises: await b.addContact({ firstName: 'Ida', lastName: 'Kundin', birthday: '1990-10-20', advisorId: anna }),
  };
}

describe('the birthdays calendar', () => {
  let dav: TestServer;
  const holder: { ids?: Ids } = {};
  const ids = () => holder.ids!;

  beforeAll(async () => {
    dav = await startTestServer({ user: ANNA, seed: (db) => seed(db, holder) });
  });
  afterAll(() => dav?.close());

  it('is listed in the calendar home, named in the employee language, VEVENT only, read-only', async () => {
    const r = await dav.propfind(HOME(ANNA), PROPS, '1');
    expect(r.status).toBe(207);
    const entry = r.ms.responses.get(GEBURTSTAGE(ANNA));
    expect(propText(entry, D('displayname'))).toBe('Geburtstage');
    const comps = childrenNamed(entry?.props.get(C('supported-calendar-component-set'))?.el, C('comp')).map((c) => c.attrs.name);
    expect(comps).toEqual(['VEVENT']);
    expect(childNamed(entry?.props.get(D('resourcetype'))?.el, C('calendar'))).toBeDefined();
    // Read-only: no privilege that writes items (its colour and order are display settings).
    expect(privileges(entry)).toContain(D('read'));
    for (const no of ['write-content', 'write', 'bind', 'unbind', 'all']) expect(privileges(entry), no).not.toContain(D(no));
    const fr = await dav.propfind(HOME(DENISE), PROPS, '1', { user: DENISE });
    expect(propText(fr.ms.responses.get(GEBURTSTAGE(DENISE)), D('displayname'))).toBe('Anniversaires');
    // Not an address book.
    const books = await dav.propfind(`/dav/addressbooks/${ANNA}/`, PROPS, '1');
    expect(books.ms.hrefs.some((h) => h.includes('geburtstage'))).toBe(false);
    expect((await dav.propfind(`/dav/addressbooks/${ANNA}/geburtstage/`, PROPS, '0')).status).toBe(404);
  });

  it('holds every visible contact with a birthday: restricted only for the listed and the advisor, archived and deleted never', async () => {
    const anna = await dav.propfind(GEBURTSTAGE(ANNA), PROPS, '1');
    expect(memberHrefs(anna.ms.hrefs, GEBURTSTAGE(ANNA))).toEqual(
      [ids().plain, ids().oldYear, ids().appleYear, ids().leapDay, ids().restrictedAnnaAdvises, ids().annaAdvises].map((id) => item(ANNA, id)).sort(),
    );
    const bruno = await dav.propfind(GEBURTSTAGE(BRUNO), PROPS, '1', { user: BRUNO });
    expect(memberHrefs(bruno.ms.hrefs, GEBURTSTAGE(BRUNO))).toEqual(
      [ids().plain, ids().oldYear, ids().appleYear, ids().leapDay, ids().onlyBruno, ids().restrictedAnnaAdvises, ids().annaAdvises]
        .map((id) => item(BRUNO, id))
        .sort(),
    );
    for (const hidden of [ids().onlyBruno, ids().archived, ids().deleted, ids().noBirthday]) {
      expect((await dav.request('GET', item(ANNA, hidden))).status, hidden).toBe(404);
    }
  });

  it('serves a yearly all-day event: the birth year in the summary, transparent, its own UID', async () => {
    const r = await dav.request('GET', item(ANNA, ids().plain));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('component=VEVENT');
    const ev = vevent(r.text);
    expect(ev.getFirstPropertyValue('summary')).toBe('Eva Muster (1975)');
    expect(r.text).toContain('DTSTART;VALUE=DATE:19750314\r\n');
    expect(r.text).toContain('DTEND;VALUE=DATE:19750315\r\n');
    expect(r.text).toContain('RRULE:FREQ=YEARLY\r\n');
    expect(ev.getFirstPropertyValue('transp')).toBe('TRANSPARENT');
    expect(ev.getFirstPropertyValue('uid')).toBe(`brokerstar-birthday-${ids().plain}`);
    expect(occurrenceDays(r.text, '2026-01-01', '2029-01-01')).toEqual(['2026-03-14', '2027-03-14', '2028-03-14']);
  });

  it('GET of the whole calendar is one iCalendar file with every birthday', async () => {
    const r = await dav.request('GET', GEBURTSTAGE(ANNA));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/calendar/);
    const uids = parse(r.text).getAllSubcomponents('vevent').map((e) => String(e.getFirstPropertyValue('uid')));
    expect(uids).toEqual(expect.arrayContaining([ids().plain, ids().leapDay, ids().annaAdvises].map((id) => `brokerstar-birthday-${id}`)));
    expect(uids).not.toContain(`brokerstar-birthday-${ids().onlyBruno}`);
  });

  it('shows no year where it is before 1900 (unknown), and starts such a series in 1972', async () => {
    for (const [id, name, start] of [
      [ids().oldYear, 'Otto Alt', '19720701'],
      [ids().appleYear, 'Ohne Jahr', '19721224'],
    ] as const) {
      const r = await dav.request('GET', item(ANNA, id));
      expect(vevent(r.text).getFirstPropertyValue('summary'), id).toBe(name);
      expect(r.text).toContain(`DTSTART;VALUE=DATE:${start}\r\n`);
      expect(r.text).not.toMatch(/1850|1604/);
    }
  });

  it('29 February falls on 28 February in other years and on 29 February in leap years', async () => {
    const r = await dav.request('GET', item(ANNA, ids().leapDay));
    expect(vevent(r.text).getFirstPropertyValue('summary')).toBe('Lea Schalttag (1988)');
    expect(r.text).toContain('RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1\r\n');
    expect(occurrenceDays(r.text, '2026-01-01', '2029-01-01')).toEqual(['2026-02-28', '2027-02-28', '2028-02-29']);
    // calendar-query answers by the instances: 28 February 2027 is in, 1 March 2027 is not.
    const in2027 = await dav.report(GEBURTSTAGE(ANNA), eventsInRange('20270228T000000Z', '20270301T000000Z'), { depth: '1' });
    expect(in2027.ms.hrefs).toContain(item(ANNA, ids().leapDay));
    const march = await dav.report(GEBURTSTAGE(ANNA), eventsInRange('20270301T000000Z', '20270310T000000Z'), { depth: '1' });
    expect(march.ms.hrefs).not.toContain(item(ANNA, ids().leapDay));
  });

  it('time-range calendar-query finds the instances in the range and nothing else', async () => {
    const r = await dav.report(GEBURTSTAGE(ANNA), eventsInRange('20280310T000000Z', '20280320T000000Z'), { depth: '1' });
    expect(r.status).toBe(207);
    expect(memberHrefs(r.ms.hrefs, GEBURTSTAGE(ANNA))).toEqual([item(ANNA, ids().plain)]);
    const december = await dav.report(GEBURTSTAGE(ANNA), eventsInRange('20301201T000000Z', '20310101T000000Z'), { depth: '1' });
    expect(memberHrefs(december.ms.hrefs, GEBURTSTAGE(ANNA))).toEqual([item(ANNA, ids().appleYear)]);
    // Before the contact was born, no birthday.
    const before = await dav.report(GEBURTSTAGE(ANNA), eventsInRange('19740101T000000Z', '19750101T000000Z'), { depth: '1' });
    expect(before.ms.hrefs).not.toContain(item(ANNA, ids().plain));
  });

  it('keeps its ETag when the contact changes elsewhere, moves it when name or birthday change', async () => {
    const etag = async () => (await dav.request('GET', item(ANNA, ids().annaAdvises))).headers.get('etag');
    const before = await etag();
    await dav.db.pool.query(`UPDATE brokerstar.contact SET notes = 'neue Notiz', job_title = 'Leiterin', updated_at = now() WHERE id = $1`, [ids().annaAdvises]);
    await builders(dav.db.pool).addContact({ firstName: 'Neu', lastName: 'Ohne' });
    expect(await etag()).toBe(before);
    await dav.db.pool.query(`UPDATE brokerstar.contact SET last_name = 'Kundin-Meier' WHERE id = $1`, [ids().annaAdvises]);
    const renamed = await etag();
    expect(renamed).not.toBe(before);
    const r = await dav.request('GET', item(ANNA, ids().annaAdvises));
    expect(vevent(r.text).getFirstPropertyValue('summary')).toBe('Ida Kundin-Meier (1990)');
  });

  it('a contact losing its birthday, archived or restricted away leaves as a removal in sync-collection', async () => {
    const b = builders(dav.db.pool);
    const extra = await b.addContact({ firstName: 'Kurz', lastName: 'Da', birthday: '2001-09-09' });
    const hidden = await b.addContact({ firstName: 'Bald', lastName: 'Geheim', birthday: '2002-08-08' });
    const archived = await b.addContact({ firstName: 'Bald', lastName: 'Archiviert', birthday: '2003-07-07' });
    const initial = await dav.report(GEBURTSTAGE(ANNA), SYNC_DATA(''));
    expect(initial.ms.hrefs).toEqual(expect.arrayContaining([extra, hidden, archived].map((id) => item(ANNA, id))));
    await dav.db.pool.query('UPDATE brokerstar.contact SET birthday = NULL WHERE id = $1', [extra]);
    await dav.db.pool.query('INSERT INTO brokerstar.contact_restriction (contact_id, employee_id) VALUES ($1, $2)', [hidden, ids().bruno]);
    await dav.db.pool.query('UPDATE brokerstar.contact SET is_archived = true WHERE id = $1', [archived]);
    const next = await dav.report(GEBURTSTAGE(ANNA), SYNC_DATA(initial.ms.syncToken!));
    expect(next.status).toBe(207);
    expect([...next.ms.hrefs].sort()).toEqual([extra, hidden, archived].map((id) => item(ANNA, id)).sort());
    for (const h of next.ms.hrefs) expect(next.ms.responses.get(h)?.status, h).toBe('HTTP/1.1 404 Not Found');
    // A birthday set anew comes back as an addition.
    await dav.db.pool.query(`UPDATE brokerstar.contact SET birthday = '2001-09-10' WHERE id = $1`, [extra]);
    const back = await dav.report(GEBURTSTAGE(ANNA), SYNC_DATA(next.ms.syncToken!));
    expect(back.ms.hrefs).toEqual([item(ANNA, extra)]);
    expect(propText(back.ms.responses.get(item(ANNA, extra)), C('calendar-data'))).toContain('DTSTART;VALUE=DATE:20010910');
  });

  describe('refuses every write', () => {
    const event = (uid: string) =>
      `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20260314\r\nSUMMARY:Fest\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;

    it('PUT on an event, PUT of a new one, DELETE, MKCALENDAR: 403 with a DAV:error, nothing changes', async () => {
      const href = item(ANNA, ids().plain);
      const before = await dav.request('GET', href);
      const tries = [
        await dav.request('PUT', href, { body: event(`brokerstar-birthday-${ids().plain}`), headers: { 'Content-Type': 'text/calendar', 'If-Match': before.headers.get('etag')! } }),
        await dav.request('PUT', `${GEBURTSTAGE(ANNA)}neu.ics`, { body: event('neu-1'), headers: { 'Content-Type': 'text/calendar' } }),
        await dav.request('DELETE', href),
        await dav.request('DELETE', GEBURTSTAGE(ANNA)),
        await dav.request('MKCALENDAR', `/dav/calendars/${ANNA}/geburtstage-2/`),
      ];
      for (const r of tries) {
        expect(r.status, r.text).toBeGreaterThanOrEqual(400);
        expect(r.status, r.text).toBeLessThan(500);
        await davError(r);
      }
      expect(tries.slice(0, 4).map((r) => r.status)).toEqual([403, 403, 403, 403]);
      expect(tries[0]!.text).toContain('Geburtsdatum');
      // The event is re-announced (new stamps, so a client that deleted it gets it back), its content unchanged.
      const content = (text: string) => text.replace(/^(DTSTAMP|LAST-MODIFIED|SEQUENCE):.*\r\n/gm, '');
      const after = await dav.request('GET', href);
      expect(after.status).toBe(200);
      expect(content(after.text)).toBe(content(before.text));
      expect((await dav.request('GET', `${GEBURTSTAGE(ANNA)}neu.ics`)).status).toBe(404);
      const { rows } = await dav.db.pool.query('SELECT birthday::text AS birthday FROM brokerstar.contact WHERE id = $1', [ids().plain]);
      expect(rows[0].birthday).toBe('1975-03-14');
    });
  });

  describe('BIRTHDAY_CALENDAR', () => {
    it('mine: only the contacts the employee advises; switching from all removes the others through sync', async () => {
      const all = await dav.report(GEBURTSTAGE(ANNA), SYNC(''));
      const mine = await startSecondServer(dav, { config: { birthdayCalendar: 'mine' } });
      try {
        const auth = await mine.authorization(ANNA);
        const xml = { Authorization: auth, 'Content-Type': 'application/xml' };
        const listing = await fetch(`${mine.url}${GEBURTSTAGE(ANNA)}`, { method: 'PROPFIND', headers: { ...xml, Depth: '1' }, body: PROPS });
        expect(listing.status).toBe(207);
        const hrefs = (await parseMultistatus(await listing.text())).hrefs;
        expect(memberHrefs(hrefs, GEBURTSTAGE(ANNA))).toEqual(
          [ids().appleYear, ids().restrictedAnnaAdvises, ids().annaAdvises].map((id) => item(ANNA, id)).sort(),
        );
        const sync = await fetch(`${mine.url}${GEBURTSTAGE(ANNA)}`, {
          method: 'REPORT',
          headers: xml,
          body: SYNC(all.ms.syncToken!),
        });
        const changes = await parseMultistatus(await sync.text());
        const removed = changes.hrefs.filter((h) => changes.responses.get(h)?.status === 'HTTP/1.1 404 Not Found');
        const notAdvised = memberHrefs(all.ms.hrefs, GEBURTSTAGE(ANNA)).filter((h) => !hrefs.includes(h));
        expect(notAdvised).toEqual(expect.arrayContaining([ids().plain, ids().oldYear, ids().leapDay].map((id) => item(ANNA, id))));
        expect(removed.sort()).toEqual(notAdvised);
      } finally {
        await mine.close();
      }
    });

    it('off: no birthdays calendar at all (not listed, 404)', async () => {
      const off = await startSecondServer(dav, { config: { birthdayCalendar: 'off' } });
      try {
        const auth = await off.authorization(ANNA);
        const xml = { Authorization: auth, 'Content-Type': 'application/xml' };
        const home = await fetch(`${off.url}${HOME(ANNA)}`, { method: 'PROPFIND', headers: { ...xml, Depth: '1' }, body: PROPS });
        expect(home.status).toBe(207);
        const text = await home.text();
        expect(text).not.toContain('geburtstage');
        expect(text).toContain('/termine/');
        const direct = await fetch(`${off.url}${GEBURTSTAGE(ANNA)}`, { method: 'PROPFIND', headers: { ...xml, Depth: '0' }, body: PROPS });
        expect(direct.status).toBe(404);
        await direct.text();
      } finally {
        await off.close();
      }
    });
  });
});
