// GET and HEAD (RFC 4918 §9.4, RFC 7232): items with their validators and 304s, a whole calendar
// as one .ics (subscriptions), the address book as one .vcf, vCard 4.0 on request.
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnnaServer } from '../support/anna.js';
import { builders } from '../support/builders.js';
import { D, propText } from '../support/multistatus.js';
import type { RequestOptions, TestServer } from '../support/server.js';

const TERMINE = '/dav/calendars/anna.meier/termine/';
const AUFGABEN = '/dav/calendars/anna.meier/aufgaben/';
const KONTAKTE = '/dav/addressbooks/anna.meier/kontakte/';

const parse = (text: string) => new ICAL.Component(ICAL.parse(text) as unknown[]);
/** Every root component of a text holding several (a .vcf with many cards). */
function parseAll(text: string): ICAL.Component[] {
  const jcal = ICAL.parse(text) as unknown[];
  const roots = typeof jcal[0] === 'string' ? [jcal] : (jcal as unknown[][]);
  return roots.map((j) => new ICAL.Component(j as unknown[]));
}

describe('GET and HEAD', () => {
  let dav: TestServer;
  // Sizes are compared with the decoded text, so these requests ask for the plain coding
  // (test/http/compression.test.ts covers the coded answers and their headers).
  const plain = (method: string, path: string, opts: RequestOptions = {}) =>
    dav.request(method, path, { ...opts, headers: { 'Accept-Encoding': 'identity', ...opts.headers } });
  let ids: {
    anna: string;
    zurich: string;
    newYork: string;
    allDay: string;
    series: string;
    task: string;
    dueTask: string;
    person: string;
    company: string;
  };

  beforeAll(async () => {
    dav = await startAnnaServer(async ({ b, anna }) => {
      const bruno = await b.addEmployee({ username: 'bruno.keller' });
      const zurich = await b.addAppointment({ ownerId: anna, startsAt: '2026-12-01T09:00:00Z', subject: 'Beratung Zürich', location: 'Bahnhofstrasse 1' });
      const newYork = await b.addAppointment({ ownerId: anna, startsAt: '2026-12-03T15:00:00Z', subject: 'Call New York', timeZone: 'America/New_York' });
      const allDay = await b.addAppointment({ ownerId: anna, startsAt: '2026-12-24', allDay: true, subject: 'Heiligabend' });
      const series = await b.addAppointment({
        ownerId: anna,
        startsAt: '2026-11-02T08:00:00Z',
        subject: 'Wochenrapport',
        recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=6',
        timeZone: 'Europe/Berlin',
        participants: [bruno],
        exceptions: [
          { originalStart: '2026-11-09T08:00:00Z' },
          { originalStart: '2026-11-16T08:00:00Z', startsAt: '2026-11-17T10:00:00Z' },
        ],
      });
      const task = await b.addTask({ assigneeId: anna, subject: 'Offerte senden' });
      const dueTask = await b.addTask({ assigneeId: anna, subject: 'Police prüfen', dueAt: '2026-12-10T16:00:00Z', priority: 1 });
      const person = await b.addContact({ firstName: 'Hans', lastName: 'Müller', emails: ['hans@mueller.ch'], phones: ['+41 44 123 45 67'], photo: 'jpeg' });
      const company = await b.addContact({ companyName: 'Muster AG', website: 'www.muster.ch' });
      ids = { anna, zurich, newYork, allDay, series, task, dueTask, person, company };
    });
  });
  afterAll(() => dav?.close());

  const items = () => ({
    event: { path: `${TERMINE}${ids.zurich}.ics`, type: 'text/calendar; charset=utf-8; component=VEVENT', root: 'vcalendar' },
    task: { path: `${AUFGABEN}${ids.task}.ics`, type: 'text/calendar; charset=utf-8; component=VTODO', root: 'vcalendar' },
    card: { path: `${KONTAKTE}${ids.person}.vcf`, type: 'text/vcard; charset=utf-8', root: 'vcard' },
  });

  describe('items', () => {
    for (const what of ['event', 'task', 'card'] as const) {
      it(`GET of a ${what} has ETag, Last-Modified, Content-Length and Content-Type`, async () => {
        const { path, type, root } = items()[what];
        const r = await plain('GET', path);
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toBe(type);
        // Never sniffed: an item cannot be loaded as a script by the portal's pages (script-src 'self').
        expect(r.headers.get('x-content-type-options')).toBe('nosniff');
        expect(r.headers.get('etag')).toMatch(/^"[^"\s]+"$/);
        const lastModified = r.headers.get('last-modified')!;
        expect(lastModified).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
        expect(Math.abs(Date.parse(lastModified) - Date.now())).toBeLessThan(5 * 60_000);
        expect(Number(r.headers.get('content-length'))).toBe(Buffer.byteLength(r.text));
        expect(parse(r.text).name).toBe(root);
        // The ETag is the getetag of PROPFIND (clients compare them byte for byte).
        const pf = await dav.propfind(path, '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getlastmodified/></d:prop></d:propfind>', '0');
        expect(propText(pf.ms.responses.get(path), D('getetag'))).toBe(r.headers.get('etag'));
        expect(propText(pf.ms.responses.get(path), D('getlastmodified'))).toBe(lastModified);
      });

      it(`HEAD of a ${what} has the same headers and no body`, async () => {
        const { path } = items()[what];
        const get = await plain('GET', path);
        const head = await plain('HEAD', path);
        expect(head.status).toBe(200);
        expect(head.text).toBe('');
        for (const h of ['etag', 'last-modified', 'content-length', 'content-type']) expect(head.headers.get(h), h).toBe(get.headers.get(h));
      });

      it(`GET of a ${what} with If-None-Match of the current ETag is 304, with another one 200`, async () => {
        const { path } = items()[what];
        const etag = (await plain('GET', path)).headers.get('etag')!;
        const same = await plain('GET', path, { headers: { 'If-None-Match': etag } });
        expect(same.status).toBe(304);
        expect(same.text).toBe('');
        expect(same.headers.get('etag')).toBe(etag);
        const list = await plain('GET', path, { headers: { 'If-None-Match': `"other", ${etag}` } });
        expect(list.status).toBe(304);
        const weak = await plain('GET', path, { headers: { 'If-None-Match': `W/${etag}` } });
        expect(weak.status, 'If-None-Match compares weakly (RFC 7232 §3.2)').toBe(304);
        const star = await plain('GET', path, { headers: { 'If-None-Match': '*' } });
        expect(star.status).toBe(304);
        const other = await plain('GET', path, { headers: { 'If-None-Match': '"not-the-etag"' } });
        expect(other.status).toBe(200);
        expect(other.text.length).toBeGreaterThan(0);
        const head = await plain('HEAD', path, { headers: { 'If-None-Match': etag } });
        expect(head.status).toBe(304);
      });

      it(`GET of a ${what} with If-Modified-Since is 304 unless it changed since`, async () => {
        const { path } = items()[what];
        const lastModified = (await plain('GET', path)).headers.get('last-modified')!;
        expect((await plain('GET', path, { headers: { 'If-Modified-Since': lastModified } })).status).toBe(304);
        const later = new Date(Date.parse(lastModified) + 3600_000).toUTCString();
        expect((await plain('GET', path, { headers: { 'If-Modified-Since': later } })).status).toBe(304);
        const earlier = new Date(Date.parse(lastModified) - 3600_000).toUTCString();
        expect((await plain('GET', path, { headers: { 'If-Modified-Since': earlier } })).status).toBe(200);
        expect((await plain('GET', path, { headers: { 'If-Modified-Since': 'not a date' } })).status).toBe(200);
        // RFC 7232 §6: If-None-Match wins over If-Modified-Since.
        expect((await plain('GET', path, { headers: { 'If-Modified-Since': lastModified, 'If-None-Match': '"x"' } })).status).toBe(200);
      });
    }

    it('a missing item is 404, in every collection', async () => {
      for (const path of [
        `${TERMINE}999999.ics`,
        `${AUFGABEN}999999.ics`,
        `${KONTAKTE}999999.vcf`,
        `${AUFGABEN}${ids.series}.ics`, // an appointment id in the task list
        `${TERMINE}${ids.zurich}.vcf`, // the wrong extension
        `${KONTAKTE}${ids.person}.ics`,
      ]) {
        expect((await plain('GET', path)).status, path).toBe(404);
        expect((await plain('HEAD', path)).status, path).toBe(404);
      }
    });

    it('a name outside [A-Za-z0-9._-] is 404', async () => {
      for (const path of [`${TERMINE}..%2F..%2Ftermine`, `${KONTAKTE}%00.vcf`, `${KONTAKTE}a%20b.vcf`]) {
        expect((await plain('GET', path)).status, path).toBe(404);
      }
    });

    it('serves BrokerStar’s change at once, before any listing (no stale body, no 404)', async () => {
      const path = `${KONTAKTE}${ids.company}.vcf`;
      const before = await plain('GET', path);
      await dav.db.query(`UPDATE brokerstar.contact SET company_name = 'Muster Holding AG', updated_at = now() WHERE id = $1`, [ids.company]);
      const after = await plain('GET', path);
      expect(after.status).toBe(200);
      expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
      expect(parse(after.text).getFirstPropertyValue('fn')).toBe('Muster Holding AG');
      expect((await plain('GET', path, { headers: { 'If-None-Match': before.headers.get('etag')! } })).status).toBe(200);
      const added = await builders(dav.db.pool).addContact({ firstName: 'Neu', lastName: 'Kunde' });
      const fresh = await plain('GET', `${KONTAKTE}${added}.vcf`);
      expect(fresh.status, 'a contact BrokerStar just created is served without a listing first').toBe(200);
      expect(parse(fresh.text).getFirstPropertyValue('fn')).toBe('Neu Kunde');
    });
  });

  describe('vCard 4.0 on request', () => {
    it('Accept: text/vcard;version=4.0 gives a valid 4.0 card with the same data', async () => {
      const path = `${KONTAKTE}${ids.person}.vcf`;
      const v3 = await plain('GET', path);
      const v4 = await plain('GET', path, { headers: { Accept: 'text/vcard;version=4.0' } });
      expect(v4.status).toBe(200);
      expect(v4.headers.get('content-type')).toMatch(/^text\/vcard; charset=utf-8; version=4\.0$/);
      const card = parse(v4.text);
      expect(card.name).toBe('vcard');
      expect(card.getFirstPropertyValue('version')).toBe('4.0');
      expect(card.getFirstPropertyValue('fn')).toBe('Hans Müller');
      expect(card.getFirstPropertyValue('uid')).toBe(parse(v3.text).getFirstPropertyValue('uid'));
      expect(card.getFirstPropertyValue('email')).toBe('hans@mueller.ch');
      expect(String(card.getFirstPropertyValue('photo'))).toMatch(/^data:image\/jpeg;base64,\/9j\//);
      expect(v4.text).toMatch(/^REV:\d{8}T\d{6}Z\r$/m);
      // 4.0 forbids the 3.0 ENCODING=b form.
      expect(v4.text).not.toMatch(/ENCODING=b/i);
      expect(Number(v4.headers.get('content-length'))).toBe(Buffer.byteLength(v4.text));
      expect(v4.headers.get('etag')).toMatch(/^"[^"\s]+"$/);
    });

    // The 4.0 form is another representation: its own strong ETag and size wherever it is served,
    // or a client caching one form would be handed the other under the same validator.
    const V4 = { Accept: 'text/vcard;version=4.0' };
    const CARD_NS = 'xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"';
    const V4_DATA = '<D:getetag/><D:getcontentlength/><CR:address-data content-type="text/vcard" version="4.0"/>';

    it('GET and HEAD of the 4.0 form carry its own strong ETag and its real size; 304 only for that ETag', async () => {
      const path = `${KONTAKTE}${ids.person}.vcf`;
      const v3 = await plain('GET', path);
      const v4 = await plain('GET', path, { headers: V4 });
      const etag3 = v3.headers.get('etag')!;
      const etag4 = v4.headers.get('etag')!;
      expect(etag4).toMatch(/^"[^"\s]+"$/);
      expect(etag4).not.toBe(etag3);
      expect(v4.text).not.toBe(v3.text);
      expect((await plain('GET', path, { headers: V4 })).headers.get('etag'), 'stable').toBe(etag4);
      const head = await plain('HEAD', path, { headers: V4 });
      expect(head.headers.get('etag')).toBe(etag4);
      expect(Number(head.headers.get('content-length'))).toBe(Buffer.byteLength(v4.text));
      expect(Number(head.headers.get('content-length'))).not.toBe(Buffer.byteLength(v3.text));
      expect((await plain('GET', path, { headers: { ...V4, 'If-None-Match': etag4 } })).status).toBe(304);
      expect((await plain('HEAD', path, { headers: { ...V4, 'If-None-Match': etag4 } })).status).toBe(304);
      const other = await plain('GET', path, { headers: { ...V4, 'If-None-Match': etag3 } });
      expect([other.status, other.headers.get('etag')], 'a 3.0 validator does not match the 4.0 form').toEqual([200, etag4]);
      const back = await plain('GET', path, { headers: { 'If-None-Match': etag4 } });
      expect([back.status, back.headers.get('etag')], 'nor the other way round').toEqual([200, etag3]);
    });

    it('multiget, addressbook-query and sync-collection asking for 4.0 report the 4.0 ETag and size; listings keep 3.0', async () => {
      const path = `${KONTAKTE}${ids.person}.vcf`;
      const etag3 = (await plain('GET', path)).headers.get('etag')!;
      const v4 = await plain('GET', path, { headers: V4 });
      const expected = { etag: v4.headers.get('etag'), size: String(Buffer.byteLength(v4.text)), data: v4.text };
      const reports = {
        multiget: `<CR:addressbook-multiget ${CARD_NS}><D:prop>${V4_DATA}</D:prop><D:href>${path}</D:href></CR:addressbook-multiget>`,
        query: `<CR:addressbook-query ${CARD_NS}><D:prop>${V4_DATA}</D:prop><CR:filter><CR:prop-filter name="UID"/></CR:filter></CR:addressbook-query>`,
        sync: `<D:sync-collection ${CARD_NS}><D:sync-token/><D:sync-level>1</D:sync-level><D:prop>${V4_DATA}</D:prop></D:sync-collection>`,
      };
      for (const [what, body] of Object.entries(reports)) {
        const r = await dav.report(KONTAKTE, body, { depth: '1' });
        expect(r.status, what).toBe(207);
        const e = r.ms.responses.get(path);
        expect(
          { etag: propText(e, D('getetag')), size: propText(e, D('getcontentlength')), data: propText(e, '{urn:ietf:params:xml:ns:carddav}address-data') },
          what,
        ).toEqual(expected);
      }
      const listing = await dav.propfind(KONTAKTE, '<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>', '1');
      expect(propText(listing.ms.responses.get(path), D('getetag')), 'the default representation').toBe(etag3);
      const v3data = await dav.report(KONTAKTE, reports.multiget.replace(' version="4.0"', ''), { depth: '1' });
      expect(propText(v3data.ms.responses.get(path), D('getetag'))).toBe(etag3);
    });

    it('Accept with 3.0, or without a version, gives 3.0', async () => {
      const path = `${KONTAKTE}${ids.person}.vcf`;
      for (const accept of ['text/vcard', 'text/vcard;version=3.0', 'text/vcard; version=3.0, text/x-vcard', '*/*']) {
        const r = await plain('GET', path, { headers: { Accept: accept } });
        expect(r.headers.get('content-type'), accept).toBe('text/vcard; charset=utf-8');
        expect(parse(r.text).getFirstPropertyValue('version'), accept).toBe('3.0');
      }
    });
  });

  describe('whole collections', () => {
    it('a calendar is one VCALENDAR with every member’s components and one VTIMEZONE per TZID', async () => {
      const r = await plain('GET', TERMINE);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/calendar; charset=utf-8/);
      expect(r.headers.get('etag')).toMatch(/^"[^"\s]+"$/);
      expect(Number(r.headers.get('content-length'))).toBe(Buffer.byteLength(r.text));
      expect(r.text.match(/^BEGIN:VCALENDAR\r$/gm)).toHaveLength(1);
      const cal = parse(r.text);
      expect(cal.name).toBe('vcalendar');
      const events = cal.getAllSubcomponents('vevent');
      const uids = new Set(events.map((e) => e.getFirstPropertyValue('uid')));
      // Every member, and each member's components: the series has its master plus one moved override.
      const memberUids = new Set<string>();
      const memberComponents: string[] = [];
      for (const id of [ids.zurich, ids.newYork, ids.allDay, ids.series]) {
        const item = parse((await plain('GET', `${TERMINE}${id}.ics`)).text);
        for (const e of item.getAllSubcomponents('vevent')) {
          memberUids.add(String(e.getFirstPropertyValue('uid')));
          memberComponents.push(`${e.getFirstPropertyValue('uid')}|${e.getFirstPropertyValue('recurrence-id') ?? ''}|${e.getFirstPropertyValue('dtstart')}`);
        }
      }
      expect(uids).toEqual(memberUids);
      expect(events.map((e) => `${e.getFirstPropertyValue('uid')}|${e.getFirstPropertyValue('recurrence-id') ?? ''}|${e.getFirstPropertyValue('dtstart')}`).sort()).toEqual(
        memberComponents.sort(),
      );
      const seriesParts = events.filter((e) => String(e.getFirstPropertyValue('uid')).endsWith(`-${ids.series}`));
      expect(seriesParts).toHaveLength(2);
      // One VTIMEZONE per TZID used, no duplicates, none missing.
      const zones = cal.getAllSubcomponents('vtimezone').map((z) => String(z.getFirstPropertyValue('tzid')));
      expect(new Set(zones).size).toBe(zones.length);
      const used = new Set<string>();
      for (const e of events) {
        for (const p of e.getAllProperties()) {
          const tzid = p.getParameter('tzid');
          if (typeof tzid === 'string') used.add(tzid);
        }
      }
      expect(new Set(zones)).toEqual(used);
      expect(used).toEqual(new Set(['Europe/Zurich', 'America/New_York', 'Europe/Berlin']));
      // The all-day appointment stays a DATE.
      const allDay = events.find((e) => String(e.getFirstPropertyValue('uid')).endsWith(`-${ids.allDay}`))!;
      expect(allDay.getFirstProperty('dtstart')!.type).toBe('date');
    });

    it('the task list is one VCALENDAR of VTODOs', async () => {
      const r = await plain('GET', AUFGABEN);
      expect(r.status).toBe(200);
      const cal = parse(r.text);
      const todos = cal.getAllSubcomponents('vtodo');
      expect(todos.map((t) => t.getFirstPropertyValue('summary')).sort()).toEqual(['Offerte senden', 'Police prüfen']);
      expect(cal.getAllSubcomponents('vevent')).toHaveLength(0);
      expect(cal.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid'))).toEqual(['Europe/Zurich']);
    });

    it('the calendar ETag answers If-None-Match with 304 and changes with a member', async () => {
      const first = await plain('GET', TERMINE);
      const etag = first.headers.get('etag')!;
      expect((await plain('GET', TERMINE, { headers: { 'If-None-Match': etag } })).status).toBe(304);
      await dav.db.query(`UPDATE brokerstar.appointment SET subject = 'Beratung Zürich (verschoben)' WHERE id = $1`, [ids.zurich]);
      const next = await plain('GET', TERMINE, { headers: { 'If-None-Match': etag } });
      expect(next.status).toBe(200);
      expect(next.headers.get('etag')).not.toBe(etag);
      expect(next.text).toContain('Beratung Zürich (verschoben)');
    });

    it('the address book is all cards as one .vcf', async () => {
      const r = await plain('GET', KONTAKTE);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/vcard; charset=utf-8/);
      expect(Number(r.headers.get('content-length'))).toBe(Buffer.byteLength(r.text));
      const cards = parseAll(r.text);
      expect(cards.map((c) => c.name)).toEqual(['vcard', 'vcard', 'vcard']);
      const listing = await dav.propfind(KONTAKTE, '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>', '1');
      const members = listing.ms.hrefs.filter((h) => h !== KONTAKTE);
      const expected = [];
      for (const h of members) expected.push(String(parse((await plain('GET', h)).text).getFirstPropertyValue('uid')));
      expect(cards.map((c) => String(c.getFirstPropertyValue('uid'))).sort()).toEqual(expected.sort());
      expect(cards.every((c) => c.getFirstPropertyValue('version') === '3.0')).toBe(true);
    });

    it('HEAD of a collection has the headers of GET and no body', async () => {
      for (const path of [TERMINE, KONTAKTE]) {
        const get = await plain('GET', path);
        const head = await plain('HEAD', path);
        expect(head.status).toBe(200);
        expect(head.text).toBe('');
        for (const h of ['etag', 'content-length', 'content-type']) expect(head.headers.get(h), `${path} ${h}`).toBe(get.headers.get(h));
      }
    });

    it('GET on a home or the root is a small HTML page, not an error', async () => {
      for (const path of ['/', '/dav/', '/dav/calendars/anna.meier/', '/dav/principals/anna.meier/']) {
        const r = await plain('GET', path);
        expect(r.status, path).toBe(200);
        expect(r.headers.get('content-type'), path).toMatch(/^text\/html/);
        expect(r.text).toContain('anna.meier');
      }
    });
  });
});
