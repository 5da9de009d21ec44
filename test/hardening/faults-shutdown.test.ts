// SIGTERM always stops the server within its grace period: with answers stuck on clients that never
// read (each holding a database connection) and a slow upload in flight, the built server still
// exits with 0 shortly after SHUTDOWN_GRACE_MS, the stuck answers cut off at the end of the grace.
import type { ChildProcess } from 'node:child_process';
import type net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAppPassword } from '../../src/auth/app-passwords.js';
import { basicAuth } from '../support/basic-auth.js';
import { builders } from '../support/builders.js';
import { KONTAKTE } from '../support/collections.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { closed, connect, rawRequest, spawnServe } from './fault-server.js';

const ANNA = 'anna.meier';
const GRACE_MS = 1500;
const FULL_SYNC = `<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/><card:address-data/></d:prop></d:sync-collection>`;

let db: TestDatabase;
let child: ChildProcess | undefined;
let origin: string;
let auth: string;
const sockets: net.Socket[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await builders(db.pool).addEmployee({ username: ANNA });
  await db.query(
    `INSERT INTO brokerstar.contact (kind, first_name, last_name, notes)
     SELECT 'person', 'Vorname', 'Kunde ' || g, repeat('Notiz ' || g || ' ', 120) FROM generate_series(1, 2000) g`,
  );
  auth = basicAuth(ANNA, await createAppPassword(db.pool, ANNA, 'shutdown'));
  ({ child, origin } = await spawnServe({
    DATABASE_URL: db.url,
    DB_POOL_SIZE: '4',
    SHUTDOWN_GRACE_MS: String(GRACE_MS),
    HTTP_WRITE_TIMEOUT_MS: '600000', // only the shutdown may end the stuck answers
  }));
  // Rendered once, read completely.
  const res = await fetch(`${origin}${KONTAKTE(ANNA)}`, { method: 'REPORT', headers: { Authorization: auth, Depth: '1' }, body: FULL_SYNC });
  expect(res.status).toBe(207);
  await res.text();
}, 120_000);

afterAll(async () => {
  for (const s of sockets) s.destroy();
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await db?.drop();
});

it('SIGTERM with stuck answers holding every connection: exits 0 within the grace period and a little', { timeout: 60_000 }, async () => {
  const port = Number(new URL(origin).port);
  // Four answers that stop being read, one per pool connection.
  for (let i = 0; i < 4; i++) {
    const socket = await connect(port);
    socket.on('error', () => undefined);
    const first = new Promise((resolve) => socket.once('data', () => resolve(socket.pause())));
    socket.write(rawRequest('REPORT', KONTAKTE(ANNA), { Authorization: auth, 'Content-Type': 'application/xml', Depth: '1' }, FULL_SYNC));
    await first;
    sockets.push(socket);
  }
  // And an upload whose body never arrives.
  const slow = await connect(port);
  slow.on('error', () => undefined);
  slow.write(`PUT ${KONTAKTE(ANNA)}x.vcf HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\nContent-Length: 100000\r\n\r\nBEGIN:VCARD\r\n`);
  sockets.push(slow);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child!.on('exit', (code, signal) => resolve({ code, signal })));
  const started = Date.now();
  child!.kill('SIGTERM');
  const result = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 20_000))]);
  const ms = Date.now() - started;
  expect(result, 'the server stopped').toEqual({ code: 0, signal: null });
  expect(ms, 'ms from SIGTERM to exit').toBeLessThan(GRACE_MS + 5000);
  // The stuck answers were cut off: their sockets close once what the kernel holds is read.
  for (const s of sockets) s.resume();
  await Promise.all(sockets.map((s) => closed(s)));
  console.log(`faults-shutdown: exited ${ms} ms after SIGTERM (grace ${GRACE_MS} ms)`);
});
