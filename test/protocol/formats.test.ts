// Formats (RFC 5545, RFC 2426, RFC 6350): a varied firm (the demo generator with a fixed seed plus
// hand-made edge cases) is fetched the way clients fetch it (PROPFIND Depth 1, then multiget),
// every served object is parsed with ical.js and compared field by field with BrokerStar's rows,
// read here with SQL of the test's own.
import ICAL from 'ical.js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoData } from '../../src/demo/generate.js';
import { builders } from '../support/builders.js';
import { C, CR, D, propText, type Multistatus } from '../support/multistatus.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { wallClockFields } from '../support/time.js';

const NOW = new Date('2025-03-15T00:00:00Z');
const USER = 'anna.meier';

// ---------------------------------------------------------------- helpers

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Wall clock of an instant in a zone, `YYYYMMDDTHHMMSS` (Intl, independent of the server's tz code). */
function wallClock(instant: Date, zone: string): string {
  const w = wallClockFields(instant, zone);
  return `${w.year}${w.month}${w.day}T${w.hour}${w.minute}${w.second}`;
}
const localDay = (instant: Date, zone: string) => wallClock(instant, zone).slice(0, 8);
const addDay = (day: string, n: number) => {
  const d = new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8)) + n));
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
};
const isKnownZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/** `YYYYMMDD` or `YYYYMMDDTHHMMSS[Z]` of an ical.js time, as written. */
function written(t: ICAL.Time): string {
  const day = `${t.year}${pad(t.month)}${pad(t.day)}`;
  if (t.isDate) return day;
  return `${day}T${pad(t.hour)}${pad(t.minute)}${pad(t.second)}${t.zone?.tzid === 'UTC' ? 'Z' : ''}`;
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

const zoneCache = new Map<string, ICAL.Timezone>();

/** A served iCalendar object with its time zones resolved through its own VTIMEZONEs. */
class Served {
  readonly root: ICAL.Component;
  readonly zones = new Map<string, ICAL.Timezone>();
  constructor(readonly text: string) {
    this.root = new ICAL.Component(ICAL.parse(text) as unknown[]);
    for (const vtz of this.root.getAllSubcomponents('vtimezone')) {
      // ical.js expands a zone's transitions once per Timezone object: share them across objects.
      const key = vtz.toString();
      let zone = zoneCache.get(key);
      if (!zone) {
        zone = new ICAL.Timezone(vtz);
        zoneCache.set(key, zone);
      }
      this.zones.set(String(vtz.getFirstPropertyValue('tzid')), zone);
    }
  }
  /** The instant a DATE-TIME property names, through the object's VTIMEZONE. */
  instant(p: ICAL.Property): Date {
    const t = (p.getFirstValue() as ICAL.Time).clone();
    const tzid = p.getParameter('tzid');
    if (typeof tzid === 'string') {
      const zone = this.zones.get(tzid);
      expect(zone, `VTIMEZONE for ${tzid}`).toBeDefined();
      t.zone = zone!;
    } else {
      expect(t.zone?.tzid, `${p.name} is UTC when it has no TZID`).toBe('UTC');
    }
    return t.toJSDate();
  }
}

/** Every physical line ≤ 75 octets, CRLF only, no broken UTF-8. */
function expectWellFolded(text: string, what: string): void {
  expect(text.endsWith('\r\n'), `${what}: ends with CRLF`).toBe(true);
  expect(/\r(?!\n)|(?<!\r)\n/.test(text), `${what}: bare CR or LF`).toBe(false);
  expect(text.includes('\uFFFD'), `${what}: a character broken by folding`).toBe(false);
  for (const line of text.slice(0, -2).split('\r\n')) {
    expect(Buffer.byteLength(line, 'utf8'), `${what}: ${line}`).toBeLessThanOrEqual(75);
  }
}

/** Unfolded content lines starting with NAME (for values compared verbatim, e.g. RRULE). */
function rawLines(text: string, name: string): string[] {
  return text
    .replace(/\r\n[ \t]/g, '')
    .replace(/BEGIN:VTIMEZONE\r\n[\s\S]*?END:VTIMEZONE\r\n/g, '')
    .split('\r\n')
    .filter((l) => l.toUpperCase().startsWith(`${name}:`) || l.toUpperCase().startsWith(`${name};`));
}

const typesOf = (p: ICAL.Property): string[] => {
  const t = p.getParameter('type');
  return (Array.isArray(t) ? t : t === undefined || t === null ? [] : [t]).map((x) => String(x).toUpperCase()).sort();
};
const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [String(v)]);

async function listAndMultiget(dav: TestServer, collection: string, kind: 'calendar' | 'addressbook', user: string): Promise<Map<string, { etag: string; data: string }>> {
  const listing = await dav.propfind(collection, '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontenttype/></d:prop></d:propfind>', '1', { user });
  expect(listing.status, collection).toBe(207);
  const hrefs = listing.ms.hrefs.filter((h) => h !== collection);
  const out = new Map<string, { etag: string; data: string }>();
  if (hrefs.length === 0) return out;
  const body =
    kind === 'calendar'
      ? `<?xml version="1.0" encoding="utf-8"?><C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>${hrefs.map((h) => `<D:href>${h}</D:href>`).join('')}</C:calendar-multiget>`
      : `<?xml version="1.0" encoding="utf-8"?><C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><C:address-data/></D:prop>${hrefs.map((h) => `<D:href>${h}</D:href>`).join('')}</C:addressbook-multiget>`;
  const r = await dav.report(collection, body, { depth: '1', user });
  expect(r.status, collection).toBe(207);
  const ms: Multistatus = r.ms;
  for (const h of hrefs) {
    const e = ms.responses.get(h);
    const data = propText(e, kind === 'calendar' ? C('calendar-data') : CR('address-data'));
    expect(data, h).toBeTruthy();
    const etag = propText(e, D('getetag'))!;
    expect(etag, h).toBe(propText(listing.ms.responses.get(h), D('getetag')));
    out.set(h, { etag, data: data! });
  }
  return out;
}

const idOf = (href: string) => href.replace(/^.*\/(\d+)\.(ics|vcf)$/, '$1');

// ---------------------------------------------------------------- BrokerStar rows, read with SQL

interface ContactRow {
  id: string;
  kind: 'person' | 'company';
  customer_no: string | null;
  academic_title: string | null;
  first_name: string | null;
  last_name: string | null;
  company_name: string | null;
  department: string | null;
  job_title: string | null;
  birthday: string | null;
  website: string | null;
  notes: string | null;
  phones: { kind: string; number: string; is_primary: boolean }[];
  emails: { kind: string; address: string; is_primary: boolean }[];
  addresses: { kind: string; street: string | null; po_box: string | null; postal_code: string | null; city: string | null; region: string | null; country_code: string | null }[];
  categories: string[];
  photo_bytes: number | null;
  changed_at: Date;
}

interface Participant {
  employee_id: string;
  email: string;
  first_name: string;
  last_name: string;
  response: string;
}

interface AppointmentRow {
  id: string;
  subject: string;
  location: string | null;
  description: string | null;
  owner_id: string;
  owner_email: string;
  owner_first: string;
  owner_last: string;
  starts_at: Date;
  ends_at: Date;
  all_day: boolean;
  time_zone: string;
  recurrence_rule: string | null;
  is_private: boolean;
  status: string;
  contact_id: string | null;
  customer: string | null;
  customer_no: string | null;
  exceptions: { original_start: string; is_cancelled: boolean; starts_at: string | null; ends_at: string | null }[];
  participants: Participant[];
  sequence: number;
  changed_at: Date;
}

interface TaskRow {
  id: string;
  subject: string;
  description: string | null;
  assignee_id: string;
  assignee_zone: string;
  status: string;
  priority: 1 | 2 | 3;
  percent_complete: number;
  starts_on: string | null;
  due_at: Date | null;
  completed_at: Date | null;
  contact_id: string | null;
  customer: string | null;
  customer_no: string | null;
  sequence: number;
  changed_at: Date;
}

// Item bodies are the same for every viewer, so they name a customer only when every employee may
// see the contact: not deleted, not archived and restricted to nobody.
const HIDDEN_CUSTOMER = (alias: string) => `(${alias}.id IS NULL OR ${alias}.deleted_at IS NOT NULL OR ${alias}.is_archived
  OR EXISTS (SELECT 1 FROM brokerstar.contact_restriction r WHERE r.contact_id = ${alias}.id))`;
const CUSTOMER = (alias: string) => `CASE WHEN ${HIDDEN_CUSTOMER(alias)} THEN NULL
  WHEN ${alias}.kind = 'company' THEN coalesce(${alias}.company_name, ${alias}.last_name, '')
  ELSE trim(concat(${alias}.academic_title || ' ', ${alias}.first_name || ' ', ${alias}.last_name)) END`;
const CUSTOMER_NO = (alias: string) => `CASE WHEN NOT ${HIDDEN_CUSTOMER(alias)} THEN ${alias}.customer_no END`;

async function contactRows(dav: TestServer): Promise<Map<string, ContactRow>> {
  const { rows } = await dav.db.query<ContactRow>(`
    SELECT c.id::text AS id, c.kind, c.customer_no, c.academic_title, c.first_name, c.last_name, c.company_name, c.department,
           c.job_title, to_char(c.birthday, 'YYYY-MM-DD') AS birthday, c.website, c.notes,
           coalesce((SELECT json_agg(json_build_object('kind', kind, 'number', number, 'is_primary', is_primary) ORDER BY position, id)
                       FROM brokerstar.contact_phone WHERE contact_id = c.id), '[]') AS phones,
           coalesce((SELECT json_agg(json_build_object('kind', kind, 'address', address, 'is_primary', is_primary) ORDER BY position, id)
                       FROM brokerstar.contact_email WHERE contact_id = c.id), '[]') AS emails,
           coalesce((SELECT json_agg(to_jsonb(a) ORDER BY position, id) FROM brokerstar.contact_address a WHERE contact_id = c.id), '[]') AS addresses,
           coalesce((SELECT json_agg(category) FROM brokerstar.contact_category WHERE contact_id = c.id), '[]') AS categories,
           (SELECT length(data) FROM brokerstar.contact_photo WHERE contact_id = c.id) AS photo_bytes,
           e.changed_at
      FROM brokerstar.contact c
      LEFT JOIN dav.entity e ON e.kind = 'contact' AND e.id = c.id`);
  return new Map(rows.map((r) => [r.id, r]));
}

async function appointmentRows(dav: TestServer): Promise<Map<string, AppointmentRow>> {
  const { rows } = await dav.db.query<AppointmentRow>(`
    SELECT a.id::text AS id, a.subject, a.location, a.description, a.owner_id::text AS owner_id, o.email AS owner_email,
           o.first_name AS owner_first, o.last_name AS owner_last, a.starts_at, a.ends_at, a.all_day, a.time_zone,
           a.recurrence_rule, a.is_private, a.status, a.contact_id::text AS contact_id, ${CUSTOMER('c')} AS customer,
           ${CUSTOMER_NO('c')} AS customer_no,
           coalesce((SELECT json_agg(to_jsonb(x) ORDER BY x.original_start) FROM brokerstar.appointment_exception x
                      WHERE x.appointment_id = a.id), '[]') AS exceptions,
           coalesce((SELECT json_agg(json_build_object('employee_id', p.employee_id::text, 'email', pe.email,
                                     'first_name', pe.first_name, 'last_name', pe.last_name, 'response', p.response))
                       FROM brokerstar.appointment_participant p JOIN brokerstar.employee pe ON pe.id = p.employee_id
                      WHERE p.appointment_id = a.id), '[]') AS participants,
           e.sequence, e.changed_at
      FROM brokerstar.appointment a
      JOIN brokerstar.employee o ON o.id = a.owner_id
      LEFT JOIN brokerstar.contact c ON c.id = a.contact_id
      LEFT JOIN dav.entity e ON e.kind = 'appointment' AND e.id = a.id`);
  return new Map(rows.map((r) => [r.id, r]));
}

async function taskRows(dav: TestServer): Promise<Map<string, TaskRow>> {
  const { rows } = await dav.db.query<TaskRow>(`
    SELECT t.id::text AS id, t.subject, t.description, t.assignee_id::text AS assignee_id, a.time_zone AS assignee_zone, t.status,
           t.priority, t.percent_complete, to_char(t.starts_on, 'YYYY-MM-DD') AS starts_on, t.due_at, t.completed_at,
           t.contact_id::text AS contact_id, ${CUSTOMER('c')} AS customer, ${CUSTOMER_NO('c')} AS customer_no,
           e.sequence, e.changed_at
      FROM brokerstar.task t
      JOIN brokerstar.employee a ON a.id = t.assignee_id
      LEFT JOIN brokerstar.contact c ON c.id = t.contact_id
      LEFT JOIN dav.entity e ON e.kind = 'task' AND e.id = t.id`);
  return new Map(rows.map((r) => [r.id, r]));
}

/** The description with the customer appended, as the spec wants it (text, not RELATED-TO). */
function expectedDescription(description: string | null, customer: string | null, customerNo: string | null, contactId: string | null): string | null {
  const text = (description ?? '').replace(/\r\n?/g, '\n').replace(/\s+$/u, '');
  if (contactId === null || customer === null) return text === '' ? null : text;
  const line = `Kunde: ${customer.trim()}${customerNo ? ` (${customerNo.trim()})` : ''}`;
  return text === '' ? line : `${text}\n\n${line}`;
}

// ---------------------------------------------------------------- expectations per component

const STATUS: Record<string, string> = { confirmed: 'CONFIRMED', tentative: 'TENTATIVE', cancelled: 'CANCELLED' };
const PARTSTAT: Record<string, string> = { needs_action: 'NEEDS-ACTION', accepted: 'ACCEPTED', declined: 'DECLINED', tentative: 'TENTATIVE' };

function expectParticipants(ev: ICAL.Component, a: AppointmentRow, what: string): void {
  const others = a.participants.filter((p) => p.employee_id !== a.owner_id);
  const organizer = ev.getAllProperties('organizer');
  const attendees = ev.getAllProperties('attendee');
  if (others.length === 0) {
    expect(organizer, `${what}: a lone owner has no ORGANIZER`).toHaveLength(0);
    expect(attendees, what).toHaveLength(0);
    return;
  }
  expect(organizer, what).toHaveLength(1);
  expect(String(organizer[0]!.getFirstValue()).toLowerCase(), what).toBe(`mailto:${a.owner_email.toLowerCase()}`);
  expect(organizer[0]!.getParameter('cn'), what).toBe(`${a.owner_first} ${a.owner_last}`);
  expect(organizer[0]!.getParameter('schedule-agent'), `${what}: no client mails anyone`).toBe('CLIENT');
  const got = attendees.map((p) => ({
    address: String(p.getFirstValue()).toLowerCase(),
    cn: p.getParameter('cn'),
    partstat: p.getParameter('partstat'),
    agent: p.getParameter('schedule-agent'),
  }));
  const want = others.map((p) => ({
    address: `mailto:${p.email.toLowerCase()}`,
    cn: `${p.first_name} ${p.last_name}`,
    partstat: PARTSTAT[p.response],
    agent: 'CLIENT',
  }));
  const key = (x: { address: string }) => x.address;
  expect([...got].sort((x, y) => key(x).localeCompare(key(y))), what).toEqual([...want].sort((x, y) => key(x).localeCompare(key(y))));
}

function expectTimes(s: Served, ev: ICAL.Component, start: Date, end: Date, a: AppointmentRow, what: string): void {
  const dtstart = ev.getFirstProperty('dtstart')!;
  const dtend = ev.getFirstProperty('dtend')!;
  expect(dtstart, what).toBeTruthy();
  expect(dtend, what).toBeTruthy();
  const zone = isKnownZone(a.time_zone) ? a.time_zone : null;
  if (a.all_day) {
    expect(dtstart.type, `${what}: all-day is a DATE`).toBe('date');
    expect(dtend.type, what).toBe('date');
    const z = zone ?? 'UTC';
    const first = localDay(start, z);
    let after = localDay(end, z);
    if (!wallClock(end, z).endsWith('T000000')) after = addDay(after, 1);
    if (after <= first) after = addDay(first, 1);
    expect(written(dtstart.getFirstValue() as ICAL.Time), what).toBe(first);
    expect(written(dtend.getFirstValue() as ICAL.Time), `${what}: exclusive end`).toBe(after);
    return;
  }
  const realEnd = end.getTime() < start.getTime() ? start : end;
  for (const [p, instant] of [
    [dtstart, start],
    [dtend, realEnd],
  ] as const) {
    if (zone) {
      expect(p.getParameter('tzid'), `${what}: ${p.name} in the appointment's zone`).toBe(zone);
      expect(written(p.getFirstValue() as ICAL.Time), `${what}: ${p.name} wall clock`).toBe(wallClock(instant, zone));
    } else {
      expect(p.getParameter('tzid'), `${what}: unknown zone ${a.time_zone} → UTC`).toBeUndefined();
      expect(written(p.getFirstValue() as ICAL.Time), what).toBe(`${wallClock(instant, 'UTC')}Z`);
    }
    expect(s.instant(p).toISOString(), `${what}: ${p.name} instant through the VTIMEZONE`).toBe(new Date(seconds(instant) * 1000).toISOString());
  }
}

function expectEvent(s: Served, a: AppointmentRow, what: string, contactUrl: (id: string) => string): void {
  const events = s.root.getAllSubcomponents('vevent');
  expect(s.root.getAllSubcomponents('vtodo'), what).toHaveLength(0);
  const master = events.filter((e) => !e.hasProperty('recurrence-id'));
  expect(master, `${what}: one master`).toHaveLength(1);
  const uid = `brokerstar-appointment-${a.id}`;
  for (const ev of events) {
    const part = `${what} ${ev.hasProperty('recurrence-id') ? `override ${ev.getFirstPropertyValue('recurrence-id')}` : 'master'}`;
    expect(ev.getFirstPropertyValue('uid'), `${part}: stable UID, the same in every component`).toBe(uid);
    expect(ev.getFirstPropertyValue('summary'), part).toBe(a.subject);
    expect(ev.getFirstPropertyValue('location') ?? null, part).toBe(a.location === null || a.location.trim() === '' ? null : a.location);
    expect(ev.getFirstPropertyValue('description') ?? null, part).toBe(expectedDescription(a.description, a.customer, a.customer_no, a.contact_id));
    expect(ev.getFirstPropertyValue('url') ?? null, part).toBe(a.contact_id && a.customer !== null ? contactUrl(a.contact_id) : null);
    expect(ev.getFirstPropertyValue('class'), part).toBe(a.is_private ? 'PRIVATE' : 'PUBLIC');
    expect(ev.getFirstPropertyValue('status'), part).toBe(STATUS[a.status]);
    expect(ev.getFirstPropertyValue('sequence'), part).toBe(a.sequence);
    const lastModified = ev.getFirstProperty('last-modified')!;
    expect(seconds(s.instant(lastModified)), `${part}: LAST-MODIFIED is when the served content last changed`).toBe(seconds(a.changed_at));
    expect(ev.hasProperty('dtstamp'), part).toBe(true);
    expect(ev.hasProperty('related-to'), part).toBe(false);
    expectParticipants(ev, a, part);
  }
  const m = master[0]!;
  expectTimes(s, m, a.starts_at, a.ends_at, a, `${what} master`);
  const zone = isKnownZone(a.time_zone) ? a.time_zone : 'UTC';
  const point = (iso: string) => (a.all_day ? localDay(new Date(iso), zone) : new Date(iso).toISOString());
  if (!a.recurrence_rule) {
    expect(m.hasProperty('rrule'), what).toBe(false);
    expect(events, `${what}: no overrides without a rule`).toHaveLength(1);
    return;
  }
  expect(rawLines(s.text, 'RRULE'), `${what}: RRULE verbatim`).toEqual([`RRULE:${a.recurrence_rule.trim().replace(/^RRULE:/i, '')}`]);
  // Cancelled occurrences as EXDATE, of the same value type as DTSTART.
  const exdates = m.getAllProperties('exdate').flatMap((p) =>
    p.getValues().map((v) => {
      const t = v as ICAL.Time;
      if (a.all_day) {
        expect(t.isDate, `${what}: all-day EXDATE is a DATE`).toBe(true);
        return written(t);
      }
      const one = new ICAL.Property(p.toJSON());
      one.setValue(t);
      return s.instant(one).toISOString();
    }),
  );
  expect(exdates.sort(), `${what}: EXDATE`).toEqual(a.exceptions.filter((x) => x.is_cancelled).map((x) => point(x.original_start)).sort());
  // Moved occurrences as overrides with RECURRENCE-ID.
  const duration = Math.max(0, a.ends_at.getTime() - a.starts_at.getTime());
  const moved = a.exceptions.filter((x) => !x.is_cancelled && (x.starts_at !== null || x.ends_at !== null));
  const overrides = events.filter((e) => e.hasProperty('recurrence-id'));
  expect(overrides.length, `${what}: one override per moved occurrence`).toBe(moved.length);
  for (const x of moved) {
    const rid = point(x.original_start);
    const ov = overrides.find((o) => {
      const p = o.getFirstProperty('recurrence-id')!;
      return a.all_day ? written(p.getFirstValue() as ICAL.Time) === rid : s.instant(p).toISOString() === rid;
    });
    expect(ov, `${what}: override for ${rid}`).toBeDefined();
    const start = new Date(x.starts_at ?? x.original_start);
    const end = x.ends_at ? new Date(x.ends_at) : new Date(start.getTime() + duration);
    expectTimes(s, ov!, start, end, a, `${what} override ${rid}`);
  }
}

const TASK_STATUS: Record<string, string> = { open: 'NEEDS-ACTION', in_progress: 'IN-PROCESS', waiting: 'NEEDS-ACTION', done: 'COMPLETED', cancelled: 'CANCELLED' };
const PRIORITY: Record<number, number> = { 1: 1, 2: 5, 3: 9 };

function expectTodo(s: Served, t: TaskRow, what: string, contactUrl: (id: string) => string): void {
  expect(s.root.getAllSubcomponents('vevent'), what).toHaveLength(0);
  const todos = s.root.getAllSubcomponents('vtodo');
  expect(todos, what).toHaveLength(1);
  const todo = todos[0]!;
  expect(todo.getFirstPropertyValue('uid'), what).toBe(`brokerstar-task-${t.id}`);
  expect(todo.getFirstPropertyValue('summary'), what).toBe(t.subject);
  expect(todo.getFirstPropertyValue('description') ?? null, what).toBe(expectedDescription(t.description, t.customer, t.customer_no, t.contact_id));
  expect(todo.getFirstPropertyValue('url') ?? null, `${what}: the customer as URL`).toBe(t.contact_id && t.customer !== null ? contactUrl(t.contact_id) : null);
  expect(todo.hasProperty('related-to'), `${what}: never RELATED-TO`).toBe(false);
  expect(todo.getFirstPropertyValue('priority'), what).toBe(PRIORITY[t.priority]);
  expect(todo.getFirstPropertyValue('status'), what).toBe(TASK_STATUS[t.status]);
  expect(todo.getFirstPropertyValue('x-brokerstar-status') ?? null, what).toBe(t.status === 'waiting' ? 'waiting' : null);
  expect(todo.getFirstPropertyValue('percent-complete'), what).toBe(t.percent_complete);
  expect(todo.getFirstPropertyValue('sequence'), what).toBe(t.sequence);
  expect(seconds(s.instant(todo.getFirstProperty('last-modified')!)), what).toBe(seconds(t.changed_at));
  const completed = todo.getFirstProperty('completed');
  if (t.status === 'done' && t.completed_at) expect(seconds(s.instant(completed!)), what).toBe(seconds(t.completed_at));
  else expect(completed, `${what}: COMPLETED only for done tasks`).toBeNull();
  const zone = isKnownZone(t.assignee_zone) ? t.assignee_zone : null;
  const due = todo.getFirstProperty('due');
  const dtstart = todo.getFirstProperty('dtstart');
  if (t.due_at) {
    expect(due, what).toBeTruthy();
    expect(due!.getParameter('tzid') ?? null, `${what}: DUE in the assignee's zone`).toBe(zone);
    expect(s.instant(due!).toISOString(), what).toBe(new Date(seconds(t.due_at) * 1000).toISOString());
    const startText = t.starts_on ? `${t.starts_on.replace(/-/g, '')}T000000${zone ? '' : 'Z'}` : null;
    const dueText = written(due!.getFirstValue() as ICAL.Time);
    if (startText && startText < dueText) {
      expect(dtstart, `${what}: DTSTART with DUE is a DATE-TIME in the same zone`).toBeTruthy();
      expect(written(dtstart!.getFirstValue() as ICAL.Time), what).toBe(startText);
      expect(dtstart!.getParameter('tzid') ?? null, what).toBe(zone);
    } else {
      expect(dtstart, `${what}: no DTSTART not before DUE`).toBeNull();
    }
  } else {
    expect(due, what).toBeNull();
    if (t.starts_on) {
      expect(dtstart!.type, what).toBe('date');
      expect(written(dtstart!.getFirstValue() as ICAL.Time), what).toBe(t.starts_on.replace(/-/g, ''));
    } else {
      expect(dtstart, what).toBeNull();
    }
  }
}

const PHONE_TYPES: Record<string, string[]> = { work: ['WORK', 'VOICE'], home: ['HOME', 'VOICE'], mobile: ['CELL', 'VOICE'], fax: ['WORK', 'FAX'], other: ['VOICE'] };
const EMAIL_TYPES: Record<string, string[]> = { work: ['INTERNET', 'WORK'], home: ['INTERNET', 'HOME'], other: ['INTERNET'] };
const ADR_TYPES: Record<string, string[]> = { work: ['WORK'], home: ['HOME'], postal: ['POSTAL'], other: [] };

const nonEmpty = (s: string | null | undefined): s is string => s != null && s.trim() !== '';

async function expectCard(text: string, c: ContactRow, what: string, photoMaxPixels: number): Promise<void> {
  const card = new ICAL.Component(ICAL.parse(text) as unknown[]);
  expect(card.name, what).toBe('vcard');
  expect(card.getFirstPropertyValue('version'), what).toBe('3.0');
  expect(card.getFirstPropertyValue('uid'), what).toBe(`brokerstar-contact-${c.id}`);
  const person = [c.academic_title, c.first_name, c.last_name].filter(nonEmpty).map((s) => s.trim()).join(' ');
  const company = c.company_name?.trim() ?? '';
  const fn = (c.kind === 'company' ? company || person : person || company) || c.customer_no?.trim() || `Kontakt ${c.id}`;
  expect(card.getFirstPropertyValue('fn'), what).toBe(fn);
  const n = asList(card.getFirstPropertyValue('n'));
  if (c.kind === 'company') expect(n, what).toEqual([company || fn, '', '', '', '']);
  else expect(n, what).toEqual([c.last_name?.trim() ?? '', c.first_name?.trim() ?? '', '', c.academic_title?.trim() ?? '', '']);
  if (nonEmpty(c.company_name) || nonEmpty(c.department)) {
    expect(asList(card.getFirstPropertyValue('org')), what).toEqual([company, ...(nonEmpty(c.department) ? [c.department.trim()] : [])]);
  } else {
    expect(card.hasProperty('org'), what).toBe(false);
  }
  expect(card.getFirstPropertyValue('title') ?? null, what).toBe(nonEmpty(c.job_title) ? c.job_title.trim() : null);
  expect(card.getFirstPropertyValue('x-abshowas') ?? null, `${what}: companies show as companies on iOS`).toBe(c.kind === 'company' ? 'COMPANY' : null);

  const prefPhone = c.phones.findIndex((p) => p.is_primary);
  expect(
    card.getAllProperties('tel').map((p) => ({ value: String(p.getFirstValue()), types: typesOf(p) })),
    `${what}: TEL`,
  ).toEqual(
    c.phones.filter((p) => nonEmpty(p.number)).map((p) => ({
      value: p.number.trim(),
      types: [...PHONE_TYPES[p.kind]!, ...(c.phones.indexOf(p) === prefPhone ? ['PREF'] : [])].sort(),
    })),
  );
  const prefEmail = c.emails.findIndex((e) => e.is_primary);
  expect(
    card.getAllProperties('email').map((p) => ({ value: String(p.getFirstValue()), types: typesOf(p) })),
    `${what}: EMAIL`,
  ).toEqual(
    c.emails.filter((e) => nonEmpty(e.address)).map((e) => ({
      value: e.address.trim(),
      types: [...EMAIL_TYPES[e.kind]!, ...(c.emails.indexOf(e) === prefEmail ? ['PREF'] : [])].sort(),
    })),
  );
  const wantAdr = c.addresses
    .map((a) => ({ parts: [a.po_box, '', a.street, a.city, a.region, a.postal_code, a.country_code].map((p) => p?.trim() ?? ''), types: [...ADR_TYPES[a.kind]!].sort() }))
    .filter((a) => a.parts.some((p) => p !== ''))
    .map((a) => ({ ...a, parts: a.parts.map((p) => p.replace(/\r\n?/g, '\n')) }));
  expect(
    card.getAllProperties('adr').map((p) => ({ parts: asList(p.getFirstValue()), types: typesOf(p) })),
    `${what}: ADR`,
  ).toEqual(wantAdr);

  const bday = card.getFirstProperty('bday');
  if (c.birthday) {
    const t = bday!.getFirstValue() as ICAL.Time;
    expect(`${t.year}-${pad(t.month)}-${pad(t.day)}`, what).toBe(c.birthday);
  } else expect(bday, what).toBeNull();
  const website = c.website?.trim();
  expect(card.getFirstPropertyValue('url') ?? null, what).toBe(website ? (/^[a-z][a-z0-9+.-]*:/i.test(website) ? website : `https://${website}`) : null);
  const note = [c.customer_no?.trim() ? `Kunden-Nr.: ${c.customer_no.trim()}` : null, c.notes?.trim() ? c.notes.trim().replace(/\r\n?/g, '\n') : null]
    .filter((x): x is string => x !== null)
    .join('\n\n');
  expect(card.getFirstPropertyValue('note') ?? null, what).toBe(note === '' ? null : note);
  const categories = card.getAllProperties('categories').flatMap((p) => p.getValues().map(String));
  expect(categories.sort(), what).toEqual(c.categories.map((x) => x.trim()).filter(Boolean).sort());
  expect(seconds(new Date(String(card.getFirstPropertyValue('rev')))), `${what}: REV`).toBe(seconds(c.changed_at));

  const photo = card.getFirstProperty('photo');
  if (c.photo_bytes === null) {
    expect(photo, what).toBeNull();
    return;
  }
  expect(photo, `${what}: PHOTO`).toBeTruthy();
  expect(String(photo!.getParameter('encoding')).toLowerCase(), what).toBe('b');
  expect(String(photo!.getParameter('type')).toUpperCase(), what).toBe('JPEG');
  const raw = rawLines(text, 'PHOTO')[0]!;
  const jpeg = Buffer.from(raw.slice(raw.indexOf(':') + 1), 'base64');
  expect(jpeg.subarray(0, 3).toString('hex'), `${what}: a JPEG`).toBe('ffd8ff');
  const meta = await sharp(jpeg).metadata();
  expect(meta.format).toBe('jpeg');
  expect(Math.max(meta.width!, meta.height!), `${what}: downscaled`).toBeLessThanOrEqual(photoMaxPixels);
  expect(jpeg.length, `${what}: tens of KB at most`).toBeLessThan(100 * 1024);
}

// ---------------------------------------------------------------- the test

describe('served formats against BrokerStar rows', () => {
  let dav: TestServer;
  let extra: {
    tricky: string;
    company: string;
    plain: string;
    bigPhotoBytes: number;
    events: string[];
    tasks: string[];
    /** Linked to the restricted, an archived and a deleted customer: they name none of them. */
    hiddenCustomer: { events: string[]; tasks: string[] };
  };
  let active: { id: string; username: string }[];
  const contactUrl = (id: string) => `urn:brokerstar:contact:${id}`;

  beforeAll(async () => {
    dav = await startTestServer({
      user: USER,
      seed: async (db) => {
        await generateDemoData(db.pool, { seed: 'formats', now: NOW, contacts: 100, tasks: 70, appointments: 120, photoFraction: 0.15 });
        const b = builders(db.pool);
        const { rows } = await db.query<{ id: string; username: string }>(`SELECT id::text AS id, username FROM brokerstar.employee WHERE active ORDER BY id`);
        const anna = rows.find((r) => r.username === USER)!.id;
        const [bruno, carla] = rows.filter((r) => r.username !== USER).map((r) => r.id);
        // A multi-megabyte camera original (noise does not compress).
        const big = await sharp({ create: { width: 1800, height: 1200, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 80 } } })
          .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
          .toBuffer();
        const longText = 'Grüezi mitenand! Übermorgen größere Änderungen; Kommas, Semikolons; Backslash \\ und Emoji 🏔️ — '.repeat(6);
        const tricky = await b.addContact({
          customerNo: 'K-0001; A,B',
          academicTitle: 'Dr.',
          firstName: 'Hans-Ülrich',
          lastName: 'Müller, Sohn; Test \\ Backslash',
          companyName: 'Müller & Söhne; Holding, AG',
          department: 'Abt. Nord, Süd; West',
          jobTitle: 'Leiter; Vertrieb, Innendienst',
          birthday: '1975-02-28',
          website: 'www.mueller-soehne.ch',
          notes: `Zeile 1\nZeile 2; mit Semikolon, Komma und \\ Backslash\r\nZeile 3\n\n${longText}`,
          categories: ['Kunde, VIP', 'Interessent; B', 'Ärzte'],
          phones: [
            { number: '+41 44 123 45 67', kind: 'work' },
            { number: '+41 79 765 43 21', kind: 'mobile', primary: true },
            { number: '+41 44 123 45 68', kind: 'fax' },
            { number: '+41 44 000 00 00', kind: 'home' },
            { number: '+41 44 111 11 11', kind: 'other' },
          ],
          emails: [
            { address: 'hans@mueller.ch', kind: 'work' },
            { address: 'hans.privat@example.ch', kind: 'home', primary: true },
            { address: 'h.m@example.org', kind: 'other' },
          ],
          addresses: [
            { kind: 'home', street: 'Bahnhofstrasse 1\nHinterhaus; 2. Stock', poBox: 'Postfach 12', postalCode: '8001', city: 'Zürich', region: 'ZH' },
            { kind: 'work', street: 'Rue du Rhône 3, c/o Bank', postalCode: '1204', city: 'Genève', region: 'GE', countryCode: 'CH' },
            { kind: 'postal', poBox: 'Case postale 99', city: 'Lugano', countryCode: null },
            { kind: 'other', street: 'Via Roma 5', city: 'Milano', countryCode: 'IT' },
          ],
          photo: big,
          restrictedTo: [anna],
        });
        // The same tricky name on a customer everyone may see: the customer line shows it, escaped.
        const trickyCustomer = await b.addContact({
          customerNo: 'K-0001; A,B',
          academicTitle: 'Dr.',
          firstName: 'Hans-Ülrich',
          lastName: 'Müller, Sohn; Test \\ Backslash',
        });
        const archived = await b.addContact({ lastName: 'Archiviert', customerNo: 'K-ARCH', archived: true });
        const deleted = await b.addContact({ lastName: 'Gelöscht', customerNo: 'K-DEL', deletedAt: '2025-01-01T00:00:00Z' });
        const company = await b.addContact({ companyName: 'Muster AG', department: 'Zentrale', emails: ['info@muster.ch'], photo: 'png', website: 'https://muster.ch/' });
        const plain = await b.addContact({ lastName: 'Nurname' });
        const events = [
          await b.addAppointment({
            ownerId: anna,
            startsAt: '2025-03-20T08:30:00Z',
            endsAt: '2025-03-20T10:00:00Z',
            subject: 'Beratung: Müller, Söhne; Vertrag \\ Nachtrag 🏔️',
            location: 'Sitzungszimmer «Matterhorn», 3. OG; Zürich',
            description: `Traktanden:\n1. Police; Prämie, Deckung\n2. Übriges\n\n${longText}`,
            contactId: trickyCustomer,
            participants: [{ employeeId: bruno!, response: 'accepted' }, { employeeId: carla!, response: 'declined' }, anna],
          }),
          await b.addAppointment({ ownerId: anna, startsAt: '2025-04-14', endsAt: '2025-04-17', allDay: true, subject: 'Ferien (3 Tage)', timeZone: 'America/New_York' }),
          await b.addAppointment({
            ownerId: anna,
            startsAt: '2025-03-03',
            allDay: true,
            subject: 'Wöchentlicher Ganztag',
            recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=8',
            exceptions: [{ originalStart: '2025-03-10' }, { originalStart: '2025-03-17', startsAt: '2025-03-18', endsAt: '2025-03-19' }],
          }),
          await b.addAppointment({
            ownerId: anna,
            startsAt: '2025-03-05T17:00:00Z',
            endsAt: '2025-03-05T18:15:00Z',
            subject: 'Call Kalifornien',
            timeZone: 'America/Los_Angeles',
            recurrenceRule: 'FREQ=WEEKLY;UNTIL=20250430T170000Z;BYDAY=WE',
            status: 'tentative',
            isPrivate: true,
            exceptions: [{ originalStart: '2025-03-12T16:00:00Z' }, { originalStart: '2025-03-19T16:00:00Z', startsAt: '2025-03-20T18:00:00Z' }],
            participants: [bruno!],
          }),
          await b.addAppointment({ ownerId: anna, startsAt: '2025-03-21T12:00:00Z', subject: 'Unbekannte Zone', timeZone: 'Mars/Olympus_Mons' }),
          await b.addAppointment({ ownerId: anna, startsAt: '2025-03-22T12:00:00Z', subject: 'Abgesagt', status: 'cancelled', location: '' }),
        ];
        const tasks = [
          await b.addTask({
            assigneeId: anna,
            subject: 'Rückruf; Müller, Sohn',
            description: 'Bitte\nzurückrufen; dringend, \\ wichtig',
            status: 'waiting',
            priority: 3,
            startsOn: '2025-03-10',
            dueAt: '2025-03-20T15:00:00Z',
            contactId: trickyCustomer,
          }),
          await b.addTask({ assigneeId: anna, subject: 'Erledigt', status: 'done', priority: 1, completedAt: '2025-03-01T10:11:12Z', contactId: company }),
          await b.addTask({ assigneeId: anna, subject: 'In Arbeit', status: 'in_progress', percentComplete: 40, startsOn: '2025-03-18' }),
          await b.addTask({ assigneeId: anna, subject: 'Storniert', status: 'cancelled' }),
          await b.addTask({ assigneeId: anna, subject: 'Start nach Fälligkeit', startsOn: '2025-03-25', dueAt: '2025-03-20T08:00:00Z' }),
          await b.addTask({ assigneeId: anna, subject: 'Offen, ohne alles' }),
        ];
        const hiddenCustomer = { events: [] as string[], tasks: [] as string[] };
        for (const contactId of [tricky, archived, deleted]) {
          hiddenCustomer.events.push(await b.addAppointment({ ownerId: anna, startsAt: '2025-03-24T09:00:00Z', subject: 'Kunde verborgen', description: 'Notiz', contactId }));
          hiddenCustomer.tasks.push(await b.addTask({ assigneeId: anna, subject: 'Kunde verborgen', contactId }));
        }
        extra = { tricky, company, plain, bigPhotoBytes: big.length, events, tasks, hiddenCustomer };
      },
    });
    const { rows } = await dav.db.query<{ id: string; username: string }>(`SELECT id::text AS id, username FROM brokerstar.employee WHERE active ORDER BY id`);
    active = rows;
  });
  afterAll(() => dav?.close());

  it('the seed is varied: recurrences with exceptions, all-day, participants, private, photos, time zones', async () => {
    const { rows } = await dav.db.query(`SELECT
        (SELECT count(*) FROM brokerstar.appointment WHERE recurrence_rule IS NOT NULL)::int AS series,
        (SELECT count(*) FROM brokerstar.appointment_exception WHERE is_cancelled)::int AS cancelled,
        (SELECT count(*) FROM brokerstar.appointment_exception WHERE NOT is_cancelled)::int AS moved,
        (SELECT count(*) FROM brokerstar.appointment WHERE all_day)::int AS all_day,
        (SELECT count(*) FROM brokerstar.appointment WHERE is_private)::int AS private,
        (SELECT count(DISTINCT time_zone) FROM brokerstar.appointment)::int AS zones,
        (SELECT count(*) FROM brokerstar.appointment_participant)::int AS participants,
        (SELECT count(*) FROM brokerstar.contact_photo)::int AS photos,
        (SELECT count(*) FROM brokerstar.contact WHERE kind = 'company')::int AS companies,
        (SELECT count(DISTINCT status) FROM brokerstar.task)::int AS task_statuses`);
    const v = rows[0]!;
    for (const [k, min] of Object.entries({ series: 5, cancelled: 3, moved: 3, all_day: 3, private: 3, zones: 3, participants: 10, photos: 10, companies: 10, task_statuses: 5 })) {
      expect(v[k], k).toBeGreaterThanOrEqual(min);
    }
    expect(extra.bigPhotoBytes, 'a multi-megabyte original').toBeGreaterThan(2_000_000);
  });

  it('every appointment in every employee’s Termine matches its row', async () => {
    // Fetch once before reading the rows: LAST-MODIFIED and SEQUENCE are the stamps of what was served.
    await listAndMultiget(dav, `/dav/calendars/${USER}/termine/`, 'calendar', USER);
    const rows = await appointmentRows(dav);
    const { rows: visible } = await dav.db.query<{ employee_id: string; id: string }>(`
      SELECT e.id::text AS employee_id, a.id::text AS id FROM brokerstar.employee e
        JOIN brokerstar.appointment a ON a.deleted_at IS NULL
             AND (a.owner_id = e.id OR EXISTS (SELECT 1 FROM brokerstar.appointment_participant p WHERE p.appointment_id = a.id AND p.employee_id = e.id))
       WHERE e.active`);
    let checked = 0;
    const zonesSeen = new Set<string>();
    for (const u of active) {
      const served = await listAndMultiget(dav, `/dav/calendars/${u.username}/termine/`, 'calendar', u.username);
      const expected = visible.filter((v) => v.employee_id === u.id).map((v) => v.id).sort();
      expect([...served.keys()].map(idOf).sort(), `${u.username}: the right appointments`).toEqual(expected);
      for (const [href, { data }] of served) {
        const a = rows.get(idOf(href))!;
        const s = new Served(data);
        expectWellFolded(data, href);
        expectVtimezones(s, href);
        expectEvent(s, a, href, contactUrl);
        zonesSeen.add(a.time_zone);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(zonesSeen.size).toBeGreaterThanOrEqual(3);
  });

  it('every task in every employee’s Aufgaben matches its row', async () => {
    await listAndMultiget(dav, `/dav/calendars/${USER}/aufgaben/`, 'calendar', USER);
    const rows = await taskRows(dav);
    let checked = 0;
    for (const u of active) {
      const served = await listAndMultiget(dav, `/dav/calendars/${u.username}/aufgaben/`, 'calendar', u.username);
      const expected = [...rows.values()].filter((t) => t.assignee_id === u.id).map((t) => t.id);
      const { rows: live } = await dav.db.query<{ id: string }>('SELECT id::text AS id FROM brokerstar.task WHERE deleted_at IS NULL AND assignee_id = $1', [u.id]);
      expect([...served.keys()].map(idOf).sort(), `${u.username}: the right tasks`).toEqual(live.map((r) => r.id).filter((id) => expected.includes(id)).sort());
      for (const [href, { data }] of served) {
        const s = new Served(data);
        expectWellFolded(data, href);
        expectVtimezones(s, href);
        expectTodo(s, rows.get(idOf(href))!, href, contactUrl);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
  });

  it('every card in the address book matches its row (vCard 3.0)', async () => {
    const book = `/dav/addressbooks/${USER}/kontakte/`;
    const served = await listAndMultiget(dav, book, 'addressbook', USER);
    const rows = await contactRows(dav);
    const { rows: visible } = await dav.db.query<{ id: string }>(`
      SELECT c.id::text AS id FROM brokerstar.contact c, brokerstar.employee e
       WHERE e.username = $1 AND c.deleted_at IS NULL AND NOT c.is_archived
         AND (c.advisor_id = e.id OR NOT EXISTS (SELECT 1 FROM brokerstar.contact_restriction r WHERE r.contact_id = c.id)
              OR EXISTS (SELECT 1 FROM brokerstar.contact_restriction r WHERE r.contact_id = c.id AND r.employee_id = e.id))`,
      [USER]);
    expect([...served.keys()].map(idOf).sort()).toEqual(visible.map((v) => v.id).sort());
    let photos = 0;
    for (const [href, { data }] of served) {
      expectWellFolded(data, href);
      const row = rows.get(idOf(href))!;
      await expectCard(data, row, href, dav.config.photoMaxPixels);
      if (row.photo_bytes !== null) photos++;
    }
    expect(photos).toBeGreaterThan(5);
    expect(served.has(`${book}${extra.tricky}.vcf`)).toBe(true);
    expect(served.has(`${book}${extra.plain}.vcf`)).toBe(true);
  });

  it('the multi-megabyte photo is served as a downscaled JPEG of tens of KB, scaled once', async () => {
    const r = await dav.request('GET', `/dav/addressbooks/${USER}/kontakte/${extra.tricky}.vcf`);
    const raw = rawLines(r.text, 'PHOTO')[0]!;
    expect(raw).toMatch(/^PHOTO;ENCODING=b;TYPE=JPEG:/i);
    const jpeg = Buffer.from(raw.slice(raw.indexOf(':') + 1), 'base64');
    const meta = await sharp(jpeg).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width!, meta.height!)).toBe(dav.config.photoMaxPixels);
    expect(meta.width! / meta.height!).toBeCloseTo(1800 / 1200, 1);
    expect(jpeg.length).toBeGreaterThan(5 * 1024);
    expect(jpeg.length).toBeLessThan(100 * 1024);
    expect(r.text.length, 'the whole card stays small').toBeLessThan(150 * 1024);
    // The downscaled copy is kept, not recomputed per request.
    const { rows } = await dav.db.query<{ n: number }>('SELECT count(*)::int AS n FROM dav.photo WHERE contact_id = $1 AND jpeg IS NOT NULL', [extra.tricky]);
    expect(rows[0]!.n).toBe(1);
    const again = await dav.request('GET', `/dav/addressbooks/${USER}/kontakte/${extra.tricky}.vcf`);
    expect(again.headers.get('etag')).toBe(r.headers.get('etag'));
    // The PNG logo (64 px, never enlarged) becomes a JPEG too.
    const logo = await dav.request('GET', `/dav/addressbooks/${USER}/kontakte/${extra.company}.vcf`);
    const logoRaw = rawLines(logo.text, 'PHOTO')[0]!;
    const logoMeta = await sharp(Buffer.from(logoRaw.slice(logoRaw.indexOf(':') + 1), 'base64')).metadata();
    expect([logoMeta.format, logoMeta.width, logoMeta.height]).toEqual(['jpeg', 64, 64]);
  });

  it('text with commas, semicolons, backslashes, line breaks, umlauts and emoji round-trips', async () => {
    const card = new ICAL.Component(ICAL.parse((await dav.request('GET', `/dav/addressbooks/${USER}/kontakte/${extra.tricky}.vcf`)).text) as unknown[]);
    expect(card.getFirstPropertyValue('fn')).toBe('Dr. Hans-Ülrich Müller, Sohn; Test \\ Backslash');
    expect(asList(card.getFirstPropertyValue('n'))).toEqual(['Müller, Sohn; Test \\ Backslash', 'Hans-Ülrich', '', 'Dr.', '']);
    expect(asList(card.getFirstPropertyValue('org'))).toEqual(['Müller & Söhne; Holding, AG', 'Abt. Nord, Süd; West']);
    expect(card.getFirstPropertyValue('title')).toBe('Leiter; Vertrieb, Innendienst');
    expect(String(card.getFirstPropertyValue('note'))).toContain('Zeile 1\nZeile 2; mit Semikolon, Komma und \\ Backslash\nZeile 3\n\nGrüezi mitenand!');
    expect(String(card.getFirstPropertyValue('note'))).toContain('Emoji 🏔️ — ');
    expect(card.getAllProperties('categories').flatMap((p) => p.getValues().map(String)).sort()).toEqual(['Interessent; B', 'Kunde, VIP', 'Ärzte'].sort());
    expect(asList(card.getAllProperties('adr')[0]!.getFirstValue())).toEqual(['Postfach 12', '', 'Bahnhofstrasse 1\nHinterhaus; 2. Stock', 'Zürich', 'ZH', '8001', 'CH']);
    const event = new Served((await dav.request('GET', `/dav/calendars/${USER}/termine/${extra.events[0]}.ics`)).text);
    const ev = event.root.getFirstSubcomponent('vevent')!;
    expect(ev.getFirstPropertyValue('summary')).toBe('Beratung: Müller, Söhne; Vertrag \\ Nachtrag 🏔️');
    expect(ev.getFirstPropertyValue('location')).toBe('Sitzungszimmer «Matterhorn», 3. OG; Zürich');
    expect(String(ev.getFirstPropertyValue('description'))).toMatch(/^Traktanden:\n1\. Police; Prämie, Deckung\n2\. Übriges\n\nGrüezi/);
    expect(String(ev.getFirstPropertyValue('description'))).toMatch(/\n\nKunde: Dr\. Hans-Ülrich Müller, Sohn; Test \\ Backslash \(K-0001; A,B\)$/);
    const task = new Served((await dav.request('GET', `/dav/calendars/${USER}/aufgaben/${extra.tasks[0]}.ics`)).text);
    const todo = task.root.getFirstSubcomponent('vtodo')!;
    expect(todo.getFirstPropertyValue('summary')).toBe('Rückruf; Müller, Sohn');
    expect(todo.getFirstPropertyValue('description')).toBe('Bitte\nzurückrufen; dringend, \\ wichtig\n\nKunde: Dr. Hans-Ülrich Müller, Sohn; Test \\ Backslash (K-0001; A,B)');
  });

  it('names no customer that is restricted, archived or deleted: no customer line, no URL', async () => {
    const hrefs = [
      ...extra.hiddenCustomer.events.map((id) => `/dav/calendars/${USER}/termine/${id}.ics`),
      ...extra.hiddenCustomer.tasks.map((id) => `/dav/calendars/${USER}/aufgaben/${id}.ics`),
    ];
    for (const h of hrefs) {
      const r = await dav.request('GET', h);
      expect(r.status, h).toBe(200);
      const item = new Served(r.text).root.getFirstSubcomponent(h.includes('/termine/') ? 'vevent' : 'vtodo')!;
      expect(item.hasProperty('url'), `${h}: URL`).toBe(false);
      expect(item.getFirstPropertyValue('description') ?? null, h).toBe(h.includes('/termine/') ? 'Notiz' : null);
      for (const secret of ['Kunde:', 'Müller', 'K-0001', 'Archiviert', 'K-ARCH', 'Gelöscht', 'K-DEL']) expect(r.text, `${h}: ${secret}`).not.toContain(secret);
    }
  });

  it('multiget data is byte for byte what GET serves, under the same ETag', async () => {
    const paths = [
      ...extra.events.map((id) => `/dav/calendars/${USER}/termine/${id}.ics`),
      ...extra.tasks.map((id) => `/dav/calendars/${USER}/aufgaben/${id}.ics`),
      ...[extra.tricky, extra.company, extra.plain].map((id) => `/dav/addressbooks/${USER}/kontakte/${id}.vcf`),
    ];
    const byCollection = new Map<string, string[]>();
    for (const p of paths) {
      const col = p.replace(/[^/]+$/, '');
      byCollection.set(col, [...(byCollection.get(col) ?? []), p]);
    }
    for (const [col, hrefs] of byCollection) {
      const kind = col.includes('/addressbooks/') ? 'addressbook' : 'calendar';
      const served = await listAndMultiget(dav, col, kind, USER);
      for (const h of hrefs) {
        const get = await dav.request('GET', h);
        expect(served.get(h)?.data, h).toBe(get.text);
        expect(served.get(h)?.etag, h).toBe(get.headers.get('etag'));
      }
    }
  });

  it('colleagues’ calendars serve the owner’s exact objects, or busy blocks for others’ private ones', async () => {
    const { rows: shares } = await dav.db.query<{ viewer: string; owner: string }>(`
      SELECT v.username AS viewer, o.username AS owner FROM brokerstar.calendar_share s
        JOIN brokerstar.employee v ON v.id = s.viewer_id AND v.active JOIN brokerstar.employee o ON o.id = s.owner_id AND o.active`);
    expect(shares.length).toBeGreaterThan(0);
    const rows = await appointmentRows(dav);
    const ownerViews = new Map<string, Map<string, { etag: string; data: string }>>();
    let busy = 0;
    let full = 0;
    for (const { viewer, owner } of shares) {
      if (!ownerViews.has(owner)) ownerViews.set(owner, await listAndMultiget(dav, `/dav/calendars/${owner}/termine/`, 'calendar', owner));
      const ownView = ownerViews.get(owner)!;
      const viewerId = active.find((a) => a.username === viewer)!.id;
      const served = await listAndMultiget(dav, `/dav/calendars/${viewer}/termine-${owner}/`, 'calendar', viewer);
      for (const [href, { data, etag }] of served) {
        const a = rows.get(idOf(href))!;
        const attends = a.owner_id === viewerId || a.participants.some((p) => p.employee_id === viewerId);
        if (a.is_private && !attends) {
          busy++;
          expectWellFolded(data, href);
          const s = new Served(data);
          for (const ev of s.root.getAllSubcomponents('vevent')) {
            expect(['Besetzt', 'Occupé', 'Occupato', 'Busy'], href).toContain(ev.getFirstPropertyValue('summary'));
            for (const p of ['location', 'description', 'attendee', 'organizer', 'url']) expect(ev.hasProperty(p), `${href}: ${p}`).toBe(false);
            expect(ev.getFirstPropertyValue('uid')).toBe(`brokerstar-appointment-${a.id}`);
          }
          expect(data).not.toContain(a.subject);
        } else {
          full++;
          const ownerSees = ownView.get(`/dav/calendars/${owner}/termine/${a.id}.ics`);
          expect(data, href).toBe(ownerSees?.data);
          expect(etag, href).toBe(ownerSees?.etag);
        }
      }
    }
    expect(full).toBeGreaterThan(0);
    expect(busy).toBeGreaterThan(0);
  });
});

/** Every TZID used has exactly one VTIMEZONE, and there is none that nothing uses. */
function expectVtimezones(s: Served, what: string): void {
  const declared = s.root.getAllSubcomponents('vtimezone').map((z) => String(z.getFirstPropertyValue('tzid')));
  expect(new Set(declared).size, `${what}: no duplicate VTIMEZONE`).toBe(declared.length);
  const used = new Set<string>();
  for (const comp of [...s.root.getAllSubcomponents('vevent'), ...s.root.getAllSubcomponents('vtodo')]) {
    for (const p of comp.getAllProperties()) {
      const tzid = p.getParameter('tzid');
      if (typeof tzid === 'string') used.add(tzid);
    }
  }
  expect(new Set(declared), `${what}: VTIMEZONE for every TZID`).toEqual(used);
}
