// Clients that vanish or stop reading in the middle of a big answer must not keep database
// connections: 200 clients disconnecting at once leave the pool idle within a second, clients that
// stop reading are cut off after the write timeout, and everyone else is served meanwhile; a pool
// that is full anyway answers 503 with Retry-After instead of hanging. The body cache is off: busy
// pool connections are the signal that an answer is still streaming (test/http/compression-faults.test.ts
// shows the same with the cache warm).
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { KONTAKTE } from '../support/collections.js';
import type { TestDatabase } from '../support/database.js';
import { busyBackends, closed, connect, rawRequest, startFaultServer, waitUntil, type FaultServer } from './fault-server.js';

const ANNA = 'anna.meier';
const BOOK = KONTAKTE(ANNA);
const CONTACTS = 3000;
// Every card with its vCard: several megabytes, far more than the socket buffers take.
const FULL_SYNC = `<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/><card:address-data/></d:prop></d:sync-collection>`;
const DEPTH0 = `<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>`;

let dav: FaultServer;
let auth: string;

async function seed(db: TestDatabase): Promise<void> {
  await builders(db.pool).addEmployee({ username: ANNA });
  await db.query(
    `INSERT INTO brokerstar.contact (kind, first_name, last_name, customer_no, notes)
     SELECT 'person', 'Vorname', 'Kunde ' || g, 'K-' || lpad(g::text, 6, '0'), repeat('Notiz ' || g || ' ', 120) FROM generate_series(1, ${CONTACTS}) g`,
  );
}

/**
 * Sends the big sync and resolves with the socket once the first bytes of the answer arrived (or
 * after `waitMs`); `stopReading` pauses the socket right there, as a client that went to sleep.
 */
async function startBigAnswer(waitMs: number, stopReading = false): Promise<{ socket: net.Socket; gotBytes: boolean; head: string }> {
  const socket = await connect(dav.port);
  socket.on('error', () => undefined);
  let head = '';
  const first = new Promise<boolean>((resolve) => {
    socket.once('data', (d: Buffer) => {
      if (stopReading) socket.pause();
      head = d.toString('latin1');
      resolve(true);
    });
    setTimeout(() => resolve(false), waitMs).unref();
  });
  socket.write(rawRequest('REPORT', BOOK, { Authorization: auth, 'Content-Type': 'application/xml', Depth: '1' }, FULL_SYNC));
  const gotBytes = await first;
  return { socket, gotBytes, head };
}

async function depth0(): Promise<{ status: number; ms: number }> {
  const started = Date.now();
  const res = await fetch(dav.url + BOOK, { method: 'PROPFIND', headers: { Authorization: auth, Depth: '0' }, body: DEPTH0 });
  await res.text();
  return { status: res.status, ms: Date.now() - started };
}

beforeAll(async () => {
  dav = await startFaultServer({ seed, config: { dbPoolSize: 10, pgAcquireTimeoutMs: 5000, httpWriteTimeoutMs: 1500, bodyCacheMb: 0 } });
  auth = await dav.authorization(ANNA);
  // The first request renders the address book; read one whole answer to know its size.
  const res = await fetch(dav.url + BOOK, { method: 'REPORT', headers: { Authorization: auth, Depth: '1' }, body: FULL_SYNC });
  const text = await res.text();
  expect(res.status).toBe(207);
  expect(text.length, 'the answer is much larger than the socket buffers').toBeGreaterThan(3_000_000);
}, 120_000);
afterAll(() => dav?.close());

describe('clients that go away', () => {
  it('200 clients disconnecting mid-answer at once: the pool is idle within a second, and a normal request is answered meanwhile', { timeout: 60_000 }, async () => {
    const storm = async () => {
      const clients = Array.from({ length: 200 }, () =>
        startBigAnswer(3000).then(({ socket, gotBytes }) => {
          socket.destroy();
          return gotBytes;
        }),
      );
      const meanwhile = depth0();
      const started = await Promise.all(clients);
      const lastDisconnect = Date.now();
      expect(started.filter(Boolean).length, 'answers that had started streaming when their client left').toBeGreaterThan(0);
      await waitUntil(() => {
        const b = dav.busy();
        return b.checkedOut === 0 && b.waiting === 0;
      }, 10_000);
      const idleMs = Date.now() - lastDisconnect;
      console.log(`faults-disconnect: ${started.filter(Boolean).length} of 200 answers streaming when their client left; pool idle ${idleMs} ms after the last disconnect`);
      expect((await meanwhile).status, 'a normal request during the storm').toBe(207);
      return idleMs;
    };
    // A second storm only when the first took a second or more: with the whole suite on two cores,
    // other processes can hold the CPU that long; a leak (a connection never released) fails both.
    let idleMs = await storm();
    if (idleMs >= 1000) idleMs = Math.min(idleMs, await storm());
    expect(idleMs, 'ms from the last disconnect until no connection is checked out').toBeLessThan(1000);
    expect(await busyBackends(dav.db), 'no backend still running a query or left in a transaction').toEqual([]);
    // And after the storm, as fast as ever.
    expect((await depth0()).status).toBe(207);
  });

  it('clients that stop reading are cut off after the write timeout, their connections released; others are served meanwhile', { timeout: 30_000 }, async () => {
    const stalled = await Promise.all(Array.from({ length: 20 }, () => startBigAnswer(5000, true)));
    const meanwhile = await depth0();
    expect(meanwhile.status, 'a normal request while 20 answers are stuck').toBe(207);
    // The watchdog (1.5 s without progress) destroys the responses: their connections come back.
    expect(await waitUntil(() => dav.busy().checkedOut === 0, 8000), 'ms until the stalled streams released their connections').toBeLessThan(8000);
    // Read what the kernel still holds: each answer ends there, cut off before its closing tag.
    const received = await Promise.all(
      stalled.map(async ({ socket, head }) => {
        let text = head;
        socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
        socket.resume();
        await closed(socket);
        return text;
      }),
    );
    for (const text of received) {
      expect(text).toMatch(/^HTTP\/1\.1 207/);
      expect(text).not.toContain('</d:multistatus>');
    }
    expect(await busyBackends(dav.db)).toEqual([]);
  });
});

describe('streamed answers: whole-collection GET and limited syncs', () => {
  it('the address book as one .vcf is streamed (chunked), complete, and a client leaving mid-download frees its connection', { timeout: 30_000 }, async () => {
    const res = await fetch(dav.url + BOOK, { headers: { Authorization: auth } });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length'), 'not built in memory to measure it').toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(text.match(/^BEGIN:VCARD\r$/gm)).toHaveLength(CONTACTS);
    const socket = await connect(dav.port);
    socket.on('error', () => undefined);
    const first = new Promise((resolve) => socket.once('data', resolve));
    socket.write(rawRequest('GET', BOOK, { Authorization: auth }));
    await first;
    socket.destroy();
    const left = Date.now();
    await waitUntil(() => dav.busy().checkedOut === 0, 5000);
    expect(Date.now() - left).toBeLessThan(1000);
  });

  it('a limited sync reads its rows through a cursor while it answers, and releases it when done', { timeout: 30_000 }, async () => {
    const anna = (await dav.store.principalByUsername(ANNA))!;
    const book = (await dav.store.collections(anna)).find((c) => c.type === 'contacts')!;
    const changes = await dav.store.changesSince(book, null, { withBody: true, limit: 2000 });
    if (changes === 'invalid') throw new Error('invalid');
    let seen = 0;
    let heldWhileStreaming = 0;
    for await (const entry of changes.entries) {
      expect(entry.object?.body).toContain('BEGIN:VCARD');
      if (++seen === 1) heldWhileStreaming = dav.busy().checkedOut;
    }
    expect(heldWhileStreaming, 'a cursor holds its connection while the rows stream').toBe(1);
    expect(seen).toBe(2000);
    expect(changes.truncated).toBe(true);
    expect(dav.busy().checkedOut, 'released once the limit is reached').toBe(0);
    // The continuation picks up exactly after the last entry sent.
    const rest = await dav.store.changesSince(book, changes.syncToken, { withBody: false, limit: 5000 });
    if (rest === 'invalid') throw new Error('invalid');
    let more = 0;
    for await (const _ of rest.entries) more++;
    expect(more).toBe(CONTACTS - 2000);
    expect(rest.truncated).toBe(false);
  });

  it('a limited sync over HTTP: at most the limit, a 507 for the collection, a token that continues; a client leaving mid-answer frees its connection', { timeout: 30_000 }, async () => {
    const limited = FULL_SYNC.replace('<d:prop>', '<d:limit><d:nresults>2500</d:nresults></d:limit><d:prop>');
    const res = await fetch(dav.url + BOOK, { method: 'REPORT', headers: { Authorization: auth, Depth: '1' }, body: limited });
    const text = await res.text();
    expect(res.status).toBe(207);
    expect(text.match(/<d:response>/g)).toHaveLength(2501);
    expect(text).toContain('507');
    expect(text).toMatch(/<d:sync-token>[^<]+<\/d:sync-token><\/d:multistatus>$/);
    const socket = await connect(dav.port);
    socket.on('error', () => undefined);
    const first = new Promise((resolve) => socket.once('data', resolve));
    socket.write(rawRequest('REPORT', BOOK, { Authorization: auth, 'Content-Type': 'application/xml', Depth: '1' }, limited));
    await first;
    socket.destroy();
    const left = Date.now();
    await waitUntil(() => dav.busy().checkedOut === 0, 5000);
    expect(Date.now() - left).toBeLessThan(1000);
  });
});

describe('a full pool', () => {
  let small: FaultServer;
  beforeAll(async () => {
    small = await startFaultServer({ seed, config: { dbPoolSize: 2, pgAcquireTimeoutMs: 300, httpWriteTimeoutMs: 60_000, bodyCacheMb: 0 } });
    auth = await small.authorization(ANNA);
    await (await fetch(small.url + BOOK, { method: 'REPORT', headers: { Authorization: auth, Depth: '1' }, body: FULL_SYNC })).text();
  }, 120_000);
  afterAll(() => small?.close());

  it('answers 503 with Retry-After at once when every connection is held, and serves again when they are back', { timeout: 30_000 }, async () => {
    const holders: net.Socket[] = [];
    for (let i = 0; i < 2; i++) {
      const socket = await connect(small.port);
      socket.on('error', () => undefined);
      socket.pause();
      socket.write(rawRequest('REPORT', BOOK, { Authorization: auth, 'Content-Type': 'application/xml', Depth: '1' }, FULL_SYNC));
      holders.push(socket);
    }
    expect(await waitUntil(() => small.busy().checkedOut === 2, 10_000), 'both connections held by stalled streams').toBeLessThan(10_000);
    const started = Date.now();
    const res = await fetch(small.url + BOOK, { method: 'PROPFIND', headers: { Authorization: auth, Depth: '0' }, body: DEPTH0 });
    await res.text();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(Date.now() - started, 'refused after the acquire timeout, not hung').toBeLessThan(3000);
    for (const s of holders) s.destroy();
    expect(await waitUntil(() => small.busy().checkedOut === 0, 1000)).toBeLessThan(1000);
    const again = await fetch(small.url + BOOK, { method: 'PROPFIND', headers: { Authorization: auth, Depth: '0' }, body: DEPTH0 });
    await again.text();
    expect(again.status).toBe(207);
  });
});
