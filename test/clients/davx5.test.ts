// DAVx5 (Android): its real request sequence (bodies in test/fixtures/requests/davx5, read from
// bitfireAT/davx5-ose and bitfireAT/dav4jvm), from service detection on the entered URL to the
// first sync of appointments (past-days limit), tasks and contacts, with DAVx5's own decisions
// replayed on the parsed answers (docs/client-compatibility.md, DAVx5).
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { multistatusAs, sendAs, type Depth } from '../support/client-requests.js';
import { addAnnaAndBeat } from '../support/colleagues.js';
import { requestFixtures } from '../support/fixtures.js';
import { C, CR, CS, D, childNamed, childrenNamed, errorConditions, propHrefs, propText, type Multistatus } from '../support/multistatus.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { utcBasic } from '../support/time.js';

/** A request body as the client sends it: the provenance comment removed, placeholders filled. */
const fixture = requestFixtures('davx5');

// okhttp with dav4jvm: Basic sent first, application/xml bodies, XML accepted.
const CLIENT = {
  'User-Agent': 'DAVx5/4.5.19-ose (2026/08/14; dav4jvm; okhttp/4.12.0) Android/16',
  'Content-Type': 'application/xml; charset=utf-8',
  Accept: 'application/xml, text/xml;q=0.9',
};

const DAY = 86_400_000;
const PRINCIPAL = '/dav/principals/anna.meier/';
const BEAT_PRINCIPAL = '/dav/principals/beat.keller/';
const CAL_HOME = '/dav/calendars/anna.meier/';
const TERMINE = `${CAL_HOME}termine/`;
const AUFGABEN = `${CAL_HOME}aufgaben/`;
const SHARED = `${CAL_HOME}termine-beat.keller/`;
const BOOK_HOME = '/dav/addressbooks/anna.meier/';
const KONTAKTE = `${BOOK_HOME}kontakte/`;
const MEINE_KUNDEN = `${BOOK_HOME}meine-kunden/`;
const PUSH = 'https://bitfire.at/webdav-push';

const chunks = <T>(xs: readonly T[], n: number) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));
const sorted = (xs: Iterable<string>) => [...xs].sort();
const hrefElements = (hrefs: readonly string[]) => hrefs.map((h) => `<href>${h}</href>`).join('');
const privilegesOf = (el: ReturnType<typeof childNamed>) => childrenNamed(el, D('privilege')).flatMap((p) => p.children.map((c) => c.name));
const reportsOf = (el: ReturnType<typeof childNamed>) =>
  childrenNamed(el, D('supported-report')).flatMap((s) => childrenNamed(s, D('report')).flatMap((r) => r.children.map((c) => c.name)));

describe('DAVx5', () => {
  let dav: TestServer;
  const now = Date.now();
  const id = {} as Record<'beat' | 'ended' | 'hans' | 'old' | 'series', string>;
  const inWindow: { id: string; subject: string }[] = [];
  const taskIds: string[] = [];
  const contacts: { id: string; fn: string }[] = [];

  const send = (method: string, path: string, body?: string, depth?: Depth) => sendAs(dav, CLIENT, method, path, body, depth);
  /** PROPFIND or REPORT; `depth` undefined sends no Depth header at all on a REPORT. */
  const multistatus = (method: 'PROPFIND' | 'REPORT', path: string, body: string, depth?: Depth): Promise<Multistatus> =>
    multistatusAs(dav, CLIENT, method, path, body, depth);
  /** Members of a listing (the collection's own response left out); each must carry a getetag. */
  const membersWithEtags = (ms: Multistatus, collection: string) => {
    const members = new Map<string, string>();
    for (const href of ms.hrefs) {
      if (href === collection) continue;
      const etag = propText(ms.responses.get(href), D('getetag'));
      expect(etag, `${href} carries a getetag (ResponseExt.requireETag)`).toMatch(/^"[^"]+"$/);
      members.set(href, etag!);
    }
    return members;
  };

  beforeAll(async () => {
    dav = await startTestServer({
      user: 'anna.meier',
      config: { authCacheSeconds: 300 },
      seed: async (db) => {
        const b = builders(db.pool);
        const { anna, beat } = await addAnnaAndBeat(db);
        // 23 appointments from 80 days ago on, every 5 days: three multiget batches with the series.
        const rows = await db.query<{ id: string; subject: string }>(
          `INSERT INTO brokerstar.appointment (subject, owner_id, starts_at, ends_at)
           SELECT 'Termin ' || g, $1, $2::timestamptz + g * interval '5 days', $2::timestamptz + g * interval '5 days' + interval '90 minutes'
           FROM generate_series(0, 22) g RETURNING id::text, subject`,
          [anna, new Date(now - 80 * DAY)],
        );
        inWindow.push(...rows.rows);
        id.series = await b.addAppointment({ ownerId: anna, subject: 'Wochenrapport', startsAt: new Date(now - 300 * DAY), recurrenceRule: 'FREQ=WEEKLY' });
        inWindow.push({ id: id.series, subject: 'Wochenrapport' });
        id.old = await b.addAppointment({ ownerId: anna, subject: 'Vor 200 Tagen', startsAt: new Date(now - 200 * DAY) });
        id.ended = await b.addAppointment({ ownerId: anna, subject: 'Alte Serie', startsAt: new Date(now - 400 * DAY), recurrenceRule: 'FREQ=WEEKLY;COUNT=5' });
        id.beat = await b.addAppointment({ ownerId: beat, subject: 'Beat Termin', startsAt: new Date(now + 2 * DAY) });
        taskIds.push(
          await b.addTask({ assigneeId: anna, subject: 'Offerte senden', dueAt: new Date(now + 7 * DAY), priority: 1 }),
          await b.addTask({ assigneeId: anna, subject: 'Police prüfen', status: 'in_progress', percentComplete: 50 }),
          await b.addTask({ assigneeId: anna, subject: 'Vor Jahren erledigt', status: 'done', dueAt: new Date(now - 500 * DAY) }),
        );
        const cs = await db.query<{ id: string; fn: string }>(
          `INSERT INTO brokerstar.contact (kind, first_name, last_name)
           SELECT 'person', 'Kundin', 'Nummer ' || g FROM generate_series(1, 24) g RETURNING id::text, first_name || ' ' || last_name AS fn`,
        );
        contacts.push(...cs.rows);
        id.hans = await b.addContact({ firstName: 'Hans', lastName: 'Muster', phones: [{ number: '+41 79 123 45 67', kind: 'mobile' }], photo: 'jpeg' });
        contacts.push({ id: id.hans, fn: 'Hans Muster' });
      },
    });
  });
  afterAll(() => dav?.close());

  describe('service detection', () => {
    it('finds the principal with a PROPFIND Depth 0 on the entered URL (the server root), for CardDAV and CalDAV', async () => {
      for (const body of [fixture('base-url-carddav.xml'), fixture('base-url-caldav.xml')]) {
        const ms = await multistatus('PROPFIND', '/', body, '0');
        const root = ms.responses.get('/');
        // scanResponse resolves current-user-principal against the request URL.
        expect(new URL(propHrefs(root, D('current-user-principal'))[0]!, `${dav.url}/`).pathname).toBe(PRINCIPAL);
        expect(root?.propstatStatuses[0]).toBe('HTTP/1.1 200 OK');
      }
    });

    it('falls back to /.well-known when the entered URL has no principal, following the redirect', async () => {
      const wrong = await send('PROPFIND', '/caldav', fixture('base-url-caldav.xml'), '0');
      expect(wrong.status).toBe(404);
      for (const service of ['caldav', 'carddav']) {
        const r = await send('PROPFIND', `/.well-known/${service}`, fixture('current-user-principal.xml'), '0');
        expect([301, 302, 307, 308]).toContain(r.status); // dav4jvm follows up to 5 redirects
        const target = new URL(r.headers.get('location')!, `${dav.url}/.well-known/${service}`);
        expect(target.origin).toBe(new URL(dav.url).origin); // credentials are only sent to the same host
        const ms = await multistatus('PROPFIND', target.pathname, fixture('current-user-principal.xml'), '0');
        expect(propHrefs(ms.responses.get(target.pathname), D('current-user-principal'))).toEqual([PRINCIPAL]);
      }
    });

    it('keeps the principal: OPTIONS on it lists calendar-access and addressbook', async () => {
      const r = await send('OPTIONS', PRINCIPAL);
      expect(r.status).toBe(200);
      const capabilities = (r.headers.get('dav') ?? '').split(',').map((s) => s.trim());
      expect(capabilities).toContain('calendar-access'); // providesService(CALDAV)
      expect(capabilities).toContain('addressbook'); // providesService(CARDDAV)
      expect(r.headers.get('allow')).toMatch(/PROPFIND/);
    });

    it('takes the account name from calendar-user-address-set', async () => {
      const ms = await multistatus('PROPFIND', PRINCIPAL, fixture('calendar-user-address-set.xml'), '0');
      const mailboxes = propHrefs(ms.responses.get(PRINCIPAL), C('calendar-user-address-set'))
        .filter((h) => h.toLowerCase().startsWith('mailto:'))
        .map((h) => h.slice('mailto:'.length));
      expect(mailboxes).toEqual(['anna.meier@example.ch']);
    });

    it('reads the home sets from the principal; proxies and group memberships are empty, so nothing else is followed', async () => {
      const cal = await multistatus('PROPFIND', PRINCIPAL, fixture('principal-caldav.xml'), '0');
      const p = cal.responses.get(PRINCIPAL);
      expect(propHrefs(p, C('calendar-home-set'))).toEqual([CAL_HOME]);
      expect(childNamed(p?.props.get(D('resourcetype'))?.el, D('principal'))).toBeDefined();
      for (const related of [D('group-membership'), CS('calendar-proxy-read-for'), CS('calendar-proxy-write-for')]) {
        expect(propHrefs(p, related), related).toEqual([]);
      }
      const book = await multistatus('PROPFIND', PRINCIPAL, fixture('principal-carddav.xml'), '0');
      expect(propHrefs(book.responses.get(PRINCIPAL), CR('addressbook-home-set'))).toEqual([BOOK_HOME]);
    });

    it('lists the calendars with its property set, WebDAV-Push P:transports and P:topic included', async () => {
      const ms = await multistatus('PROPFIND', CAL_HOME, fixture('home-caldav.xml'), '1');
      const found = new Map<string, { components: string[]; readOnly: boolean; owner: string }>();
      for (const href of ms.hrefs) {
        const e = ms.responses.get(href)!;
        expect(e.propstatStatuses[0], href).toBe('HTTP/1.1 200 OK');
        if (href === CAL_HOME) continue;
        expect(childNamed(e.props.get(D('resourcetype'))?.el, C('calendar')), href).toBeDefined();
        for (const push of [`{${PUSH}}transports`, `{${PUSH}}topic`]) expect(e.props.get(push)?.status, `${href} ${push}`).toBe('HTTP/1.1 200 OK');
        // Collection.fromDavResponse: readOnly() = !privWriteContent; components from the set.
        const privileges = privilegesOf(e.props.get(D('current-user-privilege-set'))?.el);
        found.set(href, {
          components: childrenNamed(e.props.get(C('supported-calendar-component-set'))?.el, C('comp')).map((c) => c.attrs.name!),
          readOnly: !privileges.includes(D('write-content')) && !privileges.includes(D('write')) && !privileges.includes(D('all')),
          owner: propHrefs(e, D('owner'))[0]!,
        });
        expect(propText(e, C('calendar-timezone-id')), href).toBe('Europe/Zurich');
        expect(propText(e, C('calendar-timezone')), href).toContain('BEGIN:VTIMEZONE');
      }
      expect(Object.fromEntries(found)).toEqual({
        [TERMINE]: { components: ['VEVENT'], readOnly: false, owner: PRINCIPAL },
        [AUFGABEN]: { components: ['VTODO'], readOnly: false, owner: PRINCIPAL },
        [SHARED]: { components: ['VEVENT'], readOnly: true, owner: BEAT_PRINCIPAL },
        [`${CAL_HOME}geburtstage/`]: { components: ['VEVENT'], readOnly: true, owner: PRINCIPAL },
      });
    });

    it('lists the address books Kontakte and Meine Kunden, read-only', async () => {
      const ms = await multistatus('PROPFIND', BOOK_HOME, fixture('home-carddav.xml'), '1');
      const books = ms.hrefs.filter((h) => childNamed(ms.responses.get(h)?.props.get(D('resourcetype'))?.el, CR('addressbook')));
      expect(books).toEqual([KONTAKTE, MEINE_KUNDEN]);
      const e = ms.responses.get(KONTAKTE)!;
      expect(propText(e, D('displayname'))).toBe('Kontakte');
      expect(propText(ms.responses.get(MEINE_KUNDEN), D('displayname'))).toBe('Meine Kunden');
      for (const book of books) expect(privilegesOf(ms.responses.get(book)!.props.get(D('current-user-privilege-set'))?.el), book).not.toContain(D('write-content'));
      expect(e.props.get(`{${PUSH}}topic`)?.status).toBe('HTTP/1.1 200 OK'); // WebDAV-Push (docs/webdav-push.md)
    });
  });

  describe('appointments', () => {
    let hrefs: string[] = [];

    it('reads the capabilities: max-resource-size, sync-collection in the report set, sync-token and ctag', async () => {
      const ms = await multistatus('PROPFIND', TERMINE, fixture('capabilities-calendar.xml'), '0');
      const e = ms.responses.get(TERMINE);
      expect(Number(propText(e, C('max-resource-size')))).toBeGreaterThan(0);
      const reports = reportsOf(e?.props.get(D('supported-report-set'))?.el);
      expect(reports).toEqual(expect.arrayContaining([D('sync-collection'), C('calendar-query'), C('calendar-multiget')]));
      expect(propText(e, D('sync-token'))).toBeTruthy();
      expect(propText(e, CS('getctag'))).toBeTruthy();
    });

    it('queries VEVENTs from now−90 days without an end, recurring series included, every member with a getetag', async () => {
      // dav4jvm writes time ranges as yyyyMMdd'T'HHmmssVV in UTC.
      const ms = await multistatus('REPORT', TERMINE, fixture('calendar-query-events.xml', { START: utcBasic(now - 90 * DAY) }), '1');
      const members = membersWithEtags(ms, TERMINE);
      hrefs = [...members.keys()];
      expect(sorted(hrefs)).toEqual(sorted(inWindow.map((a) => `${TERMINE}${a.id}.ics`)));
      expect(hrefs).not.toContain(`${TERMINE}${id.old}.ics`);
      expect(hrefs).not.toContain(`${TERMINE}${id.ended}.ics`);
    });

    it('downloads them 10 per calendar-multiget without a Depth header: one master VEVENT each, with etag', async () => {
      const batches = chunks(hrefs, 10);
      expect(batches.map((b) => b.length)).toEqual([10, 10, 4]);
      const subjects = new Map(inWindow.map((a) => [`${TERMINE}${a.id}.ics`, a.subject]));
      for (const batch of batches) {
        const ms = await multistatus('REPORT', TERMINE, fixture('calendar-multiget.xml', { HREFS: hrefElements(batch) }));
        expect(sorted(ms.hrefs)).toEqual(sorted(batch));
        for (const href of batch) {
          const e = ms.responses.get(href)!;
          expect(propText(e, D('getetag')), href).toMatch(/^"/);
          expect(propText(e, D('getcontenttype'))).toMatch(/^text\/calendar/);
          expect(e.props.get(C('schedule-tag'))?.status).toBe('HTTP/1.1 404 Not Found');
          const vcal = new ICAL.Component(ICAL.parse(propText(e, C('calendar-data'))!));
          // CalendarSyncManager.processVEvent ignores resources without exactly one master VEVENT.
          const masters = vcal.getAllSubcomponents('vevent').filter((v) => !v.hasProperty('recurrence-id'));
          expect(masters, href).toHaveLength(1);
          expect(masters[0]!.getFirstPropertyValue('summary')).toBe(subjects.get(href));
          for (const tzid of new Set(vcal.getAllSubcomponents('vevent').flatMap((v) => v.getAllProperties().map((p) => p.getParameter('tzid')).filter(Boolean)))) {
            expect(vcal.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid')), `VTIMEZONE for ${tzid}`).toContain(tzid);
          }
        }
      }
    });

    it('does not see a colleague’s appointment in its own calendar', async () => {
      const ms = await multistatus('REPORT', TERMINE, fixture('calendar-multiget.xml', { HREFS: hrefElements([`${TERMINE}${id.beat}.ics`]) }));
      expect(ms.responses.get(`${TERMINE}${id.beat}.ics`)?.status).toBe('HTTP/1.1 404 Not Found');
    });
  });

  describe('tasks (jtx Board, Tasks.org, OpenTasks)', () => {
    it('always queries VTODO without time-range and downloads every task', async () => {
      const caps = await multistatus('PROPFIND', AUFGABEN, fixture('capabilities-calendar.xml'), '0');
      expect(propText(caps.responses.get(AUFGABEN), D('sync-token'))).toBeTruthy();
      const ms = await multistatus('REPORT', AUFGABEN, fixture('calendar-query-tasks.xml'), '1');
      const members = membersWithEtags(ms, AUFGABEN);
      expect(sorted(members.keys())).toEqual(sorted(taskIds.map((t) => `${AUFGABEN}${t}.ics`)));
      const got = await multistatus('REPORT', AUFGABEN, fixture('calendar-multiget.xml', { HREFS: hrefElements([...members.keys()]) }));
      const todos = new Map(got.hrefs.map((h) => [h, new ICAL.Component(ICAL.parse(propText(got.responses.get(h), C('calendar-data'))!)).getAllSubcomponents('vtodo')]));
      for (const [href, list] of todos) {
        expect(list, href).toHaveLength(1);
        expect(propText(got.responses.get(href), D('getetag'))).toBe(members.get(href));
      }
      const police = todos.get(`${AUFGABEN}${taskIds[1]}.ics`)![0]!;
      expect(police.getFirstPropertyValue('status')).toBe('IN-PROCESS');
      expect(police.getFirstPropertyValue('percent-complete')).toBe(50);
    });
  });

  describe('contacts', () => {
    let token = '';
    let members = new Map<string, string>();

    it('sees vCard 3.0 only in supported-address-data (so it asks for 3.0) and sync-collection in the report set', async () => {
      const ms = await multistatus('PROPFIND', KONTAKTE, fixture('capabilities-addressbook.xml'), '0');
      const e = ms.responses.get(KONTAKTE);
      const types = childrenNamed(e?.props.get(CR('supported-address-data'))?.el, CR('address-data-type')).map((t) => t.attrs.version);
      expect(types).toEqual(['3.0']);
      expect(reportsOf(e?.props.get(D('supported-report-set'))?.el)).toContain(D('sync-collection'));
      expect(Number(propText(e, CR('max-resource-size')))).toBeGreaterThan(0);
    });

    it('lists the address book with sync-collection (Depth 0): every member with a getetag, and a token', async () => {
      const ms = await multistatus('REPORT', KONTAKTE, fixture('sync-collection.xml', { SYNC_TOKEN: '<sync-token />' }), '0');
      members = membersWithEtags(ms, KONTAKTE);
      expect(sorted(members.keys())).toEqual(sorted(contacts.map((c) => `${KONTAKTE}${c.id}.vcf`)));
      for (const href of members.keys()) {
        // resourcetype asked to skip sub-collections: members are plain resources.
        expect(ms.responses.get(href)?.props.get(D('resourcetype'))?.el.children ?? [], href).toEqual([]);
      }
      expect(ms.syncToken).toBeTruthy();
      token = ms.syncToken!;
    });

    it('downloads the cards 10 per addressbook-multiget with Depth 0, each with etag and vCard 3.0', async () => {
      const names = new Map(contacts.map((c) => [`${KONTAKTE}${c.id}.vcf`, c.fn]));
      const batches = chunks([...members.keys()], 10);
      expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
      for (const batch of batches) {
        const ms = await multistatus('REPORT', KONTAKTE, fixture('addressbook-multiget.xml', { HREFS: hrefElements(batch) }), '0');
        expect(sorted(ms.hrefs)).toEqual(sorted(batch));
        for (const href of batch) {
          const e = ms.responses.get(href)!;
          expect(propText(e, D('getetag'))).toBe(members.get(href));
          expect(propText(e, D('getcontenttype'))).toMatch(/^text\/vcard/);
          const card = new ICAL.Component(ICAL.parse(propText(e, CR('address-data'))!));
          expect(card.getFirstPropertyValue('version')).toBe('3.0');
          expect(card.getFirstPropertyValue('fn')).toBe(names.get(href));
        }
      }
      const hans = await multistatus('REPORT', KONTAKTE, fixture('addressbook-multiget.xml', { HREFS: hrefElements([`${KONTAKTE}${id.hans}.vcf`]) }), '0');
      const card = new ICAL.Component(ICAL.parse(propText(hans.responses.get(`${KONTAKTE}${id.hans}.vcf`), CR('address-data'))!));
      expect(card.getFirstPropertyValue('tel')).toBe('+41 79 123 45 67');
      expect(card.getFirstProperty('photo')).toBeTruthy(); // inline, no URL to fetch with credentials
    });

    it('gets an empty answer with the same token when nothing changed', async () => {
      const ms = await multistatus('REPORT', KONTAKTE, fixture('sync-collection.xml', { SYNC_TOKEN: `<sync-token>${token}</sync-token>` }), '0');
      expect(ms.hrefs).toEqual([]);
      expect(ms.syncToken).toBe(token);
    });

    it('gets DAV:valid-sync-token in the error body for an unknown token, which makes it resync', async () => {
      const r = await send('REPORT', KONTAKTE, fixture('sync-collection.xml', { SYNC_TOKEN: '<sync-token>http://example.com/ns/sync/1</sync-token>' }), '0');
      expect(r.status).toBe(403);
      expect(await errorConditions(r.text)).toContain(D('valid-sync-token'));
    });
  });
});
