// A coded answer keeps the streaming guarantees of a plain one (test/hardening/faults-disconnect.test.ts):
// a client that stops reading a gzip 207 is cut off after the write timeout and its database
// connection comes back; a client that leaves mid-answer releases its cursor at once. The cards
// carry random text, so even coded the answer is far larger than the socket buffers. The body
// cache is off: the bodies come through a cursor, whose connection is what a stalled client holds.
import type net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { KONTAKTE } from '../support/collections.js';
import type { TestDatabase } from '../support/database.js';
import { busyBackends, closed, connect, rawRequest, startFaultServer, waitUntil, type FaultServer } from '../hardening/fault-server.js';
import { rawHttp } from './raw-http.js';

const ANNA = 'anna.meier';
const BOOK = KONTAKTE(ANNA);
const CONTACTS = 2500;
const FULL_SYNC = `<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/><card:address-data/></d:prop></d:sync-collection>`;

let dav: FaultServer;
let auth: string;

async function seed(db: TestDatabase): Promise<void> {
  await builders(db.pool).addEmployee({ username: ANNA });
  // Random hex compresses to about half: several megabytes on the wire even gzip-coded.
  await db.query(
    `INSERT INTO brokerstar.contact (kind, first_name, last_name, customer_no, notes)
     SELECT 'person', 'Vorname', 'Kunde ' || g, 'K-' || lpad(g::text, 6, '0'),
            (SELECT string_agg(md5(random()::text || g || i), ' ') FROM generate_series(1, 100) i)
       FROM generate_series(1, ${CONTACTS}) g`,
  );
}

/** Sends the big sync asking for gzip; `stopReading` pauses the socket at the first bytes. */
async function startCodedAnswer(stopReading: boolean, server: FaultServer = dav): Promise<{ socket: net.Socket; head: string }> {
  const socket = await connect(server.port);
  socket.on('error', () => undefined);
  let head = '';
  const first = new Promise<void>((resolve) => {
    socket.once('data', (d: Buffer) => {
      if (stopReading) socket.pause();
      head = d.toString('latin1');
      resolve();
    });
  });
  socket.write(rawRequest('REPORT', BOOK, { Authorization: auth, 'Content-Type': 'application/xml', Depth: '1', 'Accept-Encoding': 'gzip' }, FULL_SYNC));
  await first;
  return { socket, head };
}

beforeAll(async () => {
  dav = await startFaultServer({ seed, config: { dbPoolSize: 10, pgAcquireTimeoutMs: 5000, httpWriteTimeoutMs: 1500, bodyCacheMb: 0 } });
  auth = await dav.authorization(ANNA);
  const whole = await rawHttp(dav.url, 'REPORT', BOOK, { Authorization: auth, Depth: '1', 'Accept-Encoding': 'gzip' }, FULL_SYNC);
  expect(whole.status).toBe(207);
  expect(whole.headers['content-encoding']).toBe('gzip');
  expect(whole.wire.length, 'the coded answer is much larger than the socket buffers').toBeGreaterThan(3_000_000);
}, 180_000);
afterAll(() => dav?.close());

it('clients that stop reading a gzip 207 are cut off after the write timeout, their connections released', { timeout: 60_000 }, async () => {
  const stalled = await Promise.all(Array.from({ length: 5 }, () => startCodedAnswer(true)));
  expect(await waitUntil(() => dav.busy().checkedOut === 0, 15_000), 'ms until the stalled streams released their connections').toBeLessThan(15_000);
  // Still not reading well past the write timeout (1.5 s): the server must have cut them off by now.
  await new Promise((resolve) => setTimeout(resolve, 4000));
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
    expect(text).toMatch(/content-encoding: gzip/i);
    // Cut off: the chunked body never reached its last (empty) chunk.
    expect(text.endsWith('\r\n0\r\n\r\n')).toBe(false);
  }
  expect(await busyBackends(dav.db)).toEqual([]);
});

it('a client that leaves mid-way through a gzip 207 releases its cursor within seconds', { timeout: 60_000 }, async () => {
  const clients = await Promise.all(Array.from({ length: 10 }, () => startCodedAnswer(false)));
  for (const { socket } of clients) socket.destroy();
  expect(await waitUntil(() => dav.busy().checkedOut === 0, 5_000), 'ms until no connection is checked out').toBeLessThan(5_000);
  expect(await busyBackends(dav.db)).toEqual([]);
  const after = await rawHttp(dav.url, 'PROPFIND', BOOK, { Authorization: auth, Depth: '0', 'Accept-Encoding': 'gzip' });
  expect(after.status).toBe(207);
});

it('with the body cache warm (no cursor at all), a client that stops reading is still cut off', { timeout: 60_000 }, async () => {
  const cached = await startFaultServer({ db: dav.db, config: { httpWriteTimeoutMs: 1500, bodyCacheMb: 64 } });
  try {
    const warm = await rawHttp(cached.url, 'REPORT', BOOK, { Authorization: auth, Depth: '1', 'Accept-Encoding': 'gzip' }, FULL_SYNC);
    expect(warm.status).toBe(207);
    expect(cached.store.bodyCache!.size).toBeGreaterThan(CONTACTS / 2);
    const stalled = await Promise.all(Array.from({ length: 3 }, () => startCodedAnswer(true, cached)));
    await new Promise((resolve) => setTimeout(resolve, 4000));
    for (const { socket, head } of stalled) {
      let text = head;
      socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
      socket.resume();
      await closed(socket);
      expect(text).toMatch(/content-encoding: gzip/i);
      expect(text.endsWith('\r\n0\r\n\r\n'), 'cut off before the last chunk').toBe(false);
    }
  } finally {
    await cached.close();
  }
});
