// Preconditions of a PUT (RFC 7232, RFC 4791 §5.3.2.1): stale If-Match and a BrokerStar write the
// client has not seen give 412 and change nothing; If-None-Match: * on an existing item 412;
// invalid iCalendar, a foreign UID and the wrong component are refused with their CalDAV
// preconditions; wrong Content-Type 415; too large 413; malformed or empty bodies never 500. And a
// client PUT racing a BrokerStar UPDATE of the same row never loses BrokerStar's edit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Language } from '../../src/i18n/texts.js';
import { messageFor, type MessageKey } from '../../src/policy/messages.js';
import { builders } from '../support/builders.js';
import { tableChecksums } from '../support/checksums.js';
import { davError } from '../support/dav-error.js';
import { getItem, putCalendar } from '../support/items.js';
import { listEtags } from '../support/listing.js';
import { BS, C, childNamed, CR, D } from '../support/multistatus.js';
import { startTestServer, type Reply, type TestServer } from '../support/server.js';
import { editedItem } from '../unit/policy/clients.js';
import { waitingOnLock } from './locks.js';

const USER = 'anna.meier';
const TERMINE = `/dav/calendars/${USER}/termine/`;
const AUFGABEN = `/dav/calendars/${USER}/aufgaben/`;
const KONTAKTE = `/dav/addressbooks/${USER}/kontakte/`;
const CALENDAR = 'text/calendar; charset=utf-8';
const MAX_RESOURCE_SIZE = 8192;

const ids: Record<string, string> = {};

async function appointment(dav: TestServer, id: string) {
  const { rows } = await dav.db.query('SELECT subject, location, description, starts_at, ends_at, updated_at FROM brokerstar.appointment WHERE id = $1', [id]);
  return rows[0] as { subject: string; location: string | null; description: string | null; starts_at: Date; ends_at: Date; updated_at: Date };
}

async function expectCalDavRefusal(r: Reply, href: string, element: string, key: MessageKey): Promise<void> {
  expect([400, 403], r.text).toContain(r.status);
  const { names, root } = await davError(r);
  expect(names).toContain(element);
  expect(names, 'need-privileges too, so DAVx5 skips the item instead of stopping').toContain(D('need-privileges'));
  const resource = childNamed(childNamed(root, D('need-privileges')), D('resource'));
  expect(childNamed(resource, D('href'))?.text).toBe(href);
  expect(childNamed(root, BS('message'))?.text).toBe(messageFor(key, 'de'));
}

/**
 * A 412, 413 or 415: a DAV:error with its precondition element and the sentence in `lang`, and no
 * DAV:need-privileges (no privilege is missing; DAVx5 reads that element on a 403 only).
 */
async function expectPrecondition(r: Reply, status: number, element: string, key: MessageKey, lang: Language): Promise<void> {
  expect(r.status, r.text).toBe(status);
  const { names, root } = await davError(r);
  expect(names).toContain(element);
  expect(names).not.toContain(D('need-privileges'));
  expect(childNamed(root, BS('message'))?.text).toBe(messageFor(key, lang));
}

/** An Accept-Language that must not matter: a signed-in employee reads his BrokerStar language. */
const ASKS_GERMAN = { 'Accept-Language': 'de-CH, de;q=0.9' };

/** Runs `fn` with Anna's BrokerStar language set to English (German again afterwards). */
async function inEnglish<T>(dav: TestServer, fn: () => Promise<T>): Promise<T> {
  await dav.db.query(`UPDATE brokerstar.employee SET language = 'en' WHERE username = $1`, [USER]);
  try {
    return await fn();
  } finally {
    await dav.db.query(`UPDATE brokerstar.employee SET language = 'de' WHERE username = $1`, [USER]);
  }
}

describe('PUT preconditions', () => {
  let dav: TestServer;

  beforeAll(async () => {
    dav = await startTestServer({
      user: USER,
      config: { maxResourceSize: MAX_RESOURCE_SIZE },
      seed: async (db) => {
        const b = builders(db.pool);
        ids.anna = await b.addEmployee({ username: USER });
        ids.contact = await b.addContact({ firstName: 'Hans', lastName: 'Muster' });
        for (const n of ['stale', 'bsWrite', 'bsPumped', 'inm', 'invalid', 'uid', 'component', 'type', 'size', 'empty', 'race', 'raceSame', 'held']) {
          ids[n] = await b.addAppointment({ ownerId: ids.anna, startsAt: '2026-12-01T09:00:00Z', subject: `Termin ${n}`, location: 'Zürich' });
        }
        ids.task = await b.addTask({ assigneeId: ids.anna, subject: 'Offerte senden' });
      },
    });
    for (const c of [TERMINE, AUFGABEN, KONTAKTE]) await listEtags(dav, c);
  });
  afterAll(() => dav?.close());

  const href = (n: string) => `${TERMINE}${ids[n]}.ics`;

  it('stale If-Match: 412, nothing changed', async () => {
    const first = await getItem(dav, href('stale'));
    const moved = editedItem(first.text, (e) => e.updatePropertyWithValue('location', 'Bern'));
    expect((await putCalendar(dav, href('stale'), moved, { 'If-Match': first.etag })).status).toBe(204);
    const row = await appointment(dav, ids.stale!);
    const sums = await tableChecksums(dav);

    const again = editedItem(first.text, (e) => e.updatePropertyWithValue('location', 'Basel'));
    const de = await putCalendar(dav, href('stale'), again, { 'If-Match': first.etag });
    const en = await inEnglish(dav, () => putCalendar(dav, href('stale'), again, { 'If-Match': first.etag, ...ASKS_GERMAN }));

    await expectPrecondition(de, 412, BS('stale-version'), 'stale', 'de');
    await expectPrecondition(en, 412, BS('stale-version'), 'stale', 'en');
    expect(await appointment(dav, ids.stale!)).toEqual(row);
    expect(await tableChecksums(dav)).toEqual(sums);
    expect(de.headers.get('etag')).toBeNull();
  });

  it('If-Match after a BrokerStar write the client has not seen: 412, BrokerStar\'s edit kept', async () => {
    const seen = await getItem(dav, href('bsWrite'));
    await dav.db.query(`UPDATE brokerstar.appointment SET subject = 'In BrokerStar geändert', updated_at = now() WHERE id = $1`, [ids.bsWrite]);
    const body = editedItem(seen.text, (e) => e.updatePropertyWithValue('location', 'Luzern'));

    const r = await putCalendar(dav, href('bsWrite'), body, { 'If-Match': seen.etag });

    expect(r.status).toBe(412);
    expect(await appointment(dav, ids.bsWrite!)).toMatchObject({ subject: 'In BrokerStar geändert', location: 'Zürich' });
    const now = await getItem(dav, href('bsWrite'));
    expect(now.etag).not.toBe(seen.etag);
    expect(now.text).toContain('SUMMARY:In BrokerStar geändert');
  });

  it('If-Match after a BrokerStar write the server already rendered: 412 as well', async () => {
    const seen = await getItem(dav, href('bsPumped'));
    await dav.db.query(`UPDATE brokerstar.appointment SET location = 'Winterthur' WHERE id = $1`, [ids.bsPumped]);
    await dav.propfind(TERMINE, '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>', '1'); // another client's sync
    const body = editedItem(seen.text, (e) => e.updatePropertyWithValue('summary', 'Vom Client'));

    const r = await putCalendar(dav, href('bsPumped'), body, { 'If-Match': seen.etag });

    expect(r.status).toBe(412);
    expect(await appointment(dav, ids.bsPumped!)).toMatchObject({ subject: 'Termin bsPumped', location: 'Winterthur' });
  });

  it('If-None-Match: * on an existing item: 412, nothing changed', async () => {
    const seen = await getItem(dav, href('inm'));
    const sums = await tableChecksums(dav);
    const body = editedItem(seen.text, (e) => e.updatePropertyWithValue('summary', 'Neu'));
    await expectPrecondition(await putCalendar(dav, href('inm'), body, { 'If-None-Match': '*' }), 412, BS('already-exists'), 'exists', 'de');
    await expectPrecondition(await inEnglish(dav, () => putCalendar(dav, href('inm'), body, { 'If-None-Match': '*', ...ASKS_GERMAN })), 412, BS('already-exists'), 'exists', 'en');
    expect(await tableChecksums(dav)).toEqual(sums);
  });

  it('invalid iCalendar: refused with CALDAV:valid-calendar-data (and need-privileges), nothing changed', async () => {
    const seen = await getItem(dav, href('invalid'));
    const sums = await tableChecksums(dav);
    const bodies = {
      'not iCalendar at all': 'Hallo, das ist kein Kalender.',
      'no END:VCALENDAR': seen.text.replace(/END:VCALENDAR\r\n$/, ''),
      'a malformed DTSTART': seen.text.replace(/DTSTART;TZID=Europe\/Zurich:\d{8}T\d{6}/, 'DTSTART;TZID=Europe/Zurich:2026-13-45T25:00'),
      'an end before the start': seen.text.replace(/DTEND;TZID=Europe\/Zurich:\d{8}T\d{6}/, 'DTEND;TZID=Europe/Zurich:20261130T080000'),
      'two calendars in one body': seen.text + seen.text,
      'a vCard': 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\nEND:VCARD\r\n',
      'a TZID that is neither defined nor an IANA zone': seen.text.replaceAll('TZID=Europe/Zurich', 'TZID=Mars/Olympus'),
      'two masters': seen.text.replace(/(BEGIN:VEVENT[\s\S]*END:VEVENT\r\n)/, '$1$1'),
    };
    for (const [what, body] of Object.entries(bodies)) {
      // Each refusal announces the item again (self-healing), so each try sends the current ETag.
      const r = await putCalendar(dav, href('invalid'), body, { 'If-Match': (await getItem(dav, href('invalid'))).etag });
      expect(r.status, what).not.toBe(500);
      await expectCalDavRefusal(r, href('invalid'), C('valid-calendar-data'), 'invalid-data');
    }
    expect(await tableChecksums(dav)).toEqual(sums);
  });

  it('a body whose UID differs from the stored item: CALDAV:no-uid-conflict', async () => {
    const seen = await getItem(dav, href('uid'));
    const sums = await tableChecksums(dav);
    const body = editedItem(seen.text, (e) => e.updatePropertyWithValue('uid', '040000008200E00074C5B7101A82E008000000001'));
    const r = await putCalendar(dav, href('uid'), body, { 'If-Match': seen.etag });
    await expectCalDavRefusal(r, href('uid'), C('no-uid-conflict'), 'uid-mismatch');
    expect(await tableChecksums(dav)).toEqual(sums);
  });

  it('a VTODO into Termine and a VEVENT into Aufgaben: CALDAV:supported-calendar-component', async () => {
    const sums = await tableChecksums(dav);
    const todo = (await getItem(dav, `${AUFGABEN}${ids.task}.ics`)).text.replaceAll(`brokerstar-task-${ids.task}`, `brokerstar-appointment-${ids.component}`);
    const r1 = await putCalendar(dav, href('component'), todo);
    await expectCalDavRefusal(r1, href('component'), C('supported-calendar-component'), 'wrong-component');

    const event = (await getItem(dav, href('component'))).text.replaceAll(`brokerstar-appointment-${ids.component}`, `brokerstar-task-${ids.task}`);
    const r2 = await putCalendar(dav, `${AUFGABEN}${ids.task}.ics`, event);
    await expectCalDavRefusal(r2, `${AUFGABEN}${ids.task}.ics`, C('supported-calendar-component'), 'wrong-component');
    expect(await tableChecksums(dav)).toEqual(sums);
  });

  it('a wrong Content-Type: 415, nothing changed', async () => {
    const seen = await getItem(dav, href('type'));
    const sums = await tableChecksums(dav);
    const body = editedItem(seen.text, (e) => e.updatePropertyWithValue('summary', 'Typ'));
    for (const type of ['application/json', 'text/vcard; charset=utf-8', 'application/x-www-form-urlencoded']) {
      const r = await putCalendar(dav, href('type'), body, { 'Content-Type': type, 'If-Match': seen.etag });
      await expectPrecondition(r, 415, C('supported-calendar-data'), 'wrong-content-type', 'de');
    }
    const en = await inEnglish(dav, () => putCalendar(dav, href('type'), body, { 'Content-Type': 'application/json', 'If-Match': seen.etag, ...ASKS_GERMAN }));
    await expectPrecondition(en, 415, C('supported-calendar-data'), 'wrong-content-type', 'en');
    const card = (headers: Record<string, string> = {}) =>
      dav.request('PUT', `${KONTAKTE}${ids.contact}.vcf`, { body: 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\nEND:VCARD\r\n', headers: { 'Content-Type': CALENDAR, ...headers } });
    await expectPrecondition(await card(), 415, CR('supported-address-data'), 'wrong-content-type', 'de');
    await expectPrecondition(await inEnglish(dav, () => card(ASKS_GERMAN)), 415, CR('supported-address-data'), 'wrong-content-type', 'en');
    expect(await tableChecksums(dav)).toEqual(sums);
  });

  it('a body over max-resource-size: 413 with CALDAV:max-resource-size, nothing changed', async () => {
    const seen = await getItem(dav, href('size'));
    const sums = await tableChecksums(dav);
    const body = editedItem(seen.text, (e) => e.updatePropertyWithValue('description', 'Notiz '.repeat(MAX_RESOURCE_SIZE / 4)));
    expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_RESOURCE_SIZE);
    await expectPrecondition(await putCalendar(dav, href('size'), body, { 'If-Match': seen.etag }), 413, C('max-resource-size'), 'too-large', 'de');
    await expectPrecondition(await inEnglish(dav, () => putCalendar(dav, href('size'), body, { 'If-Match': seen.etag, ...ASKS_GERMAN })), 413, C('max-resource-size'), 'too-large', 'en');
    expect(await tableChecksums(dav)).toEqual(sums);
    // The limit is the one published.
    const prop = await dav.propfind(TERMINE, '<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:max-resource-size/></d:prop></d:propfind>', '0');
    expect(prop.ms.responses.get(TERMINE)?.props.get(C('max-resource-size'))?.el.text).toBe(String(MAX_RESOURCE_SIZE));
  });

  it('malformed or empty bodies and headers never give a 500', async () => {
    const sums = await tableChecksums(dav);
    const target = href('empty');
    const attempts: { method: string; path: string; body?: string; headers?: Record<string, string> }[] = [
      { method: 'PUT', path: target, body: '', headers: { 'Content-Type': CALENDAR } },
      { method: 'PUT', path: target },
      { method: 'PUT', path: target, body: '\u0000\u0001\u0002\uFFFD', headers: { 'Content-Type': CALENDAR } },
      { method: 'PUT', path: target, body: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n', headers: { 'Content-Type': CALENDAR } },
      { method: 'PUT', path: target, body: 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n', headers: { 'Content-Type': CALENDAR } },
      { method: 'PUT', path: target, body: `BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:brokerstar-appointment-${ids.empty}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`, headers: { 'Content-Type': CALENDAR } },
      { method: 'PUT', path: target, body: `BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:brokerstar-appointment-${ids.empty}\r\nDTSTART;TZID=Mars/Olympus:20261201T090000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`, headers: { 'Content-Type': CALENDAR } },
      { method: 'PUT', path: target, body: `BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:brokerstar-appointment-${ids.empty}\r\nDTSTART:20261201T090000Z\r\nRRULE:FREQ=SOMETIMES\r\nDURATION:banana\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`, headers: { 'Content-Type': CALENDAR } },
      { method: 'PUT', path: target, body: '<?xml version="1.0"?><x/>', headers: { 'Content-Type': 'text/calendar' } },
      { method: 'PUT', path: target, body: 'x', headers: { 'Content-Type': CALENDAR, 'If-Match': 'garbage, "', 'If-None-Match': '' } },
      { method: 'PUT', path: `${TERMINE}..%2F..%2Fetc.ics`, body: 'x', headers: { 'Content-Type': CALENDAR } },
      { method: 'PUT', path: TERMINE, body: 'x', headers: { 'Content-Type': CALENDAR } },
      { method: 'PUT', path: `${AUFGABEN}${ids.task}.ics`, body: '', headers: { 'Content-Type': CALENDAR } },
      { method: 'PROPPATCH', path: TERMINE, body: '<D:propertyupdate xmlns:D="DAV:"><D:set>', headers: { 'Content-Type': 'application/xml' } },
      { method: 'PROPPATCH', path: TERMINE },
      { method: 'DELETE', path: target, body: 'unexpected body' },
      { method: 'LOCK', path: TERMINE, body: '<<<' },
      { method: 'PROPFIND', path: TERMINE, body: '<d:propfind xmlns:d="DAV:"><d:prop>', headers: { Depth: '1' } },
      { method: 'REPORT', path: TERMINE, body: '', headers: { Depth: '1' } },
    ];
    for (const a of attempts) {
      const r = await dav.request(a.method, a.path, { ...(a.body !== undefined ? { body: a.body } : {}), headers: a.headers ?? {} });
      expect(r.status, `${a.method} ${a.path} ${JSON.stringify(a.body)}: ${r.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
      expect(r.status, `${a.method} ${a.path} ${JSON.stringify(a.body)?.slice(0, 60)}`).toBeLessThan(500);
      if (r.status === 403) expect((await davError(r)).names).toContain(D('need-privileges'));
    }
    expect(await tableChecksums(dav)).toEqual(sums);
  });

  it('BrokerStar writing the row while the client\'s transaction holds it: the PUT never answers with the ETag of BrokerStar\'s version', async () => {
    const target = href('held');
    const seen = await getItem(dav, target);
    const body = editedItem(seen.text, (e) => e.updatePropertyWithValue('location', 'Vom Client'));
    // Hold the audit log: the client's transaction then waits, row lock taken, at its audit entry.
    const holder = await dav.db.pool.connect();
    const waiting = (query: string) => waitingOnLock(dav, query);
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE dav.audit_log IN EXCLUSIVE MODE');
      const client = putCalendar(dav, target, body, { 'If-Match': seen.etag });
      await waiting('INSERT INTO dav.audit_log');
      const brokerstar = dav.db.query(`UPDATE brokerstar.appointment SET subject = 'Während des PUT geändert' WHERE id = $1`, [ids.held]);
      await waiting('UPDATE brokerstar.appointment');
      await holder.query('COMMIT');
      const [r] = await Promise.all([client, brokerstar]);

      expect(r.status).toBe(204);
      expect(await appointment(dav, ids.held!)).toMatchObject({ subject: 'Während des PUT geändert', location: 'Vom Client' });
      const now = await getItem(dav, target);
      expect(now.text).toContain('SUMMARY:Während des PUT geändert');
      expect(r.headers.get('etag'), 'an ETag of a version the client never saw would hide BrokerStar\'s edit from it for good').not.toBe(now.etag);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }
  });

  // BrokerStar is the leading system: whatever the interleaving, its edit survives. Either the client
  // gets 412, or its edit landed first and the row holds both changes; and a PUT answered with an
  // ETag must not hand the client the ETag of a version holding BrokerStar's edit it never saw.
  // How long BrokerStar waits before it writes: from "first" via true races to "after the PUT".
  const DELAYS = ['before', 0, 2, 5, 10, 20, 40, 'after'] as const;
  for (const variant of ['a different column', 'the same column'] as const) {
    it(`a client PUT racing a BrokerStar UPDATE of ${variant} never loses BrokerStar's edit`, async () => {
      const id = variant === 'a different column' ? ids.race! : ids.raceSame!;
      const target = `${TERMINE}${id}.ics`;
      const column = variant === 'a different column' ? 'subject' : 'location';
      const outcomes: Record<number, number> = { 204: 0, 412: 0 };
      let location = 'Zürich';
      for (let i = 0; i < 2 * DELAYS.length; i++) {
        const seen = await getItem(dav, target);
        const body = editedItem(seen.text, (e) => e.updatePropertyWithValue('location', `Client ${i}`));
        const delay = DELAYS[i % DELAYS.length]!;
        const update = () => dav.db.query(`UPDATE brokerstar.appointment SET ${column} = $2, updated_at = now() WHERE id = $1`, [id, `BrokerStar ${i}`]);
        if (delay === 'before') await update();
        const client = putCalendar(dav, target, body, { 'If-Match': seen.etag });
        const brokerstar = async () => {
          if (delay === 'before') return;
          if (delay === 'after') await client;
          else await new Promise((r) => setTimeout(r, delay));
          await update();
        };
        const [r] = await Promise.all([client, brokerstar()]);
        expect([204, 412], r.text).toContain(r.status);
        outcomes[r.status]!++;
        const row = await appointment(dav, id);
        if (variant === 'a different column') {
          if (r.status === 204) location = `Client ${i}`;
          expect(row.subject, `round ${i}: BrokerStar's edit is never lost`).toBe(`BrokerStar ${i}`);
          expect(row.location, `round ${i}: the client's edit is applied exactly when the PUT said 204`).toBe(location);
        } else {
          // A 204 means the client's transaction committed first; BrokerStar's UPDATE then wins.
          expect(row.location, `round ${i}: BrokerStar's edit is never lost`).toBe(`BrokerStar ${i}`);
        }
        const now = await getItem(dav, target);
        expect(now.text).toContain(variant === 'a different column' ? `SUMMARY:BrokerStar ${i}` : `LOCATION:BrokerStar ${i}`);
        const etag = r.headers.get('etag');
        if (etag !== null) {
          expect(etag, `round ${i}: the PUT's ETag names a version with BrokerStar's edit the client never saw`).not.toBe(now.etag);
        }
      }
      expect(outcomes[204], 'some rounds let the client commit first').toBeGreaterThan(0);
      expect(outcomes[412], 'some rounds let BrokerStar commit first').toBeGreaterThan(0);
    });
  }
});
