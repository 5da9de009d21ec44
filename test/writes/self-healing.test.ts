// Self-healing after a refusal (docs/client-compatibility.md): DAVx5 and Thunderbird's address book delete locally
// whatever the server answers, others keep their refused edit. After refusing a PUT or DELETE on an
// existing item the server announces its own copy again (new ETag, fresh LAST-MODIFIED/REV, a new
// sync token and getctag, the item in sync-collection since the previous token) without touching
// BrokerStar, so every client restores it on its next sync. Rate-limited per item: a client looping
// DELETEs gets at most one announcement per interval, and the deferred one still arrives.
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { tableChecksums } from '../support/checksums.js';
import { getItem } from '../support/items.js';
import { CS, D, propText } from '../support/multistatus.js';
import { startTestServer, type TestServer } from '../support/server.js';

const USER = 'anna.meier';
const TERMINE = `/dav/calendars/${USER}/termine/`;
const AUFGABEN = `/dav/calendars/${USER}/aufgaben/`;
const KONTAKTE = `/dav/addressbooks/${USER}/kontakte/`;
const INTERVAL_SECONDS = 1;
const THUNDERBIRD = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0';

const ids: Record<string, string> = {};

/** getctag and sync-token of a collection (what a client polls). */
async function collectionState(dav: TestServer, collection: string): Promise<{ ctag: string; token: string }> {
  const r = await dav.propfind(collection, '<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><cs:getctag/><d:sync-token/></d:prop></d:propfind>', '0');
  const entry = r.ms.responses.get(collection);
  return { ctag: propText(entry, CS('getctag'))!, token: propText(entry, D('sync-token'))! };
}

async function changesSince(dav: TestServer, collection: string, token: string): Promise<Map<string, string>> {
  const r = await dav.report(
    collection,
    `<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`,
    { depth: '1' },
  );
  expect(r.status).toBe(207);
  return new Map([...r.ms.responses].map(([href, e]) => [href, propText(e, D('getetag')) ?? e.status ?? '']));
}

async function get(dav: TestServer, href: string) {
  const item = await getItem(dav, href);
  return { ...item, lastModified: new Date(item.lastModified) };
}

/** LAST-MODIFIED of a VEVENT/VTODO, or REV of a vCard. */
function stampOf(text: string): Date {
  if (text.startsWith('BEGIN:VCARD')) {
    const rev = /^REV:(.*)$/m.exec(text)?.[1]?.trim() ?? '';
    const m = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})Z$/.exec(rev);
    if (!m) throw new Error(`no REV in ${text}`);
    return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  }
  const cal = new ICAL.Component(ICAL.parse(text));
  const item = cal.getAllSubcomponents().find((c) => c.name === 'vevent' || c.name === 'vtodo')!;
  return (item.getFirstPropertyValue('last-modified') as InstanceType<typeof ICAL.Time>).toJSDate();
}

async function sequenceOf(dav: TestServer, kind: string, id: string): Promise<number> {
  const { rows } = await dav.db.query<{ sequence: number }>('SELECT sequence FROM dav.entity WHERE kind = $1 AND id = $2', [kind, id]);
  return rows[0]!.sequence;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('self-healing after a refusal', () => {
  let dav: TestServer;

  beforeAll(async () => {
    dav = await startTestServer({
      user: USER,
      config: { reannounceMinIntervalSeconds: INTERVAL_SECONDS },
      seed: async (db) => {
        const b = builders(db.pool);
        ids.anna = await b.addEmployee({ username: USER });
        ids.beat = await b.addEmployee({ username: 'beat.keller' });
        ids.card = await b.addContact({ firstName: 'Hans', lastName: 'Muster', emails: ['hans@muster.ch'] });
        ids.putCard = await b.addContact({ firstName: 'Eva', lastName: 'Keller' });
        ids.event = await b.addAppointment({ ownerId: ids.anna, startsAt: '2026-12-01T09:00:00Z', subject: 'Kundentermin' });
        ids.foreign = await b.addAppointment({ ownerId: ids.beat, startsAt: '2026-12-02T09:00:00Z', subject: 'Beats Sitzung', participants: [ids.anna] });
        ids.task = await b.addTask({ assigneeId: ids.anna, subject: 'Offerte senden' });
        ids.loop = await b.addTask({ assigneeId: ids.anna, subject: 'Wird immer wieder gelöscht' });
      },
    });
    for (const c of [TERMINE, AUFGABEN, KONTAKTE]) await collectionState(dav, c);
    // Let the seed's LAST-MODIFIED/REV second pass, so a fresh stamp is visibly later.
    await sleep(1000);
  });
  afterAll(() => dav?.close());

  const cases = [
    { name: 'a refused DELETE of an event', collection: TERMINE, kind: 'appointment', key: 'event', ext: 'ics', method: 'DELETE' },
    { name: 'a refused DELETE of a task', collection: AUFGABEN, kind: 'task', key: 'task', ext: 'ics', method: 'DELETE' },
    { name: "a refused DELETE of a card (Thunderbird's address book deletes it locally anyway)", collection: KONTAKTE, kind: 'contact', key: 'card', ext: 'vcf', method: 'DELETE' },
    { name: 'a refused PUT on a card', collection: KONTAKTE, kind: 'contact', key: 'putCard', ext: 'vcf', method: 'PUT' },
    { name: "a refused PUT on a colleague's appointment", collection: TERMINE, kind: 'appointment', key: 'foreign', ext: 'ics', method: 'PUT' },
  ] as const;

  for (const c of cases) {
    it(`after ${c.name}: new ETag, fresh stamp, new token and ctag, listed since the previous token; BrokerStar unchanged`, async () => {
      const href = `${c.collection}${ids[c.key]}.${c.ext}`;
      const before = await get(dav, href);
      const state = await collectionState(dav, c.collection);
      const sums = await tableChecksums(dav);
      const refusedAt = Date.now();

      const body = c.method === 'PUT' ? before.text.replace(/^(SUMMARY|FN):(.*)$/m, '$1:$2 (lokal geändert)') : undefined;
      const r = await dav.request(c.method, href, {
        ...(body ? { body } : {}),
        headers: { 'User-Agent': THUNDERBIRD, 'If-Match': before.etag, ...(body ? { 'Content-Type': c.ext === 'vcf' ? 'text/vcard; charset=utf-8' : 'text/calendar; charset=utf-8' } : {}) },
      });
      expect(r.status).toBe(403);

      const changes = await changesSince(dav, c.collection, state.token);
      const after = await get(dav, href);
      expect([...changes.entries()], 'the item, and only it, is listed since the previous token').toEqual([[href, after.etag]]);
      expect(after.etag).not.toBe(before.etag);
      expect(stampOf(after.text).getTime(), 'LAST-MODIFIED / REV is fresh').toBeGreaterThanOrEqual(Math.floor(refusedAt / 1000) * 1000);
      expect(stampOf(after.text).getTime()).toBeGreaterThan(stampOf(before.text).getTime());
      expect(after.lastModified.getTime()).toBeGreaterThan(before.lastModified.getTime());
      const strip = (t: string) => t.replace(/^(DTSTAMP|LAST-MODIFIED|SEQUENCE|REV|X-BROKERSTAR-REVISION):.*\r\n/gm, '');
      expect(strip(after.text), "the server's own copy, unchanged apart from the stamps").toBe(strip(before.text));
      const now = await collectionState(dav, c.collection);
      expect(now.token).not.toBe(state.token);
      expect(now.ctag).not.toBe(state.ctag);
      expect(await tableChecksums(dav), 'BrokerStar untouched').toEqual(sums);
    });
  }

  it('rate-limits per item: 20 looping DELETEs give at most one announcement per interval, and the deferred one still arrives', async () => {
    const href = `${AUFGABEN}${ids.loop}.ics`;
    const sums = await tableChecksums(dav);
    const first = await sequenceOf(dav, 'task', ids.loop!);
    const etags = new Set<string>([(await get(dav, href)).etag]);
    const dbNow = async () => (await dav.db.query<{ t: Date }>('SELECT clock_timestamp() AS t')).rows[0]!.t;
    let tokenBeforeLast = '';
    let lastDeleteAt = new Date(0);
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      if (i === 19) lastDeleteAt = await dbNow();
      // What DAVx5 does every sync: delete the local copy again, then sync.
      const r = await dav.request('DELETE', href, { headers: { 'User-Agent': 'DAVx5/4.5.19-ose' } });
      expect(r.status).toBe(403);
      const { token } = await collectionState(dav, AUFGABEN);
      if (i === 18) tokenBeforeLast = token;
      etags.add((await get(dav, href)).etag);
    }
    const elapsed = Date.now() - started;
    const announced = (await sequenceOf(dav, 'task', ids.loop!)) - first;
    expect(announced, 'announced at least once').toBeGreaterThanOrEqual(1);
    expect(announced, `at most one announcement per ${INTERVAL_SECONDS} s in ${elapsed} ms`).toBeLessThanOrEqual(Math.floor(elapsed / (INTERVAL_SECONDS * 1000)) + 1);
    expect(etags.size - 1, 'each announcement is one new ETag').toBe(announced);
    expect(await tableChecksums(dav)).toEqual(sums);

    // The last DELETE is not dropped: an announcement after it arrives at the latest one interval
    // after the previous one.
    await sleep(INTERVAL_SECONDS * 1000 + 150);
    const changes = await changesSince(dav, AUFGABEN, tokenBeforeLast);
    const now = await get(dav, href);
    expect([...changes.entries()], 'listed since the token of the sync before the last DELETE').toEqual([[href, now.etag]]);
    const { rows } = await dav.db.query<{ at: Date }>(`SELECT reannounced_at AS at FROM dav.entity WHERE kind = 'task' AND id = $1`, [ids.loop]);
    expect(rows[0]!.at.getTime(), 'announced after the last DELETE').toBeGreaterThanOrEqual(lastDeleteAt.getTime());
    const total = (await sequenceOf(dav, 'task', ids.loop!)) - first;
    expect(total - announced, 'one deferred announcement (or none, if the loop outlasted the interval and it came during the loop)').toBeLessThanOrEqual(1);

    // And then it stops: no DELETE, no announcement.
    const quiet = await collectionState(dav, AUFGABEN);
    await sleep(INTERVAL_SECONDS * 1000 + 150);
    expect((await changesSince(dav, AUFGABEN, quiet.token)).size).toBe(0);
    expect(await sequenceOf(dav, 'task', ids.loop!)).toBe(first + total);
  });
});
