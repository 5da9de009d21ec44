// Thunderbird: the real request sequences of its CalDAV provider and its CardDAV address book
// (bodies in test/fixtures/requests/thunderbird, read from mozilla/releases-comm-central), with
// Thunderbird's own parsing rules replayed on the answers (docs/client-compatibility.md, Thunderbird).
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { multistatusAs, sendAs, type Depth } from '../support/client-requests.js';
import { addAnnaAndBeat } from '../support/colleagues.js';
import { requestFixtures } from '../support/fixtures.js';
import { A, C, CR, CS, D, childNamed, childrenNamed, errorConditions, propHrefs, propText, type Multistatus, type ResponseEntry } from '../support/multistatus.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** A request body as the client sends it: the provenance comment removed, placeholders filled. */
const fixture = requestFixtures('thunderbird');

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Thunderbird/140.5.0';
// calendar/providers/caldav: MIME_TEXT_XML; mailnews/addrbook: makeRequest's default "text/xml".
const CALDAV_CLIENT = { 'User-Agent': UA, 'Content-Type': 'text/xml; charset=utf-8' };
const CARDDAV_CLIENT = { 'User-Agent': UA, 'Content-Type': 'text/xml' };

const PRINCIPAL = '/dav/principals/anna.meier/';
const CAL_HOME = '/dav/calendars/anna.meier/';
const TERMINE = `${CAL_HOME}termine/`;
const AUFGABEN = `${CAL_HOME}aufgaben/`;
const SHARED = `${CAL_HOME}termine-beat.keller/`;
const BOOK_HOME = '/dav/addressbooks/anna.meier/';
const KONTAKTE = `${BOOK_HOME}kontakte/`;
const MEINE_KUNDEN = `${BOOK_HOME}meine-kunden/`;
const GEBURTSTAGE = `${CAL_HOME}geburtstage/`;
const DAY = 86_400_000;

const sorted = (xs: Iterable<string>) => [...xs].sort();
/** PropfindResponse decorators: privileges and resource types as "D:write-content", "C:calendar". */
const PREFIX: Record<string, string> = { 'DAV:': 'D', 'urn:ietf:params:xml:ns:caldav': 'C', 'http://calendarserver.org/ns/': 'CS', 'http://apple.com/ns/ical/': 'A' };
const qnames = (names: string[]) => new Set(names.map((n) => n.replace(/^\{([^}]*)\}/, (_, ns: string) => `${PREFIX[ns] ?? ns}:`)));
const privileges = (e: ResponseEntry | undefined) => qnames(childrenNamed(e?.props.get(D('current-user-privilege-set'))?.el, D('privilege')).flatMap((p) => p.children.map((c) => c.name)));
const resourceTypes = (e: ResponseEntry | undefined) => qnames((e?.props.get(D('resourcetype'))?.el.children ?? []).map((c) => c.name));
/** handleCalendar / checkDavResourceType: read-only unless one of these is granted. */
const readOnly = (e: ResponseEntry | undefined) => !['D:write', 'D:write-content', 'D:write-properties', 'D:all'].some((p) => privileges(e).has(p));

describe('Thunderbird', () => {
  let dav: TestServer;
  const now = Date.now();
  const id = {} as Record<'beatPrivate' | 'hans' | 'series', string>;
  const events: { id: string; subject: string }[] = [];
  const taskIds: string[] = [];
  const contacts: { id: string; fn: string }[] = [];

  const send = (method: string, path: string, headers: Record<string, string>, body?: string, depth?: Depth) => sendAs(dav, headers, method, path, body, depth);
  const multistatus = (method: 'PROPFIND' | 'REPORT', path: string, headers: Record<string, string>, body: string, depth: Depth): Promise<Multistatus> =>
    multistatusAs(dav, headers, method, path, body, depth);
  /** Follows a redirect as Thunderbird does: same method and Depth, only within the same origin. */
  const followed = async (path: string, headers: Record<string, string>, body: string): Promise<{ path: string; ms: Multistatus }> => {
    const r = await send('PROPFIND', path, headers, body, '0');
    if (r.status !== 207) {
      expect([301, 302, 307]).toContain(r.status); // never 308, never to another origin
      const target = new URL(r.headers.get('location')!, `${dav.url}${path}`);
      expect(target.origin, 'a redirect to another origin is abandoned once credentials were sent').toBe(new URL(dav.url).origin);
      return { path: target.pathname, ms: await multistatus('PROPFIND', target.pathname, headers, body, '0') };
    }
    return { path, ms: (await dav.propfind(path, body, '0', { headers })).ms };
  };

  beforeAll(async () => {
    dav = await startTestServer({
      user: 'anna.meier',
      config: { authCacheSeconds: 300 },
      seed: async (db) => {
        const b = builders(db.pool);
        const { anna, beat } = await addAnnaAndBeat(db);
        for (let i = 0; i < 12; i++) {
          const subject = `Termin ${i + 1}`;
          events.push({ id: await b.addAppointment({ ownerId: anna, subject, startsAt: new Date(now + (i - 6) * 30 * DAY) }), subject });
        }
        id.series = await b.addAppointment({
          ownerId: anna,
          subject: 'Wochenrapport',
          startsAt: new Date(now - 100 * DAY),
          recurrenceRule: 'FREQ=WEEKLY;COUNT=20',
          exceptions: [{ originalStart: new Date(now - 100 * DAY + 7 * DAY) }],
        });
        events.push({ id: id.series, subject: 'Wochenrapport' });
        id.beatPrivate = await b.addAppointment({ ownerId: beat, subject: 'Arzt', isPrivate: true, startsAt: new Date(now + DAY) });
        taskIds.push(
          await b.addTask({ assigneeId: anna, subject: 'Offerte senden', dueAt: new Date(now + 3 * DAY) }),
          await b.addTask({ assigneeId: anna, subject: 'Police prüfen' }),
        );
        // 500 contacts: one addressbook-multiget of 500 hrefs.
        const cs = await db.query<{ id: string; fn: string }>(
          `INSERT INTO brokerstar.contact (kind, first_name, last_name)
           SELECT 'person', 'Kunde', 'Nr. ' || lpad(g::text, 3, '0') FROM generate_series(1, 499) g RETURNING id::text, first_name || ' ' || last_name AS fn`,
        );
        contacts.push(...cs.rows);
        id.hans = await b.addContact({ firstName: 'Hans', lastName: 'Muster', emails: ['hans@muster.ch'], photo: 'png', birthday: '1970-04-12' });
        contacts.push({ id: id.hans, fn: 'Hans Muster' });
      },
    });
  });
  afterAll(() => dav?.close());

  describe('CalDAV', () => {
    const calendars = new Map<string, ResponseEntry>();
    const tokens = new Map<string, string>();

    it('detects the calendars from "/": /.well-known/caldav names the home at once, then the home with Depth 1', async () => {
      // attemptLocation skips the path "/", there is no SRV record: wellKnown is the first real try.
      // detectCollection reads calendar-home-set before current-user-principal, so the DAV root
      // answering it saves the principal round trip.
      const wellKnown = await followed('/.well-known/caldav', CALDAV_CLIENT, fixture('detect-collection.xml'));
      const found = wellKnown.ms.responses.get(wellKnown.path);
      expect(resourceTypes(found).has('C:calendar')).toBe(false);
      expect(propHrefs(found, C('calendar-home-set'))).toEqual([CAL_HOME]);
      const principal = new URL(propHrefs(found, D('current-user-principal'))[0]!, `${dav.url}${wellKnown.path}`).pathname;
      expect(principal).toBe(PRINCIPAL);

      // The longer way (a server without home sets on its root) still works: the principal names it too.
      const p = await multistatus('PROPFIND', principal, CALDAV_CLIENT, fixture('principal.xml'), '0');
      expect(propHrefs(p.responses.get(principal), C('calendar-home-set'))).toEqual([CAL_HOME]);

      const home = await multistatus('PROPFIND', CAL_HOME, CALDAV_CLIENT, fixture('home.xml'), '1');
      for (const href of home.hrefs) {
        const e = home.responses.get(href)!;
        if (resourceTypes(e).has('C:calendar')) calendars.set(href, e);
      }
      expect(sorted(calendars.keys())).toEqual(sorted([TERMINE, AUFGABEN, SHARED, GEBURTSTAGE]));
      expect(readOnly(calendars.get(TERMINE))).toBe(false);
      expect(readOnly(calendars.get(AUFGABEN))).toBe(false);
      expect(readOnly(calendars.get(SHARED))).toBe(true);
      expect(readOnly(calendars.get(GEBURTSTAGE))).toBe(true);
      expect(propText(calendars.get(TERMINE), D('displayname'))).toBe('Termine');
      // "#RRGGBBAA" → Thunderbird strips the alpha.
      expect(propText(calendars.get(TERMINE), A('calendar-color'))).toMatch(/^#[0-9A-Fa-f]{6}[0-9A-Fa-f]{2}$/);
    });

    it('passes checkDavResourceType on every calendar (no 4xx): a calendar, with sync-collection in the report set', async () => {
      for (const c of calendars.keys()) {
        const ms = await multistatus('PROPFIND', c, CALDAV_CLIENT, fixture('check-resource-type.xml'), '0');
        const e = ms.responses.get(c);
        expect(resourceTypes(e).has('C:calendar'), c).toBe(true);
        const reports = qnames(
          childrenNamed(e?.props.get(D('supported-report-set'))?.el, D('supported-report')).flatMap((s) => childrenNamed(s, D('report')).flatMap((r) => r.children.map((x) => x.name))),
        );
        expect(reports.has('D:sync-collection'), c).toBe(true);
        expect(propText(e, CS('getctag'))).toBeTruthy();
        expect(propHrefs(e, D('current-user-principal'))).toEqual([PRINCIPAL]);
        const comps = childrenNamed(e?.props.get(C('supported-calendar-component-set'))?.el, C('comp')).map((x) => x.attrs.name);
        expect(comps).toEqual([c === AUFGABEN ? 'VTODO' : 'VEVENT']);
      }
    });

    it('gets 200 for OPTIONS on the calendar home, without server scheduling (so it mails invitations itself)', async () => {
      const r = await send('OPTIONS', CAL_HOME, CALDAV_CLIENT);
      expect(r.status).toBe(200);
      const dav = r.headers.get('dav') ?? '';
      const features = new Set(dav.split(/,\s*/).slice(1));
      expect(features.has('calendar-access')).toBe(true);
      expect(features.has('calendar-auto-schedule')).toBe(false);
      expect(features.has('calendar-schedule')).toBe(false);
    });

    it('syncs with sync-collection and Depth: 1; every changed member has getcontenttype text/calendar and a getetag', async () => {
      const expected: Record<string, string[]> = {
        [TERMINE]: events.map((e) => `${TERMINE}${e.id}.ics`),
        [AUFGABEN]: taskIds.map((t) => `${AUFGABEN}${t}.ics`),
        [SHARED]: [`${SHARED}${id.beatPrivate}.ics`],
        [GEBURTSTAGE]: [`${GEBURTSTAGE}${id.hans}.ics`],
      };
      for (const c of calendars.keys()) {
        const ms = await multistatus('REPORT', c, CALDAV_CLIENT, fixture('sync-collection-calendar.xml', { SYNC_TOKEN: '<sync-token/>' }), '1');
        const changed: string[] = [];
        for (const href of ms.hrefs) {
          const e = ms.responses.get(href)!;
          // CalDavWebDavSyncHandler: a 404 status means removed; else text/calendar + getetag, or an error.
          expect(e.status ?? '', href).not.toContain(' 404');
          expect(propText(e, D('getcontenttype'))?.substring(0, 13), href).toBe('text/calendar');
          expect(propText(e, D('getetag')), href).toMatch(/^"[^"]+"$/);
          changed.push(href);
        }
        expect(sorted(changed)).toEqual(sorted(expected[c]!));
        expect(ms.syncToken).toBeTruthy();
        tokens.set(c, ms.syncToken!);
      }
    });

    it('fetches the changed items with calendar-multiget (Depth: 1) and reads one item per resource', async () => {
      const hrefs = events.map((e) => `${TERMINE}${e.id}.ics`);
      const ms = await multistatus('REPORT', TERMINE, CALDAV_CLIENT, fixture('calendar-multiget.xml', { HREFS: hrefs.map((h) => `<D:href>${h}</D:href>`).join('') }), '1');
      expect(sorted(ms.hrefs)).toEqual(sorted(hrefs));
      for (const e of events) {
        const data = propText(ms.responses.get(`${TERMINE}${e.id}.ics`), C('calendar-data'));
        const vcal = new ICAL.Component(ICAL.parse(data!));
        const vevents = vcal.getAllSubcomponents('vevent');
        expect(new Set(vevents.map((v) => v.getFirstPropertyValue('uid')))).toEqual(new Set([`brokerstar-appointment-${e.id}`]));
        expect(vevents.find((v) => !v.hasProperty('recurrence-id'))?.getFirstPropertyValue('summary')).toBe(e.subject);
      }
      const series = new ICAL.Component(ICAL.parse(propText(ms.responses.get(`${TERMINE}${id.series}.ics`), C('calendar-data'))!)).getFirstSubcomponent('vevent')!;
      expect(series.getFirstPropertyValue('rrule')?.toString()).toBe('FREQ=WEEKLY;COUNT=20');
      expect(series.hasProperty('exdate')).toBe(true);
      const shared = await multistatus('REPORT', SHARED, CALDAV_CLIENT, fixture('calendar-multiget.xml', { HREFS: `<D:href>${SHARED}${id.beatPrivate}.ics</D:href>` }), '1');
      const busy = new ICAL.Component(ICAL.parse(propText(shared.responses.get(`${SHARED}${id.beatPrivate}.ics`), C('calendar-data'))!)).getFirstSubcomponent('vevent')!;
      expect(busy.getFirstPropertyValue('summary')).toBe('Besetzt');
    });

    it('gets an empty incremental answer with the same token when nothing changed', async () => {
      const ms = await multistatus('REPORT', TERMINE, CALDAV_CLIENT, fixture('sync-collection-calendar.xml', { SYNC_TOKEN: `<sync-token>${tokens.get(TERMINE)}</sync-token>` }), '1');
      expect(ms.hrefs).toEqual([]);
      expect(ms.syncToken).toBe(tokens.get(TERMINE));
    });

    it('gets 403 with DAV:valid-sync-token (not the bare error it takes for a rate limit) for an unknown token', async () => {
      const r = await send('REPORT', TERMINE, CALDAV_CLIENT, fixture('sync-collection-calendar.xml', { SYNC_TOKEN: '<sync-token>http://example.com/sync/42</sync-token>' }), '1');
      expect(r.status).toBe(403);
      expect(r.text).not.toContain('<D:error xmlns:D="DAV:"/>');
      expect(await errorConditions(r.text)).toContain(D('valid-sync-token'));
    });
  });

  describe('CardDAV', () => {
    let book = '';
    let token = '';
    const etags = new Map<string, string>();

    it('detects the address book from "/": /.well-known/carddav, the principal, the home (first status exactly 200 OK)', async () => {
      const wellKnown = await followed('/.well-known/carddav', CARDDAV_CLIENT, fixture('carddav-well-known.xml'));
      const principalHref = propHrefs(wellKnown.ms.responses.get(wellKnown.path), D('current-user-principal'))[0]!;
      const principal = new URL(principalHref, `${dav.url}${wellKnown.path}`).pathname;
      expect(principal).toBe(PRINCIPAL);
      const p = await multistatus('PROPFIND', principal, CARDDAV_CLIENT, fixture('carddav-principal.xml'), '0');
      const home = new URL(propHrefs(p.responses.get(principal), CR('addressbook-home-set'))[0]!, `${dav.url}${principal}`).pathname;
      expect(home).toBe(BOOK_HOME);
      const ms = await multistatus('PROPFIND', home, CARDDAV_CLIENT, fixture('carddav-home.xml'), '1');
      const books: string[] = [];
      for (const href of ms.hrefs) {
        const e = ms.responses.get(href)!;
        // detectAddressBooks: r.querySelector("status") must read exactly "HTTP/1.1 200 OK".
        if (e.propstatStatuses[0] !== 'HTTP/1.1 200 OK') continue;
        if (!childNamed(e.props.get(D('resourcetype'))?.el, CR('addressbook'))) continue;
        const privs = childrenNamed(e.props.get(D('current-user-privilege-set'))?.el, D('privilege')).flatMap((x) => x.children.map((c) => c.name));
        const writable = ['write', 'write-properties', 'write-content', 'all'].some((w) => privs.includes(D(w)));
        const readable = ['read', 'all'].some((w) => privs.includes(D(w)));
        expect(writable, 'read-only in the UI').toBe(false);
        expect(readable, 'not skipped').toBe(true);
        books.push(href);
      }
      expect(books).toEqual([KONTAKTE, MEINE_KUNDEN]);
      expect(propText(ms.responses.get(KONTAKTE), D('displayname'))).toBe('Kontakte');
      expect(propText(ms.responses.get(MEINE_KUNDEN), D('displayname'))).toBe('Meine Kunden');
      expect(ms.responses.get(KONTAKTE)?.propstatStatuses[0]).toBe('HTTP/1.1 200 OK');
      book = KONTAKTE;
    });

    it('lists the cards with PROPFIND Depth 1 (resourcetype, getetag, cs:getctag)', async () => {
      const ms = await multistatus('PROPFIND', book, CARDDAV_CLIENT, fixture('carddav-list.xml'), '1');
      for (const href of ms.hrefs) {
        const e = ms.responses.get(href)!;
        // _readResponse keeps only a propstat whose status is exactly "HTTP/1.1 200 OK".
        expect(e.propstatStatuses[0], href).toBe('HTTP/1.1 200 OK');
        if (childNamed(e.props.get(D('resourcetype'))?.el, D('collection'))) {
          expect(href).toBe(book);
          expect(propText(e, CS('getctag'))).toBeTruthy();
          continue;
        }
        etags.set(href, propText(e, D('getetag'))!);
      }
      expect(sorted(etags.keys())).toEqual(sorted(contacts.map((c) => `${book}${c.id}.vcf`)));
      for (const [href, etag] of etags) expect(etag, href).toMatch(/^"[^"]+"$/);
    });

    it('fetches all 500 cards in one addressbook-multiget with Depth: 1', async () => {
      const hrefs = [...etags.keys()];
      expect(hrefs).toHaveLength(500);
      const body = fixture('carddav-multiget.xml', { HREFS: hrefs.map((h) => `      <d:href>${h}</d:href>`).join('\n') });
      const ms = await multistatus('REPORT', book, CARDDAV_CLIENT, body, '1');
      expect(sorted(ms.hrefs)).toEqual(sorted(hrefs));
      const names = new Map(contacts.map((c) => [`${book}${c.id}.vcf`, c.fn]));
      for (const href of hrefs) {
        const e = ms.responses.get(href)!;
        expect(e.propstatStatuses[0], href).toBe('HTTP/1.1 200 OK');
        expect(propText(e, D('getetag'))).toBe(etags.get(href));
        const card = new ICAL.Component(ICAL.parse(propText(e, CR('address-data'))!));
        expect(card.getFirstPropertyValue('fn')).toBe(names.get(href));
      }
      // PHOTO in vCard 3.0 base64; Thunderbird recognises PNG by its magic bytes.
      const hans = new ICAL.Component(ICAL.parse(propText(ms.responses.get(`${book}${id.hans}.vcf`), CR('address-data'))!));
      const photo = Buffer.from(String(hans.getFirstPropertyValue('photo')), 'base64');
      expect(photo.length).toBeGreaterThan(100);
      expect([photo.subarray(0, 2).equals(Buffer.from([0xff, 0xd8])), photo.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]))]).toContain(true);
    });

    it('reads the sync token with PROPFIND Depth 0', async () => {
      const ms = await multistatus('PROPFIND', book, CARDDAV_CLIENT, fixture('carddav-sync-token.xml'), '0');
      const e = ms.responses.get(book);
      expect(e?.propstatStatuses[0]).toBe('HTTP/1.1 200 OK');
      token = propText(e, D('sync-token'))!;
      expect(token).toBeTruthy();
      expect(propText(e, CS('getctag'))).toBeTruthy();
    });

    it('syncs with sync-collection (Depth: 1) and gets changed cards inline and removed ones as 404', async () => {
      const quiet = await multistatus('REPORT', book, CARDDAV_CLIENT, fixture('carddav-sync-collection.xml', { TOKEN: token }), '1');
      expect(quiet.hrefs).toEqual([]);
      expect(quiet.syncToken).toBe(token);

      // BrokerStar itself renames one customer and deletes another.
      const [renamed, removed] = [contacts[0]!, contacts[1]!];
      await dav.db.query(`UPDATE brokerstar.contact SET last_name = 'Neuname', updated_at = now() WHERE id = $1`, [renamed.id]);
      await dav.db.query(`UPDATE brokerstar.contact SET deleted_at = now() WHERE id = $1`, [removed.id]);

      const ms = await multistatus('REPORT', book, CARDDAV_CLIENT, fixture('carddav-sync-collection.xml', { TOKEN: token }), '1');
      const changed = ms.responses.get(`${book}${renamed.id}.vcf`);
      expect(changed?.propstatStatuses[0]).toBe('HTTP/1.1 200 OK');
      expect(propText(changed, D('getetag'))).not.toBe(etags.get(`${book}${renamed.id}.vcf`));
      const card = new ICAL.Component(ICAL.parse(propText(changed, CR('address-data'))!));
      expect(card.getFirstPropertyValue('fn')).toBe('Kunde Neuname');
      // _readResponse: response > status starting "HTTP/1.1 404" marks a removed card.
      expect(ms.responses.get(`${book}${removed.id}.vcf`)?.status?.startsWith('HTTP/1.1 404')).toBe(true);
      expect(sorted(ms.hrefs)).toEqual(sorted([`${book}${renamed.id}.vcf`, `${book}${removed.id}.vcf`]));
      expect(ms.syncToken).toBeTruthy();
      expect(ms.syncToken).not.toBe(token);
    });

    it('gets 400 with DAV:valid-sync-token for an unknown token on the address book (its only way to refetch)', async () => {
      const r = await send('REPORT', book, CARDDAV_CLIENT, fixture('carddav-sync-collection.xml', { TOKEN: 'http://example.com/sync/42' }), '1');
      expect(r.status).toBe(400);
      expect(await errorConditions(r.text)).toContain(D('valid-sync-token'));
    });

    it('but 403 for the same on a calendar, and for another client on the address book', async () => {
      const cal = await send('REPORT', TERMINE, CALDAV_CLIENT, fixture('sync-collection-calendar.xml', { SYNC_TOKEN: '<sync-token>http://example.com/sync/42</sync-token>' }), '1');
      expect(cal.status).toBe(403);
      expect(await errorConditions(cal.text)).toContain(D('valid-sync-token'));
      const other = await send('REPORT', book, { ...CARDDAV_CLIENT, 'User-Agent': 'DAVx5/4.5.19-ose (dav4jvm; okhttp/4.12.0) Android/16' }, fixture('carddav-sync-collection.xml', { TOKEN: 'http://example.com/sync/42' }), '1');
      expect(other.status).toBe(403);
    });
  });
});
