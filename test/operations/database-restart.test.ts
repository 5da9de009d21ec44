// Two real `serve` processes on a PostgreSQL of their own (never the shared test cluster), which is
// stopped and started under load: each instance answers 503 with Retry-After meanwhile (never a
// 500), answers again within seconds after it is back, and its LISTEN connection for the login
// cache comes back too: a revoke after the restart still reaches every instance at once.
// (test/hardening/faults-postgres.test.ts covers one in-process server in more detail.)
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAppPassword, revokeAppPassword } from '../../src/auth/app-passwords.js';
import { createPool } from '../../src/db/database.js';
import { freePort, startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded.js';
import { createBrokerstarSchema, migrate } from '../../src/db/migrate.js';
import { basicAuth } from '../support/basic-auth.js';
import { builders } from '../support/builders.js';
import { startCluster, waitUntil, type Cluster } from '../support/cluster.js';
import { KONTAKTE } from '../support/collections.js';

const ANNA = 'anna.meier';
const BOOK = KONTAKTE(ANNA);
const LISTING = `<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>`;

let dir: string;
let port: number;
let postgres: EmbeddedServer;
let cluster: Cluster;
let pool: pg.Pool;
let auth: string;

const startPostgres = () => startEmbeddedPostgres({ dataDir: dir, port, persistent: true, fast: true });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'brokerstar-dav-cluster-pg-'));
  port = await freePort();
  postgres = await startPostgres();
  const admin = new pg.Client({ connectionString: postgres.url() });
  await admin.connect();
  await admin.query('CREATE DATABASE brokerstar');
  await admin.end();
  pool = createPool(postgres.url('brokerstar'), 3);
  await createBrokerstarSchema(pool);
  await migrate(pool);
  await builders(pool).addEmployee({ username: ANNA });
  for (let i = 0; i < 20; i++) await builders(pool).addContact({ lastName: `Kunde ${i}` });
  auth = basicAuth(ANNA, await createAppPassword(pool, ANNA, 'phone'));
  cluster = await startCluster({
    instances: 2,
    databaseUrl: postgres.url('brokerstar'),
    env: { AUTH_CACHE_SECONDS: '60', DB_POOL_SIZE: '4', PG_ACQUIRE_TIMEOUT_MS: '1000', PG_STATEMENT_TIMEOUT_MS: '5000', SHUTDOWN_GRACE_MS: '2000' },
  });
}, 90_000);

afterAll(async () => {
  await cluster?.close();
  await pool?.end().catch(() => undefined);
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

interface Answer {
  readonly instance: number;
  readonly started: number;
  readonly status: number;
  readonly retryAfter: string | null;
  readonly at: number;
}

const propfind = (url: string, authorization: string) =>
  fetch(url + BOOK, { method: 'PROPFIND', headers: { Authorization: authorization, Depth: '1', 'Content-Type': 'application/xml' }, body: LISTING, signal: AbortSignal.timeout(10_000) });

it('PostgreSQL stopped and started under load: 503 with Retry-After meanwhile on every instance, then served again, revokes still reach everyone', { timeout: 60_000 }, async () => {
  const answers: Answer[] = [];
  let polling = true;
  const load = Promise.all(
    [0, 1, 0, 1].map(async (instance) => {
      while (polling) {
        const started = Date.now();
        try {
          const res = await propfind(cluster.instances[instance]!.url, auth);
          await res.text();
          answers.push({ instance, started, status: res.status, retryAfter: res.headers.get('retry-after'), at: Date.now() });
        } catch {
          answers.push({ instance, started, status: 0, retryAfter: null, at: Date.now() });
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    }),
  );
  let downAt = 0;
  let restartedAt = 0;
  try {
    await new Promise((r) => setTimeout(r, 800));
    await postgres.stop();
    downAt = Date.now();
    await new Promise((r) => setTimeout(r, 2000));
    restartedAt = Date.now();
    postgres = await startPostgres();
    // Both instances serve again within seconds, without a restart of their own.
    await waitUntil('both instances to answer 207 again', 20_000, async () =>
      [0, 1].every((i) => answers.some((a) => a.instance === i && a.at > restartedAt && a.status === 207)),
    );
  } finally {
    polling = false;
    await load;
  }
  const whileDown = answers.filter((a) => a.started > downAt && a.at < restartedAt);
  expect(new Set(whileDown.map((a) => a.instance)).size, 'both instances were asked while PostgreSQL was down').toBe(2);
  for (const a of whileDown) {
    expect(a.status, `instance ${a.instance}: 503 while down`).toBe(503);
    expect(a.retryAfter).toMatch(/^\d+$/);
  }
  expect(answers.filter((a) => a.status !== 207 && a.status !== 503 && !(a.status === 0 && a.started < downAt)), 'never a 500, a wrong answer or a dropped request').toEqual([]);

  // The LISTEN connections reconnected (with backoff): a revoke now is refused at once on both
  // instances, though their caches would keep the login for 60 s.
  await waitUntil('the LISTEN connections to be back', 15_000, async () => {
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'brokerstar-dav-_-listen' AND datname = 'brokerstar'");
    return rows[0]!.n === 2;
  });
  const revoked = basicAuth(ANNA, await createAppPassword(pool, ANNA, 'after-restart'));
  for (const i of cluster.instances) expect((await propfind(i.url, revoked)).status).toBe(207);
  const started = Date.now();
  await revokeAppPassword(pool, ANNA, 'after-restart');
  for (const i of cluster.instances) await waitUntil(`instance ${i.index} to refuse the revoked password`, 3000, async () => (await propfind(i.url, revoked)).status === 401, 20);
  expect(Date.now() - started).toBeLessThan(3000);
});
