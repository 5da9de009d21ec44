// /healthz (process up, database reachable), /metrics (request counters), and the request id that
// ties a response to its log lines. The real app over a real PostgreSQL; a second app over a pool
// that cannot reach any database.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createAppPassword } from '../../src/auth/app-passwords.js';
import { createApp } from '../../src/compose.js';
import { testConfig } from '../../src/config.js';
import { createPool } from '../../src/db/database.js';
import { freePort } from '../../src/db/embedded.js';
import { createLogger } from '../../src/logger.js';
import { builders } from '../support/builders.js';
import { basicAuth } from '../support/basic-auth.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { listenOnLoopback } from '../support/listen.js';

interface Running {
  readonly url: string;
  readonly logs: string[];
  close(): Promise<void>;
}

/** The app over `pool`, logging at debug into an array of JSON lines. */
async function startApp(pool: pg.Pool): Promise<Running> {
  const logs: string[] = [];
  const log = createLogger('debug', { write: (s: string) => logs.push(...s.split('\n').filter(Boolean)) });
  const { app } = createApp(testConfig({ authCacheSeconds: 0 }), pool, log);
  const { url, close } = await listenOnLoopback(app);
  return { url, logs, close };
}


/** brokerstar_dav_requests_total{method, status} from a /metrics text. */
function requestCount(metrics: string, method: string, status: number): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`brokerstar_dav_requests_total{method="${method}",status="${status}"} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('health and metrics on a reachable database', () => {
  let db: TestDatabase;
  let app: Running;
  let password: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    await builders(db.pool).addEmployee({ username: 'anna.meier' });
    password = await createAppPassword(db.pool, 'anna.meier', 'health');
    app = await startApp(db.pool);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('/healthz answers 200 with the database ok, without credentials', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { status: string; database: string; latencyMs: number };
    expect(body.status).toBe('ok');
    expect(body.database).toBe('ok');
    expect(body.latencyMs).toBeGreaterThanOrEqual(0);
    expect(res.headers.get('www-authenticate')).toBeNull();
  });

  it('/healthz also answers 200 when credentials are sent, right or wrong', async () => {
    expect((await fetch(`${app.url}/healthz`, { headers: { Authorization: basicAuth('anna.meier', password) } })).status).toBe(200);
    expect((await fetch(`${app.url}/healthz`, { headers: { Authorization: basicAuth('anna.meier', 'wrong') } })).status).toBe(200);
  });

  it('/metrics counts requests by method and status', async () => {
    const before = await (await fetch(`${app.url}/metrics`)).text();
    expect(before).toContain('# TYPE brokerstar_dav_requests_total counter');
    for (let i = 0; i < 3; i++) expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await fetch(`${app.url}/dav/`, { method: 'PROPFIND' })).status).toBe(401);
    const ok = await fetch(`${app.url}/dav/`, {
      method: 'PROPFIND',
      headers: { Authorization: basicAuth('anna.meier', password), Depth: '0' },
    });
    expect(ok.status).toBe(207);
    const res = await fetch(`${app.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const after = await res.text();
    // The first /metrics request itself is counted once it has finished.
    expect(requestCount(after, 'GET', 200) - requestCount(before, 'GET', 200)).toBe(4);
    expect(requestCount(after, 'PROPFIND', 401) - requestCount(before, 'PROPFIND', 401)).toBe(2);
    expect(requestCount(after, 'PROPFIND', 207) - requestCount(before, 'PROPFIND', 207)).toBe(1);
    // The duration histogram, per method: its _count lines summed over methods.
    const count = (t: string) => [...t.matchAll(/^brokerstar_dav_request_seconds_count\{method="[A-Za-z]+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(count(after) - count(before)).toBe(7);
    expect(after).toMatch(/^brokerstar_dav_db_connections\{state="total"\} \d+$/m);
  });

  it('/metrics counts collection refreshes, full and incremental', async () => {
    const refreshes = async (mode: string) =>
      Number(new RegExp(`^brokerstar_dav_collection_refreshes_total\\{mode="${mode}"\\} (\\d+)$`, 'm').exec(await (await fetch(`${app.url}/metrics`)).text())?.[1]);
    const full = await refreshes('full');
    expect(await refreshes('incremental')).toBeGreaterThanOrEqual(0);
    // Her address book, read for the first time: recomputed in full.
    const res = await fetch(`${app.url}/dav/addressbooks/anna.meier/kontakte/`, {
      method: 'PROPFIND',
      headers: { Authorization: basicAuth('anna.meier', password), Depth: '0' },
    });
    expect(res.status).toBe(207);
    expect(await refreshes('full')).toBe(full + 1);
  });

  it('echoes a client X-Request-Id and writes it into the request log lines', async () => {
    const id = 'outlook-4711-abc';
    const res = await fetch(`${app.url}/dav/`, { method: 'PROPFIND', headers: { 'X-Request-Id': id } });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBe(id);
    await res.text();
    const lines = app.logs.filter((l) => l.includes(id)).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    const done = lines.find((l) => l.msg === 'request completed');
    expect(done, 'the request-completed line carries the id').toBeDefined();
    expect((done?.req as { id?: string }).id).toBe(id);
    expect((done?.res as { statusCode?: number }).statusCode).toBe(401);
  });

  it('the failed-login line carries the request id too', async () => {
    const id = 'failed-login-0815';
    const res = await fetch(`${app.url}/dav/`, {
      method: 'PROPFIND',
      headers: { 'X-Request-Id': id, Authorization: basicAuth('anna.meier', 'not-the-password') },
    });
    expect(res.status).toBe(401);
    await res.text();
    const failed = app.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'login failed' && JSON.stringify(l).includes(id));
    expect(failed, 'login failed line with the request id').toBeDefined();
    expect(failed?.user).toBe('anna.meier');
  });

  it('generates a request id when the client sends none, one per request', async () => {
    const a = await fetch(`${app.url}/healthz`);
    const b = await fetch(`${app.url}/healthz`);
    const ida = a.headers.get('x-request-id');
    const idb = b.headers.get('x-request-id');
    expect(ida).toMatch(/^[0-9a-f-]{36}$/);
    expect(idb).toMatch(/^[0-9a-f-]{36}$/);
    expect(ida).not.toBe(idb);
    expect(app.logs.some((l) => l.includes(ida as string))).toBe(true);
  });

  it('does not echo an unusable request id (too long or odd characters) but makes its own', async () => {
    for (const bad of ['x'.repeat(500), 'id with spaces', '<script>']) {
      const res = await fetch(`${app.url}/healthz`, { headers: { 'X-Request-Id': bad } });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('health when the database cannot be reached', () => {
  it('/healthz answers 503 for a pool pointing at a closed port; /metrics still answers', async () => {
    const port = await freePort(); // nothing listens there
    const pool = createPool(`postgres://nobody:nothing@127.0.0.1:${port}/none`, 2);
    const app = await startApp(pool);
    try {
      const res = await fetch(`${app.url}/healthz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { status: string; database: string };
      expect(body.status).toBe('unavailable');
      expect(body.database).toMatch(/ECONNREFUSED|connect/i);
      expect((await fetch(`${app.url}/metrics`)).status).toBe(200);
    } finally {
      await app.close();
      await pool.end();
    }
  });

  it('/healthz answers 503 within about a second when the database does not answer at all', async () => {
    // Accepts TCP connections and never says a word, like a hung database server.
    const sockets: net.Socket[] = [];
    const blackHole = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const pool = createPool(`postgres://nobody:nothing@127.0.0.1:${(blackHole.address() as AddressInfo).port}/none`, 2);
    const app = await startApp(pool);
    try {
      const started = Date.now();
      const res = await fetch(`${app.url}/healthz`);
      const ms = Date.now() - started;
      expect(res.status).toBe(503);
      expect(((await res.json()) as { database: string }).database).toBe('database timeout');
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(5000);
    } finally {
      await app.close();
      for (const s of sockets) s.destroy();
      blackHole.close();
      await pool.end().catch(() => undefined);
    }
  });
});
