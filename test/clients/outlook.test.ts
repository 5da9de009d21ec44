// Outlook with CalDav Synchronizer: its real request sequence (bodies in
// test/fixtures/requests/outlook, read from aluxnimm/outlookcaldavsynchronizer), from
// auto-discovery at "/" to the first full download of appointments, tasks and contacts, with the
// client's own decisions replayed on the parsed answers (docs/client-compatibility.md, Outlook).
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
const fixture = requestFixtures('outlook');

// Scheduling/SynchronizerFactory.cs: User-Agent "CalDavSynchronizer/Major.Minor" (GetProductAndVersion) and
// Basic credentials set as a default header on every request.
const CLIENT = { 'User-Agent': 'CalDavSynchronizer/4.4', 'Content-Type': 'application/xml; charset=utf-8' };

const DAY = 86_400_000;
const PRINCIPAL = '/dav/principals/anna.meier/';
const BEAT_PRINCIPAL = '/dav/principals/beat.keller/';
const HOME = '/dav/calendars/anna.meier/';
const TERMINE = `${HOME}termine/`;
const AUFGABEN = `${HOME}aufgaben/`;
const SHARED = `${HOME}termine-beat.keller/`;
const BOOK_HOME = '/dav/addressbooks/anna.meier/';
const KONTAKTE = `${BOOK_HOME}kontakte/`;
const MEINE_KUNDEN = `${BOOK_HOME}meine-kunden/`;
const GEBURTSTAGE = `${HOME}geburtstage/`;

const chunks = <T>(xs: readonly T[], n: number) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));
const sorted = (xs: Iterable<string>) => [...xs].sort();
/** Outlook's own test for "this response is the collection itself" (UriHelper.DecodeUrlString). */
const isSelf = (collection: string, href: string) => decodeURIComponent(href) === collection;

describe('Outlook (CalDav Synchronizer)', () => {
  let dav: TestServer;
  const now = Date.now();
  const rangeStart = new Date(Math.floor(now / DAY) * DAY - 60 * DAY);
  const rangeEnd = new Date(Math.floor(now / DAY) * DAY + 365 * DAY);
  const id = {} as Record<'beatMeeting' | 'beatPrivate' | 'far' | 'old' | 'photo' | 'series', string>;
  const inRange: { id: string; subject: string }[] = [];
  const taskIds: string[] = [];
  const contacts: { id: string; fn: string }[] = [];

  const send = (method: string, path: string, body?: string, depth?: Depth) => sendAs(dav, CLIENT, method, path, body, depth);
  const multistatus = async (method: string, path: string, body: string, depth: Depth): Promise<Multistatus> => {
    const ms = await multistatusAs(dav, CLIENT, method, path, body, depth);
    // Outlook builds URLs as scheme://authority + href: every href must be an absolute path.
    for (const h of ms.hrefs) expect(h, 'href is an absolute path').toMatch(/^\/dav\//);
    return ms;
  };

  beforeAll(async () => {
    dav = await startTestServer({
      user: 'anna.meier',
      config: { authCacheSeconds: 300 },
      seed: async (db) => {
        const b = builders(db.pool);
        const { anna, beat } = await addAnnaAndBeat(db);
        // 105 appointments inside Outlook's window (with the series: two multiget chunks, 100 + 6).
        const rows = await db.query<{ id: string; subject: string }>(
          `INSERT INTO brokerstar.appointment (subject, location, owner_id, starts_at, ends_at)
           SELECT 'Beratung ' || g, 'Büro ' || g, $1, $2::timestamptz + g * interval '2 days', $2::timestamptz + g * interval '2 days' + interval '1 hour'
           FROM generate_series(1, 105) g RETURNING id::text, subject`,
          [anna, new Date(now - 50 * DAY)],
        );
        inRange.push(...rows.rows);
        id.old = await b.addAppointment({ ownerId: anna, subject: 'Vor zwei Jahren', startsAt: new Date(now - 730 * DAY) });
        id.far = await b.addAppointment({ ownerId: anna, subject: 'In zwei Jahren', startsAt: new Date(now + 730 * DAY) });
        // A weekly series that began a year ago and never ends: in range through its occurrences.
        id.series = await b.addAppointment({ ownerId: anna, subject: 'Wochenrapport', startsAt: new Date(now - 365 * DAY), recurrenceRule: 'FREQ=WEEKLY' });
        inRange.push({ id: id.series, subject: 'Wochenrapport' });
        id.beatMeeting = await b.addAppointment({ ownerId: beat, subject: 'Beat Kundenbesuch', location: 'Basel', startsAt: new Date(now + 3 * DAY) });
        id.beatPrivate = await b.addAppointment({ ownerId: beat, subject: 'Arzttermin', location: 'Praxis', description: 'privat', isPrivate: true, startsAt: new Date(now + 4 * DAY) });
        taskIds.push(
          await b.addTask({ assigneeId: anna, subject: 'Offerte senden', dueAt: new Date(now + 5 * DAY), priority: 1 }),
          await b.addTask({ assigneeId: anna, subject: 'Police prüfen' }),
          await b.addTask({ assigneeId: anna, subject: 'Altes erledigt', status: 'done', dueAt: new Date(now - 400 * DAY) }),
        );
        await b.addTask({ assigneeId: beat, subject: 'Beats Aufgabe' });
        const cs = await db.query<{ id: string; first_name: string; last_name: string }>(
          `INSERT INTO brokerstar.contact (kind, first_name, last_name)
           SELECT 'person', 'Kunde', 'Nummer ' || g FROM generate_series(1, 120) g RETURNING id::text, first_name, last_name`,
        );
        contacts.push(...cs.rows.map((r) => ({ id: r.id, fn: `${r.first_name} ${r.last_name}` })));
        id.photo = await b.addContact({ firstName: 'Hans', lastName: 'Muster', emails: ['hans@muster.ch'], photo: 'jpeg' });
        contacts.push({ id: id.photo, fn: 'Hans Muster' });
      },
    });
  });
  afterAll(() => dav?.close());

  describe('calendars', () => {
    let principal = '';
    let calendarHome = '';
    const calendars: string[] = [];
    const taskLists: string[] = [];
    const versions = new Map<string, string>();

    it('discovers the principal from "/" through /.well-known/caldav (301 on the same origin, Basic sent up front)', async () => {
      const first = await send('PROPFIND', '/.well-known/caldav', fixture('current-user-principal.xml'), '0');
      expect(first.status).toBe(301); // Outlook follows 301/302/303/307, not 308
      const location = first.headers.get('location')!;
      const target = new URL(location, dav.url);
      expect(target.origin).toBe(new URL(dav.url).origin);
      const ms = await multistatus('PROPFIND', target.pathname, fixture('current-user-principal.xml'), '0');
      const self = ms.responses.get(target.pathname);
      // GetCurrentUserPrincipalUrl: current-user-principal, else principal-URL; authority + href.
      principal = propHrefs(self, D('current-user-principal'))[0] ?? propHrefs(self, D('principal-URL'))[0] ?? '';
      expect(principal).toBe(PRINCIPAL);
    });

    it('authenticates with pre-emptive Basic (UTF-8); without it the answer is a Basic challenge, not a 403', async () => {
      const withBasic = await send('PROPFIND', principal, fixture('current-user-principal.xml'), '0');
      expect(withBasic.status).toBe(207);
      const without = await dav.request('PROPFIND', principal, { user: null, body: fixture('current-user-principal.xml'), headers: { ...CLIENT, Depth: '0' } });
      expect(without.status).toBe(401);
      expect(without.headers.get('www-authenticate')).toMatch(/^Basic realm="[^"]+", charset="UTF-8"$/);
    });

    it('reads the calendar home set from the principal (schedule-default-calendar-URL unknown, not an error)', async () => {
      const ms = await multistatus('PROPFIND', principal, fixture('calendar-home-set.xml'), '0');
      const entry = ms.responses.get(principal);
      calendarHome = propHrefs(entry, C('calendar-home-set'))[0]!;
      expect(calendarHome).toBe(HOME);
      expect(entry?.props.get(C('schedule-default-calendar-URL'))?.status).toBe('HTTP/1.1 404 Not Found');
      expect(entry?.propstatStatuses[0]).toBe('HTTP/1.1 200 OK');
    });

    it('lists Termine and the colleague’s calendar as calendars and Aufgaben as a task list', async () => {
      const ms = await multistatus('PROPFIND', calendarHome, fixture('list-calendars.xml'), '1');
      // GetUserResourcesNoThrow: displayname element present, resourcetype C:calendar, and a
      // supported-calendar-component-set; VEVENT → calendar, VTODO → task list.
      for (const href of ms.hrefs) {
        const e = ms.responses.get(href)!;
        const isCalendar = childNamed(e.props.get(D('resourcetype'))?.el, C('calendar')) !== undefined;
        const hasName = e.props.get(D('displayname'))?.status === 'HTTP/1.1 200 OK';
        const comps = e.props.get(C('supported-calendar-component-set'));
        if (!isCalendar || !hasName || comps?.status !== 'HTTP/1.1 200 OK') continue;
        const names = childrenNamed(comps.el, C('comp')).map((c) => c.attrs.name);
        expect(href).toMatch(/\/$/);
        if (names.includes('VEVENT')) calendars.push(href);
        if (names.includes('VTODO')) taskLists.push(href);
        const color = propText(e, A('calendar-color'));
        expect(color, `${href} colour`).toMatch(/^#[0-9A-F]{8}$/i);
      }
      expect(sorted(calendars)).toEqual(sorted([TERMINE, SHARED, GEBURTSTAGE]));
      expect(taskLists).toEqual([AUFGABEN]);
      expect(propText(ms.responses.get(TERMINE), D('displayname'))).toBe('Termine');
      expect(propText(ms.responses.get(AUFGABEN), D('displayname'))).toBe('Aufgaben');
      expect(propText(ms.responses.get(SHARED), D('displayname'))).toContain('Beat Keller');
    });

    it('gets an answer for D:acl on each collection (IsReadOnly), never an error', async () => {
      for (const c of [...calendars, ...taskLists]) {
        const ms = await multistatus('PROPFIND', c, fixture('acl.xml'), '0');
        expect(ms.hrefs).toEqual([c]);
      }
    });

    it('sees write-content but no bind, unbind or write on its own collections, read only on the colleague’s', async () => {
      const privileges = async (c: string) => {
        const ms = await multistatus('PROPFIND', c, fixture('current-user-privilege-set.xml'), '0');
        const set = ms.responses.get(c)?.props.get(D('current-user-privilege-set'));
        expect(set?.status).toBe('HTTP/1.1 200 OK');
        return childrenNamed(set!.el, D('privilege')).flatMap((p) => p.children.map((x) => x.name));
      };
      for (const own of [TERMINE, AUFGABEN]) {
        const p = await privileges(own);
        expect(p).toContain(D('read'));
        expect(p).toContain(D('write-content')); // two-way sync possible
        for (const no of ['bind', 'unbind', 'write', 'all']) expect(p, `${own} ${no}`).not.toContain(D(no));
      }
      const shared = await privileges(SHARED);
      expect(shared).toContain(D('read'));
      // Without write-content "test settings" switches the profile to one-way (Outlook ← Server).
      for (const no of ['write-content', 'bind', 'unbind', 'write', 'all']) expect(shared, no).not.toContain(D(no));
    });

    it('finds the owner of each calendar and the owner principal’s mailto:, also for the colleague', async () => {
      const owners: Record<string, string> = {};
      for (const c of [...calendars, ...taskLists]) {
        const ms = await multistatus('PROPFIND', c, fixture('calendar-owner.xml'), '0');
        const entry = ms.responses.get(c);
        owners[c] = propHrefs(entry, D('owner'))[0]!;
        // CS:organizer is not offered: a 404 propstat, not an error.
        expect(entry?.props.get(CS('organizer'))?.status).toBe('HTTP/1.1 404 Not Found');
      }
      expect(owners).toEqual({ [TERMINE]: PRINCIPAL, [AUFGABEN]: PRINCIPAL, [GEBURTSTAGE]: PRINCIPAL, [SHARED]: BEAT_PRINCIPAL });
      const address = async (p: string) => {
        const ms = await multistatus('PROPFIND', p, fixture('calendar-user-address-set.xml'), '0');
        return propHrefs(ms.responses.get(p), C('calendar-user-address-set')).find((h) => h.startsWith('mailto:'));
      };
      expect(await address(PRINCIPAL)).toBe('mailto:anna.meier@example.ch');
      expect(await address(BEAT_PRINCIPAL)).toBe('mailto:beat.keller@example.ch');
    });

    it('passes the connection test: OPTIONS lists calendar-access, the report set has calendar-query and sync-collection', async () => {
      for (const c of [TERMINE, AUFGABEN, SHARED]) {
        const o = await send('OPTIONS', c);
        expect(o.status).toBe(200);
        const dav = (o.headers.get('dav') ?? '').split(',').map((s) => s.trim());
        expect(dav).toContain('calendar-access');
        const ms = await multistatus('PROPFIND', c, fixture('supported-report-set.xml'), '0');
        const reports = childrenNamed(ms.responses.get(c)?.props.get(D('supported-report-set'))?.el, D('supported-report')).flatMap((s) =>
          childrenNamed(s, D('report')).flatMap((r) => r.children.map((x) => x.name)),
        );
        expect(reports).toContain(C('calendar-query'));
        expect(reports).toContain(C('calendar-multiget'));
        expect(reports).toContain(D('sync-collection'));
      }
    });

    it('queries events with start and end in UTC and gets exactly those in its window, etags only', async () => {
      // CalDavDataAccess writes time ranges as yyyyMMddTHHmmssZ in UTC.
      const body = fixture('calendar-query-events.xml', { START: utcBasic(rangeStart), END: utcBasic(rangeEnd) });
      const ms = await multistatus('REPORT', TERMINE, body, '1');
      for (const href of ms.hrefs) {
        expect(isSelf(TERMINE, href), 'the collection is not listed').toBe(false);
        const e = ms.responses.get(href)!;
        expect(propText(e, D('getetag')), href).toMatch(/^"[^"]+"$/);
        versions.set(href, propText(e, D('getetag'))!);
      }
      expect(sorted(ms.hrefs)).toEqual(sorted(inRange.map((a) => `${TERMINE}${a.id}.ics`)));
      expect(ms.hrefs).not.toContain(`${TERMINE}${id.old}.ics`);
      expect(ms.hrefs).not.toContain(`${TERMINE}${id.far}.ics`);
    });

    it('downloads them with calendar-multiget in chunks of 100 (Depth 1), content as in BrokerStar', async () => {
      const hrefs = [...versions.keys()];
      const batches = chunks(hrefs, 100);
      expect(batches.map((b) => b.length)).toEqual([100, 6]);
      const subjects = new Map(inRange.map((a) => [`${TERMINE}${a.id}.ics`, a]));
      for (const batch of batches) {
        const body = fixture('calendar-multiget.xml', { HREFS: batch.map((h) => `<D:href>${h}</D:href>`).join('\r\n') });
        const ms = await multistatus('REPORT', TERMINE, body, '1');
        expect(ms.hrefs).toEqual(batch);
        for (const href of batch) {
          const e = ms.responses.get(href)!;
          expect(propText(e, D('getetag')), href).toBe(versions.get(href));
          const data = propText(e, C('calendar-data'));
          expect(data, href).toBeTruthy();
          const vevent = new ICAL.Component(ICAL.parse(data!)).getFirstSubcomponent('vevent')!;
          const row = subjects.get(href)!;
          expect(vevent.getFirstPropertyValue('uid')).toBe(`brokerstar-appointment-${row.id}`);
          expect(vevent.getFirstPropertyValue('summary')).toBe(row.subject);
          // "Automatic" conflict resolution compares LAST-MODIFIED; without it the server wins anyway.
          expect(vevent.hasProperty('last-modified')).toBe(true);
        }
      }
    });

    it('shows the colleague’s private appointment as a busy block only', async () => {
      const ms = await multistatus('REPORT', SHARED, fixture('calendar-query-events.xml', { START: utcBasic(rangeStart), END: utcBasic(rangeEnd) }), '1');
      expect(sorted(ms.hrefs)).toEqual(sorted([`${SHARED}${id.beatMeeting}.ics`, `${SHARED}${id.beatPrivate}.ics`]));
      const got = await multistatus('REPORT', SHARED, fixture('calendar-multiget.xml', { HREFS: ms.hrefs.map((h) => `<D:href>${h}</D:href>`).join('\r\n') }), '1');
      const busy = new ICAL.Component(ICAL.parse(propText(got.responses.get(`${SHARED}${id.beatPrivate}.ics`), C('calendar-data'))!)).getFirstSubcomponent('vevent')!;
      expect(busy.getFirstPropertyValue('summary')).toBe('Besetzt');
      for (const hidden of ['location', 'description', 'attendee', 'organizer']) expect(busy.hasProperty(hidden), hidden).toBe(false);
      const visible = new ICAL.Component(ICAL.parse(propText(got.responses.get(`${SHARED}${id.beatMeeting}.ics`), C('calendar-data'))!)).getFirstSubcomponent('vevent')!;
      expect(visible.getFirstPropertyValue('summary')).toBe('Beat Kundenbesuch');
      expect(visible.getFirstPropertyValue('location')).toBe('Basel');
    });

    it('queries tasks without a time-range and downloads every task of the employee', async () => {
      const ms = await multistatus('REPORT', AUFGABEN, fixture('calendar-query-tasks.xml'), '1');
      const expected = sorted(taskIds.map((t) => `${AUFGABEN}${t}.ics`));
      expect(sorted(ms.hrefs)).toEqual(expected);
      for (const h of ms.hrefs) expect(propText(ms.responses.get(h), D('getetag'))).toMatch(/^"/);
      const got = await multistatus('REPORT', AUFGABEN, fixture('calendar-multiget.xml', { HREFS: ms.hrefs.map((h) => `<D:href>${h}</D:href>`).join('\r\n') }), '1');
      const todos = new Map(
        got.hrefs.map((h) => [h, new ICAL.Component(ICAL.parse(propText(got.responses.get(h), C('calendar-data'))!)).getFirstSubcomponent('vtodo')!]),
      );
      const offerte = todos.get(`${AUFGABEN}${taskIds[0]}.ics`)!;
      expect(offerte.getFirstPropertyValue('summary')).toBe('Offerte senden');
      expect(offerte.getFirstPropertyValue('priority')).toBe(1);
      expect(offerte.getFirstPropertyValue('status')).toBe('NEEDS-ACTION');
      expect(offerte.hasProperty('related-to')).toBe(false);
      expect(todos.get(`${AUFGABEN}${taskIds[2]}.ics`)?.getFirstPropertyValue('status')).toBe('COMPLETED');
    });
  });

  describe('contacts', () => {
    let principal = '';
    let bookHome = '';
    let book = '';
    const versions = new Map<string, string>();

    it('discovers the address-book home through /.well-known/carddav', async () => {
      const first = await send('PROPFIND', '/.well-known/carddav', fixture('current-user-principal.xml'), '0');
      expect(first.status).toBe(301);
      const target = new URL(first.headers.get('location')!, dav.url);
      const ms = await multistatus('PROPFIND', target.pathname, fixture('current-user-principal.xml'), '0');
      principal = propHrefs(ms.responses.get(target.pathname), D('current-user-principal'))[0]!;
      expect(principal).toBe(PRINCIPAL);
      const home = await multistatus('PROPFIND', principal, fixture('addressbook-home-set.xml'), '0');
      bookHome = propHrefs(home.responses.get(principal), CR('addressbook-home-set'))[0]!;
      expect(bookHome).toBe(BOOK_HOME);
    });

    it('lists Kontakte and Meine Kunden (displayname present, CR:addressbook) and passes OPTIONS and the ACL probe', async () => {
      const ms = await multistatus('PROPFIND', bookHome, fixture('list-addressbooks.xml'), '1');
      const books = ms.hrefs.filter((h) => {
        const e = ms.responses.get(h)!;
        return e.props.get(D('displayname'))?.status === 'HTTP/1.1 200 OK' && childNamed(e.props.get(D('resourcetype'))?.el, CR('addressbook')) !== undefined;
      });
      expect(books).toEqual([KONTAKTE, MEINE_KUNDEN]);
      book = KONTAKTE;
      expect(propText(ms.responses.get(book), D('displayname'))).toBe('Kontakte');
      const o = await send('OPTIONS', book);
      expect(o.status).toBe(200);
      expect((o.headers.get('dav') ?? '').split(',').map((s) => s.trim())).toContain('addressbook');
      const acl = await multistatus('PROPFIND', book, fixture('acl.xml'), '0');
      expect(acl.hrefs).toEqual([book]);
    });

    it('lists every contact with an etag and text/vcard, and the collection without an etag', async () => {
      const ms = await multistatus('PROPFIND', book, fixture('contact-versions.xml'), '1');
      // GetAllVersions keeps a response with a non-empty ETag that is not the collection itself.
      const self = ms.responses.get(book);
      expect(propText(self, D('getetag')), 'a collection never carries a getetag').toBeUndefined();
      for (const href of ms.hrefs) {
        if (isSelf(book, href)) continue;
        const e: ResponseEntry = ms.responses.get(href)!;
        const etag = propText(e, D('getetag'));
        expect(etag, href).toMatch(/^"[^"]+"$/);
        expect(etag).not.toBe('"None"');
        const type = propText(e, D('getcontenttype'));
        expect(type, href).toMatch(/^text\/vcard/);
        expect(type).not.toContain('text/x-vlist');
        versions.set(href, etag!);
      }
      expect(sorted(versions.keys())).toEqual(sorted(contacts.map((c) => `${book}${c.id}.vcf`)));
    });

    it.each(['0', '1'] as const)('downloads them with addressbook-multiget in chunks of 100 (Depth %s)', async (depth) => {
      const batches = chunks([...versions.keys()], 100);
      expect(batches.map((b) => b.length)).toEqual([100, 21]);
      const names = new Map(contacts.map((c) => [`${book}${c.id}.vcf`, c.fn]));
      for (const batch of batches) {
        const ms = await multistatus('REPORT', book, fixture('addressbook-multiget.xml', { HREFS: batch.map((h) => `<D:href>${h}</D:href>`).join('\r\n') }), depth);
        expect(ms.hrefs).toEqual(batch);
        for (const href of batch) {
          const e = ms.responses.get(href)!;
          expect(propText(e, D('getetag'))).toBe(versions.get(href));
          expect(propText(e, D('getcontenttype'))).toMatch(/^text\/vcard/);
          const vcard = new ICAL.Component(ICAL.parse(propText(e, CR('address-data'))!));
          expect(vcard.getFirstPropertyValue('version')).toBe('3.0');
          expect(vcard.getFirstPropertyValue('fn')).toBe(names.get(href));
        }
      }
    });

    it('gets the photo inline as vCard 3.0 base64, which Outlook reads (not a data: URI)', async () => {
      const href = `${book}${id.photo}.vcf`;
      const ms = await multistatus('REPORT', book, fixture('addressbook-multiget.xml', { HREFS: `<D:href>${href}</D:href>` }), '0');
      const text = propText(ms.responses.get(href), CR('address-data'))!;
      const photo = new ICAL.Component(ICAL.parse(text)).getFirstProperty('photo')!;
      expect(String(photo.getParameter('encoding')).toLowerCase()).toBe('b');
      expect(String(photo.getFirstValue())).not.toMatch(/^data:/);
      expect(Buffer.from(String(photo.getFirstValue()), 'base64').subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    });
  });
});
