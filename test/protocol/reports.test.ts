// REPORTs over real HTTP against a seeded BrokerStar database: calendar-multiget and
// addressbook-multiget, calendar-query (RFC 4791 §7.8, time ranges per §9.9 over recurring
// appointments with their exceptions), addressbook-query (RFC 6352 §8.6), the sync-collection
// basics (RFC 6578; the sync engineer covers change tracking), expand-property (RFC 3253 §3.8) and
// every refusal: malformed filters, unknown collations, unsupported reports, missing bodies.
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { addAnnaAndBeat } from '../support/colleagues.js';
import {
  C,
  CR,
  CS,
  D,
  childNamed,
  childrenNamed,
  errorConditions,
  parseXmlDocument,
  propText,
  type Multistatus,
  type Node,
} from '../support/multistatus.js';
import { startTestServer, type TestServer } from '../support/server.js';

const TERMINE = '/dav/calendars/anna.meier/termine/';
const AUFGABEN = '/dav/calendars/anna.meier/aufgaben/';
const KONTAKTE = '/dav/addressbooks/anna.meier/kontakte/';
const SHARED_BEAT = '/dav/calendars/anna.meier/termine-beat.keller/';
const PRINCIPAL = '/dav/principals/anna.meier/';

const ev = (id: string) => `${TERMINE}${id}.ics`;
const todo = (id: string) => `${AUFGABEN}${id}.ics`;
const card = (id: string) => `${KONTAKTE}${id}.vcf`;

const NS = 'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"';
const CARD_NS = 'xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"';
const XML_DECL = '<?xml version="1.0" encoding="utf-8"?>\n';

/** A calendar-query with `inner` inside the VCALENDAR comp-filter. */
const calendarQuery = (inner: string, prop = '<D:getetag/>') =>
  `${XML_DECL}<C:calendar-query ${NS}><D:prop>${prop}</D:prop><C:filter><C:comp-filter name="VCALENDAR">${inner}</C:comp-filter></C:filter></C:calendar-query>`;
const events = (range: string, extra = '') => `<C:comp-filter name="VEVENT">${range}${extra}</C:comp-filter>`;
const range = (start: string | null, end: string | null) =>
  `<C:time-range${start ? ` start="${start}"` : ''}${end ? ` end="${end}"` : ''}/>`;
const calendarMultiget = (hrefs: readonly string[], prop = '<D:getetag/><C:calendar-data/>') =>
  `${XML_DECL}<C:calendar-multiget ${NS}><D:prop>${prop}</D:prop>${hrefs.map((h) => `<D:href>${h}</D:href>`).join('')}</C:calendar-multiget>`;
const addressbookQuery = (filter: string, prop = '<D:getetag/>', limit = '') =>
  `${XML_DECL}<CR:addressbook-query ${CARD_NS}><D:prop>${prop}</D:prop>${filter}${limit}</CR:addressbook-query>`;
const addressbookMultiget = (hrefs: readonly string[], prop = '<D:getetag/><CR:address-data/>') =>
  `${XML_DECL}<CR:addressbook-multiget ${CARD_NS}><D:prop>${prop}</D:prop>${hrefs.map((h) => `<D:href>${h}</D:href>`).join('\n')}</CR:addressbook-multiget>`;

const sorted = (xs: Iterable<string>) => [...xs].sort();

/** The children of the DAV:error inside the response for `href` (the parsed map drops them). */
async function responseErrorOf(xml: string, href: string): Promise<string[]> {
  const root = await parseXmlDocument(xml);
  const response = childrenNamed(root, D('response')).find((r) => childNamed(r, D('href'))?.text.trim() === href);
  return childNamed(response, D('error'))?.children.map((c) => c.name) ?? [];
}
const membersOf = (ms: Multistatus) => sorted(ms.hrefs);

function parseIcs(text: string | undefined): ICAL.Component {
  expect(text, 'calendar-data present').toBeDefined();
  return new ICAL.Component(ICAL.parse(text!));
}
function parseVcard(text: string | undefined): ICAL.Component {
  expect(text, 'address-data present').toBeDefined();
  return new ICAL.Component(ICAL.parse(text!));
}
/** Lower-case property names of a component, sorted. */
const propNames = (c: ICAL.Component) => sorted(new Set(c.getAllProperties().map((p) => p.name)));
const utcStart = (e: ICAL.Component) => (e.getFirstPropertyValue('dtstart') as ICAL.Time).toString();

describe('REPORTs', () => {
  let dav: TestServer;
  const id = {} as Record<'allday' | 'beatOnly' | 'beatPrivate' | 'carlaEvent' | 'carlaTask' | 'company' | 'done' | 'erika' | 'handover' | 'hans' | 'juerg' | 'offerte' | 'peter' | 'police' | 'secret' | 'series' | 'single' | 'team', string>;
  const bulkContacts: { id: string; name: string }[] = [];
  const bulkEvents: { id: string; subject: string }[] = [];

  beforeAll(async () => {
    dav = await startTestServer({
      user: 'anna.meier',
      // Verified passwords stay cached: these tests are about REPORTs, not about argon2.
      config: { authCacheSeconds: 300 },
      seed: async (db) => {
        const b = builders(db.pool);
        const { anna, beat } = await addAnnaAndBeat(db);
        const carla = await b.addEmployee({ username: 'carla.rossi' });

        id.hans = await b.addContact({ firstName: 'Hans', lastName: 'Muster', emails: ['hans@muster.ch'], phones: ['+41 44 111 11 11'], categories: ['Kunde'] });
        id.erika = await b.addContact({ firstName: 'Erika', lastName: 'Mustermann', emails: ['erika@example.org'] });
        id.peter = await b.addContact({ firstName: 'Peter', lastName: 'Meier', companyName: 'Meier Treuhand AG', emails: ['peter@muster.ch'] });
        id.company = await b.addContact({ companyName: 'Muster Versicherungen AG', emails: ['info@muster-vers.ch'] });
        id.juerg = await b.addContact({ firstName: 'Jürg', lastName: 'Strässle', emails: [{ address: 'juerg@example.ch', kind: 'home' }] });
        id.secret = await b.addContact({ firstName: 'Geheim', lastName: 'Kontakt', restrictedTo: [carla] });

        id.single = await b.addAppointment({
          ownerId: anna,
          subject: 'Kundentermin Muster',
          startsAt: '2026-03-10T09:00:00Z',
          location: 'Bahnhofstrasse 1, 8001 Zürich',
          participants: [{ employeeId: beat, response: 'accepted' }],
        });
        id.series = await b.addAppointment({
          ownerId: anna,
          subject: 'Wochenrapport',
          startsAt: '2026-03-02T08:00:00Z', // Monday 09:00 in Zurich
          recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=8',
          exceptions: [
            { originalStart: '2026-03-16T08:00:00Z' }, // cancelled: EXDATE
            { originalStart: '2026-03-23T08:00:00Z', startsAt: '2026-03-25T13:00:00Z' }, // moved: RECURRENCE-ID override
          ],
        });
        id.allday = await b.addAppointment({ ownerId: anna, subject: 'Betriebsausflug', startsAt: '2026-04-10', allDay: true });
        id.handover = await b.addAppointment({ ownerId: anna, subject: 'Übergabe Police Müller', startsAt: '2026-03-12T13:00:00Z', participants: [beat] });
        id.team = await b.addAppointment({ ownerId: beat, subject: 'Teamsitzung', startsAt: '2026-03-11T07:00:00Z', participants: [{ employeeId: anna, response: 'accepted' }] });
        id.beatOnly = await b.addAppointment({ ownerId: beat, subject: 'Beat Kundenbesuch', startsAt: '2026-03-13T09:00:00Z' });
        id.beatPrivate = await b.addAppointment({
          ownerId: beat,
          subject: 'Arzttermin Dr. Kranz',
          location: 'Praxis Kranz',
          description: 'Kontrolle',
          isPrivate: true,
          startsAt: '2026-03-12T08:00:00Z',
        });
        id.carlaEvent = await b.addAppointment({ ownerId: carla, subject: 'Carla Termin', startsAt: '2026-03-10T09:00:00Z' });

        id.offerte = await b.addTask({ assigneeId: anna, subject: 'Offerte senden', dueAt: '2026-05-05T10:00:00Z', priority: 1, createdAt: '2026-01-15T10:00:00Z' });
        id.police = await b.addTask({ assigneeId: anna, subject: 'Police prüfen', createdAt: '2026-01-15T10:00:00Z' });
        id.done = await b.addTask({ assigneeId: anna, subject: 'Abschluss erfasst', status: 'done', dueAt: '2026-02-01T10:00:00Z', createdAt: '2026-01-10T10:00:00Z', completedAt: '2026-01-31T16:00:00Z' });
        id.carlaTask = await b.addTask({ assigneeId: carla, subject: 'Carla Aufgabe' });

        // Bulk rows for the batch sizes the clients use (10 DAVx5, 100 Outlook/Thunderbird CalDAV,
        // 500 Thunderbird CardDAV), written in one statement each as BrokerStar would import them.
        const contacts = await db.query<{ id: string; last_name: string }>(
          `INSERT INTO brokerstar.contact (kind, first_name, last_name)
           SELECT 'person', 'Bulk', 'Kontakt ' || lpad(g::text, 3, '0') FROM generate_series(1, 520) g
           RETURNING id::text, last_name`,
        );
        for (const r of contacts.rows) bulkContacts.push({ id: r.id, name: `Bulk ${r.last_name}` });
        const appts = await db.query<{ id: string; subject: string }>(
          `INSERT INTO brokerstar.appointment (subject, owner_id, starts_at, ends_at)
           SELECT 'Serientermin ' || g, $1, timestamptz '2024-01-01 08:00Z' + g * interval '1 day',
                  timestamptz '2024-01-01 09:00Z' + g * interval '1 day'
           FROM generate_series(1, 500) g
           RETURNING id::text, subject`,
          [anna],
        );
        bulkEvents.push(...appts.rows);
      },
    });
  });
  afterAll(() => dav?.close());

  // ------------------------------------------------------------------------------------------
  describe('calendar-multiget', () => {
    const body = () => calendarMultiget([ev(id.single), ev(id.series)]);

    it.each([
      ['0', { Depth: '0' }],
      ['1', { Depth: '1' }],
      ['none', {}],
    ])('answers with Depth %s: one 200 response per href with etag and the event', async (_label, headers) => {
      const r = await dav.report(TERMINE, body(), { headers });
      expect(r.status).toBe(207);
      expect(r.ms.hrefs).toEqual([ev(id.single), ev(id.series)]);
      const single = r.ms.responses.get(ev(id.single));
      expect(single?.propstatStatuses[0]).toBe('HTTP/1.1 200 OK');
      expect(propText(single, D('getetag'))).toMatch(/^"[^"]+"$/);
      const vevent = parseIcs(propText(single, C('calendar-data'))).getFirstSubcomponent('vevent')!;
      expect(vevent.getFirstPropertyValue('summary')).toBe('Kundentermin Muster');
      expect(vevent.getFirstPropertyValue('uid')).toBe(`brokerstar-appointment-${id.single}`);
      const series = parseIcs(propText(r.ms.responses.get(ev(id.series)), C('calendar-data')));
      expect(series.getAllSubcomponents('vevent')).toHaveLength(2); // master + moved occurrence
    });

    it('gives the same ETag as a PROPFIND of the member', async () => {
      const m = await dav.report(TERMINE, calendarMultiget([ev(id.single)], '<D:getetag/>'), { depth: '1' });
      const p = await dav.propfind(ev(id.single), '<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>', '0');
      expect(propText(m.ms.responses.get(ev(id.single)), D('getetag'))).toBe(propText(p.ms.responses.get(ev(id.single)), D('getetag')));
    });

    it('accepts hrefs as full URLs and answers for the same resource', async () => {
      const full = `${dav.url}${ev(id.single)}`;
      const r = await dav.report(TERMINE, calendarMultiget([full]), { depth: '1' });
      expect(r.status).toBe(207);
      expect(r.ms.hrefs).toHaveLength(1);
      const [h] = r.ms.hrefs;
      expect(new URL(h!, dav.url).pathname).toBe(ev(id.single));
      const entry = r.ms.responses.get(h!);
      expect(entry?.propstatStatuses[0]).toBe('HTTP/1.1 200 OK');
      expect(parseIcs(propText(entry, C('calendar-data'))).getFirstSubcomponent('vevent')?.getFirstPropertyValue('summary')).toBe('Kundentermin Muster');
    });

    it('accepts percent-encoded and plain hrefs alike and echoes each as sent', async () => {
      const encoded = `/dav/calendars/anna%2Emeier/termine/${id.single}%2Eics`;
      const plain = ev(id.single);
      const r = await dav.report(TERMINE, calendarMultiget([encoded, plain]), { depth: '1' });
      expect(r.status).toBe(207);
      expect(r.ms.hrefs).toEqual([encoded, plain]);
      const a = r.ms.responses.get(encoded);
      const b = r.ms.responses.get(plain);
      expect(a?.propstatStatuses[0]).toBe('HTTP/1.1 200 OK');
      expect(propText(a, D('getetag'))).toBe(propText(b, D('getetag')));
      expect(propText(a, C('calendar-data'))).toBe(propText(b, C('calendar-data')));
    });

    it('answers a bare 404 for each unknown, invisible or foreign href, next to the found ones', async () => {
      const wanted = [
        ev(id.single),
        ev('999999'), // no such appointment
        ev(id.carlaEvent), // someone else's appointment under anna's URL
        `/dav/calendars/carla.rossi/termine/${id.carlaEvent}.ics`, // someone else's calendar
        ev(id.beatOnly), // exists, but only in the shared calendar
        `${SHARED_BEAT}${id.beatOnly}.ics`, // another collection of the same user
        todo(id.offerte), // a task in a calendar multiget
        card(id.hans), // a contact
        `${TERMINE}not a name.ics`,
      ];
      const r = await dav.report(TERMINE, calendarMultiget(wanted), { depth: '1' });
      expect(r.status).toBe(207);
      expect(r.ms.hrefs).toHaveLength(wanted.length);
      expect(r.ms.responses.get(ev(id.single))?.propstatStatuses[0]).toBe('HTTP/1.1 200 OK');
      for (const h of wanted.slice(1)) {
        const entry = r.ms.responses.get(h);
        expect(entry?.status, h).toBe('HTTP/1.1 404 Not Found');
        expect(entry?.props.size, `${h} carries no properties`).toBe(0);
      }
      expect(r.text).not.toContain('Carla Termin');
      expect(r.text).not.toContain('Beat Kundenbesuch');
    });

    it.each([10, 100, 500])('answers a batch of %i hrefs with every event', async (n) => {
      const batch = bulkEvents.slice(0, n);
      const r = await dav.report(TERMINE, calendarMultiget(batch.map((e) => ev(e.id))), { depth: '1' });
      expect(r.status).toBe(207);
      expect(r.ms.hrefs).toEqual(batch.map((e) => ev(e.id)));
      for (const e of batch) {
        const entry = r.ms.responses.get(ev(e.id));
        expect(propText(entry, D('getetag'))).toMatch(/^"/);
        expect(parseIcs(propText(entry, C('calendar-data'))).getFirstSubcomponent('vevent')?.getFirstPropertyValue('summary')).toBe(e.subject);
      }
    });

    it('is refused on an address book with DAV:supported-report', async () => {
      const r = await dav.request('REPORT', KONTAKTE, { body: calendarMultiget([ev(id.single)]), headers: { Depth: '1' } });
      expect(r.status).toBe(403);
      expect(await errorConditions(r.text)).toContain(D('supported-report'));
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('addressbook-multiget', () => {
    it.each([
      ['0', { Depth: '0' }],
      ['1', { Depth: '1' }],
      ['none', {}],
    ])('answers with Depth %s: the vCard with etag for each href', async (_label, headers) => {
      const r = await dav.report(KONTAKTE, addressbookMultiget([card(id.hans), card(id.company)]), { headers });
      expect(r.status).toBe(207);
      expect(r.ms.hrefs).toEqual([card(id.hans), card(id.company)]);
      const hans = parseVcard(propText(r.ms.responses.get(card(id.hans)), CR('address-data')));
      expect(hans.getFirstPropertyValue('version')).toBe('3.0');
      expect(hans.getFirstPropertyValue('fn')).toBe('Hans Muster');
      expect(hans.getFirstPropertyValue('email')).toBe('hans@muster.ch');
      expect(hans.getFirstPropertyValue('uid')).toBe(`brokerstar-contact-${id.hans}`);
      const company = parseVcard(propText(r.ms.responses.get(card(id.company)), CR('address-data')));
      expect(company.getFirstPropertyValue('fn')).toBe('Muster Versicherungen AG');
      expect(propText(r.ms.responses.get(card(id.company)), D('getetag'))).toMatch(/^"[^"]+"$/);
    });

    it('accepts a full URL and an encoded href', async () => {
      const full = `${dav.url}${card(id.erika)}`;
      const encoded = `/dav/addressbooks/anna.meier/kontakte/${id.peter}%2Evcf`;
      const r = await dav.report(KONTAKTE, addressbookMultiget([full, encoded]), { depth: '0' });
      expect(r.status).toBe(207);
      expect(r.ms.hrefs).toHaveLength(2);
      const byPath = new Map(r.ms.hrefs.map((h) => [decodeURIComponent(new URL(h, dav.url).pathname), r.ms.responses.get(h)]));
      expect(parseVcard(propText(byPath.get(card(id.erika)), CR('address-data'))).getFirstPropertyValue('fn')).toBe('Erika Mustermann');
      expect(parseVcard(propText(byPath.get(card(id.peter)), CR('address-data'))).getFirstPropertyValue('fn')).toBe('Peter Meier');
    });

    it('answers 404 for a restricted, unknown or foreign contact', async () => {
      const wanted = [card(id.hans), card(id.secret), card('999999'), `/dav/addressbooks/carla.rossi/kontakte/${id.secret}.vcf`, ev(id.single)];
      const r = await dav.report(KONTAKTE, addressbookMultiget(wanted), { depth: '1' });
      expect(r.status).toBe(207);
      expect(r.ms.hrefs).toHaveLength(wanted.length);
      expect(r.ms.responses.get(card(id.hans))?.propstatStatuses[0]).toBe('HTTP/1.1 200 OK');
      for (const h of wanted.slice(1)) expect(r.ms.responses.get(h)?.status, h).toBe('HTTP/1.1 404 Not Found');
      expect(r.text).not.toContain('Geheim');
    });

    it.each([10, 100, 500])('answers a batch of %i hrefs, every card with its own name', async (n) => {
      const batch = bulkContacts.slice(0, n);
      const r = await dav.report(KONTAKTE, addressbookMultiget(batch.map((c) => card(c.id))), { depth: '1' });
      expect(r.status).toBe(207);
      expect(r.ms.hrefs).toEqual(batch.map((c) => card(c.id)));
      for (const c of batch) {
        const entry = r.ms.responses.get(card(c.id));
        expect(entry?.propstatStatuses).toEqual(['HTTP/1.1 200 OK']);
        expect(parseVcard(propText(entry, CR('address-data'))).getFirstPropertyValue('fn')).toBe(c.name);
      }
    });

    it('is refused on a calendar with DAV:supported-report', async () => {
      const r = await dav.request('REPORT', TERMINE, { body: addressbookMultiget([card(id.hans)]) });
      expect(r.status).toBe(403);
      expect(await errorConditions(r.text)).toContain(D('supported-report'));
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('calendar-query on events', () => {
    const run = async (inner: string, path = TERMINE) => {
      const r = await dav.report(path, calendarQuery(inner), { depth: '1' });
      expect(r.status, r.text).toBe(207);
      for (const h of r.ms.hrefs) expect(propText(r.ms.responses.get(h), D('getetag')), h).toMatch(/^"/);
      return membersOf(r.ms);
    };

    it('with a start-only time-range (DAVx5, iOS) returns what occurs from then on, recurring series included', async () => {
      expect(await run(events(range('20260320T000000Z', null)))).toEqual(sorted([ev(id.series), ev(id.allday)]));
    });

    it('with start and end in UTC (Outlook) returns exactly the overlapping appointments, own and attended', async () => {
      expect(await run(events(range('20260309T000000Z', '20260314T000000Z')))).toEqual(
        sorted([ev(id.series), ev(id.single), ev(id.team), ev(id.handover)]),
      );
    });

    it('matches a series through an ordinary occurrence', async () => {
      expect(await run(events(range('20260406T060000Z', '20260406T100000Z')))).toEqual([ev(id.series)]);
    });

    it('does not match a series in a range that holds only its cancelled (EXDATE) occurrence', async () => {
      expect(await run(events(range('20260316T070000Z', '20260316T100000Z')))).toEqual([]);
    });

    it('matches a moved occurrence at its new time and not at its original one', async () => {
      expect(await run(events(range('20260325T120000Z', '20260325T150000Z')))).toEqual([ev(id.series)]);
      expect(await run(events(range('20260323T070000Z', '20260323T100000Z')))).toEqual([]);
    });

    it('does not match a series after its last occurrence (COUNT)', async () => {
      expect(await run(events(range('20260421T000000Z', '20260601T000000Z')))).toEqual([]);
    });

    it('places an all-day appointment on its local day in Zurich (DATE values are floating)', async () => {
      // 2026-04-10 in Europe/Zurich (CEST) is 2026-04-09T22:00Z .. 2026-04-10T22:00Z.
      expect(await run(events(range('20260410T200000Z', '20260410T210000Z')))).toEqual([ev(id.allday)]);
      expect(await run(events(range('20260409T221500Z', '20260409T223000Z')))).toEqual([ev(id.allday)]);
      expect(await run(events(range('20260410T223000Z', '20260410T233000Z')))).toEqual([]);
      expect(await run(events(range('20260409T210000Z', '20260409T215900Z')))).toEqual([]);
    });

    it('never returns another employee’s appointment nor a colleague’s unshared one', async () => {
      const all = await run(events(''));
      expect(all).not.toContain(ev(id.carlaEvent));
      expect(all).not.toContain(ev(id.beatOnly));
      expect(all).toEqual(sorted([ev(id.single), ev(id.series), ev(id.allday), ev(id.handover), ev(id.team), ...bulkEvents.map((e) => ev(e.id))]));
    });

    it('returns nothing for VTODO on the events calendar', async () => {
      expect(await run('<C:comp-filter name="VTODO"/>')).toEqual([]);
    });

    it('works on a colleague’s shared calendar: what he owns or attends', async () => {
      const r = await dav.report(SHARED_BEAT, calendarQuery(events(range('20260309T000000Z', '20260314T000000Z'))), { depth: '1' });
      expect(r.status).toBe(207);
      expect(membersOf(r.ms)).toEqual(sorted([id.team, id.beatOnly, id.single, id.handover, id.beatPrivate].map((i) => `${SHARED_BEAT}${i}.ics`)));
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('calendar-query on tasks', () => {
    const run = async (inner: string) => {
      const r = await dav.report(AUFGABEN, calendarQuery(inner), { depth: '1' });
      expect(r.status, r.text).toBe(207);
      return membersOf(r.ms);
    };

    it('without time-range returns every task of the employee, completed ones included', async () => {
      expect(await run('<C:comp-filter name="VTODO"/>')).toEqual(sorted([todo(id.offerte), todo(id.police), todo(id.done)]));
    });

    it('with a time-range follows RFC 4791 §9.9 (DUE, or CREATED when nothing else is set)', async () => {
      expect(await run(`<C:comp-filter name="VTODO">${range('20260501T000000Z', '20260510T000000Z')}</C:comp-filter>`)).toEqual(
        sorted([todo(id.offerte), todo(id.police)]),
      );
      expect(await run(`<C:comp-filter name="VTODO">${range('20260120T000000Z', '20260210T000000Z')}</C:comp-filter>`)).toEqual(
        sorted([todo(id.done), todo(id.police)]),
      );
      // Before every task was created: nothing.
      expect(await run(`<C:comp-filter name="VTODO">${range('20250101T000000Z', '20250201T000000Z')}</C:comp-filter>`)).toEqual([]);
    });

    it('returns nothing for VEVENT on the task list', async () => {
      expect(await run(events(''))).toEqual([]);
    });

    it('filters open tasks the way Reminders asks (COMPLETED is-not-defined)', async () => {
      expect(await run('<C:comp-filter name="VTODO"><C:prop-filter name="COMPLETED"><C:is-not-defined/></C:prop-filter></C:comp-filter>')).toEqual(
        sorted([todo(id.offerte), todo(id.police)]),
      );
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('calendar-query prop-filter, text-match, param-filter, is-not-defined', () => {
    const week = range('20260309T000000Z', '20260314T000000Z');
    const run = async (inner: string) => {
      const r = await dav.report(TERMINE, calendarQuery(inner), { depth: '1' });
      expect(r.status, r.text).toBe(207);
      return membersOf(r.ms);
    };
    const summary = (textMatch: string) => events('', `<C:prop-filter name="SUMMARY">${textMatch}</C:prop-filter>`);

    it('matches SUMMARY case-insensitively under the default collation (i;ascii-casemap)', async () => {
      expect(await run(summary('<C:text-match>RAPPORT</C:text-match>'))).toEqual([ev(id.series)]);
      expect(await run(summary('<C:text-match collation="i;ascii-casemap">kundentermin</C:text-match>'))).toEqual([ev(id.single)]);
    });

    it('matches case-sensitively under i;octet', async () => {
      expect(await run(summary('<C:text-match collation="i;octet">kundentermin</C:text-match>'))).toEqual([]);
      expect(await run(summary('<C:text-match collation="i;octet">Kundentermin</C:text-match>'))).toEqual([ev(id.single)]);
    });

    it('folds non-ASCII letters only under i;unicode-casemap', async () => {
      expect(await run(summary('<C:text-match collation="i;unicode-casemap">übergabe police</C:text-match>'))).toEqual([ev(id.handover)]);
      expect(await run(summary('<C:text-match collation="i;ascii-casemap">übergabe police</C:text-match>'))).toEqual([]);
    });

    it('inverts with negate-condition', async () => {
      expect(await run(events(week, '<C:prop-filter name="SUMMARY"><C:text-match negate-condition="yes">Wochenrapport</C:text-match></C:prop-filter>'))).toEqual(
        sorted([ev(id.single), ev(id.team), ev(id.handover)]),
      );
    });

    it('matches a parameter with param-filter (ATTENDEE;PARTSTAT=ACCEPTED)', async () => {
      expect(
        await run(events(week, '<C:prop-filter name="ATTENDEE"><C:param-filter name="PARTSTAT"><C:text-match>ACCEPTED</C:text-match></C:param-filter></C:prop-filter>')),
      ).toEqual(sorted([ev(id.single), ev(id.team)]));
      expect(
        await run(events(week, '<C:prop-filter name="ATTENDEE"><C:param-filter name="PARTSTAT"><C:text-match>NEEDS-ACTION</C:text-match></C:param-filter></C:prop-filter>')),
      ).toEqual([ev(id.handover)]);
    });

    it('selects components without a property with is-not-defined', async () => {
      expect(await run(events(week, '<C:prop-filter name="LOCATION"><C:is-not-defined/></C:prop-filter>'))).toEqual(
        sorted([ev(id.series), ev(id.team), ev(id.handover)]),
      );
      expect(await run(events(week, '<C:prop-filter name="ATTENDEE"><C:is-not-defined/></C:prop-filter>'))).toEqual([ev(id.series)]);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('a colleague’s private appointment in his shared calendar', () => {
    const shared = async (inner: string, prop?: string) => {
      const r = await dav.report(SHARED_BEAT, calendarQuery(inner, prop), { depth: '1' });
      expect(r.status, r.text).toBe(207);
      return r;
    };
    const privateHref = () => `${SHARED_BEAT}${id.beatPrivate}.ics`;
    const textFilter = (prop: string, text: string) => events('', `<C:prop-filter name="${prop}"><C:text-match>${text}</C:text-match></C:prop-filter>`);

    it('cannot be found by its subject, location or description', async () => {
      expect(membersOf((await shared(textFilter('SUMMARY', 'Kranz'))).ms)).toEqual([]);
      expect(membersOf((await shared(textFilter('LOCATION', 'Praxis'))).ms)).toEqual([]);
      expect(membersOf((await shared(textFilter('DESCRIPTION', 'Kontrolle'))).ms)).toEqual([]);
      expect(membersOf((await shared(events('', '<C:prop-filter name="LOCATION"><C:is-not-defined/></C:prop-filter>'))).ms)).toContain(privateHref());
    });

    it('matches as the busy block it is served as, and expands without details', async () => {
      expect(membersOf((await shared(textFilter('SUMMARY', 'Besetzt'))).ms)).toEqual([privateHref()]);
      const r = await shared(
        events(range('20260312T000000Z', '20260313T000000Z')),
        '<C:calendar-data><C:expand start="20260312T000000Z" end="20260313T000000Z"/></C:calendar-data>',
      );
      const text = propText(r.ms.responses.get(privateHref()), C('calendar-data'));
      const vevent = parseIcs(text).getFirstSubcomponent('vevent')!;
      expect(vevent.getFirstPropertyValue('summary')).toBe('Besetzt');
      expect(utcStart(vevent)).toBe('2026-03-12T08:00:00Z');
      expect(text).not.toMatch(/Kranz|Praxis|Kontrolle/);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('calendar-data sub-requests', () => {
    const dataOf = async (href: string, calendarData: string) => {
      const r = await dav.report(TERMINE, calendarMultiget([href], `<D:getetag/>${calendarData}`), { depth: '1' });
      expect(r.status, r.text).toBe(207);
      return parseIcs(propText(r.ms.responses.get(href), C('calendar-data')));
    };

    it('returns only the requested components and properties (comp/prop)', async () => {
      const vcal = await dataOf(
        ev(id.single),
        `<C:calendar-data><C:comp name="VCALENDAR"><C:prop name="VERSION"/><C:comp name="VEVENT"><C:prop name="SUMMARY"/><C:prop name="UID"/><C:prop name="DTSTART"/></C:comp></C:comp></C:calendar-data>`,
      );
      expect(propNames(vcal)).toEqual(['version']);
      expect(vcal.getAllSubcomponents().map((c) => c.name)).toEqual(['vevent']);
      const vevent = vcal.getFirstSubcomponent('vevent')!;
      expect(propNames(vevent)).toEqual(['dtstart', 'summary', 'uid']);
      expect(vevent.getFirstPropertyValue('summary')).toBe('Kundentermin Muster');
    });

    it('expands a series into UTC instances without RRULE, skipping the EXDATE and moving the override', async () => {
      const r = await dav.report(
        TERMINE,
        calendarQuery(events(range('20260301T000000Z', '20260401T000000Z')), '<D:getetag/><C:calendar-data><C:expand start="20260301T000000Z" end="20260401T000000Z"/></C:calendar-data>'),
        { depth: '1' },
      );
      expect(r.status).toBe(207);
      const vcal = parseIcs(propText(r.ms.responses.get(ev(id.series)), C('calendar-data')));
      expect(vcal.getAllSubcomponents('vtimezone')).toHaveLength(0);
      const instances = vcal.getAllSubcomponents('vevent');
      expect(sorted(instances.map(utcStart))).toEqual(['2026-03-02T08:00:00Z', '2026-03-09T08:00:00Z', '2026-03-25T13:00:00Z', '2026-03-30T07:00:00Z']);
      for (const i of instances) {
        expect(i.hasProperty('rrule')).toBe(false);
        expect(i.hasProperty('exdate')).toBe(false);
        expect(i.hasProperty('recurrence-id')).toBe(true);
        expect(i.getFirstProperty('dtstart')?.getParameter('tzid')).toBeUndefined();
        expect(i.getFirstPropertyValue('summary')).toBe('Wochenrapport');
      }
      const moved = instances.find((i) => utcStart(i) === '2026-03-25T13:00:00Z')!;
      expect((moved.getFirstPropertyValue('recurrence-id') as ICAL.Time).toString()).toBe('2026-03-23T08:00:00Z');
      // A plain appointment comes back in UTC as well.
      const single = parseIcs(propText(r.ms.responses.get(ev(id.single)), C('calendar-data'))).getFirstSubcomponent('vevent')!;
      expect(utcStart(single)).toBe('2026-03-10T09:00:00Z');
    });

    it('keeps the master and only the overrides in range with limit-recurrence-set', async () => {
      const early = await dataOf(ev(id.series), '<C:calendar-data><C:limit-recurrence-set start="20260301T000000Z" end="20260320T000000Z"/></C:calendar-data>');
      const earlyEvents = early.getAllSubcomponents('vevent');
      expect(earlyEvents).toHaveLength(1);
      expect(earlyEvents[0]!.hasProperty('rrule')).toBe(true);
      const late = await dataOf(ev(id.series), '<C:calendar-data><C:limit-recurrence-set start="20260324T000000Z" end="20260327T000000Z"/></C:calendar-data>');
      const lateEvents = late.getAllSubcomponents('vevent');
      expect(lateEvents).toHaveLength(2);
      expect(lateEvents.filter((e) => e.hasProperty('recurrence-id'))).toHaveLength(1);
    });

    it('refuses expand without an end (400)', async () => {
      const r = await dav.request('REPORT', TERMINE, {
        body: calendarMultiget([ev(id.series)], '<C:calendar-data><C:expand start="20260301T000000Z"/></C:calendar-data>'),
        headers: { Depth: '1' },
      });
      expect(r.status).toBe(400);
    });

    it('refuses calendar-data in another media type with CALDAV:supported-calendar-data', async () => {
      const r = await dav.request('REPORT', TERMINE, {
        body: calendarMultiget([ev(id.series)], '<C:calendar-data content-type="application/calendar+json"/>'),
        headers: { Depth: '1' },
      });
      expect(r.status).toBe(403);
      expect(await errorConditions(r.text)).toContain(C('supported-calendar-data'));
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('calendar-query refusals', () => {
    const refused = async (body: string) => {
      const r = await dav.request('REPORT', TERMINE, { body, headers: { Depth: '1' } });
      return { status: r.status, conditions: r.status >= 400 && r.text ? await errorConditions(r.text) : [] };
    };

    it.each([
      ['a top comp-filter other than VCALENDAR', `${XML_DECL}<C:calendar-query ${NS}><D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VEVENT"/></C:filter></C:calendar-query>`],
      ['a time-range that is not UTC', calendarQuery(events(range('20260301', null)))],
      ['a time-range ending before it starts', calendarQuery(events(range('20260310T000000Z', '20260301T000000Z')))],
      ['a time-range on SUMMARY', calendarQuery(events('', `<C:prop-filter name="SUMMARY">${range('20260301T000000Z', null)}</C:prop-filter>`))],
      ['VALARM directly in VCALENDAR', calendarQuery('<C:comp-filter name="VALARM"/>')],
      ['two filters for one component in a param-filter', calendarQuery(events('', '<C:prop-filter name="ATTENDEE"><C:param-filter name="PARTSTAT"><C:is-not-defined/><C:text-match>X</C:text-match></C:param-filter></C:prop-filter>'))],
    ])('answers 400 CALDAV:valid-filter for %s', async (_what, body) => {
      expect(await refused(body)).toEqual({ status: 400, conditions: [C('valid-filter')] });
    });

    it('answers 400 when the filter is missing', async () => {
      const r = await dav.request('REPORT', TERMINE, { body: `${XML_DECL}<C:calendar-query ${NS}><D:prop><D:getetag/></D:prop></C:calendar-query>` });
      expect(r.status).toBe(400);
    });

    it('answers 403 CALDAV:supported-collation for an unknown collation', async () => {
      expect(await refused(calendarQuery(events('', '<C:prop-filter name="SUMMARY"><C:text-match collation="i;klingon">x</C:text-match></C:prop-filter>')))).toEqual({
        status: 403,
        conditions: [C('supported-collation')],
      });
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('addressbook-query', () => {
    const run = async (filter: string, prop?: string, limit?: string) => {
      const r = await dav.report(KONTAKTE, addressbookQuery(filter, prop, limit), { depth: '1' });
      expect(r.status, r.text).toBe(207);
      return r;
    };
    const hrefs = async (filter: string) => membersOf((await run(filter)).ms);
    const fn = (textMatch: string, test = '') => `<CR:filter${test}><CR:prop-filter name="FN">${textMatch}</CR:prop-filter></CR:filter>`;

    it.each([
      ['equals', 'Hans Muster', () => [id.hans]],
      ['contains', 'muster', () => [id.hans, id.erika, id.company]],
      ['starts-with', 'Peter', () => [id.peter]],
      ['ends-with', ' AG', () => [id.company]],
    ])('matches FN with match-type %s', async (matchType, text, expected) => {
      expect(await hrefs(fn(`<CR:text-match match-type="${matchType}">${text}</CR:text-match>`))).toEqual(sorted(expected().map(card)));
    });

    it('compares with i;unicode-casemap by default and honours i;ascii-casemap and i;octet', async () => {
      expect(await hrefs(fn('<CR:text-match match-type="starts-with">JÜRG</CR:text-match>'))).toEqual([card(id.juerg)]);
      expect(await hrefs(fn('<CR:text-match match-type="starts-with" collation="i;ascii-casemap">JÜRG</CR:text-match>'))).toEqual([]);
      expect(await hrefs(fn('<CR:text-match match-type="equals" collation="i;octet">hans muster</CR:text-match>'))).toEqual([]);
      expect(await hrefs(fn('<CR:text-match match-type="equals" collation="i;octet">Hans Muster</CR:text-match>'))).toEqual([card(id.hans)]);
    });

    it('combines prop-filters with test="anyof" and test="allof"', async () => {
      const two = (test: string, a: string, b: string) =>
        `<CR:filter test="${test}"><CR:prop-filter name="FN"><CR:text-match>${a}</CR:text-match></CR:prop-filter><CR:prop-filter name="EMAIL"><CR:text-match>${b}</CR:text-match></CR:prop-filter></CR:filter>`;
      expect(await hrefs(two('anyof', 'Meier', 'example.org'))).toEqual(sorted([card(id.peter), card(id.erika)]));
      expect(await hrefs(two('allof', 'Muster', 'muster.ch'))).toEqual([card(id.hans)]);
    });

    it('combines the tests inside one prop-filter by its test attribute', async () => {
      const inside = (test: string, a: string, b: string) =>
        `<CR:filter><CR:prop-filter name="FN" test="${test}"><CR:text-match match-type="starts-with">${a}</CR:text-match><CR:text-match match-type="${test === 'allof' ? 'ends-with' : 'starts-with'}">${b}</CR:text-match></CR:prop-filter></CR:filter>`;
      expect(await hrefs(inside('allof', 'Hans', 'Muster'))).toEqual([card(id.hans)]);
      expect(await hrefs(inside('anyof', 'Hans', 'Erika'))).toEqual(sorted([card(id.hans), card(id.erika)]));
    });

    it('matches a parameter with param-filter and a missing property with is-not-defined', async () => {
      expect(await hrefs('<CR:filter><CR:prop-filter name="EMAIL"><CR:param-filter name="TYPE"><CR:text-match match-type="equals">HOME</CR:text-match></CR:param-filter></CR:prop-filter></CR:filter>')).toEqual([
        card(id.juerg),
      ]);
      expect(
        await hrefs(
          '<CR:filter test="allof"><CR:prop-filter name="FN"><CR:text-match>Muster</CR:text-match></CR:prop-filter><CR:prop-filter name="ORG"><CR:is-not-defined/></CR:prop-filter></CR:filter>',
        ),
      ).toEqual(sorted([card(id.hans), card(id.erika)]));
    });

    it('never returns a contact restricted to someone else', async () => {
      expect(await hrefs(fn('<CR:text-match>Geheim</CR:text-match>'))).toEqual([]);
    });

    it('cuts the answer at limit/nresults and marks the collection 507', async () => {
      const r = await run(fn('<CR:text-match>muster</CR:text-match>'), '<D:getetag/>', '<CR:limit><CR:nresults>2</CR:nresults></CR:limit>');
      const members = r.ms.hrefs.filter((h) => h !== KONTAKTE);
      expect(members).toHaveLength(2);
      for (const h of members) expect([card(id.hans), card(id.erika), card(id.company)]).toContain(h);
      expect(r.ms.responses.get(KONTAKTE)?.status).toBe('HTTP/1.1 507 Insufficient Storage');
      expect(r.ms.hrefs.at(-1)).toBe(KONTAKTE);
      // RFC 6352 §8.6.1 / RFC 5323: the 507 says why.
      expect(await responseErrorOf(r.text, KONTAKTE)).toEqual([D('number-of-matches-within-limits')]);
    });

    it('answers without 507 when the matches fit the limit', async () => {
      const r = await run(fn('<CR:text-match match-type="equals">Hans Muster</CR:text-match>'), '<D:getetag/>', '<CR:limit><CR:nresults>2</CR:nresults></CR:limit>');
      expect(r.ms.hrefs).toEqual([card(id.hans)]);
    });

    it('returns only the requested vCard properties with address-data prop', async () => {
      const r = await run(fn('<CR:text-match match-type="equals">Hans Muster</CR:text-match>'), '<D:getetag/><CR:address-data><CR:prop name="FN"/><CR:prop name="EMAIL"/></CR:address-data>');
      const vcard = parseVcard(propText(r.ms.responses.get(card(id.hans)), CR('address-data')));
      expect(vcard.getFirstPropertyValue('fn')).toBe('Hans Muster');
      expect(vcard.getFirstPropertyValue('email')).toBe('hans@muster.ch');
      for (const gone of ['tel', 'n', 'categories', 'rev']) expect(vcard.hasProperty(gone), gone).toBe(false);
    });

    it('serves vCard 4.0 when address-data asks for version 4.0', async () => {
      const r = await run(fn('<CR:text-match match-type="equals">Hans Muster</CR:text-match>'), '<D:getetag/><CR:address-data content-type="text/vcard" version="4.0"/>');
      const vcard = parseVcard(propText(r.ms.responses.get(card(id.hans)), CR('address-data')));
      expect(vcard.getFirstPropertyValue('version')).toBe('4.0');
      expect(vcard.getFirstPropertyValue('fn')).toBe('Hans Muster');
      expect(vcard.getFirstPropertyValue('uid')).toBe(`brokerstar-contact-${id.hans}`);
    });

    it('refuses an unknown collation with 403 CARDDAV:supported-collation', async () => {
      const r = await dav.request('REPORT', KONTAKTE, { body: addressbookQuery(fn('<CR:text-match collation="i;klingon">x</CR:text-match>')), headers: { Depth: '1' } });
      expect(r.status).toBe(403);
      expect(await errorConditions(r.text)).toEqual([CR('supported-collation')]);
    });

    it.each([
      ['an unknown match-type', fn('<CR:text-match match-type="sounds-like">x</CR:text-match>')],
      ['a bad test attribute', fn('<CR:text-match>x</CR:text-match>', ' test="some"')],
      ['a prop-filter without name', '<CR:filter><CR:prop-filter><CR:text-match>x</CR:text-match></CR:prop-filter></CR:filter>'],
    ])('refuses %s with 400', async (_what, filter) => {
      const r = await dav.request('REPORT', KONTAKTE, { body: addressbookQuery(filter), headers: { Depth: '1' } });
      expect(r.status).toBe(400);
    });

    it('refuses a limit without a positive nresults with 400', async () => {
      const r = await dav.request('REPORT', KONTAKTE, { body: addressbookQuery(fn('<CR:text-match>x</CR:text-match>'), '<D:getetag/>', '<CR:limit><CR:nresults>0</CR:nresults></CR:limit>') });
      expect(r.status).toBe(400);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('sync-collection basics', () => {
    const sync = (token: string, prop = '<D:getetag/>') =>
      `${XML_DECL}<D:sync-collection xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">${token ? `<D:sync-token>${token}</D:sync-token>` : '<D:sync-token/>'}<D:sync-level>1</D:sync-level><D:prop>${prop}</D:prop></D:sync-collection>`;
    const visibleCards = () => sorted([id.hans, id.erika, id.peter, id.company, id.juerg, ...bulkContacts.map((c) => c.id)].map(card));

    it('lists every visible member with its getetag on the initial sync, and a token', async () => {
      const r = await dav.report(KONTAKTE, sync(''), { depth: '0' });
      expect(r.status).toBe(207);
      expect(membersOf(r.ms)).toEqual(visibleCards());
      for (const h of r.ms.hrefs) expect(propText(r.ms.responses.get(h), D('getetag')), h).toMatch(/^"[^"]+"$/);
      expect(r.ms.syncToken).toMatch(/^[a-z][a-z0-9+.-]*:/i);
    });

    it('inlines address-data when asked', async () => {
      const r = await dav.report(KONTAKTE, sync('', '<D:getetag/><CR:address-data/>'), { depth: '0' });
      expect(r.status).toBe(207);
      expect(r.ms.hrefs).toHaveLength(visibleCards().length);
      const hans = parseVcard(propText(r.ms.responses.get(card(id.hans)), CR('address-data')));
      expect(hans.getFirstPropertyValue('fn')).toBe('Hans Muster');
      expect(r.text).not.toContain('Geheim');
    });

    it('answers an incremental sync without changes with no members and the same token', async () => {
      const first = await dav.report(TERMINE, sync(''), { depth: '0' });
      expect(first.ms.syncToken).toBeDefined();
      const next = await dav.report(TERMINE, sync(first.ms.syncToken!), { depth: '0' });
      expect(next.status).toBe(207);
      expect(next.ms.hrefs).toEqual([]);
      expect(next.ms.syncToken).toBe(first.ms.syncToken);
    });

    it('a DAV:limit that cuts the answer ends it with a 507 for the collection and DAV:number-of-matches-within-limits', async () => {
      const limited = (token: string) => sync(token).replace('</D:sync-level>', '</D:sync-level><D:limit><D:nresults>2</D:nresults></D:limit>');
      const r = await dav.report(KONTAKTE, limited(''), { depth: '0' });
      expect(r.status).toBe(207);
      expect(r.ms.hrefs.filter((h) => h !== KONTAKTE)).toHaveLength(2);
      expect(r.ms.hrefs.at(-1)).toBe(KONTAKTE);
      expect(r.ms.responses.get(KONTAKTE)?.status).toBe('HTTP/1.1 507 Insufficient Storage');
      expect(await responseErrorOf(r.text, KONTAKTE)).toEqual([D('number-of-matches-within-limits')]);
      // A limit the changes fit in: no 507, no error.
      const rest = await dav.report(KONTAKTE, sync(r.ms.syncToken!).replace('</D:sync-level>', '</D:sync-level><D:limit><D:nresults>100000</D:nresults></D:limit>'), {
        depth: '0',
      });
      expect(rest.status).toBe(207);
      expect(rest.ms.responses.has(KONTAKTE)).toBe(false);
      expect(await responseErrorOf(rest.text, KONTAKTE)).toEqual([]);
    });

    it('refuses an unknown token with 403 DAV:valid-sync-token', async () => {
      const r = await dav.request('REPORT', TERMINE, { body: sync('urn:brokerstar:sync:nonsense'), headers: { Depth: '0' } });
      expect(r.status).toBe(403);
      expect(await errorConditions(r.text)).toContain(D('valid-sync-token'));
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('expand-property', () => {
    it('answers the proxy lookup Apple clients send on the principal, with empty proxy lists', async () => {
      const body = `<?xml version="1.0" encoding="UTF-8"?>
<A:expand-property xmlns:A="DAV:">
  <A:property name="calendar-proxy-write-for" namespace="http://calendarserver.org/ns/">
    <A:property name="displayname" namespace="DAV:"/>
    <A:property name="calendar-user-address-set" namespace="urn:ietf:params:xml:ns:caldav"/>
    <A:property name="email-address-set" namespace="http://calendarserver.org/ns/"/>
  </A:property>
  <A:property name="calendar-proxy-read-for" namespace="http://calendarserver.org/ns/">
    <A:property name="displayname" namespace="DAV:"/>
    <A:property name="calendar-user-address-set" namespace="urn:ietf:params:xml:ns:caldav"/>
    <A:property name="email-address-set" namespace="http://calendarserver.org/ns/"/>
  </A:property>
</A:expand-property>`;
      const r = await dav.report(PRINCIPAL, body, { depth: '0' });
      expect(r.status).toBe(207);
      expect(r.ms.hrefs).toEqual([PRINCIPAL]);
      const entry = r.ms.responses.get(PRINCIPAL);
      for (const name of [CS('calendar-proxy-write-for'), CS('calendar-proxy-read-for')]) {
        const p = entry?.props.get(name);
        expect(p?.status, name).toBe('HTTP/1.1 200 OK');
        expect(p?.el.children, name).toEqual([]);
      }
    });

    it('expands current-user-principal into the principal’s name and address', async () => {
      const body = `<?xml version="1.0" encoding="UTF-8"?>
<A:expand-property xmlns:A="DAV:">
  <A:property name="current-user-principal">
    <A:property name="displayname"/>
    <A:property name="calendar-user-address-set" namespace="urn:ietf:params:xml:ns:caldav"/>
  </A:property>
</A:expand-property>`;
      const r = await dav.report(PRINCIPAL, body, { depth: '0' });
      expect(r.status).toBe(207);
      const cup = r.ms.responses.get(PRINCIPAL)?.props.get(D('current-user-principal'));
      expect(cup?.status).toBe('HTTP/1.1 200 OK');
      const nested = childrenNamed(cup?.el, D('response'));
      expect(nested).toHaveLength(1);
      expect(childNamed(nested[0], D('href'))?.text).toBe(PRINCIPAL);
      const prop = childNamed(childNamed(nested[0], D('propstat')), D('prop'));
      expect(childNamed(prop, D('displayname'))?.text).toBe('Anna Meier');
      const addresses = childrenNamed(childNamed(prop, C('calendar-user-address-set')), D('href')).map((h: Node) => h.text);
      expect(addresses).toContain('mailto:anna.meier@example.ch');
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('unsupported reports and bad requests', () => {
    it.each([
      ['free-busy-query on a calendar', TERMINE, `${XML_DECL}<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="20260301T000000Z" end="20260401T000000Z"/></C:free-busy-query>`],
      ['calendar-query on the address book', KONTAKTE, calendarQuery(events(''))],
      ['addressbook-query on a calendar', TERMINE, addressbookQuery('<CR:filter/>')],
      ['sync-collection on the calendar home', '/dav/calendars/anna.meier/', `${XML_DECL}<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>`],
      ['an unknown report', TERMINE, `${XML_DECL}<X:whatever xmlns:X="urn:example:x"/>`],
    ])('refuses %s with 403 DAV:supported-report', async (_what, path, body) => {
      const r = await dav.request('REPORT', path, { body, headers: { Depth: '1' } });
      expect(r.status).toBe(403);
      expect(await errorConditions(r.text)).toContain(D('supported-report'));
    });

    it('answers 400 to a REPORT without body', async () => {
      const r = await dav.request('REPORT', TERMINE, { headers: { Depth: '1' } });
      expect(r.status).toBe(400);
    });

    it('answers 400 to a REPORT with malformed XML', async () => {
      const r = await dav.request('REPORT', TERMINE, { body: '<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:filter>', headers: { Depth: '1' } });
      expect(r.status).toBe(400);
    });

    it('answers 400 to a REPORT with an invalid Depth header', async () => {
      const r = await dav.request('REPORT', TERMINE, { body: calendarQuery(events('')), headers: { Depth: 'deep' } });
      expect(r.status).toBe(400);
    });

    it('answers 404 to a REPORT on another employee’s calendar', async () => {
      const r = await dav.request('REPORT', '/dav/calendars/carla.rossi/termine/', { body: calendarQuery(events('')), headers: { Depth: '1' } });
      expect(r.status).toBe(404);
      expect(r.text).not.toContain('Carla Termin');
    });
  });
});
