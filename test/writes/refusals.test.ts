// Every refusal of issue 5 over real HTTP: creates in each collection, PUTs on contacts and on
// others' appointments, reassignments, organizer/participant/privacy changes, DELETE, MKCOL,
// MKCALENDAR, MOVE, COPY, LOCK, UNLOCK, PROPPATCH (Outlook's calendar-color too) and POST, a
// series' changed RRULE or start moved off its rule's days, and creates anywhere in the user's own
// homes (another user's space stays 404). Each answer: the status, a DAV:error with
// DAV:need-privileges naming the resource and the privilege, the project's precondition element,
// never the bare <D:error/>, the sentence in the employee's BrokerStar language (German, then
// English; Accept-Language saying otherwise), an audit row (with what the rule saw, where a rule decided), and
// BrokerStar's tables byte-for-byte unchanged. Then CLIENT_EDITS=off: every PUT refused,
// privileges read-only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Language } from '../../src/i18n/texts.js';
import { messageFor, type MessageKey } from '../../src/policy/messages.js';
import { lastAuditId } from '../support/audit.js';
import { builders } from '../support/builders.js';
import { tableChecksums } from '../support/checksums.js';
import { davError } from '../support/dav-error.js';
import { getItem } from '../support/items.js';
import { listEtags } from '../support/listing.js';
import ICAL from 'ical.js';
import { BS, childNamed, D, type Node } from '../support/multistatus.js';
import { startTestServer, type Reply, type TestServer } from '../support/server.js';
import { editedItem, setLocal } from '../unit/policy/clients.js';

const USER = 'anna.meier';
const TERMINE = `/dav/calendars/${USER}/termine/`;
const AUFGABEN = `/dav/calendars/${USER}/aufgaben/`;
const KONTAKTE = `/dav/addressbooks/${USER}/kontakte/`;
const SHARED = `/dav/calendars/${USER}/termine-beat.keller/`;
const DAVX5 = 'DAVx5/4.5.19-ose (2025/11/03; dav4jvm; okhttp/4.12.0) Android/14';
const CALENDAR = 'text/calendar; charset=utf-8';

const ids: Record<string, string> = {};

// ------------------------------------------------------------------ helpers

const newEvent = (uid: string) =>
  [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN',
    'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261120T120000Z', 'DTSTART:20261210T090000Z', 'DTEND:20261210T100000Z',
    'SUMMARY:Neuer Termin', 'END:VEVENT', 'END:VCALENDAR', '',
  ].join('\r\n');
const newTodo = (uid: string) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Apple Inc.//iOS 18.1//EN', 'BEGIN:VTODO', `UID:${uid}`, 'DTSTAMP:20261120T120000Z', 'SUMMARY:Neue Aufgabe', 'END:VTODO', 'END:VCALENDAR', ''].join('\r\n');
const newCard = (uid: string) => ['BEGIN:VCARD', 'VERSION:3.0', `UID:${uid}`, 'FN:Neue Person', 'N:Person;Neue;;;', 'END:VCARD', ''].join('\r\n');

interface Expected {
  readonly status: number;
  readonly href: string;
  readonly privilege: string;
  readonly element: string;
  readonly key: MessageKey;
}

/** The DAV:error body: need-privileges(resource href, privilege), the element, the sentence in `lang`. */
async function expectRefusal(r: Reply, x: Expected, lang: Language): Promise<void> {
  expect(r.status, r.text).toBe(x.status);
  expect(r.text.replace(/\s+/g, ''), 'never the bare <D:error/> (Thunderbird reads it as a rate limit)').not.toMatch(/<([A-Za-z]+:)?error[^>]*\/>$/);
  const { names, root } = await davError(r);
  const need = childNamed(root, D('need-privileges'));
  expect(need, 'DAV:need-privileges (without it DAVx5 stops syncing the collection)').toBeDefined();
  const resources = need!.children.filter((c: Node) => c.name === D('resource'));
  expect(resources).toHaveLength(1);
  expect(childNamed(resources[0], D('href'))?.text).toBe(x.href);
  expect(childNamed(resources[0], D('privilege'))?.children.map((c: Node) => c.name)).toEqual([x.privilege]);
  expect(names).toContain(x.element);
  expect(childNamed(root, BS('message'))?.text).toBe(messageFor(x.key, lang));
}

/** The refusal's audit row (written after the answer, so polled briefly). */
async function auditRows(dav: TestServer, method: string, resource: string, since: string) {
  for (let i = 0; i < 40; i++) {
    const { rows } = await dav.db.query(
      `SELECT * FROM dav.audit_log WHERE method = $1 AND resource = $2 AND id > $3 ORDER BY id`,
      [method, resource, since],
    );
    if (rows.length >= 2) return rows;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no audit rows for ${method} ${resource}`);
}

interface Case extends Expected {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: (dav: TestServer) => Promise<string> | string;
  /** What an edit rule saw, recorded after the message key in the audit reason. */
  readonly detail?: RegExp;
}

/** Sets the employee's BrokerStar language for the length of `fn` (German again afterwards). */
async function inLanguage<T>(dav: TestServer, lang: Language, fn: () => Promise<T>): Promise<T> {
  await dav.db.query('UPDATE brokerstar.employee SET language = $1 WHERE username = $2', [lang, USER]);
  try {
    return await fn();
  } finally {
    await dav.db.query(`UPDATE brokerstar.employee SET language = 'de' WHERE username = $1`, [USER]);
  }
}

/**
 * Sends the request as Anna speaking German, then English (each time with an Accept-Language
 * asking for the other, which must not matter); asserts both and what must not change.
 */
async function checkRefusal(dav: TestServer, c: Case): Promise<void> {
  const since = await lastAuditId(dav);
  const sums = await tableChecksums(dav);
  for (const lang of ['de', 'en'] as const) {
    const body = c.body ? await c.body(dav) : undefined;
    const r = await inLanguage(dav, lang, () =>
      dav.request(c.method, c.path, {
        ...(body !== undefined ? { body } : {}),
        headers: { 'User-Agent': DAVX5, ...c.headers, 'Accept-Language': lang === 'en' ? 'de-CH' : 'en-US,en;q=0.9' },
      }),
    );
    await expectRefusal(r, c, lang);
  }
  const audit = await auditRows(dav, c.method, c.path, since);
  const reason = c.detail ? expect.stringMatching(new RegExp(`^${c.key}: .*${c.detail.source}`)) : c.key;
  expect(audit.map((a) => ({ outcome: a.outcome, status: a.status, reason: a.reason, username: a.username, user_agent: a.user_agent }))).toEqual([
    { outcome: 'refused', status: c.status, reason, username: USER, user_agent: DAVX5 },
    { outcome: 'refused', status: c.status, reason, username: USER, user_agent: DAVX5 },
  ]);
  expect(await tableChecksums(dav), 'BrokerStar tables byte-for-byte unchanged').toEqual(sums);
}

async function seed(db: { pool: import('pg').Pool }) {
  const b = builders(db.pool);
  ids.anna = await b.addEmployee({ username: USER });
  ids.beat = await b.addEmployee({ username: 'beat.keller' });
  ids.carla = await b.addEmployee({ username: 'carla.rossi' });
  ids.contact = await b.addContact({ firstName: 'Hans', lastName: 'Muster', emails: ['hans@muster.ch'] });
  ids.own = await b.addAppointment({ ownerId: ids.anna, startsAt: '2026-12-01T09:00:00Z', subject: 'Kundentermin', participants: [ids.beat] });
  ids.plain = await b.addAppointment({ ownerId: ids.anna, startsAt: '2026-12-02T09:00:00Z', subject: 'Ohne Teilnehmer' });
  ids.beatsInvite = await b.addAppointment({ ownerId: ids.beat, startsAt: '2026-12-03T09:00:00Z', subject: 'Beats Sitzung', participants: [ids.anna] });
  ids.beatsOwn = await b.addAppointment({ ownerId: ids.beat, startsAt: '2026-12-04T09:00:00Z', subject: 'Beats Termin' });
  ids.task = await b.addTask({ assigneeId: ids.anna, subject: 'Offerte senden' });
  ids.beatsTask = await b.addTask({ assigneeId: ids.beat, subject: 'Beats Aufgabe' });
  // Mondays 09:00 Europe/Zurich from 7 December 2026, ten times.
  ids.series = await b.addAppointment({ ownerId: ids.anna, startsAt: '2026-12-07T08:00:00Z', subject: 'Wochenrapport', recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=10' });
  await b.addShare(ids.beat, ids.anna);
}

// ------------------------------------------------------------------ the tests

describe('refusals (CLIENT_EDITS=on)', () => {
  let dav: TestServer;

  beforeAll(async () => {
    dav = await startTestServer({ user: USER, seed });
    for (const c of [TERMINE, AUFGABEN, KONTAKTE, SHARED]) await listEtags(dav, c);
  });
  afterAll(() => dav?.close());

  const item = (collection: string, id: () => string | undefined, ext = 'ics') => () => `${collection}${id()}.${ext}`;
  // Paths depend on seeded ids: cases are built lazily inside each test.
  const cases: (() => Case)[] = [
    () => ({ name: 'PUT to a new URL in Termine', method: 'PUT', path: `${TERMINE}neu-4711.ics`, headers: { 'Content-Type': CALENDAR, 'If-None-Match': '*' }, body: () => newEvent('neu-4711'), status: 403, href: `${TERMINE}neu-4711.ics`, privilege: D('bind'), element: BS('create-in-brokerstar'), key: 'create-appointment' }),
    () => ({ name: 'PUT to a new URL in Aufgaben', method: 'PUT', path: `${AUFGABEN}0F2A-99.ics`, headers: { 'Content-Type': CALENDAR, 'If-None-Match': '*' }, body: () => newTodo('0F2A-99'), status: 403, href: `${AUFGABEN}0F2A-99.ics`, privilege: D('bind'), element: BS('create-in-brokerstar'), key: 'create-task' }),
    () => ({ name: 'PUT to a new URL in Kontakte', method: 'PUT', path: `${KONTAKTE}c0ffee.vcf`, headers: { 'Content-Type': 'text/vcard; charset=utf-8', 'If-None-Match': '*' }, body: () => newCard('c0ffee'), status: 403, href: `${KONTAKTE}c0ffee.vcf`, privilege: D('bind'), element: BS('create-in-brokerstar'), key: 'create-contact' }),
    () => ({ name: "PUT to a new URL in a colleague's shared calendar", method: 'PUT', path: `${SHARED}neu-1.ics`, headers: { 'Content-Type': CALENDAR, 'If-None-Match': '*' }, body: () => newEvent('neu-1'), status: 403, href: `${SHARED}neu-1.ics`, privilege: D('bind'), element: BS('create-in-brokerstar'), key: 'create-appointment' }),
    () => ({ name: "PUT on a colleague's task id in Aufgaben (not visible: a create, no existence leak)", method: 'PUT', path: item(AUFGABEN, () => ids.beatsTask)(), headers: { 'Content-Type': CALENDAR }, body: () => newTodo(`brokerstar-task-${ids.beatsTask}`), status: 403, href: item(AUFGABEN, () => ids.beatsTask)(), privilege: D('bind'), element: BS('create-in-brokerstar'), key: 'create-task' }),
    () => ({ name: 'PUT on a contact', method: 'PUT', path: item(KONTAKTE, () => ids.contact, 'vcf')(), headers: { 'Content-Type': 'text/vcard; charset=utf-8' }, body: async (d) => (await getItem(d, item(KONTAKTE, () => ids.contact, 'vcf')())).text.replace('FN:Hans Muster', 'FN:Hans Muster-Meier'), status: 403, href: item(KONTAKTE, () => ids.contact, 'vcf')(), privilege: D('write-content'), element: BS('contacts-read-only'), key: 'edit-contact' }),
    () => ({ name: "PUT on a colleague's appointment the user takes part in (own Termine)", method: 'PUT', path: item(TERMINE, () => ids.beatsInvite)(), headers: { 'Content-Type': CALENDAR }, body: async (d) => editedItem((await getItem(d, item(TERMINE, () => ids.beatsInvite)())).text, (e) => e.updatePropertyWithValue('summary', 'Verschoben')), status: 403, href: item(TERMINE, () => ids.beatsInvite)(), privilege: D('write-content'), element: BS('not-owner'), key: 'not-owner-appointment', detail: /belongs to employee/ }),
    () => ({ name: "PUT in a colleague's shared calendar", method: 'PUT', path: item(SHARED, () => ids.beatsOwn)(), headers: { 'Content-Type': CALENDAR }, body: async (d) => editedItem((await getItem(d, item(SHARED, () => ids.beatsOwn)())).text, (e) => e.updatePropertyWithValue('location', 'Basel')), status: 403, href: item(SHARED, () => ids.beatsOwn)(), privilege: D('write-content'), element: BS('not-owner'), key: 'not-owner-appointment' }),
    () => ({ name: "PUT changing a task's assignee (ATTENDEE)", method: 'PUT', path: item(AUFGABEN, () => ids.task)(), headers: { 'Content-Type': CALENDAR }, body: async (d) => editedItem((await getItem(d, item(AUFGABEN, () => ids.task)())).text, (t) => t.addPropertyWithValue('attendee', 'mailto:beat.keller@example.ch')), status: 403, href: item(AUFGABEN, () => ids.task)(), privilege: D('write-content'), element: BS('assign-in-brokerstar'), key: 'reassign-task', detail: /ATTENDEE beat\.keller@/ }),
    () => ({ name: "PUT changing an appointment's organizer", method: 'PUT', path: item(TERMINE, () => ids.own)(), headers: { 'Content-Type': CALENDAR }, body: async (d) => editedItem((await getItem(d, item(TERMINE, () => ids.own)())).text, (e) => e.updatePropertyWithValue('organizer', 'mailto:carla.rossi@example.ch')), status: 403, href: item(TERMINE, () => ids.own)(), privilege: D('write-content'), element: BS('organizer-in-brokerstar'), key: 'change-organizer', detail: /ORGANIZER carla\.rossi@/ }),
    () => ({ name: "PUT changing an appointment's participants", method: 'PUT', path: item(TERMINE, () => ids.own)(), headers: { 'Content-Type': CALENDAR }, body: async (d) => editedItem((await getItem(d, item(TERMINE, () => ids.own)())).text, (e) => e.addPropertyWithValue('attendee', 'mailto:kunde@muster.ch')), status: 403, href: item(TERMINE, () => ids.own)(), privilege: D('write-content'), element: BS('participants-in-brokerstar'), key: 'change-participants', detail: /added \[kunde@muster\.ch\]/ }),
    () => ({ name: 'PUT making an appointment private (CLASS:PRIVATE)', method: 'PUT', path: item(TERMINE, () => ids.plain)(), headers: { 'Content-Type': CALENDAR }, body: async (d) => editedItem((await getItem(d, item(TERMINE, () => ids.plain)())).text, (e) => e.updatePropertyWithValue('class', 'PRIVATE')), status: 403, href: item(TERMINE, () => ids.plain)(), privilege: D('write-content'), element: BS('private-not-accepted'), key: 'private-appointment', detail: /CLASS:PRIVATE/ }),
    // A series' structure is BrokerStar's: another rule (not another spelling of it, see test/unit/policy/rule-comparison.test.ts) ...
    () => ({ name: "PUT changing a series' RRULE (Mondays → Mondays and Wednesdays)", method: 'PUT', path: item(TERMINE, () => ids.series)(), headers: { 'Content-Type': CALENDAR }, body: async (d) => editedItem((await getItem(d, item(TERMINE, () => ids.series)())).text, (e) => e.updatePropertyWithValue('rrule', ICAL.Recur.fromString('FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10'))), status: 403, href: item(TERMINE, () => ids.series)(), privilege: D('write-content'), element: BS('recurrence-in-brokerstar'), key: 'change-recurrence', detail: /RRULE FREQ=WEEKLY;COUNT=10;BYDAY=MO,WE instead of FREQ=WEEKLY;BYDAY=MO;COUNT=10/ }),
    // ... and so are its days: Thunderbird moving the series to Tuesdays moves DTSTART and BYDAY together.
    () => ({ name: "PUT moving a series' start off its rule's days (Monday → Tuesday, BYDAY along)", method: 'PUT', path: item(TERMINE, () => ids.series)(), headers: { 'Content-Type': CALENDAR }, body: async (d) => editedItem((await getItem(d, item(TERMINE, () => ids.series)())).text, (e) => { setLocal(e, 'dtstart', '2026-12-08T09:00:00'); setLocal(e, 'dtend', '2026-12-08T10:00:00'); e.updatePropertyWithValue('rrule', ICAL.Recur.fromString('FREQ=WEEKLY;BYDAY=TU;COUNT=10')); }), status: 403, href: item(TERMINE, () => ids.series)(), privilege: D('write-content'), element: BS('recurrence-in-brokerstar'), key: 'change-recurrence', detail: /RRULE FREQ=WEEKLY;COUNT=10;BYDAY=TU instead of/ }),
    () => ({ name: "PUT moving a series' start off its rule's days with the rule unchanged", method: 'PUT', path: item(TERMINE, () => ids.series)(), headers: { 'Content-Type': CALENDAR }, body: async (d) => editedItem((await getItem(d, item(TERMINE, () => ids.series)())).text, (e) => { setLocal(e, 'dtstart', '2026-12-09T09:00:00'); setLocal(e, 'dtend', '2026-12-09T10:00:00'); }), status: 403, href: item(TERMINE, () => ids.series)(), privilege: D('write-content'), element: BS('recurrence-in-brokerstar'), key: 'change-recurrence', detail: /a start of 2026-12-09T08:00:00\.000Z is off the rule FREQ=WEEKLY;BYDAY=MO;COUNT=10/ }),
    // Creates outside the collections, found by litmus: a file straight in a home, an unknown collection, a name never served.
    () => ({ name: 'PUT of a new file straight into the calendar home', method: 'PUT', path: `/dav/calendars/${USER}/newthing.ics`, headers: { 'Content-Type': CALENDAR }, body: () => newEvent('newthing'), status: 403, href: `/dav/calendars/${USER}/newthing.ics`, privilege: D('bind'), element: BS('create-in-brokerstar'), key: 'create-appointment' }),
    () => ({ name: 'PUT of a new file straight into the address-book home', method: 'PUT', path: `/dav/addressbooks/${USER}/neu.vcf`, headers: { 'Content-Type': 'text/vcard; charset=utf-8' }, body: () => newCard('neu'), status: 403, href: `/dav/addressbooks/${USER}/neu.vcf`, privilege: D('bind'), element: BS('create-in-brokerstar'), key: 'create-contact' }),
    () => ({ name: 'PUT into a collection that does not exist in the own home', method: 'PUT', path: `/dav/calendars/${USER}/privat/neu.ics`, headers: { 'Content-Type': CALENDAR }, body: () => newEvent('neu'), status: 403, href: `/dav/calendars/${USER}/privat/neu.ics`, privilege: D('bind'), element: BS('create-in-brokerstar'), key: 'create-appointment' }),
    () => ({ name: 'PUT of a name the server never serves, in Aufgaben', method: 'PUT', path: `${AUFGABEN}neu~1.ics`, headers: { 'Content-Type': CALENDAR }, body: () => newTodo('neu~1'), status: 403, href: `${AUFGABEN}neu~1.ics`, privilege: D('bind'), element: BS('create-in-brokerstar'), key: 'create-task' }),
    () => ({ name: 'DELETE of an event', method: 'DELETE', path: item(TERMINE, () => ids.own)(), status: 403, href: item(TERMINE, () => ids.own)(), privilege: D('unbind'), element: BS('delete-in-brokerstar'), key: 'delete-appointment' }),
    () => ({ name: 'DELETE of a task', method: 'DELETE', path: item(AUFGABEN, () => ids.task)(), headers: { 'If-Match': '"anything"' }, status: 403, href: item(AUFGABEN, () => ids.task)(), privilege: D('unbind'), element: BS('delete-in-brokerstar'), key: 'delete-task' }),
    () => ({ name: 'DELETE of a card', method: 'DELETE', path: item(KONTAKTE, () => ids.contact, 'vcf')(), status: 403, href: item(KONTAKTE, () => ids.contact, 'vcf')(), privilege: D('unbind'), element: BS('delete-in-brokerstar'), key: 'delete-contact' }),
    () => ({ name: 'DELETE of a collection', method: 'DELETE', path: AUFGABEN, status: 403, href: AUFGABEN, privilege: D('unbind'), element: BS('delete-in-brokerstar'), key: 'collections-fixed' }),
    () => ({ name: 'MKCOL (Outlook "create calendar")', method: 'MKCOL', path: `/dav/calendars/${USER}/8c1e6f0a-3b7d-4a51-9c55-0d2f6e1b7a90/`, headers: { 'Content-Type': 'application/xml' }, body: () => `<?xml version='1.0'?><D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:resourcetype><D:collection/><C:calendar/></D:resourcetype></D:prop></D:set></D:mkcol>`, status: 403, href: `/dav/calendars/${USER}/8c1e6f0a-3b7d-4a51-9c55-0d2f6e1b7a90/`, privilege: D('bind'), element: BS('method-not-supported'), key: 'collections-fixed' }),
    () => ({ name: 'MKCALENDAR', method: 'MKCALENDAR', path: `/dav/calendars/${USER}/privat/`, status: 403, href: `/dav/calendars/${USER}/privat/`, privilege: D('bind'), element: BS('method-not-supported'), key: 'collections-fixed' }),
    () => ({ name: 'MOVE of an event', method: 'MOVE', path: item(TERMINE, () => ids.own)(), headers: { Destination: `${TERMINE}moved.ics`, Overwrite: 'F' }, status: 403, href: item(TERMINE, () => ids.own)(), privilege: D('unbind'), element: BS('method-not-supported'), key: 'method-not-allowed' }),
    () => ({ name: 'COPY of a task', method: 'COPY', path: item(AUFGABEN, () => ids.task)(), headers: { Destination: `${AUFGABEN}copy.ics` }, status: 403, href: item(AUFGABEN, () => ids.task)(), privilege: D('bind'), element: BS('method-not-supported'), key: 'method-not-allowed' }),
    () => ({ name: 'LOCK', method: 'LOCK', path: item(TERMINE, () => ids.own)(), headers: { 'Content-Type': 'application/xml', Timeout: 'Second-600' }, body: () => '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>anna</D:owner></D:lockinfo>', status: 403, href: item(TERMINE, () => ids.own)(), privilege: D('write-content'), element: BS('method-not-supported'), key: 'locking-unsupported' }),
    () => ({ name: 'UNLOCK', method: 'UNLOCK', path: item(TERMINE, () => ids.own)(), headers: { 'Lock-Token': '<urn:uuid:e71d4fae-5dec-22d6-fea5-00a0c91e6be4>' }, status: 403, href: item(TERMINE, () => ids.own)(), privilege: D('unlock'), element: BS('method-not-supported'), key: 'locking-unsupported' }),
    // A calendar's colour and order are kept and other properties refused inside a 207 (test/protocol/proppatch.test.ts); an item's properties are refused as a whole.
    () => ({ name: 'PROPPATCH of an item', method: 'PROPPATCH', path: item(TERMINE, () => ids.own)(), headers: { 'Content-Type': 'application/xml' }, body: () => '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>Mein Termin</D:displayname></D:prop></D:set></D:propertyupdate>', status: 403, href: item(TERMINE, () => ids.own)(), privilege: D('write-properties'), element: BS('properties-read-only'), key: 'properties-read-only' }),
    () => ({ name: 'PROPPATCH of an address book', method: 'PROPPATCH', path: KONTAKTE, headers: { 'Content-Type': 'application/xml' }, body: () => '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>Meine Kontakte</D:displayname></D:prop></D:set></D:propertyupdate>', status: 403, href: KONTAKTE, privilege: D('write-properties'), element: BS('properties-read-only'), key: 'properties-read-only' }),
    () => ({ name: 'POST', method: 'POST', path: TERMINE, headers: { 'Content-Type': CALENDAR }, body: () => newEvent('post-1'), status: 403, href: TERMINE, privilege: D('bind'), element: BS('method-not-supported'), key: 'method-not-allowed' }),
  ];

  for (const make of cases) {
    // The name is read before the seed ran; it does not depend on ids.
    const name = make().name;
    it(`refuses ${name}`, async () => {
      await checkRefusal(dav, make());
    });
  }

  it("answers a PUT in another user's space with a bare 404, whether that space exists or not", async () => {
    const sums = await tableChecksums(dav);
    for (const path of ['/dav/calendars/beat.keller/newthing.ics', `/dav/calendars/beat.keller/termine/${ids.beatsOwn}.ics`, '/dav/calendars/niemand/termine/neu.ics', '/dav/addressbooks/beat.keller/neu.vcf']) {
      const r = await dav.request('PUT', path, { body: newEvent('x'), headers: { 'Content-Type': CALENDAR } });
      expect(r.status, path).toBe(404);
      expect(r.text, 'nothing tells the two apart').not.toMatch(/need-privileges|BrokerStar/);
    }
    expect(await tableChecksums(dav)).toEqual(sums);
  });

  it("words a refusal in the employee's BrokerStar language, whatever Accept-Language asks for", async () => {
    const path = `${TERMINE}${ids.own}.ics`;
    const expected = { status: 403, href: path, privilege: D('unbind'), element: BS('delete-in-brokerstar'), key: 'delete-appointment' } as const;
    await expectRefusal(await dav.request('DELETE', path, { headers: { 'Accept-Language': 'fr-CH, de;q=0.8, en;q=0.5' } }), expected, 'de');
    await expectRefusal(await dav.request('DELETE', path, { headers: { 'Accept-Language': 'en-GB' } }), expected, 'de');
    for (const lang of ['fr', 'it', 'en'] as const) {
      const r = await inLanguage(dav, lang, () => dav.request('DELETE', path, { headers: { 'Accept-Language': 'de-CH, de;q=0.9' } }));
      await expectRefusal(r, expected, lang);
    }
  });

  it('advertises the same rules: write-content only on own Termine and Aufgaben, never bind/unbind', async () => {
    const body = '<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-privilege-set/></d:prop></d:propfind>';
    const privileges = async (path: string) => {
      const r = await dav.propfind(path, body, '0');
      const set = r.ms.responses.get(path)?.props.get(D('current-user-privilege-set'));
      return (set?.el.children ?? []).flatMap((p: Node) => p.children.map((c: Node) => c.name)).sort();
    };
    // write-properties: the colour and order (docs/writes.md §10), named only beside write-content.
    expect(await privileges(TERMINE)).toEqual([D('read'), D('read-current-user-privilege-set'), D('write-content'), D('write-properties')]);
    expect(await privileges(AUFGABEN)).toEqual([D('read'), D('read-current-user-privilege-set'), D('write-content'), D('write-properties')]);
    expect(await privileges(KONTAKTE)).toEqual([D('read'), D('read-current-user-privilege-set')]);
    expect(await privileges(SHARED)).toEqual([D('read'), D('read-current-user-privilege-set')]);
  });
});

describe('CLIENT_EDITS=off (clientEdits: false)', () => {
  let dav: TestServer;

  beforeAll(async () => {
    dav = await startTestServer({ user: USER, seed, config: { clientEdits: false } });
    for (const c of [TERMINE, AUFGABEN]) await listEtags(dav, c);
  });
  afterAll(() => dav?.close());

  it('refuses an otherwise allowed move of an own appointment', async () => {
    const href = `${TERMINE}${ids.plain}.ics`;
    await checkRefusal(dav, {
      name: 'own appointment',
      method: 'PUT',
      path: href,
      headers: { 'Content-Type': CALENDAR },
      body: async (d) => editedItem((await getItem(d, href)).text, (e) => e.updatePropertyWithValue('summary', 'Anders')),
      status: 403,
      href,
      privilege: D('write-content'),
      element: BS('read-only-collection'),
      key: 'read-only',
    });
  });

  it('refuses completing an own task', async () => {
    const href = `${AUFGABEN}${ids.task}.ics`;
    await checkRefusal(dav, {
      name: 'own task',
      method: 'PUT',
      path: href,
      headers: { 'Content-Type': CALENDAR },
      body: async (d) => editedItem((await getItem(d, href)).text, (t) => t.updatePropertyWithValue('status', 'COMPLETED')),
      status: 403,
      href,
      privilege: D('write-content'),
      element: BS('read-only-collection'),
      key: 'read-only',
    });
  });

  it('still refuses creates as creates', async () => {
    await checkRefusal(dav, { name: 'create', method: 'PUT', path: `${TERMINE}neu.ics`, headers: { 'Content-Type': CALENDAR, 'If-None-Match': '*' }, body: () => newEvent('neu'), status: 403, href: `${TERMINE}neu.ics`, privilege: D('bind'), element: BS('create-in-brokerstar'), key: 'create-appointment' });
  });

  it('advertises every collection read-only, so clients switch to one-way sync', async () => {
    const r = await dav.propfind(`/dav/calendars/${USER}/`, '<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-privilege-set/></d:prop></d:propfind>', '1');
    expect(r.status).toBe(207);
    for (const path of [TERMINE, AUFGABEN, SHARED]) {
      const set = r.ms.responses.get(path)?.props.get(D('current-user-privilege-set'));
      expect(set, path).toBeDefined();
      expect((set!.el.children ?? []).flatMap((p: Node) => p.children.map((c: Node) => c.name)).sort(), path).toEqual([D('read'), D('read-current-user-privilege-set')]);
    }
    const options = await dav.request('OPTIONS', TERMINE);
    expect(options.headers.get('allow')?.split(/,\s*/)).not.toContain('PUT');
  });
});
