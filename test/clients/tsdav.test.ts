// tsdav (npm), a CalDAV/CardDAV client library nobody on this project wrote, against the real server:
// discovery from the root URL, every collection and object compared with BrokerStar's rows,
// sync-collection, one allowed edit and the refused create/delete (issues 3, 5 and 6).
import ICAL from 'ical.js';
import { DAVClient, type DAVCalendar, type DAVCalendarObject } from 'tsdav';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorConditions } from '../support/multistatus.js';
import { BS, D } from '../support/multistatus.js';
import { FIRM, PATHS, idOfHref, snapshotBrokerstar, startFirmServer, wallClock, type FirmServer } from './support.js';

type Component = InstanceType<typeof ICAL.Component>;

const VTODO_FILTER = [{ 'comp-filter': { _attributes: { name: 'VCALENDAR' }, 'comp-filter': { _attributes: { name: 'VTODO' } } } }];

/** The one VEVENT/VTODO master (no RECURRENCE-ID) of an iCalendar object. */
function master(data: string, kind: 'vevent' | 'vtodo'): Component {
  const cal = new ICAL.Component(ICAL.parse(data) as unknown[]);
  const found = cal.getAllSubcomponents(kind).find((c) => !c.hasProperty('recurrence-id'));
  if (!found) throw new Error(`no ${kind} master in:\n${data}`);
  return found;
}

const text = (c: Component, prop: string) => {
  const v = c.getFirstPropertyValue(prop);
  return v === null ? null : String(v);
};

/** DTSTART/DTEND/DUE as served: the TZID parameter and the wall-clock value. */
function when(c: Component, prop: string): { tzid: string | null; value: string; isDate: boolean } {
  const p = c.getFirstProperty(prop);
  if (!p) throw new Error(`no ${prop}`);
  const t = p.getFirstValue() as InstanceType<typeof ICAL.Time>;
  return { tzid: (p.getParameter('tzid') as string | undefined) ?? null, value: t.toString(), isDate: t.isDate };
}

const pathOf = (url: string) => new URL(url).pathname;

describe('tsdav (npm) against brokerstar-dav', () => {
  let f: FirmServer;
  let caldav: DAVClient;
  let carddav: DAVClient;
  let calendars: DAVCalendar[];
  const requests: string[] = [];

  // tsdav's own fetch calls, recorded (method, path, status) so the tests can show what it sent.
  const recordingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname} ${res.status}`);
    return res;
  };

  const client = (type: 'caldav' | 'carddav') =>
    new DAVClient({
      serverUrl: `${f.origin}/`,
      credentials: { username: f.user, password: f.password },
      authMethod: 'Basic',
      defaultAccountType: type,
      fetch: recordingFetch,
    });

  const calendar = (path: string): DAVCalendar => {
    const c = calendars.find((x) => pathOf(x.url) === path);
    if (!c) throw new Error(`tsdav did not list ${path}; it listed ${calendars.map((x) => x.url).join(', ')}`);
    return c;
  };

  beforeAll(async () => {
    f = await startFirmServer();
    caldav = client('caldav');
    carddav = client('carddav');
  });
  afterAll(() => f?.close());

  it('discovers the CalDAV account from the root URL through /.well-known/caldav', async () => {
    requests.length = 0;
    await caldav.login();
    expect(caldav.account).toMatchObject({
      accountType: 'caldav',
      rootUrl: `${f.origin}/dav/`,
      principalUrl: `${f.origin}${PATHS.principal}`,
      homeUrl: `${f.origin}${PATHS.calendarHome}`,
    });
    expect(requests[0], 'tsdav starts at /.well-known/caldav, which redirects').toBe('PROPFIND /.well-known/caldav 301');
    expect(requests.every((r) => !/ (4|5)\d\d$/.test(r)), requests.join('\n')).toBe(true);
  });

  it('discovers the CardDAV account from the root URL through /.well-known/carddav', async () => {
    requests.length = 0;
    await carddav.login();
    expect(carddav.account).toMatchObject({
      accountType: 'carddav',
      rootUrl: `${f.origin}/dav/`,
      principalUrl: `${f.origin}${PATHS.principal}`,
      homeUrl: `${f.origin}${PATHS.addressbookHome}`,
    });
    expect(requests[0]).toBe('PROPFIND /.well-known/carddav 301');
  });

  it("lists Termine (VEVENT), Aufgaben (VTODO), Geburtstage (VEVENT) and Beat's shared calendar, each with sync token and ctag", async () => {
    calendars = await caldav.fetchCalendars();
    const listed = calendars.map((c) => ({ path: pathOf(c.url), name: c.displayName, components: c.components })).sort((a, b) => (a.path < b.path ? -1 : 1));
    expect(listed).toEqual([
      { path: PATHS.aufgaben, name: 'Aufgaben', components: ['VTODO'] },
      { path: PATHS.geburtstage, name: 'Geburtstage', components: ['VEVENT'] },
      { path: PATHS.termine, name: 'Termine', components: ['VEVENT'] },
      { path: PATHS.shared, name: 'Termine von Beat Keller', components: ['VEVENT'] },
    ].sort((a, b) => (a.path < b.path ? -1 : 1)));
    for (const c of calendars) {
      expect(c.syncToken, c.url).toMatch(/^\S+:\S+/);
      expect(c.ctag, c.url).toBe(c.syncToken);
      expect(c.reports, c.url).toEqual(expect.arrayContaining(['calendarQuery', 'calendarMultiget', 'syncCollection']));
    }
  });

  it('lists the address books Kontakte and Meine Kunden', async () => {
    const books = await carddav.fetchAddressBooks();
    expect(books.map((b) => ({ path: pathOf(b.url), name: b.displayName }))).toEqual([
      { path: PATHS.kontakte, name: 'Kontakte' },
      { path: PATHS.meineKunden, name: 'Meine Kunden' },
    ]);
    expect(books[0]?.reports).toEqual(expect.arrayContaining(['addressbookMultiget', 'addressbookQuery', 'syncCollection']));
  });

  it("fetches every own appointment, matching BrokerStar's rows, times in the appointment's own time zone", async () => {
    const objects = await caldav.fetchCalendarObjects({ calendar: calendar(PATHS.termine) });
    const { rows } = await f.dav.db.query<{ id: string; subject: string; location: string | null; starts_at: Date; ends_at: Date; time_zone: string; all_day: boolean; recurrence_rule: string | null }>(
      `SELECT id::text, subject, location, starts_at, ends_at, time_zone, all_day, recurrence_rule FROM brokerstar.appointment a
        WHERE deleted_at IS NULL AND (owner_id = $1 OR EXISTS (SELECT 1 FROM brokerstar.appointment_participant p WHERE p.appointment_id = a.id AND p.employee_id = $1))
        ORDER BY id`,
      [f.ids.anna],
    );
    expect(rows.map((r) => r.id)).toEqual(
      [f.ids.kundentermin, f.ids.apero, f.ids.teamsitzung, f.ids.callNewYork, f.ids.messe].sort((a, b) => Number(a) - Number(b)),
    );
    expect(objects.map((o) => idOfHref(o.url)).sort((a, b) => Number(a) - Number(b))).toEqual(rows.map((r) => r.id));

    for (const row of rows) {
      const obj = objects.find((o) => idOfHref(o.url) === row.id)!;
      expect(obj.etag, obj.url).toMatch(/^"[^"]+"$/);
      const ev = master(obj.data as string, 'vevent');
      expect(text(ev, 'summary'), obj.url).toBe(row.subject);
      expect(text(ev, 'location'), obj.url).toBe(row.location);
      const rrule = ev.getFirstPropertyValue('rrule');
      expect(rrule === null ? null : String(rrule), obj.url).toBe(row.recurrence_rule === null ? null : ICAL.Recur.fromString(row.recurrence_rule).toString());
      const start = when(ev, 'dtstart');
      const end = when(ev, 'dtend');
      if (row.all_day) {
        expect(start, obj.url).toEqual({ tzid: null, value: wallClock(row.starts_at, row.time_zone).slice(0, 10), isDate: true });
        expect(end.value, obj.url).toBe(wallClock(row.ends_at, row.time_zone).slice(0, 10));
      } else {
        expect(start, obj.url).toEqual({ tzid: row.time_zone, value: wallClock(row.starts_at, row.time_zone), isDate: false });
        expect(end, obj.url).toEqual({ tzid: row.time_zone, value: wallClock(row.ends_at, row.time_zone), isDate: false });
      }
    }

    // The same, spelled out for a reader: local times as BrokerStar's users entered them.
    const byId = (id: string) => master(objects.find((o) => idOfHref(o.url) === id)!.data as string, 'vevent');
    expect(when(byId(f.ids.kundentermin), 'dtstart')).toEqual({ tzid: 'Europe/Zurich', value: '2026-12-08T09:00:00', isDate: false });
    expect(when(byId(f.ids.apero), 'dtstart')).toEqual({ tzid: 'Europe/Zurich', value: '2027-06-24T17:30:00', isDate: false });
    expect(when(byId(f.ids.callNewYork), 'dtstart')).toEqual({ tzid: 'America/New_York', value: '2026-12-09T10:00:00', isDate: false });
    expect(when(byId(f.ids.messe), 'dtstart')).toEqual({ tzid: null, value: '2026-12-15', isDate: true });
    const series = new ICAL.Component(ICAL.parse(objects.find((o) => idOfHref(o.url) === f.ids.teamsitzung)!.data as string) as unknown[]);
    const overrides = series.getAllSubcomponents('vevent').filter((c) => c.hasProperty('recurrence-id'));
    expect(overrides.map((c) => [when(c, 'recurrence-id').value, when(c, 'dtstart').value])).toEqual([['2027-03-22T08:30:00', '2027-03-22T10:00:00']]);
    expect(String(byId(f.ids.teamsitzung).getFirstPropertyValue('exdate'))).toBe('2027-04-05T08:30:00');
    // Every TZID used has its VTIMEZONE.
    for (const o of objects) {
      const cal = new ICAL.Component(ICAL.parse(o.data as string) as unknown[]);
      const defined = cal.getAllSubcomponents('vtimezone').map((z) => String(z.getFirstPropertyValue('tzid')));
      const used = cal.getAllSubcomponents('vevent').flatMap((e) => ['dtstart', 'dtend', 'recurrence-id', 'exdate'].map((p) => e.getFirstProperty(p)?.getParameter('tzid'))).filter(Boolean);
      expect(defined, o.url).toEqual(expect.arrayContaining([...new Set(used)]));
    }
    // Beat takes part in the Kundentermin.
    expect(byId(f.ids.kundentermin).getAllProperties('attendee').map((a) => String(a.getFirstValue()))).toEqual(['mailto:beat.keller@muster-treuhand.ch']);
  });

  it("fetches Beat's shared calendar: his appointment in full, his private one as a busy block, nothing of Claudia's", async () => {
    const objects = await caldav.fetchCalendarObjects({ calendar: calendar(PATHS.shared) });
    const byId = new Map(objects.map((o) => [idOfHref(o.url), master(o.data as string, 'vevent')]));
    expect([...byId.keys()].sort()).toEqual([f.ids.kundentermin, f.ids.beratungBeat, f.ids.privateBeat].sort());
    const beratung = byId.get(f.ids.beratungBeat)!;
    expect(text(beratung, 'summary')).toBe(FIRM.beratungBeat.summary);
    expect(when(beratung, 'dtstart')).toEqual({ tzid: 'Europe/Zurich', value: '2026-12-10T14:00:00', isDate: false });
    const busy = byId.get(f.ids.privateBeat)!;
    expect(text(busy, 'summary')).not.toBe(FIRM.privateBeat.summary);
    expect(when(busy, 'dtstart')).toEqual({ tzid: 'Europe/Zurich', value: '2026-12-11T07:30:00', isDate: false });
    for (const p of ['location', 'description', 'attendee', 'organizer']) expect(busy.hasProperty(p), p).toBe(false);
    expect(objects.map((o) => o.data).join('')).not.toContain(FIRM.privateBeat.summary);
    expect(objects.map((o) => o.data).join('')).not.toContain(FIRM.claudiaTermin.summary);
  });

  it("fetches every task (tsdav needs a VTODO filter) with BrokerStar's status, percent, due time and completion", async () => {
    const objects = await caldav.fetchCalendarObjects({ calendar: calendar(PATHS.aufgaben), filters: VTODO_FILTER });
    const { rows } = await f.dav.db.query<{ id: string; subject: string; status: string; percent_complete: number; due_at: Date | null; completed_at: Date | null; priority: number }>(
      `SELECT id::text, subject, status, percent_complete, due_at, completed_at, priority FROM brokerstar.task WHERE assignee_id = $1 AND deleted_at IS NULL ORDER BY id`,
      [f.ids.anna],
    );
    expect(rows.map((r) => r.id)).toEqual([f.ids.taskOpen, f.ids.taskInProgress, f.ids.taskDone]);
    expect(objects.map((o) => idOfHref(o.url)).sort()).toEqual(rows.map((r) => r.id).sort());
    const STATUS: Record<string, string> = { open: 'NEEDS-ACTION', in_progress: 'IN-PROCESS', done: 'COMPLETED', cancelled: 'CANCELLED' };
    const PRIORITY: Record<number, number> = { 1: 1, 2: 5, 3: 9 };
    for (const row of rows) {
      const o = objects.find((x) => idOfHref(x.url) === row.id)!;
      const todo = master(o.data as string, 'vtodo');
      expect(text(todo, 'summary'), o.url).toBe(row.subject);
      expect(text(todo, 'status'), o.url).toBe(STATUS[row.status]);
      expect(Number(todo.getFirstPropertyValue('percent-complete')), o.url).toBe(row.percent_complete);
      expect(Number(todo.getFirstPropertyValue('priority')), o.url).toBe(PRIORITY[row.priority]);
      if (row.due_at) expect(when(todo, 'due'), o.url).toEqual({ tzid: 'Europe/Zurich', value: wallClock(row.due_at, 'Europe/Zurich'), isDate: false });
      else expect(todo.hasProperty('due'), o.url).toBe(false);
      if (row.completed_at) expect(when(todo, 'completed').value, o.url).toBe(`${row.completed_at.toISOString().slice(0, 19)}Z`);
      else expect(todo.hasProperty('completed'), o.url).toBe(false);
    }
    const open = master(objects.find((o) => idOfHref(o.url) === f.ids.taskOpen)!.data as string, 'vtodo');
    expect(when(open, 'due')).toEqual({ tzid: 'Europe/Zurich', value: '2026-12-04T16:00:00', isDate: false });
    expect(text(open, 'description')).toContain('Hans Muster');
    expect(objects.map((o) => o.data).join('')).not.toContain(FIRM.taskOfBeat.summary);
  });

  it('fetches every vCard Anna may see: names, emails, phone, photo; not the restricted or archived contact', async () => {
    const [book] = await carddav.fetchAddressBooks();
    const cards = await carddav.fetchVCards({ addressBook: book! });
    const { rows } = await f.dav.db.query<{ id: string; emails: string[] }>(
      `SELECT c.id::text, array(SELECT address FROM brokerstar.contact_email e WHERE e.contact_id = c.id ORDER BY position) AS emails
         FROM brokerstar.contact c WHERE c.id = ANY($1::bigint[]) ORDER BY c.id`,
      [[f.ids.hans, f.ids.insurer, f.ids.zoe]],
    );
    expect(cards.map((c) => idOfHref(c.url)).sort()).toEqual(rows.map((r) => r.id).sort());
    const parsed = new Map(cards.map((c) => [idOfHref(c.url), new ICAL.Component(ICAL.parse(c.data as string) as unknown[])]));
    for (const row of rows) {
      const card = parsed.get(row.id)!;
      expect(String(card.getFirstPropertyValue('version'))).toBe('3.0');
      expect(card.getAllProperties('email').map((e) => String(e.getFirstValue())), row.id).toEqual(row.emails);
    }
    const hans = parsed.get(f.ids.hans)!;
    expect(String(hans.getFirstPropertyValue('fn'))).toBe(FIRM.hans.fn);
    expect(hans.getFirstPropertyValue('n')).toEqual(['Muster', 'Hans', '', '', '']);
    expect(String(hans.getFirstPropertyValue('org'))).toBe(FIRM.hans.org);
    expect(hans.getAllProperties('tel').map((t) => String(t.getFirstValue()))).toContain(FIRM.hans.mobile);
    const photo = hans.getFirstProperty('photo');
    expect(photo, 'Hans has a photo in BrokerStar').not.toBeNull();
    expect(Buffer.from(String(photo!.getFirstValue()), 'base64').subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8])); // JPEG
    expect(String(parsed.get(f.ids.insurer)!.getFirstPropertyValue('fn'))).toBe(FIRM.insurer.fn);
    const zoe = parsed.get(f.ids.zoe)!;
    expect(String(zoe.getFirstPropertyValue('fn'))).toBe(FIRM.zoe.fn);
    expect(String(zoe.getFirstPropertyValue('note'))).toBe(FIRM.zoe.note);
    const all = cards.map((c) => c.data).join('');
    expect(all).not.toContain(FIRM.secret.fn);
    expect(all).not.toContain('Archiviert');
  });

  it("reads Hans Muster's birthday (a yearly all-day event) by time range, and him in Meine Kunden, the same card as in Kontakte", async () => {
    const april = await caldav.fetchCalendarObjects({
      calendar: calendar(PATHS.geburtstage),
      timeRange: { start: '2027-04-01T00:00:00Z', end: '2027-05-01T00:00:00Z' },
    });
    expect(april.map((o) => idOfHref(o.url))).toEqual([f.ids.hans]);
    const birthday = master(april[0]!.data as string, 'vevent');
    expect(text(birthday, 'summary')).toBe(`${FIRM.hans.fn} (1970)`);
    expect(when(birthday, 'dtstart')).toEqual({ tzid: null, value: '1970-04-12', isDate: true });
    expect(text(birthday, 'rrule')).toBe('FREQ=YEARLY');
    const may = await caldav.fetchCalendarObjects({
      calendar: calendar(PATHS.geburtstage),
      timeRange: { start: '2027-05-01T00:00:00Z', end: '2027-06-01T00:00:00Z' },
    });
    expect(may).toEqual([]);

    const [kontakte, meineKunden] = await carddav.fetchAddressBooks();
    const mine = await carddav.fetchVCards({ addressBook: meineKunden! });
    expect(mine.map((c) => idOfHref(c.url))).toEqual([f.ids.hans]);
    const inKontakte = (await carddav.fetchVCards({ addressBook: kontakte! })).find((c) => idOfHref(c.url) === f.ids.hans)!;
    expect(mine[0]!.etag).toBe(inKontakte.etag);
    expect(mine[0]!.data).toBe(inKontakte.data);
  });

  it('syncCollection twice on every collection: the first lists every member, the second (with its token) nothing', async () => {
    const [book] = await carddav.fetchAddressBooks();
    const collections = [
      { client: caldav, url: calendar(PATHS.termine).url, expected: [f.ids.kundentermin, f.ids.apero, f.ids.teamsitzung, f.ids.callNewYork, f.ids.messe] },
      { client: caldav, url: calendar(PATHS.aufgaben).url, expected: [f.ids.taskOpen, f.ids.taskInProgress, f.ids.taskDone] },
      { client: caldav, url: calendar(PATHS.shared).url, expected: [f.ids.kundentermin, f.ids.beratungBeat, f.ids.privateBeat] },
      { client: carddav, url: book!.url, expected: [f.ids.hans, f.ids.insurer, f.ids.zoe] },
      { client: caldav, url: calendar(PATHS.geburtstage).url, expected: [f.ids.hans] },
      { client: carddav, url: `${f.origin}${PATHS.meineKunden}`, expected: [f.ids.hans] },
    ];
    for (const c of collections) {
      const first = await c.client.syncCollection({ url: c.url, props: { 'd:getetag': {} }, syncLevel: 1, syncToken: '' });
      const token = first[0]?.raw?.multistatus?.syncToken as string | undefined;
      expect(token, c.url).toMatch(/^\S+:\S+/);
      const members = first.filter((r) => r.href);
      expect(members.map((r) => idOfHref(r.href!)).sort(), c.url).toEqual([...c.expected].sort());
      expect(members.every((r) => r.status === 207 && typeof r.props?.getetag === 'string'), c.url).toBe(true);

      const second = await c.client.syncCollection({ url: c.url, props: { 'd:getetag': {} }, syncLevel: 1, syncToken: token });
      expect(second.filter((r) => r.href), `${c.url}: nothing changed, so nothing is reported`).toEqual([]);
      expect(second[0]?.raw?.multistatus?.syncToken, c.url).toBe(token);
    }
  });

  it("tsdav's smartCollectionSync finds nothing to do for a calendar it has just fetched", async () => {
    const termine = calendar(PATHS.termine);
    const objects = await caldav.fetchCalendarObjects({ calendar: termine });
    const synced = await caldav.smartCollectionSyncDetailed({
      collection: { ...termine, objects, objectMultiGet: caldav.calendarMultiGet },
      method: 'webdav',
      account: caldav.account!,
    });
    expect(synced.objects).toEqual({ created: [], updated: [], deleted: [] });
  });

  it("updates an own appointment's subject and time (If-Match), which reads back and lands in BrokerStar", async () => {
    const termine = calendar(PATHS.termine);
    const [obj] = await caldav.fetchCalendarObjects({ calendar: termine, objectUrls: [`${PATHS.termine}${f.ids.apero}.ics`] });
    expect(obj?.etag).toMatch(/^"/);
    const cal = new ICAL.Component(ICAL.parse(obj!.data as string) as unknown[]);
    const ev = cal.getFirstSubcomponent('vevent')!;
    ev.updatePropertyWithValue('summary', 'Sommerapéro mit Kunden');
    const start = ICAL.Time.fromDateTimeString('2027-06-24T18:00:00');
    const end = ICAL.Time.fromDateTimeString('2027-06-24T20:30:00');
    ev.getFirstProperty('dtstart')!.setValue(start);
    ev.getFirstProperty('dtend')!.setValue(end);

    const res = await caldav.updateCalendarObject({ calendarObject: { url: obj!.url, etag: obj!.etag, data: cal.toString() } });
    expect([200, 204], await res.clone().text()).toContain(res.status);

    const { rows } = await f.dav.db.query<{ subject: string; starts_at: Date; ends_at: Date; time_zone: string }>(
      'SELECT subject, starts_at, ends_at, time_zone FROM brokerstar.appointment WHERE id = $1',
      [f.ids.apero],
    );
    expect(rows[0]).toEqual({
      subject: 'Sommerapéro mit Kunden',
      starts_at: new Date('2027-06-24T16:00:00Z'), // 18:00 CEST
      ends_at: new Date('2027-06-24T18:30:00Z'),
      time_zone: 'Europe/Zurich',
    });

    const [back] = await caldav.fetchCalendarObjects({ calendar: termine, objectUrls: [`${PATHS.termine}${f.ids.apero}.ics`] });
    expect(back?.etag).not.toBe(obj!.etag);
    const served = master(back!.data as string, 'vevent');
    expect(text(served, 'summary')).toBe('Sommerapéro mit Kunden');
    expect(when(served, 'dtstart')).toEqual({ tzid: 'Europe/Zurich', value: '2027-06-24T18:00:00', isDate: false });
    expect(when(served, 'dtend')).toEqual({ tzid: 'Europe/Zurich', value: '2027-06-24T20:30:00', isDate: false });
    // When the server answered with an ETag, it is the one it now serves.
    const etag = res.headers.get('etag');
    if (etag) expect(etag).toBe(back!.etag);
  });

  it('refuses creating an event with 403 and DAV:need-privileges; BrokerStar and the calendar are unchanged', async () => {
    const termine = calendar(PATHS.termine);
    const before = await snapshotBrokerstar(f.dav.db);
    const ics = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//tsdav test//EN',
      'BEGIN:VEVENT', 'UID:tsdav-new-1', 'DTSTAMP:20261201T080000Z',
      'DTSTART;TZID=Europe/Zurich:20261221T100000', 'DTEND;TZID=Europe/Zurich:20261221T110000',
      'SUMMARY:Neuer Termin aus tsdav', 'END:VEVENT', 'END:VCALENDAR', '',
    ].join('\r\n');
    const res = await caldav.createCalendarObject({ calendar: termine, filename: 'tsdav-new-1.ics', iCalString: ics });
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(await errorConditions(body)).toEqual(expect.arrayContaining([D('need-privileges'), BS('create-in-brokerstar')]));
    expect(body).toContain('BrokerStar');

    expect(await snapshotBrokerstar(f.dav.db)).toEqual(before);
    const objects = await caldav.fetchCalendarObjects({ calendar: termine });
    expect(objects.map((o) => idOfHref(o.url))).not.toContain('tsdav-new-1');
    expect(objects.map((o) => o.data).join('')).not.toContain('Neuer Termin aus tsdav');
  });

  it('refuses deleting an event with 403 and DAV:need-privileges; BrokerStar unchanged, the event still served', async () => {
    const termine = calendar(PATHS.termine);
    const [obj] = await caldav.fetchCalendarObjects({ calendar: termine, objectUrls: [`${PATHS.termine}${f.ids.kundentermin}.ics`] });
    const before = await snapshotBrokerstar(f.dav.db);
    const res = await caldav.deleteCalendarObject({ calendarObject: obj as DAVCalendarObject });
    expect(res.status).toBe(403);
    expect(await errorConditions(await res.text())).toEqual(expect.arrayContaining([D('need-privileges'), BS('delete-in-brokerstar')]));

    expect(await snapshotBrokerstar(f.dav.db)).toEqual(before);
    const [still] = await caldav.fetchCalendarObjects({ calendar: termine, objectUrls: [`${PATHS.termine}${f.ids.kundentermin}.ics`] });
    expect(text(master(still!.data as string, 'vevent'), 'summary')).toBe(FIRM.kundentermin.summary);
  });

  it('refuses creating and deleting a vCard the same way', async () => {
    const [book] = await carddav.fetchAddressBooks();
    const before = await snapshotBrokerstar(f.dav.db);
    const created = await carddav.createVCard({
      addressBook: book!,
      filename: 'tsdav-new.vcf',
      vCardString: 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:tsdav-new\r\nFN:Neu Kontakt\r\nN:Kontakt;Neu;;;\r\nEND:VCARD\r\n',
    });
    expect(created.status).toBe(403);
    expect(await errorConditions(await created.text())).toContain(D('need-privileges'));

    const [card] = await carddav.fetchVCards({ addressBook: book!, objectUrls: [`${PATHS.kontakte}${f.ids.zoe}.vcf`] });
    const deleted = await carddav.deleteVCard({ vCard: card! });
    expect(deleted.status).toBe(403);
    expect(await errorConditions(await deleted.text())).toContain(D('need-privileges'));

    expect(await snapshotBrokerstar(f.dav.db)).toEqual(before);
    const cards = await carddav.fetchVCards({ addressBook: book! });
    expect(cards.map((c) => idOfHref(c.url)).sort()).toEqual([f.ids.hans, f.ids.insurer, f.ids.zoe].sort());
  });
});
