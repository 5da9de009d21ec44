// The 150-character cut (design.md §2): a subject or location longer than 150 characters is stored
// cut at ≤ 150 code points on a grapheme boundary (long German text, ZWJ emoji, flags, skin tones,
// combining marks; exactly 150 and 151), the full text is kept at the top of the description behind
// a marker (src/policy/full-text.ts), the PUT is answered without ETag, GET serves the stored
// version, and after REANNOUNCE_DELAY_SECONDS the item gets a new ETag and shows up in
// sync-collection since the token taken right after the PUT: what makes Outlook CalDav
// Synchronizer, which adopts the ETag it reads right after its PUT, download the stored version.
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FULL_LOCATION_MARKER, FULL_SUBJECT_MARKER } from '../../src/policy/full-text.js';
import { builders } from '../support/builders.js';
import { getItem, putCalendar } from '../support/items.js';
import { D, propText } from '../support/multistatus.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { editedItem } from '../unit/policy/clients.js';

const USER = 'anna.meier';
const TERMINE = `/dav/calendars/${USER}/termine/`;
const OUTLOOK = 'CalDavSynchronizer/4.4.0';
const REANNOUNCE_DELAY_SECONDS = 1;

type Component = InstanceType<typeof ICAL.Component>;

const codePoints = (s: string) => [...s].length;
const graphemes = (s: string) => [...new Intl.Segmenter('und', { granularity: 'grapheme' }).segment(s)].map((g) => g.segment);
const ascii = (n: number) => 'Termin '.repeat(30).slice(0, n);

/** The longest prefix of whole graphemes with at most 150 code points: what the cut must yield. */
function expectedCut(s: string): string {
  let out = '';
  for (const g of graphemes(s)) {
    if (codePoints(out + g) > 150) break;
    out += g;
  }
  return out;
}

const SUBJECTS = {
  'long German text':
    'Besprechung der Krankenzusatzversicherung und der Hausratversicherung mit Familie Müller-Schönenberger in Zürich-Oerlikon betreffend Leistungsabrechnung, Prämienverbilligung sowie Überführung in die neue Police ab 1. Januar',
  'a ZWJ family across the limit': `${ascii(146)}👨‍👩‍👧‍👦 Familie`,
  'a flag across the limit': `${ascii(149)}🇨🇭 Schweiz`,
  'a skin-toned emoji across the limit': `${ascii(149)}👍🏽 ok`,
  'a combining accent across the limit': `${ascii(149)}e\u0301 Café`,
  'a ZWJ profession with skin tone at the limit': `${ascii(145)}👩🏽‍⚕️ Ärztin`,
  'exactly 151 characters': ascii(151),
} as const;

const ids: Record<string, string> = {};

async function get(dav: TestServer, href: string): Promise<{ etag: string; lastModified: string; text: string; event: Component }> {
  const item = await getItem(dav, href);
  return { ...item, event: new ICAL.Component(ICAL.parse(item.text)).getFirstSubcomponent('vevent')! };
}

function put(dav: TestServer, href: string, body: string, ifMatch: string) {
  return putCalendar(dav, href, body, { 'If-Match': ifMatch, 'User-Agent': OUTLOOK });
}

async function stored(dav: TestServer, id: string) {
  const { rows } = await dav.db.query('SELECT subject, location, description FROM brokerstar.appointment WHERE id = $1', [id]);
  return rows[0] as { subject: string; location: string | null; description: string | null };
}

async function syncToken(dav: TestServer): Promise<string> {
  const r = await dav.propfind(TERMINE, '<d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>', '0');
  return propText(r.ms.responses.get(TERMINE), D('sync-token'))!;
}

async function changesSince(dav: TestServer, token: string): Promise<Map<string, string>> {
  const r = await dav.report(
    TERMINE,
    `<?xml version="1.0" encoding="utf-8" ?><D:sync-collection xmlns:D="DAV:"><D:sync-token>${token}</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>`,
    { depth: '0' },
  );
  expect(r.status).toBe(207);
  return new Map([...r.ms.responses].map(([href, e]) => [href, propText(e, D('getetag')) ?? e.status ?? '']));
}

describe('the 150-character cut', () => {
  let dav: TestServer;

  beforeAll(async () => {
    dav = await startTestServer({
      user: USER,
      config: { reannounceDelaySeconds: REANNOUNCE_DELAY_SECONDS },
      seed: async (db) => {
        const b = builders(db.pool);
        ids.anna = await b.addEmployee({ username: USER });
        ids.contact = await b.addContact({ firstName: 'Hans', lastName: 'Muster', customerNo: 'K-1' });
        for (const name of [...Object.keys(SUBJECTS), 'location', 'exactly150', 'both', 'sendBack', 'mechanism', 'lineBreaks', 'emptySummary']) {
          ids[name] = await b.addAppointment({ ownerId: ids.anna, startsAt: '2026-12-01T09:00:00Z', subject: 'Kurz', location: 'Zürich', description: 'Notizen des Beraters', contactId: ids.contact });
        }
      },
    });
    await dav.propfind(TERMINE, '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>', '1');
  });
  afterAll(() => dav?.close());

  const href = (name: string) => `${TERMINE}${ids[name]}.ics`;

  for (const [what, subject] of Object.entries(SUBJECTS)) {
    it(`cuts a subject with ${what} at a grapheme boundary and keeps the full text in the description`, async () => {
      expect(codePoints(subject)).toBeGreaterThan(150);
      const seen = await get(dav, href(what));
      const r = await put(dav, href(what), editedItem(seen.text, (e) => e.updatePropertyWithValue('summary', subject)), seen.etag);
      expect(r.status, r.text).toBe(204);
      expect(r.headers.get('etag'), 'stored version differs from the body: no ETag').toBeNull();

      const row = await stored(dav, ids[what]!);
      expect(codePoints(row.subject)).toBeLessThanOrEqual(150);
      expect(row.subject).toBe(expectedCut(subject));
      expect(subject.startsWith(row.subject)).toBe(true);
      expect(graphemes(subject).slice(0, graphemes(row.subject).length).join(''), 'no grapheme is split').toBe(row.subject);
      expect(row.description).toBe(`${FULL_SUBJECT_MARKER}${subject}\n\nNotizen des Beraters`);

      const after = await get(dav, href(what));
      expect(after.event.getFirstPropertyValue('summary')).toBe(row.subject);
      expect(after.event.getFirstPropertyValue('description')).toBe(`${FULL_SUBJECT_MARKER}${subject}\n\nNotizen des Beraters\n\nKunde: Hans Muster (K-1)`);
    });
  }

  it('cuts a long location the same way, with its own marker line', async () => {
    const location = 'Sitzungszimmer «Matterhorn», 3. Stock, Versicherungsgesellschaft Helvetia-Patria Genossenschaft, Dufourstrasse 40, 9001 St. Gallen, Eingang Rückseite 🅿️';
    expect(codePoints(location)).toBeGreaterThan(150);
    const seen = await get(dav, href('location'));
    const r = await put(dav, href('location'), editedItem(seen.text, (e) => e.updatePropertyWithValue('location', location)), seen.etag);
    expect(r.status).toBe(204);
    expect(r.headers.get('etag')).toBeNull();
    const row = await stored(dav, ids.location!);
    expect(row.location).toBe(expectedCut(location));
    expect(row.subject).toBe('Kurz');
    expect(row.description).toBe(`${FULL_LOCATION_MARKER}${location}\n\nNotizen des Beraters`);
    expect((await get(dav, href('location'))).event.getFirstPropertyValue('location')).toBe(row.location);
  });

  it('cuts subject and location together: both marker lines, subject first', async () => {
    const subject = `Jahresgespräch ${'Vorsorge '.repeat(20)}`.trim();
    const location = `Zürich ${'Paradeplatz '.repeat(15)}`.trim();
    const seen = await get(dav, href('both'));
    const body = editedItem(seen.text, (e) => {
      e.updatePropertyWithValue('summary', subject);
      e.updatePropertyWithValue('location', location);
    });
    expect((await put(dav, href('both'), body, seen.etag)).status).toBe(204);
    expect((await stored(dav, ids.both!)).description).toBe(`${FULL_SUBJECT_MARKER}${subject}\n${FULL_LOCATION_MARKER}${location}\n\nNotizen des Beraters`);
  });

  it('keeps exactly 150 characters as they are: no marker, and the PUT carries the ETag', async () => {
    const subject = `${ascii(148)}🇨🇭`; // 150 code points, the last two a flag
    expect(codePoints(subject)).toBe(150);
    const seen = await get(dav, href('exactly150'));
    const r = await put(dav, href('exactly150'), editedItem(seen.text, (e) => e.updatePropertyWithValue('summary', subject)), seen.etag);
    expect(r.status).toBe(204);
    expect(await stored(dav, ids.exactly150!)).toEqual({ subject, location: 'Zürich', description: 'Notizen des Beraters' });
    const after = await get(dav, href('exactly150'));
    expect(r.headers.get('etag')).toBe(after.etag);
  });

  it('stores a SUMMARY and LOCATION with line breaks on one line (each CR/LF run one space), joined before the cut', async () => {
    const subject = `${ascii(100)}\r\n\r\n${ascii(60)}`; // 162 characters sent, 161 on one line
    const seen = await get(dav, href('lineBreaks'));
    const body = editedItem(seen.text, (e) => {
      e.updatePropertyWithValue('summary', subject);
      e.updatePropertyWithValue('location', 'Zürich\nBahnhofstrasse 1\r\n3. Stock');
    });
    const r = await put(dav, href('lineBreaks'), body, seen.etag);
    expect(r.status, r.text).toBe(204);
    expect(r.headers.get('etag')).toBeNull();
    const oneLine = `${ascii(100)} ${ascii(60)}`;
    expect(await stored(dav, ids.lineBreaks!)).toEqual({
      subject: expectedCut(oneLine),
      location: 'Zürich Bahnhofstrasse 1 3. Stock',
      description: `${FULL_SUBJECT_MARKER}${oneLine}\n\nNotizen des Beraters`,
    });
  });

  it('never blanks the subject: an empty SUMMARY leaves it as it is', async () => {
    const seen = await get(dav, href('emptySummary'));
    const r = await put(dav, href('emptySummary'), editedItem(seen.text, (e) => e.updatePropertyWithValue('summary', '')), seen.etag);
    expect(r.status, r.text).toBe(204);
    expect(await stored(dav, ids.emptySummary!)).toEqual({ subject: 'Kurz', location: 'Zürich', description: 'Notizen des Beraters' });
    expect((await get(dav, href('emptySummary'))).event.getFirstPropertyValue('summary')).toBe('Kurz');
  });

  it('a client that re-read the stored version and sends it back changes nothing (no second marker line)', async () => {
    const subject = SUBJECTS['long German text'];
    const seen = await get(dav, href('sendBack'));
    expect((await put(dav, href('sendBack'), editedItem(seen.text, (e) => e.updatePropertyWithValue('summary', subject)), seen.etag)).status).toBe(204);
    // Past the re-announcement, so the ETag read now stays current.
    await new Promise((resolve) => setTimeout(resolve, REANNOUNCE_DELAY_SECONDS * 1000 + 100));
    const reread = await get(dav, href('sendBack'));
    const before = await stored(dav, ids.sendBack!);

    const r = await put(dav, href('sendBack'), editedItem(reread.text, (e) => e.updatePropertyWithValue('sequence', 5)), reread.etag);

    expect(r.status).toBe(204);
    expect(await stored(dav, ids.sendBack!)).toEqual(before);
    expect(r.headers.get('etag'), 'the body now equals the stored version').toBe((await get(dav, href('sendBack'))).etag);
  });

  it('re-announces a cut item after REANNOUNCE_DELAY_SECONDS: new ETag and LAST-MODIFIED, listed in sync-collection since the token taken right after the PUT (Outlook)', async () => {
    const target = href('mechanism');
    const seen = await get(dav, target);
    const r = await put(dav, target, editedItem(seen.text, (e) => e.updatePropertyWithValue('summary', SUBJECTS['long German text'])), seen.etag);
    expect(r.status).toBe(204);
    expect(r.headers.get('etag')).toBeNull();
    // CalDavDataAccess.TryUpdateEntity: no ETag header → GetEtag (a GET) → stored as "in sync".
    const adopted = await get(dav, target);
    const token = await syncToken(dav);
    const { rows } = await dav.db.query<{ pending: boolean }>(
      `SELECT reannounce_due > clock_timestamp() AS pending FROM dav.entity WHERE kind = 'appointment' AND id = $1`,
      [ids.mechanism],
    );
    expect(rows[0]?.pending, 'the re-announcement waits for the delay (so Outlook adopts the first ETag, then sees a newer one)').toBe(true);
    expect((await changesSince(dav, token)).size, 'nothing announced before the delay').toBe(0);

    await new Promise((resolve) => setTimeout(resolve, REANNOUNCE_DELAY_SECONDS * 1000 + 100));

    const changes = await changesSince(dav, token);
    const now = await get(dav, target);
    expect([...changes.entries()]).toEqual([[target, now.etag]]);
    expect(now.etag, 'a new ETag: Outlook sees "changed on the server, unchanged in Outlook" and updates its copy').not.toBe(adopted.etag);
    expect(new Date(now.lastModified).getTime()).toBeGreaterThanOrEqual(new Date(adopted.lastModified).getTime());
    expect(now.event.getFirstPropertyValue('summary')).toBe(expectedCut(SUBJECTS['long German text']));
    const strip = (t: string) => t.replace(/^(DTSTAMP|LAST-MODIFIED|SEQUENCE):.*\r\n/gm, '');
    expect(strip(now.text), 'the content is the same: only the stamps moved').toBe(strip(adopted.text));
    expect(Number(now.event.getFirstPropertyValue('sequence'))).toBe(Number(adopted.event.getFirstPropertyValue('sequence')) + 1);
    // Outlook's own listing (calendar-query with a time range, getetag only) carries the new ETag too.
    const query = await dav.report(
      TERMINE,
      '<?xml version="1.0"?><C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop xmlns:D="DAV:"><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="20261101T000000Z" end="20270101T000000Z"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>',
      { depth: '1' },
    );
    expect(propText(query.ms.responses.get(target), D('getetag'))).toBe(now.etag);
    // Announced once: nothing more after it.
    const later = await syncToken(dav);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await changesSince(dav, later)).size).toBe(0);
  });
});
