// Slow senders cannot hold connections open: headers that trickle in are cut off after
// HTTP_HEADERS_TIMEOUT_MS, a body that trickles in after HTTP_REQUEST_TIMEOUT_MS (408, then the
// connection closes), while other clients are answered as usual.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { KONTAKTE } from '../support/collections.js';
import { closed, connect, ResponseReader, startFaultServer, type FaultServer } from './fault-server.js';

const ANNA = 'anna.meier';
let dav: FaultServer;
let auth: string;

beforeAll(async () => {
  dav = await startFaultServer({
    config: { httpHeadersTimeoutMs: 1000, httpRequestTimeoutMs: 2000 },
    seed: async (db) => void (await builders(db.pool).addEmployee({ username: ANNA })),
  });
  auth = await dav.authorization(ANNA);
}, 60_000);
afterAll(() => dav?.close());

/** Writes `text` a few bytes at a time until the socket closes or `text` is out. */
async function trickle(socket: Awaited<ReturnType<typeof connect>>, text: string, bytes: number, everyMs: number): Promise<void> {
  for (let i = 0; i < text.length && !socket.destroyed; i += bytes) {
    socket.write(text.slice(i, i + bytes));
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

it('headers sent byte by byte are cut off after the headers timeout with 408', { timeout: 20_000 }, async () => {
  const socket = await connect(dav.port);
  const reader = new ResponseReader(socket);
  const started = Date.now();
  void trickle(socket, `PROPFIND ${KONTAKTE(ANNA)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\nDepth: 0\r\n${'X-Padding: x\r\n'.repeat(50)}\r\n`, 2, 50);
  const answer = await reader.next(8000);
  expect(answer.status).toBe(408);
  await closed(socket);
  const ms = Date.now() - started;
  expect(ms).toBeGreaterThanOrEqual(900);
  expect(ms).toBeLessThan(3000);
});

it('a body that trickles in is cut off after the request timeout, and other clients are served meanwhile', { timeout: 20_000 }, async () => {
  const socket = await connect(dav.port);
  const reader = new ResponseReader(socket);
  const body = '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>'.padEnd(2000, ' ');
  const started = Date.now();
  socket.write(`PROPFIND ${KONTAKTE(ANNA)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\nDepth: 0\r\nContent-Length: ${body.length}\r\n\r\n`);
  const sending = trickle(socket, body, 10, 100);
  const other = await fetch(dav.url + KONTAKTE(ANNA), { method: 'PROPFIND', headers: { Authorization: auth, Depth: '0' } });
  await other.text();
  expect(other.status, 'another client meanwhile').toBe(207);
  const answer = await reader.next(8000).catch((e: Error) => e);
  await closed(socket);
  const ms = Date.now() - started;
  // Node answers 408 when it can; the connection closes either way.
  if (!(answer instanceof Error)) expect(answer.status).toBe(408);
  expect(ms).toBeGreaterThanOrEqual(1900);
  expect(ms).toBeLessThan(5000);
  await sending; // stops writing once the socket is gone
});
