// Bodies from memory (BODY_CACHE_MB): bounded in bytes, least recently used out first; a hit
// serves exactly the bytes PostgreSQL holds; a changed item (a new ETag) never gets its old body;
// entries are shared by all employees; 0 switches the cache off and the answers stay the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyCache } from '../../src/storage/postgres/body-cache.js';
import { builders } from '../support/builders.js';
import { KONTAKTE } from '../support/collections.js';
import { CR, propText } from '../support/multistatus.js';
import { startTestServer, type TestServer } from '../support/server.js';

const ANNA = 'anna.meier';
const BEAT = 'beat.keller';
const CONTACTS = 300;
const SYNC_WITH_DATA = `<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/><card:address-data/></d:prop></d:sync-collection>`;
const multiget = (hrefs: readonly string[]) =>
  `<?xml version="1.0" encoding="utf-8"?><card:addressbook-multiget xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><card:address-data/></d:prop>${hrefs
    .map((h) => `<d:href>${h}</d:href>`)
    .join('')}</card:addressbook-multiget>`;

describe('the cache itself', () => {
  it('never holds more bytes than its bound, and evicts the least recently used first', () => {
    const cache = new BodyCache(64 * 1024);
    const body = (i: number) => `BEGIN:VCARD\r\nNOTE:${String(i).repeat(1 + (i % 7) * 300)}\r\nEND:VCARD\r\n`;
    for (let i = 0; i < 2000; i++) {
      cache.set(BodyCache.keyOf(`"e${i}"`, false), { body: body(i) });
      // The first entry is used all along: it must survive.
      expect(cache.get(BodyCache.keyOf('"e0"', false))?.body).toBe(body(0));
      expect(cache.bytes).toBeLessThanOrEqual(64 * 1024);
    }
    expect(cache.size).toBeGreaterThan(10);
    expect(cache.size).toBeLessThan(2000);
    expect(cache.get(BodyCache.keyOf('"e1"', false)), 'an old unused entry is gone').toBeUndefined();
    expect(cache.get(BodyCache.keyOf('"e1999"', false))?.body).toBe(body(1999));
    // The escaped form is another entry under the same ETag.
    expect(cache.get(BodyCache.keyOf('"e1999"', true))).toBeUndefined();
    // Larger than the whole cache: served, never kept.
    cache.set(BodyCache.keyOf('"huge"', false), { body: 'x'.repeat(100 * 1024) });
    expect(cache.get(BodyCache.keyOf('"huge"', false))).toBeUndefined();
    expect(cache.bytes).toBeLessThanOrEqual(64 * 1024);
  });
});

describe('served from memory', () => {
  let dav: TestServer;
  let off: TestServer;
  const ids: Record<string, string> = {};
  const seed = async (db: { pool: import('pg').Pool; query: (sql: string) => Promise<unknown> }) => {
    const b = builders(db.pool);
    ids.anna = await b.addEmployee({ username: ANNA });
    ids.beat = await b.addEmployee({ username: BEAT });
    ids.card = await b.addContact({ firstName: 'Hans', lastName: 'Muster', notes: 'Erste Notiz' });
    await db.query(
      `INSERT INTO brokerstar.contact (kind, first_name, last_name, customer_no, notes)
       SELECT 'person', 'Vorname', 'Kunde ' || g, 'K-' || lpad(g::text, 6, '0'), repeat('Notiz ' || g || ' ', 400) FROM generate_series(1, ${CONTACTS}) g`,
    );
  };

  beforeAll(async () => {
    // 1 MB: far less than two forms of every card, so the bound is reached in the test.
    dav = await startTestServer({ user: ANNA, config: { bodyCacheMb: 1 }, seed });
    off = await startTestServer({ user: ANNA, config: { bodyCacheMb: 0 }, seed });
  }, 120_000);
  afterAll(async () => {
    await dav?.close();
    await off?.close();
  });

  const cache = () => dav.store.bodyCache!;
  const storedBody = async (server: TestServer, name: string) =>
    (
      await server.db.query<{ body: string }>(
        `SELECT b.body FROM dav.member m JOIN dav.entity_body b ON b.kind = m.entity_kind AND b.id = m.entity_id WHERE m.name = $1 LIMIT 1`,
        [name],
      )
    ).rows[0]?.body;

  it('a hit serves exactly the bytes PostgreSQL holds (GET and a 207), and the second answer equals the first', async () => {
    const card = `${KONTAKTE(ANNA)}${ids.card}.vcf`;
    const first = await dav.request('GET', card);
    const missesBefore = cache().misses;
    const hitsBefore = cache().hits;
    const second = await dav.request('GET', card);
    expect(cache().hits, 'the second GET came from memory').toBeGreaterThan(hitsBefore);
    expect(cache().misses).toBe(missesBefore);
    expect(second.text).toBe(first.text);
    expect(second.text).toBe(await storedBody(dav, `${ids.card}.vcf`));
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));

    const sync1 = await dav.report(KONTAKTE(ANNA), SYNC_WITH_DATA, { depth: '1' });
    const sync2 = await dav.report(KONTAKTE(ANNA), SYNC_WITH_DATA, { depth: '1' });
    expect(sync2.text).toBe(sync1.text);
    expect(propText(sync2.ms.responses.get(card), CR('address-data'))).toBe(await storedBody(dav, `${ids.card}.vcf`));
  });

  it('stays within BODY_CACHE_MB after every card of two employees in both forms', async () => {
    for (const user of [ANNA, BEAT]) {
      await dav.report(KONTAKTE(user), SYNC_WITH_DATA, { depth: '1', user });
      await dav.request('GET', KONTAKTE(user), { user });
    }
    // About 4 KB a card, two forms (plain and escaped): several megabytes went through a 1 MB cache.
    expect(cache().bytes).toBeGreaterThan(512 * 1024);
    expect(cache().bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(cache().size, 'the least recently used were evicted').toBeLessThan(2 * CONTACTS);
  });

  it('two employees share entries: Beat\'s multiget is answered from what Anna\'s read', async () => {
    const names = [`${ids.card}.vcf`];
    const annaHrefs = names.map((n) => `${KONTAKTE(ANNA)}${n}`);
    const beatHrefs = names.map((n) => `${KONTAKTE(BEAT)}${n}`);
    const anna = await dav.report(KONTAKTE(ANNA), multiget(annaHrefs), { depth: '1', user: ANNA });
    const hits = cache().hits;
    const misses = cache().misses;
    const beat = await dav.report(KONTAKTE(BEAT), multiget(beatHrefs), { depth: '1', user: BEAT });
    expect(beat.status).toBe(207);
    expect(cache().hits - hits).toBe(names.length);
    expect(cache().misses).toBe(misses);
    expect(propText(beat.ms.responses.get(beatHrefs[0]!), CR('address-data'))).toBe(propText(anna.ms.responses.get(annaHrefs[0]!), CR('address-data')));
  });

  it('a changed item (a new ETag) is never served its old body', async () => {
    const card = `${KONTAKTE(ANNA)}${ids.card}.vcf`;
    const before = await dav.request('GET', card);
    expect(before.text).toContain('Erste Notiz');
    await dav.db.pool.query(`UPDATE brokerstar.contact SET notes = 'Zweite Notiz', updated_at = now() WHERE id = $1`, [ids.card]);
    const after = await dav.request('GET', card);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    expect(after.text).toContain('Zweite Notiz');
    expect(after.text).toBe(await storedBody(dav, `${ids.card}.vcf`));
    const listed = await dav.report(KONTAKTE(ANNA), multiget([card]), { depth: '1' });
    expect(propText(listed.ms.responses.get(card), CR('address-data'))).toContain('Zweite Notiz');
  });

  it('BODY_CACHE_MB=0: no cache, and the same answers', async () => {
    expect(off.store.bodyCache).toBeUndefined();
    const withCache = await dav.report(KONTAKTE(BEAT), SYNC_WITH_DATA, { depth: '1', user: BEAT });
    const without = await off.report(KONTAKTE(BEAT), SYNC_WITH_DATA, { depth: '1', user: BEAT });
    expect(without.status).toBe(207);
    expect(without.ms.hrefs.length).toBe(withCache.ms.hrefs.length);
    const card = `${KONTAKTE(BEAT)}${ids.card}.vcf`;
    expect(propText(without.ms.responses.get(card), CR('address-data'))).toContain('Erste Notiz');
    expect((await off.request('GET', card, { user: BEAT })).text).toBe(await storedBody(off, `${ids.card}.vcf`));
  });
});
