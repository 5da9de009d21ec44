// Discovery (RFC 6764, RFC 5397, RFC 4791 §6, RFC 6352 §7) and the collection checklist of
// docs/client-compatibility.md: well-known redirects, the root, the principal, the homes, every collection's
// properties, privileges, display names in the employee's language, and OPTIONS.
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { A, C, CR, CS, D, childNamed, childrenNamed, propHrefs, propText, type ResponseEntry } from '../support/multistatus.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PROPFIND = (...props: string[]) =>
  `<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cs="http://calendarserver.org/ns/" xmlns:a="http://apple.com/ns/ical/">
  <d:prop>${props.map((p) => `<${p}/>`).join('')}</d:prop>
</d:propfind>`;

const ANNA = '/dav/principals/anna.meier/';
const ANNA_CAL = '/dav/calendars/anna.meier/';
const ANNA_BOOK_HOME = '/dav/addressbooks/anna.meier/';
const TERMINE = `${ANNA_CAL}termine/`;
const AUFGABEN = `${ANNA_CAL}aufgaben/`;
const BRUNO_SHARED = `${ANNA_CAL}termine-bruno.keller/`;
const KONTAKTE = `${ANNA_BOOK_HOME}kontakte/`;
const MEINE_KUNDEN = `${ANNA_BOOK_HOME}meine-kunden/`;
const GEBURTSTAGE = `${ANNA_CAL}geburtstage/`;

/** Status of a property: '200', '404', or undefined when absent from the response. */
function statusOf(entry: ResponseEntry | undefined, name: string): string | undefined {
  const p = entry?.props.get(name);
  return p ? p.status.split(' ')[1] : undefined;
}

/** Local names of the privileges in a current-user-privilege-set value. */
function privileges(entry: ResponseEntry | undefined): string[] {
  const p = entry?.props.get(D('current-user-privilege-set'));
  if (!p || !p.status.includes(' 200 ')) return [];
  return childrenNamed(p.el, D('privilege'))
    .flatMap((priv) => priv.children.map((c) => c.name))
    .sort();
}

/** Report names in a supported-report-set value. */
function reportsOf(entry: ResponseEntry | undefined): string[] {
  const p = entry?.props.get(D('supported-report-set'));
  if (!p) return [];
  return childrenNamed(p.el, D('supported-report')).flatMap((sr) => childNamed(sr, D('report'))?.children.map((c) => c.name) ?? []);
}

const davTokens = (header: string | null) => (header ?? '').split(',').map((t) => t.trim()).filter(Boolean);
const allowOf = (header: string | null) => davTokens(header).map((m) => m.toUpperCase());

const COLLECTION_CHECKLIST = [
  'd:resourcetype',
  'd:displayname',
  'a:calendar-color',
  'c:calendar-description',
  'card:addressbook-description',
  'd:owner',
  'c:supported-calendar-component-set',
  'c:supported-calendar-data',
  'card:supported-address-data',
  'c:calendar-timezone',
  'c:calendar-timezone-id',
  'c:max-resource-size',
  'card:max-resource-size',
  'card:max-image-size',
  'cs:getctag',
  'd:sync-token',
  'd:supported-report-set',
  'd:current-user-privilege-set',
  'd:current-user-principal',
  'd:getetag',
];

describe('discovery and collection properties', () => {
  let dav: TestServer;
  let ids: { anna: string; bruno: string; carla: string; denise: string; otto: string; annaItem: string; brunoItem: string; contact: string; task: string };

  beforeAll(async () => {
    dav = await startTestServer({
      user: 'anna.meier',
      seed: async (db) => {
        const b = builders(db.pool);
        const anna = await b.addEmployee({ username: 'anna.meier', email: 'anna.meier@broker.ch' });
        const bruno = await b.addEmployee({ username: 'bruno.keller', email: 'bruno.keller@broker.ch' });
        const carla = await b.addEmployee({ username: 'carla.rossi', language: 'it' });
        const denise = await b.addEmployee({ username: 'denise.dubois', language: 'fr' });
        const otto = await b.addEmployee({ username: 'otto.alt', active: false });
        const emma = await b.addEmployee({ username: 'emma.brown', language: 'en' });
        // Bruno and Otto (inactive) share their calendars with Anna; Carla shares with Denise only.
        await b.addShare(bruno, anna);
        await b.addShare(otto, anna);
        await b.addShare(carla, denise);
        await b.addShare(bruno, carla);
        await b.addShare(anna, denise);
        await b.addShare(bruno, emma);
        const annaItem = await b.addAppointment({ ownerId: anna, startsAt: '2026-12-01T09:00:00Z', subject: 'Kundentermin' });
        const brunoItem = await b.addAppointment({ ownerId: bruno, startsAt: '2026-12-02T09:00:00Z', subject: 'Brunos Termin' });
        const contact = await b.addContact({ firstName: 'Hans', lastName: 'Muster' });
        const task = await b.addTask({ assigneeId: anna, subject: 'Offerte senden' });
        ids = { anna, bruno, carla, denise, otto, annaItem, brunoItem, contact, task };
      },
    });
  });
  afterAll(() => dav?.close());

  describe('/.well-known', () => {
    for (const path of ['/.well-known/caldav', '/.well-known/carddav']) {
      for (const method of ['GET', 'PROPFIND']) {
        for (const user of [null, 'anna.meier']) {
          it(`${method} ${path} ${user ? 'with' : 'without'} credentials answers 301 to a path on the same origin`, async () => {
            const r = await dav.request(method, path, {
              user,
              headers: method === 'PROPFIND' ? { Depth: '0' } : {},
              ...(method === 'PROPFIND' ? { body: PROPFIND('d:current-user-principal') } : {}),
            });
            expect(r.status, 'never 308 (Outlook), never 302 with a changed method').toBe(301);
            const location = r.headers.get('location');
            expect(location).toBeTruthy();
            const target = new URL(location!, dav.url);
            expect(target.origin, 'Thunderbird abandons cross-origin redirects once it sent credentials').toBe(new URL(dav.url).origin);
            expect(target.pathname).toBe('/dav/');
          });
        }
      }
    }

    it('the redirect target answers PROPFIND with current-user-principal', async () => {
      const first = await dav.request('PROPFIND', '/.well-known/caldav', { headers: { Depth: '0' }, body: PROPFIND('d:current-user-principal') });
      const target = new URL(first.headers.get('location')!, dav.url).pathname;
      const r = await dav.propfind(target, PROPFIND('d:current-user-principal'), '0');
      expect(r.status).toBe(207);
      expect(propHrefs(r.ms.responses.get(target), D('current-user-principal'))).toEqual([ANNA]);
    });
  });

  describe('root and DAV root', () => {
    for (const path of ['/', '/dav/']) {
      it(`PROPFIND Depth 0 on ${path} yields current-user-principal as an absolute path`, async () => {
        const r = await dav.propfind(path, PROPFIND('d:current-user-principal', 'd:resourcetype', 'd:displayname'), '0');
        expect(r.status).toBe(207);
        expect(r.ms.hrefs, 'the own href as requested').toEqual([path]);
        const self = r.ms.responses.get(path);
        expect(statusOf(self, D('current-user-principal'))).toBe('200');
        expect(propHrefs(self, D('current-user-principal'))).toEqual([ANNA]);
        expect(self?.props.get(D('resourcetype'))?.el.children.map((c) => c.name)).toContain(D('collection'));
        expect(self?.propstatStatuses[0], 'the 200 propstat first').toBe('HTTP/1.1 200 OK');
      });
    }

    // Clients ask the URL they were given (DAVx5 and Thunderbird probe `/`, iOS `/` and the
    // principal, Thunderbird the home): each of them answers every discovery property for the user.
    const DISCOVERY_PROPS = [
      'd:current-user-principal',
      'd:principal-URL',
      'c:calendar-home-set',
      'card:addressbook-home-set',
      'c:calendar-user-address-set',
      'd:displayname',
      'd:resourcetype',
    ];
    for (const path of ['/', '/dav/', ANNA, ANNA_CAL, ANNA_BOOK_HOME]) {
      it(`PROPFIND Depth 0 on ${path} answers every discovery property for the user`, async () => {
        const r = await dav.propfind(path, PROPFIND(...DISCOVERY_PROPS), '0');
        expect(r.status).toBe(207);
        const self = r.ms.responses.get(path);
        expect(self?.propstatStatuses, 'no 404 propstat').toEqual(['HTTP/1.1 200 OK']);
        expect(propHrefs(self, D('current-user-principal'))).toEqual([ANNA]);
        expect(propHrefs(self, D('principal-URL'))).toEqual([ANNA]);
        expect(propHrefs(self, C('calendar-home-set'))).toEqual([ANNA_CAL]);
        expect(propHrefs(self, CR('addressbook-home-set'))).toEqual([ANNA_BOOK_HOME]);
        expect(propHrefs(self, C('calendar-user-address-set'))).toEqual(['mailto:anna.meier@broker.ch', ANNA]);
        expect(propText(self, D('displayname'))!.length).toBeGreaterThan(0);
        expect(self?.props.get(D('resourcetype'))?.el.children.map((c) => c.name)).toContain(D('collection'));
      });
    }

    it('a colleague’s principal describes the colleague, not the user', async () => {
      const path = '/dav/principals/bruno.keller/';
      const r = await dav.propfind(path, PROPFIND(...DISCOVERY_PROPS), '0');
      const p = r.ms.responses.get(path);
      expect(propHrefs(p, D('current-user-principal'))).toEqual([ANNA]);
      expect(propHrefs(p, D('principal-URL'))).toEqual([path]);
      expect(propHrefs(p, C('calendar-home-set'))).toEqual(['/dav/calendars/bruno.keller/']);
      expect(propHrefs(p, C('calendar-user-address-set'))).toEqual(['mailto:bruno.keller@broker.ch', path]);
    });

    it('collections and items do not pretend to be principals', async () => {
      for (const path of [TERMINE, KONTAKTE, `${TERMINE}${ids.annaItem}.ics`]) {
        const r = await dav.propfind(path, PROPFIND('d:principal-URL', 'c:calendar-home-set', 'card:addressbook-home-set'), '0');
        const e = r.ms.responses.get(path);
        for (const name of [D('principal-URL'), C('calendar-home-set'), CR('addressbook-home-set')]) expect(statusOf(e, name), `${path} ${name}`).toBe('404');
      }
    });

    it('PROPFIND on the root without credentials is 401 with a Basic challenge', async () => {
      const r = await dav.request('PROPFIND', '/', { user: null, headers: { Depth: '0' }, body: PROPFIND('d:current-user-principal') });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Basic realm="/);
    });
  });

  describe('the principal', () => {
    it('answers every discovery property', async () => {
      const r = await dav.propfind(
        ANNA,
        PROPFIND(
          'd:resourcetype',
          'd:displayname',
          'd:current-user-principal',
          'd:principal-URL',
          'c:calendar-home-set',
          'card:addressbook-home-set',
          'c:calendar-user-address-set',
          'd:principal-collection-set',
          'd:group-membership',
          'd:supported-report-set',
          'cs:email-address-set',
          'd:owner',
        ),
        '0',
      );
      expect(r.status).toBe(207);
      const p = r.ms.responses.get(ANNA);
      expect(p, `response for ${ANNA}`).toBeDefined();
      expect(p!.props.get(D('resourcetype'))?.el.children.map((c) => c.name)).toContain(D('principal'));
      expect(propText(p, D('displayname'))).toBe('Anna Meier');
      expect(propHrefs(p, D('current-user-principal'))).toEqual([ANNA]);
      expect(propHrefs(p, D('principal-URL'))).toEqual([ANNA]);
      expect(propHrefs(p, C('calendar-home-set'))).toEqual([ANNA_CAL]);
      expect(propHrefs(p, CR('addressbook-home-set'))).toEqual([ANNA_BOOK_HOME]);
      const addresses = propHrefs(p, C('calendar-user-address-set'));
      expect(addresses).toContain('mailto:anna.meier@broker.ch');
      for (const a of addresses) expect(a.startsWith('mailto:') || a.startsWith('/'), `${a}: mailto or an absolute path`).toBe(true);
      expect(propHrefs(p, D('principal-collection-set'))).toEqual(['/dav/principals/']);
      expect(statusOf(p, D('group-membership'))).toBe('200');
      expect(p!.props.get(D('group-membership'))!.el.children, 'no groups').toEqual([]);
      expect(statusOf(p, D('supported-report-set'))).toBe('200');
      expect(reportsOf(p)).toContain(D('expand-property'));
      expect(propHrefs(p, CS('email-address-set'))).toEqual(['mailto:anna.meier@broker.ch']);
      expect(propHrefs(p, D('owner'))).toEqual([ANNA]);
      // Every href property holds a path, never a full URL (Outlook prepends scheme://authority).
      for (const name of [D('current-user-principal'), D('principal-URL'), C('calendar-home-set'), CR('addressbook-home-set')]) {
        for (const h of propHrefs(p, name)) expect(h).toMatch(/^\/dav\//);
      }
    });

    it("a colleague's principal answers 207 with displayname and calendar-user-address-set (Outlook aborts discovery otherwise)", async () => {
      const path = '/dav/principals/bruno.keller/';
      const r = await dav.propfind(path, PROPFIND('d:displayname', 'c:calendar-user-address-set', 'd:resourcetype', 'd:principal-URL'), '0');
      expect(r.status).toBe(207);
      const p = r.ms.responses.get(path);
      expect(propText(p, D('displayname'))).toBe('Bruno Keller');
      expect(propHrefs(p, C('calendar-user-address-set'))).toContain('mailto:bruno.keller@broker.ch');
      expect(propHrefs(p, D('principal-URL'))).toEqual([path]);
    });

    it("an inactive colleague's principal and an unknown one answer 404", async () => {
      for (const path of ['/dav/principals/otto.alt/', '/dav/principals/niemand/']) {
        const r = await dav.request('PROPFIND', path, { headers: { Depth: '0' }, body: PROPFIND('d:displayname') });
        expect(r.status, path).toBe(404);
      }
    });

    it('the principal collection lists the user only', async () => {
      const r = await dav.propfind('/dav/principals/', PROPFIND('d:displayname', 'd:resourcetype'), '1');
      expect(r.status).toBe(207);
      expect(r.ms.hrefs).toEqual(['/dav/principals/', ANNA]);
    });
  });

  describe('the homes', () => {
    it('the calendar home lists Termine, Aufgaben, Geburtstage and the calendar of each active colleague who shares his', async () => {
      const r = await dav.propfind(ANNA_CAL, PROPFIND('d:resourcetype', 'd:displayname', 'a:calendar-color', 'c:supported-calendar-component-set'), '1');
      expect(r.status).toBe(207);
      expect(new Set(r.ms.hrefs)).toEqual(new Set([ANNA_CAL, TERMINE, AUFGABEN, GEBURTSTAGE, BRUNO_SHARED]));
      const home = r.ms.responses.get(ANNA_CAL);
      expect(home?.props.get(D('resourcetype'))?.el.children.map((c) => c.name)).toEqual([D('collection')]);
      const comps = (href: string) =>
        childrenNamed(r.ms.responses.get(href)?.props.get(C('supported-calendar-component-set'))?.el, C('comp')).map((c) => c.attrs.name);
      expect(comps(TERMINE)).toEqual(['VEVENT']);
      expect(comps(AUFGABEN), 'never mixed (iOS Reminders)').toEqual(['VTODO']);
      expect(comps(BRUNO_SHARED)).toEqual(['VEVENT']);
      expect(comps(GEBURTSTAGE)).toEqual(['VEVENT']);
      expect(propText(r.ms.responses.get(GEBURTSTAGE), D('displayname'))).toBe('Geburtstage');
      expect(propText(r.ms.responses.get(TERMINE), D('displayname'))).toBe('Termine');
      expect(propText(r.ms.responses.get(AUFGABEN), D('displayname'))).toBe('Aufgaben');
      expect(propText(r.ms.responses.get(BRUNO_SHARED), D('displayname'))).toContain('Bruno Keller');
      for (const h of [TERMINE, AUFGABEN, GEBURTSTAGE, BRUNO_SHARED]) {
        expect(r.ms.responses.get(h)?.props.get(D('resourcetype'))?.el.children.map((c) => c.name).sort()).toEqual(
          [C('calendar'), D('collection')].sort(),
        );
        expect(propText(r.ms.responses.get(h), A('calendar-color'))).toMatch(/^#[0-9A-F]{8}$/i);
      }
    });

    it('the address-book home lists Kontakte and Meine Kunden', async () => {
      const r = await dav.propfind(ANNA_BOOK_HOME, PROPFIND('d:resourcetype', 'd:displayname'), '1');
      expect(r.status).toBe(207);
      expect(r.ms.hrefs).toEqual([ANNA_BOOK_HOME, KONTAKTE, MEINE_KUNDEN]);
      expect(propText(r.ms.responses.get(KONTAKTE), D('displayname'))).toBe('Kontakte');
      expect(propText(r.ms.responses.get(MEINE_KUNDEN), D('displayname'))).toBe('Meine Kunden');
      expect(r.ms.responses.get(KONTAKTE)?.props.get(D('resourcetype'))?.el.children.map((c) => c.name).sort()).toEqual(
        [CR('addressbook'), D('collection')].sort(),
      );
    });

    it("a colleague's calendar that is not shared with the user, or whose owner left, is not there (404)", async () => {
      for (const slug of ['termine-carla.rossi', 'termine-otto.alt', 'termine-anna.meier', 'kontakte']) {
        const r = await dav.request('PROPFIND', `${ANNA_CAL}${slug}/`, { headers: { Depth: '0' }, body: PROPFIND('d:displayname') });
        expect(r.status, slug).toBe(404);
      }
      for (const slug of ['termine', 'aufgaben']) {
        const r = await dav.request('PROPFIND', `${ANNA_BOOK_HOME}${slug}/`, { headers: { Depth: '0' }, body: PROPFIND('d:displayname') });
        expect(r.status, `address-book home: ${slug}`).toBe(404);
      }
    });
  });

  describe('collection checklist (docs/client-compatibility.md)', () => {
    const calendars = [TERMINE, AUFGABEN, BRUNO_SHARED];

    for (const path of [TERMINE, AUFGABEN, BRUNO_SHARED, GEBURTSTAGE]) {
      it(`${path} answers every calendar property`, async () => {
        const r = await dav.propfind(path, PROPFIND(...COLLECTION_CHECKLIST), '0');
        expect(r.status).toBe(207);
        const e = r.ms.responses.get(path);
        expect(e).toBeDefined();
        expect(e!.propstatStatuses).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 404 Not Found']);
        const ok = [
          D('resourcetype'),
          D('displayname'),
          A('calendar-color'),
          C('calendar-description'),
          D('owner'),
          C('supported-calendar-component-set'),
          C('supported-calendar-data'),
          C('calendar-timezone'),
          C('calendar-timezone-id'),
          C('max-resource-size'),
          CS('getctag'),
          D('sync-token'),
          D('supported-report-set'),
          D('current-user-privilege-set'),
          D('current-user-principal'),
        ];
        for (const name of ok) expect(statusOf(e, name), name).toBe('200');
        expect(statusOf(e, D('getetag')), 'collections never carry getetag (Outlook)').toBe('404');
        for (const name of [CR('addressbook-description'), CR('supported-address-data'), CR('max-image-size')]) {
          expect(statusOf(e, name), name).toBe('404');
        }
        expect(propText(e, D('displayname'))!.length).toBeGreaterThan(0);
        expect(propText(e, C('calendar-description'))!.length).toBeGreaterThan(0);
        const owner = path === BRUNO_SHARED ? '/dav/principals/bruno.keller/' : ANNA;
        expect(propHrefs(e, D('owner'))).toEqual([owner]);
        const data = childrenNamed(e!.props.get(C('supported-calendar-data'))!.el, C('calendar-data'));
        expect(data.map((d) => [d.attrs['content-type'], d.attrs.version])).toEqual([['text/calendar', '2.0']]);
        expect(propText(e, C('calendar-timezone-id'))).toBe('Europe/Zurich');
        const tz = new ICAL.Component(ICAL.parse(propText(e, C('calendar-timezone'))!));
        expect(tz.name).toBe('vcalendar');
        expect(tz.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid'))).toEqual(['Europe/Zurich']);
        expect(Number(propText(e, C('max-resource-size')))).toBe(dav.config.maxResourceSize);
        const ctag = propText(e, CS('getctag'))!;
        const token = propText(e, D('sync-token'))!;
        expect(ctag.length).toBeGreaterThan(0);
        expect(token, 'a sync token is a URI').toMatch(/^[a-z][a-z0-9+.-]*:\S+$/i);
        expect(reportsOf(e)).toEqual(expect.arrayContaining([C('calendar-query'), C('calendar-multiget'), D('sync-collection')]));
        expect(reportsOf(e)).not.toContain(CR('addressbook-query'));
        expect(propHrefs(e, D('current-user-principal'))).toEqual([ANNA]);
      });
    }

    it(`${KONTAKTE} answers every address-book property`, async () => {
      const r = await dav.propfind(KONTAKTE, PROPFIND(...COLLECTION_CHECKLIST), '0');
      expect(r.status).toBe(207);
      const e = r.ms.responses.get(KONTAKTE);
      expect(e!.propstatStatuses).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 404 Not Found']);
      for (const name of [
        D('resourcetype'),
        D('displayname'),
        CR('addressbook-description'),
        D('owner'),
        CR('supported-address-data'),
        CR('max-resource-size'),
        CR('max-image-size'),
        CS('getctag'),
        D('sync-token'),
        D('supported-report-set'),
        D('current-user-privilege-set'),
      ]) {
        expect(statusOf(e, name), name).toBe('200');
      }
      expect(statusOf(e, D('getetag')), 'collections never carry getetag (Outlook)').toBe('404');
      for (const name of [C('supported-calendar-component-set'), C('calendar-timezone'), C('max-resource-size'), C('calendar-description')]) {
        expect(statusOf(e, name), name).toBe('404');
      }
      expect(propText(e, CR('addressbook-description'))!.length).toBeGreaterThan(0);
      expect(propHrefs(e, D('owner'))).toEqual([ANNA]);
      const types = childrenNamed(e!.props.get(CR('supported-address-data'))!.el, CR('address-data-type'));
      expect(types.map((t) => [t.attrs['content-type'], t.attrs.version]), '3.0 only (iOS)').toEqual([['text/vcard', '3.0']]);
      expect(Number(propText(e, CR('max-resource-size')))).toBe(dav.config.maxResourceSize);
      const maxImage = Number(propText(e, CR('max-image-size')));
      expect(maxImage).toBeGreaterThan(10_000);
      expect(propText(e, D('sync-token'))).toMatch(/^[a-z][a-z0-9+.-]*:\S+$/i);
      expect(reportsOf(e)).toEqual(expect.arrayContaining([CR('addressbook-query'), CR('addressbook-multiget'), D('sync-collection')]));
      expect(reportsOf(e)).not.toContain(C('calendar-query'));
    });

    it('collections carry no getetag in allprop either, but their members do', async () => {
      for (const path of [...calendars, KONTAKTE]) {
        const r = await dav.propfind(path, '<d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>', '1');
        expect(r.status).toBe(207);
        expect(r.ms.responses.get(path)?.props.has(D('getetag')), path).toBe(false);
        const members = r.ms.hrefs.filter((h) => h !== path);
        expect(members.length, `${path} has members`).toBeGreaterThan(0);
        for (const m of members) expect(propText(r.ms.responses.get(m), D('getetag')), m).toMatch(/^"[^"]+"$/);
      }
    });

    it('getctag equals the sync token and agrees between Depth 0 and the home listing', async () => {
      const home = await dav.propfind(ANNA_CAL, PROPFIND('cs:getctag', 'd:sync-token'), '1');
      for (const path of calendars) {
        const own = await dav.propfind(path, PROPFIND('cs:getctag', 'd:sync-token'), '0');
        expect(propText(own.ms.responses.get(path), CS('getctag'))).toBe(propText(home.ms.responses.get(path), CS('getctag')));
        expect(propText(own.ms.responses.get(path), D('sync-token'))).toBe(propText(home.ms.responses.get(path), D('sync-token')));
      }
    });
  });

  describe('current-user-privilege-set', () => {
    const READ = [D('read'), D('read-current-user-privilege-set')].sort();
    const READ_WRITE = [D('read'), D('read-current-user-privilege-set'), D('write-content')].sort();
    /** Own Termine and Aufgaben also take their colour and order (write-properties); their members do not. */
    const COLLECTION_READ_WRITE = [...READ_WRITE, D('write-properties')].sort();

    it('read and write-content on own Termine and Aufgaben; read only on Kontakte and colleagues’ calendars', async () => {
      const r = await dav.propfind(ANNA_CAL, PROPFIND('d:current-user-privilege-set'), '1');
      expect(privileges(r.ms.responses.get(TERMINE))).toEqual(COLLECTION_READ_WRITE);
      expect(privileges(r.ms.responses.get(AUFGABEN))).toEqual(COLLECTION_READ_WRITE);
      expect(privileges(r.ms.responses.get(BRUNO_SHARED))).toEqual(READ);
      const book = await dav.propfind(KONTAKTE, PROPFIND('d:current-user-privilege-set'), '0');
      expect(privileges(book.ms.responses.get(KONTAKTE))).toEqual(READ);
      for (const entry of [...r.ms.responses.values(), ...book.ms.responses.values()]) {
        for (const never of [D('bind'), D('unbind'), D('write'), D('all')]) expect(privileges(entry), entry.href).not.toContain(never);
      }
    });

    it('members carry the privileges of their collection', async () => {
      const item = `${TERMINE}${ids.annaItem}.ics`;
      const shared = `${BRUNO_SHARED}${ids.brunoItem}.ics`;
      const card = `${KONTAKTE}${ids.contact}.vcf`;
      const task = `${AUFGABEN}${ids.task}.ics`;
      for (const [path, expected] of [
        [item, READ_WRITE],
        [task, READ_WRITE],
        [shared, READ],
        [card, READ],
      ] as const) {
        const r = await dav.propfind(path, PROPFIND('d:current-user-privilege-set'), '0');
        expect(r.status, path).toBe(207);
        expect(privileges(r.ms.responses.get(path)), path).toEqual(expected);
      }
    });

    it('everything is read only with clientEdits off', async () => {
      const ro = await startTestServer({
        user: 'anna.meier',
        config: { clientEdits: false },
        seed: async (db) => {
          const b = builders(db.pool);
          const anna = await b.addEmployee({ username: 'anna.meier' });
          const bruno = await b.addEmployee({ username: 'bruno.keller' });
          await b.addShare(bruno, anna);
          await b.addAppointment({ ownerId: anna, startsAt: '2026-12-01T09:00:00Z' });
          await b.addTask({ assigneeId: anna, subject: 'Aufgabe' });
        },
      });
      try {
        const r = await ro.propfind(ANNA_CAL, PROPFIND('d:current-user-privilege-set'), '1');
        expect(new Set(r.ms.hrefs)).toEqual(new Set([ANNA_CAL, TERMINE, AUFGABEN, GEBURTSTAGE, BRUNO_SHARED]));
        for (const h of [TERMINE, AUFGABEN, GEBURTSTAGE, BRUNO_SHARED]) expect(privileges(r.ms.responses.get(h)), h).toEqual(READ);
        const book = await ro.propfind(KONTAKTE, PROPFIND('d:current-user-privilege-set'), '1');
        expect(privileges(book.ms.responses.get(KONTAKTE))).toEqual(READ);
        const items = await ro.propfind(TERMINE, PROPFIND('d:current-user-privilege-set'), '1');
        const members = items.ms.hrefs.filter((h) => h !== TERMINE);
        expect(members).toHaveLength(1);
        expect(privileges(items.ms.responses.get(members[0]!))).toEqual(READ);
        const opts = await ro.request('OPTIONS', members[0]!);
        expect(opts.status).toBe(200);
        expect(allowOf(opts.headers.get('allow'))).not.toContain('PUT');
        const tasks = await ro.propfind(AUFGABEN, PROPFIND('d:getetag'), '1');
        for (const h of tasks.ms.hrefs.filter((x) => x !== AUFGABEN)) {
          expect(allowOf((await ro.request('OPTIONS', h)).headers.get('allow'))).not.toContain('PUT');
        }
      } finally {
        await ro.close();
      }
    });
  });

  describe('display names in the employee’s language', () => {
    it('French', async () => {
      const r = await dav.propfind('/dav/calendars/denise.dubois/', PROPFIND('d:displayname', 'c:calendar-description'), '1', { user: 'denise.dubois' });
      expect(r.status).toBe(207);
      const name = (h: string) => propText(r.ms.responses.get(h), D('displayname'));
      expect(name('/dav/calendars/denise.dubois/termine/')).toBe('Rendez-vous');
      expect(name('/dav/calendars/denise.dubois/aufgaben/')).toBe('Tâches');
      expect(name('/dav/calendars/denise.dubois/termine-carla.rossi/')).toBe('Rendez-vous de Carla Rossi');
      expect(name('/dav/calendars/denise.dubois/termine-anna.meier/')).toBe("Rendez-vous d'Anna Meier");
      expect(propText(r.ms.responses.get('/dav/calendars/denise.dubois/aufgaben/'), C('calendar-description'))).toMatch(/BrokerStar/);
      const book = await dav.propfind('/dav/addressbooks/denise.dubois/', PROPFIND('d:displayname'), '1', { user: 'denise.dubois' });
      expect(propText(book.ms.responses.get('/dav/addressbooks/denise.dubois/kontakte/'), D('displayname'))).toBe('Contacts');
    });

    it('English', async () => {
      const r = await dav.propfind('/dav/calendars/emma.brown/', PROPFIND('d:displayname', 'c:calendar-description'), '1', { user: 'emma.brown' });
      expect(r.status).toBe(207);
      const name = (h: string) => propText(r.ms.responses.get(h), D('displayname'));
      expect(name('/dav/calendars/emma.brown/')).toBe('Calendars');
      expect(name('/dav/calendars/emma.brown/termine/')).toBe('Appointments');
      expect(name('/dav/calendars/emma.brown/aufgaben/')).toBe('Tasks');
      expect(name('/dav/calendars/emma.brown/termine-bruno.keller/')).toBe("Bruno Keller's appointments");
      expect(propText(r.ms.responses.get('/dav/calendars/emma.brown/termine/'), C('calendar-description'))).toMatch(/^Your BrokerStar appointments/);
      expect(propText(r.ms.responses.get('/dav/calendars/emma.brown/termine-bruno.keller/'), C('calendar-description'))).toBe("Bruno Keller's calendar (read-only)");
      const book = await dav.propfind('/dav/addressbooks/emma.brown/', PROPFIND('d:displayname', 'card:addressbook-description'), '1', { user: 'emma.brown' });
      expect(propText(book.ms.responses.get('/dav/addressbooks/emma.brown/'), D('displayname'))).toBe('Address books');
      expect(propText(book.ms.responses.get('/dav/addressbooks/emma.brown/kontakte/'), D('displayname'))).toBe('Contacts');
      expect(propText(book.ms.responses.get('/dav/addressbooks/emma.brown/kontakte/'), CR('addressbook-description'))).toMatch(/^Your BrokerStar contacts/);
      // The URLs stay German: a language change in BrokerStar must not move the collections.
      expect(r.ms.hrefs).toContain('/dav/calendars/emma.brown/termine/');
    });

    it('Italian', async () => {
      const r = await dav.propfind('/dav/calendars/carla.rossi/', PROPFIND('d:displayname'), '1', { user: 'carla.rossi' });
      expect(r.status).toBe(207);
      const name = (h: string) => propText(r.ms.responses.get(h), D('displayname'));
      expect(name('/dav/calendars/carla.rossi/termine/')).toBe('Appuntamenti');
      expect(name('/dav/calendars/carla.rossi/aufgaben/')).toBe('Attività');
      expect(name('/dav/calendars/carla.rossi/termine-bruno.keller/')).toBe('Appuntamenti di Bruno Keller');
      const book = await dav.propfind('/dav/addressbooks/carla.rossi/', PROPFIND('d:displayname'), '1', { user: 'carla.rossi' });
      expect(propText(book.ms.responses.get('/dav/addressbooks/carla.rossi/kontakte/'), D('displayname'))).toBe('Contatti');
    });
  });

  describe('OPTIONS', () => {
    const urls = () => ({
      root: '/',
      davRoot: '/dav/',
      principal: ANNA,
      colleague: '/dav/principals/bruno.keller/',
      calendarHome: ANNA_CAL,
      bookHome: ANNA_BOOK_HOME,
      termine: TERMINE,
      aufgaben: AUFGABEN,
      shared: BRUNO_SHARED,
      kontakte: KONTAKTE,
      event: `${TERMINE}${ids.annaItem}.ics`,
      task: `${AUFGABEN}${ids.task}.ics`,
      sharedEvent: `${BRUNO_SHARED}${ids.brunoItem}.ics`,
      card: `${KONTAKTE}${ids.contact}.vcf`,
    });

    it('answers 200 with the DAV classes every client needs, and no scheduling', async () => {
      for (const [what, path] of Object.entries(urls())) {
        const r = await dav.request('OPTIONS', path);
        expect(r.status, what).toBe(200);
        const tokens = davTokens(r.headers.get('dav'));
        expect(tokens, what).toEqual(expect.arrayContaining(['1', '3', 'access-control', 'calendar-access', 'addressbook']));
        expect(tokens, what).not.toContain('calendar-auto-schedule');
        expect(tokens, what).not.toContain('calendar-schedule');
        const allow = allowOf(r.headers.get('allow'));
        expect(allow, what).toEqual(expect.arrayContaining(['OPTIONS', 'GET', 'HEAD', 'PROPFIND', 'REPORT']));
        for (const never of ['DELETE', 'MKCOL', 'MKCALENDAR', 'MOVE', 'COPY', 'LOCK']) expect(allow, what).not.toContain(never);
        // PROPPATCH (colour and order) only where write-properties is granted: own Termine and Aufgaben.
        if (what === 'termine' || what === 'aufgaben') expect(allow, what).toContain('PROPPATCH');
        else expect(allow, what).not.toContain('PROPPATCH');
      }
    });

    it('lists PUT only where write-content is granted', async () => {
      const u = urls();
      const writable = new Set([u.event, u.task]);
      for (const [what, path] of Object.entries(u)) {
        const allow = allowOf((await dav.request('OPTIONS', path)).headers.get('allow'));
        if (writable.has(path)) expect(allow, what).toContain('PUT');
        else expect(allow, what).not.toContain('PUT');
      }
    });

    it('a member that does not exist answers 404, so no Allow ever offers a PUT that would be refused as a create', async () => {
      for (const path of [`${TERMINE}999999.ics`, `${AUFGABEN}999999.ics`, `${BRUNO_SHARED}999999.ics`, `${KONTAKTE}999999.vcf`]) {
        const r = await dav.request('OPTIONS', path);
        expect(r.status, path).toBe(404);
        expect(r.headers.get('allow'), path).toBeNull();
      }
      // What a client would do there: create, which is refused.
      const put = await dav.request('PUT', `${TERMINE}999999.ics`, {
        headers: { 'Content-Type': 'text/calendar; charset=utf-8', 'If-None-Match': '*' },
        body: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260101T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n',
      });
      expect(put.status).toBe(403);
    });

    it('answers an unknown method with 405 and the same Allow as OPTIONS on that URL', async () => {
      const u = urls();
      for (const [what, path] of Object.entries(u)) {
        const options = await dav.request('OPTIONS', path);
        for (const method of ['PATCH', 'SEARCH']) {
          const r = await dav.request(method, path);
          expect(r.status, `${method} ${what}`).toBe(405);
          expect(allowOf(r.headers.get('allow')), `${method} ${what}`).toEqual(allowOf(options.headers.get('allow')));
        }
      }
      expect(allowOf((await dav.request('PATCH', u.event)).headers.get('allow'))).toContain('PUT');
      expect(allowOf((await dav.request('PATCH', u.sharedEvent)).headers.get('allow'))).not.toContain('PUT');
      // Nothing there: 404, as for every other method.
      expect((await dav.request('PATCH', `${TERMINE}999999.ics`)).status).toBe(404);
      expect((await dav.request('PATCH', '/dav/calendars/bruno.keller/termine/')).status).toBe(404);
    });

    it("another user's URLs answer 404, not 200", async () => {
      for (const path of ['/dav/calendars/bruno.keller/', '/dav/calendars/bruno.keller/termine/', `/dav/calendars/bruno.keller/termine/${ids.brunoItem}.ics`]) {
        expect((await dav.request('OPTIONS', path)).status, path).toBe(404);
      }
    });
  });
});
