// iOS/iPadOS native accounts (Calendar, Reminders, Contacts): the reported request sequence
// (bodies in test/fixtures/requests/ios; iOS is closed source, see each fixture's provenance),
// with the decisions iOS takes on the answers replayed (docs/client-compatibility.md, iOS).
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { multistatusAs, sendAs, type Depth } from '../support/client-requests.js';
import { addAnnaAndBeat } from '../support/colleagues.js';
import { requestFixtures } from '../support/fixtures.js';
import { A, C, CR, CS, D, childNamed, childrenNamed, propHrefs, propText, type Multistatus, type ResponseEntry } from '../support/multistatus.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { utcBasic } from '../support/time.js';

/** A request body as the client sends it: the provenance comment removed, placeholders filled. */
const fixture = requestFixtures('ios');

// dataaccessd's headers as seen in published captures.
const CLIENT = {
  'User-Agent': 'iOS/18.1 (22B83) dataaccessd/1.0',
  'Content-Type': 'text/xml',
  Accept: '*/*',
  'Accept-Language': 'de-CH,de;q=0.9',
  Brief: 't',
  Prefer: 'return=minimal',
};

const DAY = 86_400_000;
const PRINCIPAL = '/dav/principals/anna.meier/';
const CAL_HOME = '/dav/calendars/anna.meier/';
const TERMINE = `${CAL_HOME}termine/`;
const AUFGABEN = `${CAL_HOME}aufgaben/`;
const SHARED = `${CAL_HOME}termine-beat.keller/`;
const BOOK_HOME = '/dav/addressbooks/anna.meier/';
const KONTAKTE = `${BOOK_HOME}kontakte/`;
const GEBURTSTAGE = `${CAL_HOME}geburtstage/`;
const OK = 'HTTP/1.1 200 OK';
const NOT_FOUND = 'HTTP/1.1 404 Not Found';

const sorted = (xs: Iterable<string>) => [...xs].sort();
const components = (e: ResponseEntry | undefined) => childrenNamed(e?.props.get(C('supported-calendar-component-set'))?.el, C('comp')).map((c) => c.attrs.name!);
const privileges = (e: ResponseEntry | undefined) => childrenNamed(e?.props.get(D('current-user-privilege-set'))?.el, D('privilege')).flatMap((p) => p.children.map((c) => c.name));

/** Every property asked for is either in the 200 propstat or in a later 404 one. */
function expectAnswered(e: ResponseEntry | undefined, ok: string[], missing: string[]) {
  expect(e?.propstatStatuses[0]).toBe(OK);
  for (const p of ok) expect(e?.props.get(p)?.status, p).toBe(OK);
  for (const p of missing) expect(e?.props.get(p)?.status, p).toBe(NOT_FOUND);
}

describe('iOS', () => {
  let dav: TestServer;
  const now = Date.now();
  const id = {} as Record<'allday' | 'company' | 'hans' | 'meeting' | 'offerte' | 'past' | 'police' | 'series', string>;

  const send = (method: string, path: string, body?: string, depth?: Depth) => sendAs(dav, CLIENT, method, path, body, depth);
  const multistatus = async (method: 'PROPFIND' | 'REPORT', path: string, body: string, depth: Depth): Promise<Multistatus> => {
    const ms = await multistatusAs(dav, CLIENT, method, path, body, depth);
    for (const h of ms.hrefs) expect(h, 'paths, the safest form for iOS').toMatch(/^\//);
    return ms;
  };

  beforeAll(async () => {
    dav = await startTestServer({
      user: 'anna.meier',
      config: { authCacheSeconds: 300 },
      seed: async (db) => {
        const b = builders(db.pool);
        const { anna, beat } = await addAnnaAndBeat(db);
        id.meeting = await b.addAppointment({
          ownerId: anna,
          subject: 'Jahresgespräch Muster AG',
          location: 'Sitzungszimmer 2',
          startsAt: new Date(now + 2 * DAY),
          participants: [{ employeeId: beat, response: 'accepted' }],
        });
        id.allday = await b.addAppointment({ ownerId: anna, subject: 'Messe', allDay: true, startsAt: new Date(now + 10 * DAY).toISOString().slice(0, 10) });
        id.series = await b.addAppointment({ ownerId: anna, subject: 'Wochenrapport', startsAt: new Date(now - 60 * DAY), recurrenceRule: 'FREQ=WEEKLY' });
        id.past = await b.addAppointment({ ownerId: anna, subject: 'Längst vorbei', startsAt: new Date(now - 90 * DAY) });
        id.offerte = await b.addTask({ assigneeId: anna, subject: 'Offerte senden', dueAt: new Date(now + DAY) });
        id.police = await b.addTask({ assigneeId: anna, subject: 'Police prüfen' });
        id.hans = await b.addContact({ firstName: 'Hans', lastName: 'Muster', emails: ['hans@muster.ch'], birthday: '1970-05-17', photo: 'jpeg' });
        id.company = await b.addContact({ companyName: 'Muster Versicherungen AG', phones: ['+41 44 222 22 22'] });
      },
    });
  });
  afterAll(() => dav?.close());

  describe('Calendar and Reminders', () => {
    const calendars = new Map<string, ResponseEntry>();

    it('probes /.well-known/caldav (followed) and "/", both yielding current-user-principal', async () => {
      const r = await send('PROPFIND', '/.well-known/caldav', fixture('current-user-principal.xml'), '0');
      expect([301, 302, 307]).toContain(r.status);
      const target = new URL(r.headers.get('location')!, `${dav.url}/.well-known/caldav`).pathname;
      for (const path of [target, '/']) {
        const ms = await multistatus('PROPFIND', path, fixture('current-user-principal.xml'), '0');
        expect(propHrefs(ms.responses.get(path), D('current-user-principal')), path).toEqual([PRINCIPAL]);
      }
    });

    it('gets DAV and Allow headers for OPTIONS on the principal (else it retries and resets)', async () => {
      const r = await send('OPTIONS', PRINCIPAL);
      expect(r.status).toBe(200);
      const dav = (r.headers.get('dav') ?? '').split(',').map((s) => s.trim());
      expect(dav).toEqual(expect.arrayContaining(['1', '3', 'access-control', 'calendar-access', 'addressbook']));
      const allow = (r.headers.get('allow') ?? '').split(',').map((s) => s.trim());
      expect(allow).toEqual(expect.arrayContaining(['OPTIONS', 'PROPFIND', 'REPORT']));
    });

    it('reads the principal: the CalDAV properties it has, and 404 (not an error) for scheduling and Apple ones', async () => {
      const ms = await multistatus('PROPFIND', PRINCIPAL, fixture('principal-caldav.xml'), '0');
      const p = ms.responses.get(PRINCIPAL);
      expectAnswered(
        p,
        [C('calendar-home-set'), C('calendar-user-address-set'), D('current-user-principal'), D('displayname'), D('principal-collection-set'), D('principal-URL'), D('supported-report-set')],
        [C('schedule-inbox-URL'), C('schedule-outbox-URL'), CS('dropbox-home-URL'), CS('notification-URL'), D('resource-id')],
      );
      expect(propHrefs(p, C('calendar-home-set'))).toEqual([CAL_HOME]);
      expect(propHrefs(p, C('calendar-user-address-set'))).toContain('mailto:anna.meier@example.ch');
      expect(propText(p, D('displayname'))).toBe('Anna Meier');
      expect(propHrefs(p, D('principal-URL'))).toEqual([PRINCIPAL]);
    });

    it('lists the calendar home (a container) with Apple’s property set; the misspelt component-sets is a 404', async () => {
      const ms = await multistatus('PROPFIND', CAL_HOME, fixture('calendar-home.xml'), '1');
      const home = ms.responses.get(CAL_HOME);
      expect(childNamed(home?.props.get(D('resourcetype'))?.el, D('collection'))).toBeDefined();
      for (const href of ms.hrefs) {
        const e = ms.responses.get(href)!;
        expect(e.propstatStatuses[0], `${href}: the 200 propstat first`).toBe(OK);
        if (!childNamed(e.props.get(D('resourcetype'))?.el, C('calendar'))) continue;
        calendars.set(href, e);
        expect(e.props.get(C('supported-calendar-component-sets'))?.status, href).toBe(NOT_FOUND);
        expect(e.props.get(CS('pushkey'))?.status, href).toBe(NOT_FOUND);
        expect(propText(e, CS('getctag')), href).toBeTruthy();
        expect(propText(e, D('sync-token')), href).toBeTruthy();
        expect(propText(e, A('calendar-color')), href).toMatch(/^#[0-9A-F]{8}$/i);
        expect(propText(e, C('calendar-description')), href).toBeTruthy();
      }
      expect(sorted(calendars.keys())).toEqual(sorted([TERMINE, AUFGABEN, SHARED, GEBURTSTAGE]));
      expect(privileges(calendars.get(TERMINE))).toContain(D('write-content'));
      expect(privileges(calendars.get(SHARED))).not.toContain(D('write-content'));
      expect(privileges(calendars.get(GEBURTSTAGE))).not.toContain(D('write-content'));
    });

    it('puts only the VTODO list into Reminders: no collection mixes VEVENT and VTODO', async () => {
      const reminders = [...calendars].filter(([, e]) => components(e).includes('VTODO')).map(([h]) => h);
      const calendarApp = [...calendars].filter(([, e]) => components(e).includes('VEVENT')).map(([h]) => h);
      expect(reminders).toEqual([AUFGABEN]);
      expect(sorted(calendarApp)).toEqual(sorted([TERMINE, SHARED, GEBURTSTAGE]));
      for (const [href, e] of calendars) expect(components(e), href).toHaveLength(1);
    });

    it('checks each calendar with getctag and sync-token', async () => {
      for (const c of calendars.keys()) {
        const ms = await multistatus('PROPFIND', c, fixture('ctag.xml'), '0');
        const e = ms.responses.get(c);
        expectAnswered(e, [CS('getctag'), D('sync-token')], []);
        expect(propText(e, CS('getctag'))).toBe(propText(calendars.get(c), CS('getctag')));
      }
    });

    it('lists events with an open-ended time-range and downloads them with calendar-multiget', async () => {
      const ms = await multistatus('REPORT', TERMINE, fixture('calendar-query-events.xml', { START: utcBasic(now - 30 * DAY) }), '1');
      const expected = [id.meeting, id.allday, id.series].map((i) => `${TERMINE}${i}.ics`);
      expect(sorted(ms.hrefs)).toEqual(sorted(expected));
      for (const h of ms.hrefs) {
        expect(propText(ms.responses.get(h), D('getetag')), h).toMatch(/^"/);
        expect(ms.responses.get(h)?.props.get(D('resourcetype'))?.el.children ?? [], h).toEqual([]);
      }
      const got = await multistatus('REPORT', TERMINE, fixture('calendar-multiget.xml', { HREFS: ms.hrefs.map((h) => `<x1:href>${h}</x1:href>`).join('\n    ') }), '1');
      const vcal = (i: string) => new ICAL.Component(ICAL.parse(propText(got.responses.get(`${TERMINE}${i}.ics`), C('calendar-data'))!));
      const meeting = vcal(id.meeting);
      const vevent = meeting.getFirstSubcomponent('vevent')!;
      expect(vevent.getFirstPropertyValue('summary')).toBe('Jahresgespräch Muster AG');
      expect(vevent.getFirstPropertyValue('location')).toBe('Sitzungszimmer 2');
      // Attendees shown, but iOS must not mail them: the server does no scheduling.
      expect(vevent.getFirstProperty('organizer')?.getParameter('schedule-agent')).toBe('CLIENT');
      const attendee = vevent.getFirstProperty('attendee')!;
      expect(attendee.getFirstValue()).toBe('mailto:beat.keller@example.ch');
      expect(attendee.getParameter('partstat')).toBe('ACCEPTED');
      expect(attendee.getParameter('schedule-agent')).toBe('CLIENT');
      const tzid = vevent.getFirstProperty('dtstart')?.getParameter('tzid');
      expect(meeting.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid'))).toContain(tzid);
      const allday = vcal(id.allday).getFirstSubcomponent('vevent')!;
      expect((allday.getFirstPropertyValue('dtstart') as ICAL.Time).isDate).toBe(true);
    });

    it('lists the Reminders tasks with a VTODO query, and finds none in the events calendar', async () => {
      const tasks = await multistatus('REPORT', AUFGABEN, fixture('calendar-query-tasks.xml'), '1');
      expect(sorted(tasks.hrefs)).toEqual(sorted([id.offerte, id.police].map((i) => `${AUFGABEN}${i}.ics`)));
      const none = await multistatus('REPORT', TERMINE, fixture('calendar-query-tasks.xml'), '1');
      expect(none.hrefs).toEqual([]);
      const got = await multistatus('REPORT', AUFGABEN, fixture('calendar-multiget.xml', { HREFS: tasks.hrefs.map((h) => `<x1:href>${h}</x1:href>`).join('\n    ') }), '1');
      const offerte = new ICAL.Component(ICAL.parse(propText(got.responses.get(`${AUFGABEN}${id.offerte}.ics`), C('calendar-data'))!)).getFirstSubcomponent('vtodo')!;
      expect(offerte.getFirstPropertyValue('summary')).toBe('Offerte senden');
      expect(offerte.hasProperty('due')).toBe(true);
    });
  });

  describe('Contacts', () => {
    let token = '';

    it('finds the address-book home through /.well-known/carddav and the principal (404 for what it lacks)', async () => {
      const r = await send('PROPFIND', '/.well-known/carddav', fixture('current-user-principal.xml'), '0');
      expect([301, 302, 307]).toContain(r.status);
      const target = new URL(r.headers.get('location')!, `${dav.url}/.well-known/carddav`).pathname;
      const ms = await multistatus('PROPFIND', target, fixture('current-user-principal.xml'), '0');
      expect(propHrefs(ms.responses.get(target), D('current-user-principal'))).toEqual([PRINCIPAL]);
      const p = await multistatus('PROPFIND', PRINCIPAL, fixture('principal-carddav.xml'), '0');
      const e = p.responses.get(PRINCIPAL);
      expectAnswered(e, [CR('addressbook-home-set'), D('displayname'), D('principal-collection-set'), D('principal-URL'), D('supported-report-set')], [CR('directory-gateway'), D('resource-id')]);
      expect(propHrefs(e, CR('addressbook-home-set'))).toEqual([BOOK_HOME]);
    });

    it('lists the address-book home; Kontakte is read-only with image and resource limits', async () => {
      const ms = await multistatus('PROPFIND', BOOK_HOME, fixture('addressbook-home.xml'), '1');
      const books = ms.hrefs.filter((h) => childNamed(ms.responses.get(h)?.props.get(D('resourcetype'))?.el, CR('addressbook')));
      // iOS syncs every address book in the home into one list: "Meine Kunden" would double every
      // customer there, so Apple is offered Kontakte alone (which holds his own customers first).
      expect(books).toEqual([KONTAKTE]);
      const e = ms.responses.get(KONTAKTE)!;
      expect(e.propstatStatuses[0]).toBe(OK);
      expect(propText(e, D('displayname'))).toBe('Kontakte');
      expect(Number(propText(e, CR('max-image-size')))).toBeGreaterThan(0);
      expect(Number(propText(e, CR('max-resource-size')))).toBeGreaterThan(0);
      expect(propText(e, D('sync-token'))).toBeTruthy();
      for (const p of [CS('me-card'), CS('pushkey'), CS('push-transports')]) expect(e.props.get(p)?.status, p).toBe(NOT_FOUND);
      expect(privileges(e)).toContain(D('read'));
      expect(privileges(e)).not.toContain(D('write-content'));
      expect(privileges(e)).not.toContain(D('bind'));
    });

    it('checks getctag and sync-token, lists with sync-collection and downloads with addressbook-multiget', async () => {
      const check = await multistatus('PROPFIND', KONTAKTE, fixture('ctag.xml'), '0');
      expectAnswered(check.responses.get(KONTAKTE), [CS('getctag'), D('sync-token')], []);
      const ms = await multistatus('REPORT', KONTAKTE, fixture('sync-collection.xml', { SYNC_TOKEN: '<A:sync-token/>' }), '0');
      const expected = [id.hans, id.company].map((i) => `${KONTAKTE}${i}.vcf`);
      expect(sorted(ms.hrefs)).toEqual(sorted(expected));
      token = ms.syncToken!;
      expect(token).toBe(propText(check.responses.get(KONTAKTE), D('sync-token')));
      const got = await multistatus('REPORT', KONTAKTE, fixture('addressbook-multiget.xml', { HREFS: expected.map((h) => `<A:href xmlns:A="DAV:">${h}</A:href>`).join('\n  ') }), '0');
      const card = (i: string) => new ICAL.Component(ICAL.parse(propText(got.responses.get(`${KONTAKTE}${i}.vcf`), CR('address-data'))!));
      const hans = card(id.hans);
      expect(hans.getFirstPropertyValue('version')).toBe('3.0'); // sabre dropped 4.0 for iOS
      expect(hans.getFirstPropertyValue('fn')).toBe('Hans Muster');
      expect(String(hans.getFirstProperty('photo')?.getParameter('encoding')).toLowerCase()).toBe('b');
      const company = card(id.company);
      expect(company.getFirstPropertyValue('x-abshowas')).toBe('COMPANY');
      expect(company.getFirstPropertyValue('org')).toBeTruthy();
      expect(company.getFirstPropertyValue('fn')).toBe('Muster Versicherungen AG');
    });

    it('gets nothing new on the next poll', async () => {
      const ms = await multistatus('REPORT', KONTAKTE, fixture('sync-collection.xml', { SYNC_TOKEN: `<A:sync-token>${token}</A:sync-token>` }), '0');
      expect(ms.hrefs).toEqual([]);
      expect(ms.syncToken).toBe(token);
    });
  });
});
