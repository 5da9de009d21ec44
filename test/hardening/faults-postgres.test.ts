// PostgreSQL stopped and started again under load, on a cluster of its own (never the shared one):
// while it is down every request is answered 503 with Retry-After (never a 500, never a hang, the
// process never dies of a connection error), and once it is back the same server serves again
// without a restart.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPool } from '../../src/db/database.js';
import { freePort, startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded.js';
import { createBrokerstarSchema, migrate } from '../../src/db/migrate.js';
import { builders } from '../support/builders.js';
import { KONTAKTE } from '../support/collections.js';
import type { TestDatabase } from '../support/database.js';
import { startFaultServer, waitUntil, type FaultServer } from './fault-server.js';

const ANNA = 'anna.meier';
const BOOK = KONTAKTE(ANNA);
const LISTING = `<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>`;

let dir: string;
let port: number;
let cluster: EmbeddedServer;
let dav: FaultServer;
let auth: string;

const startCluster = () => startEmbeddedPostgres({ dataDir: dir, port, persistent: true, fast: true });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'brokerstar-dav-faults-pg-'));
  port = await freePort();
  cluster = await startCluster();
  const admin = new pg.Client({ connectionString: cluster.url() });
  await admin.connect();
  await admin.query('CREATE DATABASE brokerstar');
  await admin.end();
  const url = cluster.url('brokerstar');
  const pool = createPool(url, 4);
  await createBrokerstarSchema(pool);
  await migrate(pool);
  const db: TestDatabase = { url, name: 'brokerstar', pool, query: (sql, params) => pool.query(sql, params), drop: () => pool.end() };
  dav = await startFaultServer({
    db,
    config: { dbPoolSize: 5, pgAcquireTimeoutMs: 1000, pgStatementTimeoutMs: 5000 },
    seed: async () => {
      await builders(pool).addEmployee({ username: ANNA });
      for (let i = 0; i < 20; i++) await builders(pool).addContact({ lastName: `Kunde ${i}` });
    },
  });
  auth = await dav.authorization(ANNA);
  await db.pool.end();
}, 120_000);

afterAll(async () => {
  await dav?.close();
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

interface Answer {
  readonly started: number;
  readonly status: number;
  readonly retryAfter: string | null;
  readonly at: number;
}

/** `clients` loops of listings until `stop` says so; every answer recorded. */
function load(clients: number, answers: Answer[], stop: () => boolean): Promise<void[]> {
  return Promise.all(
    Array.from({ length: clients }, async () => {
      while (!stop()) {
        const started = Date.now();
        try {
          const res = await fetch(dav.url + BOOK, { method: 'PROPFIND', headers: { Authorization: auth, Depth: '1' }, body: LISTING, signal: AbortSignal.timeout(10_000) });
          await res.text();
          answers.push({ started, status: res.status, retryAfter: res.headers.get('retry-after'), at: Date.now() });
        } catch {
          answers.push({ started, status: 0, retryAfter: null, at: Date.now() });
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }),
  );
}

it('PostgreSQL stopped under load: 503 with Retry-After while it is down, then served again without a restart', { timeout: 90_000 }, async () => {
  const answers: Answer[] = [];
  let stopLoad = false;
  const running = load(4, answers, () => stopLoad);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(answers.some((a) => a.status === 207), 'served before the stop').toBe(true);

  await cluster.stop();
  const downAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const health = await fetch(`${dav.url}/healthz`);
  expect(health.status).toBe(503);
  const restartedAt = Date.now();
  cluster = await startCluster();

  // Back within seconds, on the same server object (its pool reconnects by itself).
  let recoveredAt = Infinity;
  for (let waited = 0; waited < 20_000 && recoveredAt === Infinity; waited += 100) {
    const ok = answers.find((a) => a.at > restartedAt && a.status === 207);
    if (ok) recoveredAt = ok.at;
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
  stopLoad = true;
  await running;

  const whileDown = answers.filter((a) => a.started > downAt && a.at < restartedAt);
  expect(whileDown.length, 'requests answered while PostgreSQL was down').toBeGreaterThan(0);
  for (const a of whileDown) {
    expect(a.status, 'never a 500 and never a hang').toBe(503);
    expect(a.retryAfter).toMatch(/^\d+$/);
  }
  expect(answers.filter((a) => a.status >= 500 && a.status !== 503), 'no 500s at any time').toEqual([]);
  // A listing already streaming when PostgreSQL went away can only be cut off; nothing else is.
  expect(answers.filter((a) => a.status === 0 && a.started > downAt), 'no request started after the stop was dropped or hung').toEqual([]);
  expect(recoveredAt - restartedAt, 'ms from the restart to the first 207').toBeLessThan(20_000);
  expect((await fetch(`${dav.url}/healthz`)).status).toBe(200);
  // No connection was lost with its request: a cursor on a connection that died is discarded. A
  // leak never drains; the bound is wide because a starved machine (the full suite on 2 cores) can
  // take more than a second to finish the last release.
  expect(await waitUntil(() => dav.busy().checkedOut === 0, 5000), 'ms until nothing is checked out').toBeLessThan(5000);
  console.log(`faults-postgres: ${answers.length} answers, ${whileDown.length} while down (all 503), first 207 ${recoveredAt - restartedAt} ms after the restart began`);
});
