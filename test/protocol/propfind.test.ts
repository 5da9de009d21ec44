// PROPFIND (RFC 4918 §9.1): Depth 0 and 1, prop / allprop (+ include) / propname, 404 propstats,
// refused depths and bad bodies, and the member properties clients sync by (getetag, getcontenttype).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnnaServer } from '../support/anna.js';
import { C, CR, CS, D, errorConditions, propText, type ResponseEntry } from '../support/multistatus.js';
import type { TestServer } from '../support/server.js';

const TERMINE = '/dav/calendars/anna.meier/termine/';
const AUFGABEN = '/dav/calendars/anna.meier/aufgaben/';
const KONTAKTE = '/dav/addressbooks/anna.meier/kontakte/';

const PROPS = (...props: string[]) =>
  `<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cs="http://calendarserver.org/ns/" xmlns:x="http://example.com/ns/">
  <d:prop>${props.map((p) => `<${p}/>`).join('')}</d:prop>
</d:propfind>`;

const ALLPROP = '<?xml version="1.0" encoding="utf-8"?><propfind xmlns="DAV:"><allprop/></propfind>';
const PROPNAME = '<?xml version="1.0" encoding="utf-8"?><propfind xmlns="DAV:"><propname/></propfind>';

const statusOf = (entry: ResponseEntry | undefined, name: string) => entry?.props.get(name)?.status;
const QUOTED_STRONG = /^"[^"\s]+"$/;

describe('PROPFIND', () => {
  let dav: TestServer;
  let ids: { event: string; task: string; contacts: string[] };

  beforeAll(async () => {
    dav = await startAnnaServer(async ({ b, anna }) => {
      const event = await b.addAppointment({ ownerId: anna, startsAt: '2026-12-01T09:00:00Z', subject: 'Kundentermin' });
      const task = await b.addTask({ assigneeId: anna, subject: 'Offerte senden' });
      const contacts = [
        await b.addContact({ firstName: 'Hans', lastName: 'Muster', emails: ['hans@muster.ch'] }),
        await b.addContact({ companyName: 'Muster AG' }),
      ];
      ids = { event, task, contacts };
    });
  });
  afterAll(() => dav?.close());

  describe('Depth', () => {
    it('Depth 0 answers the collection only', async () => {
      const r = await dav.propfind(KONTAKTE, PROPS('d:displayname', 'd:resourcetype'), '0');
      expect(r.status).toBe(207);
      expect(r.headers.get('content-type')).toMatch(/^application\/xml; charset=utf-8/);
      expect(r.ms.hrefs).toEqual([KONTAKTE]);
    });

    it('Depth 1 answers the collection and every member', async () => {
      const r = await dav.propfind(KONTAKTE, PROPS('d:getetag', 'd:getcontenttype'), '1');
      expect(r.status).toBe(207);
      expect(r.ms.hrefs[0], 'the collection first').toBe(KONTAKTE);
      expect(new Set(r.ms.hrefs.slice(1))).toEqual(new Set(ids.contacts.map((id) => `${KONTAKTE}${id}.vcf`)));
    });

    it('Depth 1 on a member answers just the member', async () => {
      const path = `${TERMINE}${ids.event}.ics`;
      const r = await dav.propfind(path, PROPS('d:getetag'), '1');
      expect(r.status).toBe(207);
      expect(r.ms.hrefs).toEqual([path]);
    });

    it('a missing Depth header is read as 0', async () => {
      const r = await dav.request('PROPFIND', KONTAKTE, { body: PROPS('d:displayname') });
      expect(r.status).toBe(207);
      expect(r.text).not.toContain('.vcf');
    });

    it('Depth: infinity is refused with 403 and DAV:propfind-finite-depth', async () => {
      for (const path of ['/dav/', TERMINE, KONTAKTE]) {
        const r = await dav.request('PROPFIND', path, { headers: { Depth: 'infinity' }, body: PROPS('d:displayname') });
        expect(r.status, path).toBe(403);
        expect(await errorConditions(r.text), path).toContain(D('propfind-finite-depth'));
      }
    });

    for (const depth of ['2', 'one', '-1', '0, 1', '']) {
      it(`Depth: "${depth}" is a bad request (400, never 500)`, async () => {
        const r = await dav.request('PROPFIND', KONTAKTE, { headers: { Depth: depth }, body: PROPS('d:displayname') });
        expect(r.status).toBe(400);
      });
    }
  });

  describe('prop', () => {
    it('unknown and foreign-namespace properties come in a 404 propstat after the 200 one, with exact status lines', async () => {
      const r = await dav.propfind(
        KONTAKTE,
        PROPS('d:displayname', 'd:no-such-property', 'x:foreign', 'c:calendar-timezone', 'cs:getctag'),
        '0',
      );
      expect(r.status).toBe(207);
      const e = r.ms.responses.get(KONTAKTE)!;
      expect(e.propstatStatuses).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 404 Not Found']);
      expect(statusOf(e, D('displayname'))).toBe('HTTP/1.1 200 OK');
      expect(statusOf(e, CS('getctag'))).toBe('HTTP/1.1 200 OK');
      expect(statusOf(e, D('no-such-property'))).toBe('HTTP/1.1 404 Not Found');
      expect(statusOf(e, '{http://example.com/ns/}foreign')).toBe('HTTP/1.1 404 Not Found');
      expect(statusOf(e, C('calendar-timezone')), 'a calendar property on an address book').toBe('HTTP/1.1 404 Not Found');
      // The 404 elements are empty.
      expect(e.props.get('{http://example.com/ns/}foreign')!.el.children).toEqual([]);
      expect(e.props.get('{http://example.com/ns/}foreign')!.el.text.trim()).toBe('');
    });

    it('only unknown properties: a single 404 propstat', async () => {
      const r = await dav.propfind(KONTAKTE, PROPS('x:one', 'x:two'), '0');
      expect(r.status).toBe(207);
      const e = r.ms.responses.get(KONTAKTE)!;
      expect(e.propstatStatuses).toEqual(['HTTP/1.1 404 Not Found']);
      expect([...e.props.keys()].sort()).toEqual(['{http://example.com/ns/}one', '{http://example.com/ns/}two']);
    });

    it('the namespace prefix does not matter, a default namespace works too', async () => {
      const r = await dav.propfind(
        KONTAKTE,
        '<propfind xmlns="DAV:"><prop><displayname/><getctag xmlns="http://calendarserver.org/ns/"/></prop></propfind>',
        '0',
      );
      const e = r.ms.responses.get(KONTAKTE)!;
      expect(propText(e, D('displayname'))).toBe('Kontakte');
      expect(propText(e, CS('getctag'))).toBeTruthy();
    });

    it('members carry a quoted strong getetag identical to the ETag header of GET', async () => {
      for (const [collection, type] of [
        [KONTAKTE, /^text\/vcard; charset=utf-8$/],
        [TERMINE, /^text\/calendar; charset=utf-8; component=VEVENT$/],
        [AUFGABEN, /^text\/calendar; charset=utf-8; component=VTODO$/],
      ] as const) {
        const r = await dav.propfind(collection, PROPS('d:getetag', 'd:getcontenttype', 'd:resourcetype'), '1');
        expect(r.status).toBe(207);
        const members = r.ms.hrefs.filter((h) => h !== collection);
        expect(members.length, collection).toBeGreaterThan(0);
        for (const h of members) {
          const e = r.ms.responses.get(h)!;
          expect(e.propstatStatuses, h).toEqual(['HTTP/1.1 200 OK']);
          const etag = propText(e, D('getetag'))!;
          expect(etag, h).toMatch(QUOTED_STRONG);
          expect(propText(e, D('getcontenttype')), h).toMatch(type);
          expect(e.props.get(D('resourcetype'))!.el.children, 'members are not collections').toEqual([]);
          const get = await dav.request('GET', h);
          expect(get.status).toBe(200);
          expect(get.headers.get('etag'), h).toBe(etag);
          const depth0 = await dav.propfind(h, PROPS('d:getetag'), '0');
          expect(propText(depth0.ms.responses.get(h), D('getetag')), 'Depth 0 on the member agrees').toBe(etag);
        }
      }
    });

    it('member getcontentlength and getlastmodified match GET', async () => {
      const h = `${KONTAKTE}${ids.contacts[0]}.vcf`;
      const r = await dav.propfind(h, PROPS('d:getcontentlength', 'd:getlastmodified'), '0');
      const get = await dav.request('GET', h);
      expect(Number(propText(r.ms.responses.get(h), D('getcontentlength')))).toBe(Buffer.byteLength(get.text));
      expect(propText(r.ms.responses.get(h), D('getlastmodified'))).toBe(get.headers.get('last-modified'));
    });
  });

  describe('allprop and propname', () => {
    it('allprop lists the live properties that exist, without a 404 propstat', async () => {
      const r = await dav.propfind(KONTAKTE, ALLPROP, '1');
      expect(r.status).toBe(207);
      const own = r.ms.responses.get(KONTAKTE)!;
      expect(own.propstatStatuses).toEqual(['HTTP/1.1 200 OK']);
      expect(propText(own, D('displayname'))).toBe('Kontakte');
      expect(own.props.get(D('resourcetype'))!.el.children.map((c) => c.name)).toContain(CR('addressbook'));
      expect(own.props.has(D('getetag'))).toBe(false);
      const member = r.ms.responses.get(`${KONTAKTE}${ids.contacts[0]}.vcf`)!;
      expect(member.propstatStatuses).toEqual(['HTTP/1.1 200 OK']);
      for (const name of [D('getetag'), D('getcontenttype'), D('getcontentlength'), D('getlastmodified'), D('resourcetype')]) {
        expect(member.props.has(name), name).toBe(true);
      }
      expect(propText(member, D('getetag'))).toMatch(QUOTED_STRONG);
      // RFC 4918 §9.1: allprop need not return properties defined elsewhere (ACL, sync).
      expect(member.props.has(D('current-user-privilege-set'))).toBe(false);
    });

    it('allprop with include adds the named properties', async () => {
      const r = await dav.propfind(
        KONTAKTE,
        '<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:allprop/><d:include><d:sync-token/><cs:getctag/><d:current-user-privilege-set/></d:include></d:propfind>',
        '0',
      );
      expect(r.status).toBe(207);
      const e = r.ms.responses.get(KONTAKTE)!;
      expect(propText(e, D('displayname'))).toBe('Kontakte');
      expect(propText(e, D('sync-token'))).toBeTruthy();
      expect(propText(e, CS('getctag'))).toBe(propText(e, D('sync-token')));
      expect(statusOf(e, D('current-user-privilege-set'))).toBe('HTTP/1.1 200 OK');
    });

    it('an empty body is allprop, plus DAV:current-user-principal (discovery after a redirect that dropped the body)', async () => {
      const empty = await dav.request('PROPFIND', KONTAKTE, { headers: { Depth: '1' }, body: '' });
      const all = await dav.propfind(KONTAKTE, ALLPROP, '1');
      expect(empty.status).toBe(207);
      const { parseMultistatus } = await import('../support/multistatus.js');
      const ms = await parseMultistatus(empty.text);
      expect(ms.hrefs).toEqual(all.ms.hrefs);
      const cup = '{DAV:}current-user-principal';
      for (const h of ms.hrefs) {
        expect([...ms.responses.get(h)!.props.keys()].filter((k) => k !== cup).sort(), h).toEqual([...all.ms.responses.get(h)!.props.keys()].sort());
        expect(ms.responses.get(h)!.props.has(cup), h).toBe(true);
      }
    });

    it('a request with no body at all is allprop too', async () => {
      const res = await fetch(dav.url + KONTAKTE, {
        method: 'PROPFIND',
        headers: { Depth: '0', Authorization: `Basic ${Buffer.from(`anna.meier:${await dav.passwordOf('anna.meier')}`).toString('base64')}` },
      });
      expect(res.status).toBe(207);
      expect(await res.text()).toContain('Kontakte');
    });

    it('propname lists names without values', async () => {
      const r = await dav.propfind(TERMINE, PROPNAME, '1');
      expect(r.status).toBe(207);
      const own = r.ms.responses.get(TERMINE)!;
      expect(own.propstatStatuses).toEqual(['HTTP/1.1 200 OK']);
      for (const name of [D('displayname'), D('resourcetype'), CS('getctag'), D('sync-token'), C('supported-calendar-component-set'), D('current-user-privilege-set')]) {
        expect(own.props.has(name), name).toBe(true);
      }
      expect(own.props.has(D('getetag')), 'not on collections').toBe(false);
      for (const v of own.props.values()) {
        expect(v.el.children, v.el.name).toEqual([]);
        expect(v.el.text.trim(), v.el.name).toBe('');
      }
      const member = r.ms.responses.get(`${TERMINE}${ids.event}.ics`)!;
      expect(member.props.has(D('getetag'))).toBe(true);
      expect(member.props.get(D('getetag'))!.el.text.trim()).toBe('');
    });
  });

  describe('hrefs', () => {
    it("echoes the collection's own href as the client spelled it", async () => {
      for (const spelled of ['/dav/addressbooks/anna.meier/kontakte', '/dav/addressbooks/anna%2Emeier/kontakte/', '/dav//addressbooks/anna.meier/kontakte/']) {
        const r = await dav.propfind(spelled, PROPS('d:displayname'), '1');
        expect(r.status, spelled).toBe(207);
        expect(r.ms.hrefs[0], spelled).toBe(spelled);
        expect(propText(r.ms.responses.get(spelled), D('displayname'))).toBe('Kontakte');
        // Members keep the canonical form.
        for (const h of r.ms.hrefs.slice(1)) expect(h).toMatch(/^\/dav\/addressbooks\/anna\.meier\/kontakte\/\d+\.vcf$/);
      }
    });

    it('every href is an absolute path and collections end with /', async () => {
      const r = await dav.propfind('/dav/calendars/anna.meier/', PROPS('d:resourcetype'), '1');
      for (const h of r.ms.hrefs) {
        expect(h).toMatch(/^\/dav\/.*\/$/);
      }
    });

    it('a missing member is 404', async () => {
      const r = await dav.request('PROPFIND', `${KONTAKTE}999999.vcf`, { headers: { Depth: '0' }, body: PROPS('d:getetag') });
      expect(r.status).toBe(404);
    });
  });

  describe('bad bodies (400, never 500)', () => {
    const bad: Record<string, string> = {
      'malformed XML': '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag></d:prop></d:propfind>',
      'not XML at all': 'hello',
      'a DOCTYPE': '<?xml version="1.0"?><!DOCTYPE d:propfind [<!ENTITY x "y">]><d:propfind xmlns:d="DAV:"><d:prop><d:displayname/></d:prop></d:propfind>',
      'an entity bomb': `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&lol2;</d:displayname></d:prop></d:propfind>`,
      'a non-propfind root': '<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>x</d:displayname></d:prop></d:set></d:propertyupdate>',
      'a propfind in another namespace': '<propfind xmlns="urn:example"><prop><displayname/></prop></propfind>',
      'an empty propfind': '<d:propfind xmlns:d="DAV:"/>',
      'two roots': '<d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind><d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>',
      'an undeclared prefix': '<d:propfind><d:allprop/></d:propfind>',
    };
    for (const [what, body] of Object.entries(bad)) {
      it(what, async () => {
        const r = await dav.request('PROPFIND', KONTAKTE, { headers: { Depth: '0' }, body });
        expect(r.status).toBe(400);
      });
    }

    it('an oversized body is 413', async () => {
      const filler = `<d:displayname/>`.repeat(Math.ceil((dav.config.maxBodyBytes + 1000) / 16));
      const r = await dav.request('PROPFIND', KONTAKTE, { headers: { Depth: '0' }, body: `<d:propfind xmlns:d="DAV:"><d:prop>${filler}</d:prop></d:propfind>` });
      expect(r.status).toBe(413);
    });

    it('an oversized chunked body (no Content-Length) is 413', async () => {
      const chunk = Buffer.from(`<d:displayname/>`.repeat(4096));
      let sent = 0;
      const limit = dav.config.maxBodyBytes + chunk.length;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === 0) controller.enqueue(Buffer.from('<d:propfind xmlns:d="DAV:"><d:prop>'));
          if (sent > limit) {
            controller.close();
            return;
          }
          sent += chunk.length;
          controller.enqueue(chunk);
        },
      });
      const res = await fetch(dav.url + KONTAKTE, {
        method: 'PROPFIND',
        headers: {
          Depth: '0',
          'Content-Type': 'application/xml',
          Authorization: `Basic ${Buffer.from(`anna.meier:${await dav.passwordOf('anna.meier')}`).toString('base64')}`,
        },
        body: stream,
        duplex: 'half',
      } as RequestInit & { duplex: 'half' });
      expect(res.status).toBe(413);
      await res.text();
    });
  });
});
