// Compressed answers and coded request bodies (docs/compression.md): each target client's real
// Accept-Encoding gets an answer its decoder reads, byte for byte the plain answer once decoded;
// small answers stay plain; ETags are the item's whatever the coding; gzip/deflate/brotli request
// bodies are read within MAX_BODY_BYTES, a zip bomb is a 413, a corrupt body a 400, an unknown
// coding a 415, and none of them stores anything.
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseCoding } from '../../src/http/content-negotiation-coding.js';
import { basicAuth } from '../support/basic-auth.js';
import { builders } from '../support/builders.js';
import { KONTAKTE, TERMINE } from '../support/collections.js';
import { requestFixtures } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { decoded, gzipOfZeros, rawHttp } from './raw-http.js';

const ANNA = 'anna.meier';
const CONTACTS = 300;
const davx5 = requestFixtures('davx5');
const DAVX5_SYNC = davx5('sync-collection.xml', { SYNC_TOKEN: '<sync-token />' });
const DEPTH0 = '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>';

/** The headers the target clients send (User-Agent and Accept-Encoding as captured or documented). */
const CLIENTS = [
  // okhttp adds gzip itself and decodes it transparently.
  { name: 'DAVx5', headers: { 'User-Agent': 'DAVx5/4.5.19-ose (2026/08/14; dav4jvm; okhttp/4.12.0) Android/16', 'Accept-Encoding': 'gzip' }, coding: 'gzip' },
  // CFNetwork.
  { name: 'iOS', headers: { 'User-Agent': 'iOS/18.1 (22B83) dataaccessd/1.0', 'Accept-Encoding': 'gzip, deflate, br' }, coding: 'br' },
  // .NET HttpClient with AutomaticDecompression = GZip | Deflate.
  { name: 'Outlook CalDav Synchronizer', headers: { 'User-Agent': 'CalDavSynchronizer/4.4', 'Accept-Encoding': 'gzip, deflate' }, coding: 'gzip' },
  // Gecko's network stack (Thunderbird 128 and later).
  { name: 'Thunderbird', headers: { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0', 'Accept-Encoding': 'gzip, deflate, br, zstd' }, coding: 'br' },
] as const;

let dav: TestServer;
let auth: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  dav = await startTestServer({
    user: ANNA,
    seed: async (db) => {
      const b = builders(db.pool);
      ids.anna = await b.addEmployee({ username: ANNA });
      ids.card = await b.addContact({ firstName: 'Hans', lastName: 'Muster', notes: 'Langjähriger Kunde, Hypothek und Vorsorge. '.repeat(40) });
      ids.appt = await b.addAppointment({ ownerId: ids.anna, startsAt: '2026-12-01T09:00:00Z', subject: 'Kundentermin', location: 'Zürich', description: 'Beratung '.repeat(150) });
      await db.query(
        `INSERT INTO brokerstar.contact (kind, first_name, last_name, customer_no, notes)
         SELECT 'person', 'Vorname', 'Kunde ' || g, 'K-' || lpad(g::text, 6, '0'), repeat('Notiz ' || g || ' ', 30) FROM generate_series(1, ${CONTACTS}) g`,
      );
    },
  });
  auth = basicAuth(ANNA, await dav.passwordOf(ANNA));
}, 120_000);
afterAll(() => dav?.close());

const send = (method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer) =>
  rawHttp(dav.url, method, path, { Authorization: auth, ...headers }, body);

const varyOf = (h: Record<string, unknown>) => String(h.vary ?? '');

describe('Accept-Encoding negotiation', () => {
  it('reads q-values, *, identity and x-gzip as RFC 9110 §12.5.3 says', () => {
    expect(chooseCoding(undefined)).toBeUndefined();
    expect(chooseCoding('')).toBeUndefined();
    expect(chooseCoding('identity')).toBeUndefined();
    expect(chooseCoding('gzip')).toBe('gzip');
    expect(chooseCoding('x-gzip')).toBe('gzip');
    expect(chooseCoding('gzip, deflate, br')).toBe('br');
    expect(chooseCoding('br;q=0.5, gzip')).toBe('gzip');
    expect(chooseCoding('gzip;q=0.5, br;q=0.5')).toBe('br');
    expect(chooseCoding('gzip;q=0, br;q=0')).toBeUndefined();
    expect(chooseCoding('gzip;q=0')).toBeUndefined();
    expect(chooseCoding('*')).toBe('br');
    expect(chooseCoding('*;q=0, gzip')).toBe('gzip');
    expect(chooseCoding('br;q=0, *')).toBe('gzip');
    expect(chooseCoding('identity;q=0')).toBeUndefined();
    expect(chooseCoding('deflate, zstd')).toBeUndefined();
    expect(chooseCoding('GZIP ; Q=1.0')).toBe('gzip');
    expect(chooseCoding('gzip;q=abc, br;q=0.1')).toBe('br');
  });
});

describe('the target clients get answers their decoders read', () => {
  for (const client of CLIENTS) {
    it(`${client.name} (${client.headers['Accept-Encoding']}): the initial sync, a card, the calendar export and the address book export, each ${client.coding}-coded and identical once decoded`, async () => {
      const plainSync = await send('REPORT', KONTAKTE(ANNA), { ...client.headers, 'Accept-Encoding': 'identity', 'Content-Type': 'text/xml', Depth: '0' }, DAVX5_SYNC);
      const codedSync = await send('REPORT', KONTAKTE(ANNA), { ...client.headers, 'Content-Type': 'text/xml', Depth: '0' }, DAVX5_SYNC);
      expect(plainSync.status).toBe(207);
      expect(codedSync.status).toBe(207);
      expect(codedSync.headers['content-encoding']).toBe(client.coding);
      expect(varyOf(codedSync.headers)).toMatch(/Accept-Encoding/i);
      expect(plainSync.headers['content-encoding']).toBeUndefined();
      expect(varyOf(plainSync.headers), 'the plain answer says it varies too').toMatch(/Accept-Encoding/i);
      expect(decoded(codedSync)).toBe(plainSync.wire.toString('utf8'));
      expect(codedSync.wire.length, 'far fewer bytes on the wire').toBeLessThan(plainSync.wire.length / 3);

      for (const path of [`${KONTAKTE(ANNA)}${ids.card}.vcf`, `${TERMINE(ANNA)}${ids.appt}.ics`, KONTAKTE(ANNA), TERMINE(ANNA)]) {
        const plain = await send('GET', path, { ...client.headers, 'Accept-Encoding': 'identity' });
        const coded = await send('GET', path, client.headers);
        expect(plain.status, path).toBe(200);
        expect(coded.status, path).toBe(200);
        expect(coded.headers['content-encoding'], path).toBe(client.coding);
        expect(varyOf(coded.headers), path).toMatch(/Accept-Encoding/i);
        expect(coded.headers.etag, `${path}: the same ETag whatever the coding`).toBe(plain.headers.etag);
        expect(decoded(coded), path).toBe(plain.wire.toString('utf8'));
        if (coded.headers['content-length'] !== undefined) expect(Number(coded.headers['content-length'])).toBe(coded.wire.length);
      }
    });
  }

  it('the suite\'s fetch (undici, as tsdav uses it) gets coded answers and decodes them itself', async () => {
    const res = await fetch(dav.url + KONTAKTE(ANNA), { method: 'REPORT', headers: { Authorization: auth, Depth: '0', 'Content-Type': 'text/xml' }, body: DAVX5_SYNC });
    const text = await res.text();
    expect(res.status).toBe(207);
    expect(res.headers.get('content-encoding')).toMatch(/^(gzip|br)$/);
    expect(text.match(/<d:response>/g)).toHaveLength(CONTACTS + 1);
  });
});

describe('what stays plain, and what every answer says', () => {
  it('a small answer (a Depth 0 PROPFIND, a no-change sync) stays plain but says Vary: Accept-Encoding', async () => {
    const depth0 = await send('PROPFIND', KONTAKTE(ANNA), { 'Accept-Encoding': 'gzip, br', Depth: '0', 'Content-Type': 'text/xml' }, DEPTH0);
    expect(depth0.status).toBe(207);
    expect(depth0.wire.length).toBeLessThan(1024);
    expect(depth0.headers['content-encoding']).toBeUndefined();
    expect(varyOf(depth0.headers)).toMatch(/Accept-Encoding/i);
    const token = /<d:sync-token>([^<]+)</.exec(decoded(await send('REPORT', KONTAKTE(ANNA), { 'Accept-Encoding': 'gzip', Depth: '0' }, DAVX5_SYNC)))?.[1];
    expect(token).toBeTruthy();
    const noChange = await send('REPORT', KONTAKTE(ANNA), { 'Accept-Encoding': 'gzip', Depth: '0' }, davx5('sync-collection.xml', { SYNC_TOKEN: `<sync-token>${token}</sync-token>` }));
    expect(noChange.status).toBe(207);
    expect(noChange.headers['content-encoding']).toBeUndefined();
    expect(noChange.wire.toString()).toContain('<d:sync-token>');
  });

  it('no Accept-Encoding, identity, or every coding at q=0: plain, with its Content-Length', async () => {
    const card = `${KONTAKTE(ANNA)}${ids.card}.vcf`;
    for (const ae of [undefined, 'identity', 'gzip;q=0, br;q=0', 'identity;q=0', 'deflate, zstd']) {
      const r = await send('GET', card, ae === undefined ? {} : { 'Accept-Encoding': ae });
      expect(r.status, String(ae)).toBe(200);
      expect(r.headers['content-encoding'], String(ae)).toBeUndefined();
      expect(Number(r.headers['content-length']), String(ae)).toBe(r.wire.length);
      expect(r.wire.toString()).toContain('BEGIN:VCARD');
    }
  });

  it('the ETag of a coded GET is the member\'s DAV:getetag; If-None-Match with it is a 304 that says Vary', async () => {
    const card = `${KONTAKTE(ANNA)}${ids.card}.vcf`;
    const coded = await send('GET', card, { 'Accept-Encoding': 'gzip' });
    expect(coded.headers['content-encoding']).toBe('gzip');
    const listing = decoded(await send('PROPFIND', card, { 'Accept-Encoding': 'gzip', Depth: '0' }, DEPTH0));
    const getetag = /<d:getetag>([^<]+)<\/d:getetag>/.exec(listing)?.[1]?.replaceAll('&quot;', '"');
    expect(getetag).toBe(coded.headers.etag);
    for (const ae of ['gzip', 'br', 'identity']) {
      const again = await send('GET', card, { 'Accept-Encoding': ae, 'If-None-Match': coded.headers.etag! });
      expect(again.status, ae).toBe(304);
      expect(varyOf(again.headers), ae).toMatch(/Accept-Encoding/i);
      expect(again.headers.etag).toBe(coded.headers.etag);
    }
  });

  it('HEAD answers the headers of the GET: coding, Content-Length of the coded item, ETag, Vary', async () => {
    for (const path of [`${KONTAKTE(ANNA)}${ids.card}.vcf`, KONTAKTE(ANNA)]) {
      for (const ae of ['gzip', 'br', 'identity']) {
        const get = await send('GET', path, { 'Accept-Encoding': ae });
        const head = await send('HEAD', path, { 'Accept-Encoding': ae });
        expect(head.status).toBe(200);
        expect(head.wire.length).toBe(0);
        for (const h of ['content-encoding', 'etag', 'vary', 'content-type']) expect(head.headers[h], `${path} ${ae} ${h}`).toEqual(get.headers[h]);
        // A plain export's HEAD counts its bytes (its GET is chunked); a coded one has no length to give.
        if (ae !== 'identity' || path.endsWith('.vcf')) expect(head.headers['content-length'], `${path} ${ae}`).toEqual(get.headers['content-length']);
      }
    }
  });
});

describe('coded request bodies', () => {
  const appt = () => `${TERMINE(ANNA)}${ids.appt}.ics`;
  const location = async () =>
    (await dav.db.query<{ location: string | null }>('SELECT location FROM brokerstar.appointment WHERE id = $1', [ids.appt])).rows[0]?.location;

  it('a PROPFIND body in gzip, deflate (zlib and raw) or brotli is read like the plain one', async () => {
    const plain = decoded(await send('PROPFIND', KONTAKTE(ANNA), { Depth: '1', 'Accept-Encoding': 'gzip' }, DEPTH0));
    const bodies: [string, Buffer][] = [
      ['gzip', zlib.gzipSync(DEPTH0)],
      ['x-gzip', zlib.gzipSync(DEPTH0)],
      ['deflate', zlib.deflateSync(DEPTH0)],
      ['deflate', zlib.deflateRawSync(DEPTH0)],
      ['br', zlib.brotliCompressSync(DEPTH0)],
      ['identity', Buffer.from(DEPTH0)],
    ];
    for (const [coding, body] of bodies) {
      const r = await send('PROPFIND', KONTAKTE(ANNA), { Depth: '1', 'Accept-Encoding': 'gzip', 'Content-Encoding': coding, 'Content-Type': 'text/xml' }, body);
      expect(r.status, coding).toBe(207);
      expect(decoded(r), coding).toBe(plain);
    }
  });

  it('a PUT after a coded GET: If-Match with the GET\'s ETag and a gzip body is accepted and stored', async () => {
    const served = await send('GET', appt(), { 'Accept-Encoding': 'gzip' });
    expect(served.headers['content-encoding']).toBe('gzip');
    const edited = decoded(served).replace(/^LOCATION:.*$/m, 'LOCATION:Bern');
    const r = await send('PUT', appt(), { 'Content-Type': 'text/calendar', 'Content-Encoding': 'gzip', 'If-Match': served.headers.etag!, 'User-Agent': 'iOS/18.1 (22B83) dataaccessd/1.0' }, zlib.gzipSync(edited));
    expect(r.status, r.wire.toString()).toBe(204);
    expect(await location()).toBe('Bern');
  });

  it('a gzip bomb (100 MB of zeros) is refused with 413 quickly, memory bounded, nothing stored', { timeout: 60_000 }, async () => {
    const bomb = await gzipOfZeros(100 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(dav.config.maxBodyBytes);
    const before = await location();
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    for (const [method, path, type] of [['PROPFIND', KONTAKTE(ANNA), 'text/xml'], ['PUT', appt(), 'text/calendar']] as const) {
      const r = await send(method, path, { Depth: '0', 'Content-Type': type, 'Content-Encoding': 'gzip', 'If-Match': '*' }, bomb);
      expect(r.status, `${method}: ${r.wire.toString()}`).toBe(413);
    }
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    console.log(`compression: two gzip bombs refused in ${Date.now() - started} ms, rss +${(rssGrowth / 1048576).toFixed(1)} MiB`);
    expect(rssGrowth, 'the 100 MB never held').toBeLessThan(50 * 1024 * 1024);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await location()).toBe(before);
  });

  it('a corrupt gzip body is a 400, an unknown coding a 415 naming the accepted ones; nothing stored', async () => {
    const before = await location();
    const served = await send('GET', appt(), { 'Accept-Encoding': 'identity' });
    const body = served.wire.toString().replace(/^LOCATION:.*$/m, 'LOCATION:Genf');
    const corrupt = zlib.gzipSync(body);
    corrupt.fill(7, 20, 60);
    const truncated = zlib.gzipSync(body).subarray(0, 40);
    for (const [coding, bytes, status] of [
      ['gzip', corrupt, 400],
      ['gzip', truncated, 400],
      ['br', Buffer.from('not brotli at all'), 400],
      ['zstd', Buffer.from(body), 415],
      ['compress', Buffer.from(body), 415],
      ['gzip, zstd', Buffer.from(body), 415],
    ] as const) {
      const r = await send('PUT', appt(), { 'Content-Type': 'text/calendar', 'Content-Encoding': coding, 'If-Match': served.headers.etag! }, bytes);
      expect(r.status, `${coding}: ${r.wire.toString()}`).toBe(status);
      if (status === 415) expect(r.headers['accept-encoding']).toBe('gzip, deflate, br');
      // The refusal says why, readable without any decoding.
      expect(r.headers['content-encoding']).toBeUndefined();
      expect(r.wire.toString()).toMatch(/gzip|brotli|br|coding/);
    }
    const propfind = await send('PROPFIND', KONTAKTE(ANNA), { Depth: '0', 'Content-Encoding': 'gzip' }, Buffer.from('plain text, not gzip'));
    expect(propfind.status).toBe(400);
    expect(await location()).toBe(before);
  });
});
