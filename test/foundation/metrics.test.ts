// Prometheus metrics (src/metrics.ts, src/http/metrics.ts) scraped from /metrics after real
// requests: duration histograms per method and per REPORT, logins (ok, failed, locked), the login
// cache, refusals by rule, accepted edits, pump passes and the change backlog, build_info. Then
// liveness and readiness (/livez, /readyz): with the database reachable, unreachable, hung, closed,
// and with a migration of this version not applied.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppPassword } from '../../src/auth/app-passwords.js';
import { createApp } from '../../src/compose.js';
import { testConfig } from '../../src/config.js';
import { createPool } from '../../src/db/database.js';
import { freePort } from '../../src/db/embedded.js';
import { loadMigrations } from '../../src/db/migrate.js';
import { createLogger } from '../../src/logger.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { basicAuth } from '../support/basic-auth.js';
import { builders } from '../support/builders.js';
import { TERMINE } from '../support/collections.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { listenOnLoopback } from '../support/listen.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { editedItem } from '../unit/policy/clients.js';

const ANNA = 'anna.meier';
const VERSION = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the one sample of `name` whose labels include `labels` (0 when there is none). */
function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value ?? 0;
}

async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

/** A request from a chosen loopback address (the lockout counts per client address). */
function sendFrom(url: string, from: string, method: string, path: string, headers: Record<string, string>): Promise<number> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: Number(port), method, path, headers, localAddress: from, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

const MULTIGET = (href: string) =>
  `<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop><D:href>${href}</D:href></C:calendar-multiget>`;
const SYNC = '<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>';
const PROPFIND = '<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>';

describe('/metrics after real requests', () => {
  let dav: TestServer;
  let appt: string;
  beforeAll(async () => {
    dav = await startTestServer({
      user: ANNA,
      // A real login cache (hits and misses), and a lockout after two failures per address.
      config: { authCacheSeconds: 60, authLockoutThreshold: 2, authLockoutSeconds: 60, logLevel: 'silent' },
      seed: async (db) => {
        const b = builders(db.pool);
        const anna = await b.addEmployee({ username: ANNA });
        appt = await b.addAppointment({ ownerId: anna, startsAt: '2026-12-01T09:00:00Z', subject: 'Kundentermin', location: 'Zürich' });
      },
    });
  });
  afterAll(() => dav?.close());

  it('has duration histograms with buckets per method and per REPORT kind; odd methods and reports are "other"', async () => {
    const before = await scrape(dav.url);
    expect((await dav.propfind(TERMINE(ANNA), PROPFIND, '1')).status).toBe(207);
    expect((await dav.propfind(TERMINE(ANNA), PROPFIND, '0')).status).toBe(207);
    expect((await dav.report(TERMINE(ANNA), MULTIGET(`${TERMINE(ANNA)}${appt}.ics`))).status).toBe(207);
    expect((await dav.report(TERMINE(ANNA), SYNC)).status).toBe(207);
    expect((await dav.request('REPORT', TERMINE(ANNA), { body: '<X:made-up xmlns:X="urn:example:x"/>' })).status).toBeGreaterThanOrEqual(400);
    // A method Node's parser accepts but DAV does not know (Node itself refuses made-up names).
    expect((await dav.request('PURGE', TERMINE(ANNA))).status).toBeGreaterThanOrEqual(400);
    const after = await scrape(dav.url);
    const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);

    // Every bucket of PROPFIND, cumulative, ending in +Inf = _count.
    const buckets = after.filter((s) => s.name === 'brokerstar_dav_request_seconds_bucket' && s.labels.method === 'PROPFIND');
    expect(buckets.map((b) => b.labels.le)).toEqual(['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '30', '60', '+Inf']);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    expect(delta('brokerstar_dav_request_seconds_bucket', { method: 'PROPFIND', le: '+Inf' })).toBe(2);
    expect(delta('brokerstar_dav_request_seconds_count', { method: 'PROPFIND' })).toBe(2);
    expect(delta('brokerstar_dav_request_seconds_sum', { method: 'PROPFIND' })).toBeGreaterThan(0);
    expect(delta('brokerstar_dav_request_seconds_count', { method: 'REPORT' })).toBe(3);

    // REPORTs by kind.
    expect(delta('brokerstar_dav_report_seconds_bucket', { report: 'calendar-multiget', le: '+Inf' })).toBe(1);
    expect(delta('brokerstar_dav_report_seconds_bucket', { report: 'calendar-multiget', le: '60' })).toBe(1);
    expect(delta('brokerstar_dav_report_seconds_count', { report: 'sync-collection' })).toBe(1);
    expect(delta('brokerstar_dav_report_seconds_count', { report: 'other' })).toBe(1);
    expect(after.some((s) => s.labels.report === 'made-up' || JSON.stringify(s.labels).includes('urn:example'))).toBe(false);

    // Requests by method and status, method bounded.
    expect(delta('brokerstar_dav_requests_total', { method: 'PROPFIND', status: '207' })).toBe(2);
    expect(after.some((s) => s.labels.method === 'PURGE')).toBe(false);
    expect(delta('brokerstar_dav_request_seconds_count', { method: 'other' })).toBe(1);
  });

  it('counts logins ok, failed and locked, and the login cache hits and misses', async () => {
    const before = await scrape(dav.url);
    const password = await dav.passwordOf(ANNA);
    const propfind = { Authorization: basicAuth(ANNA, password), Depth: '0' };
    // The right password, verified by the first test and cached since: a cache hit, no login check.
    expect(await sendFrom(dav.url, '127.0.0.7', 'PROPFIND', '/dav/', propfind)).toBe(207);
    // Two different wrong passwords from 127.0.0.9: two failures, then the address is locked.
    expect(await sendFrom(dav.url, '127.0.0.9', 'PROPFIND', '/dav/', { Authorization: basicAuth(ANNA, 'Wrong-one-11111') })).toBe(401);
    expect(await sendFrom(dav.url, '127.0.0.9', 'PROPFIND', '/dav/', { Authorization: basicAuth('nobody.known', 'Wrong-two-22222') })).toBe(401);
    expect(await sendFrom(dav.url, '127.0.0.9', 'PROPFIND', '/dav/', { Authorization: basicAuth(ANNA, 'Wrong-three-333') })).toBe(429);
    const after = await scrape(dav.url);
    const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(delta('brokerstar_dav_logins_total', { outcome: 'failed' })).toBe(2);
    expect(delta('brokerstar_dav_logins_total', { outcome: 'locked' })).toBe(1);
    expect(delta('brokerstar_dav_logins_total', { outcome: 'ok' })).toBe(0);
    expect(delta('brokerstar_dav_login_cache_total', { result: 'hit' })).toBe(1);
    expect(delta('brokerstar_dav_login_cache_total', { result: 'miss' })).toBe(3);
    // Each wrong password was a miss; the third request was refused before any check.
    expect(valueOf(after, 'brokerstar_dav_logins_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  });

  it('counts a new verified login as ok and a cache miss', async () => {
    const before = await scrape(dav.url);
    const second = await createAppPassword(dav.db.pool, ANNA, 'metrics-second');
    const headers = { Authorization: basicAuth(ANNA, second), Depth: '0' };
    expect(await sendFrom(dav.url, '127.0.0.8', 'PROPFIND', '/dav/', headers)).toBe(207);
    expect(await sendFrom(dav.url, '127.0.0.8', 'PROPFIND', '/dav/', headers)).toBe(207);
    const after = await scrape(dav.url);
    const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(delta('brokerstar_dav_logins_total', { outcome: 'ok' })).toBe(1);
    expect(delta('brokerstar_dav_login_cache_total', { result: 'miss' })).toBe(1);
    expect(delta('brokerstar_dav_login_cache_total', { result: 'hit' })).toBe(1);
  });

  it('counts a refusal by its rule and status', async () => {
    const before = await scrape(dav.url);
    expect((await dav.request('DELETE', `${TERMINE(ANNA)}${appt}.ics`)).status).toBe(403);
    expect((await dav.request('PUT', `${TERMINE(ANNA)}neu.ics`, { body: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n', headers: { 'Content-Type': 'text/calendar', 'If-None-Match': '*' } })).status).toBe(403);
    const after = await scrape(dav.url);
    const delta = (labels: Record<string, string>) => valueOf(after, 'brokerstar_dav_refusals_total', labels) - valueOf(before, 'brokerstar_dav_refusals_total', labels);
    expect(delta({ rule: 'delete-appointment', status: '403' })).toBe(1);
    expect(delta({ rule: 'create-appointment', status: '403' })).toBe(1);
  });

  it('counts an accepted client edit, and a pump pass that takes BrokerStar changes; the backlog gauge shows them waiting', async () => {
    const before = await scrape(dav.url);
    const href = `${TERMINE(ANNA)}${appt}.ics`;
    const served = await dav.request('GET', href);
    const body = editedItem(served.text, (e) => e.updatePropertyWithValue('location', 'Bern'));
    expect((await dav.request('PUT', href, { body, headers: { 'Content-Type': 'text/calendar', 'If-Match': served.headers.get('etag')! } })).status).toBe(204);
    const edited = await scrape(dav.url);
    expect(valueOf(edited, 'brokerstar_dav_client_edits_total') - valueOf(before, 'brokerstar_dav_client_edits_total')).toBe(1);
    // A refused write is no accepted edit.
    expect((await dav.request('DELETE', href)).status).toBe(403);

    // BrokerStar writes: the rows wait in dav.change_log until a request lets the pump take them.
    await dav.db.query(`UPDATE brokerstar.appointment SET subject = 'Neu vom Büro' WHERE id = $1`, [appt]);
    const waiting = await scrape(dav.url);
    expect(valueOf(waiting, 'brokerstar_dav_client_edits_total')).toBe(valueOf(edited, 'brokerstar_dav_client_edits_total'));
    expect(valueOf(waiting, 'brokerstar_dav_change_backlog')).toBeGreaterThanOrEqual(1);
    expect(valueOf(waiting, 'brokerstar_dav_change_backlog_oldest_seconds')).toBeGreaterThanOrEqual(0);
    const passes = valueOf(waiting, 'brokerstar_dav_pump_passes_total');
    expect((await dav.propfind(TERMINE(ANNA), PROPFIND, '1')).status).toBe(207);
    const pumped = await scrape(dav.url);
    expect(valueOf(pumped, 'brokerstar_dav_pump_passes_total')).toBe(passes + 1);
    expect(valueOf(pumped, 'brokerstar_dav_pump_changes_total')).toBeGreaterThan(valueOf(waiting, 'brokerstar_dav_pump_changes_total'));
    expect(valueOf(pumped, 'brokerstar_dav_change_backlog')).toBe(0);
    expect(valueOf(pumped, 'brokerstar_dav_change_backlog_oldest_seconds')).toBe(0);
  });

  it('shows build_info with the package version, the pool, and the metrics every scrape has from the start', async () => {
    const text = await (await fetch(`${dav.url}/metrics`)).text();
    expect(text).toContain('# TYPE brokerstar_dav_build_info gauge');
    const samples = parseExposition(text);
    expect(samples.filter((s) => s.name === 'brokerstar_dav_build_info')).toEqual([{ name: 'brokerstar_dav_build_info', labels: { version: VERSION }, value: 1 }]);
    expect(text).toContain('# TYPE brokerstar_dav_request_seconds histogram');
    expect(text).toContain('# TYPE brokerstar_dav_report_seconds histogram');
    expect(text).toContain('# TYPE brokerstar_dav_collection_refreshes_total counter');
    for (const name of ['brokerstar_dav_logins_total', 'brokerstar_dav_refusals_total', 'brokerstar_dav_client_edits_total', 'brokerstar_dav_pump_passes_total', 'brokerstar_dav_login_cache_total']) {
      expect(text).toContain(`# TYPE ${name} counter`);
    }
    expect(text).toContain('# TYPE brokerstar_dav_change_backlog gauge');
    expect(valueOf(samples, 'brokerstar_dav_db_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------- liveness and readiness

interface Running {
  readonly url: string;
  close(): Promise<void>;
}

async function startApp(pool: pg.Pool): Promise<Running> {
  const { app } = createApp(testConfig({ authCacheSeconds: 0 }), pool, createLogger('silent'));
  return listenOnLoopback(app);
}

async function probe(url: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('/livez and /readyz', () => {
  let db: TestDatabase;
  let app: Running;
  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startApp(db.pool);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('both answer 200 without credentials on a migrated, reachable database', async () => {
    expect(await probe(app.url, '/livez')).toEqual({ status: 200, body: { status: 'ok' } });
    const ready = await probe(app.url, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', database: 'ok', migrations: 'ok' });
    expect((await fetch(`${app.url}/readyz`, { method: 'HEAD' })).status).toBe(200);
    // Only the exact paths are open: anything below them needs credentials.
    expect((await fetch(`${app.url}/readyz/x`)).status).toBe(401);
    expect((await fetch(`${app.url}/livez`, { method: 'POST' })).status).toBe(401);
  });

  it('/readyz answers 503 naming the migration of this version that is not applied; /livez and /healthz stay 200', async () => {
    const last = (await loadMigrations()).at(-1)!;
    const { rows } = await db.query('DELETE FROM dav.schema_migration WHERE version = $1 RETURNING version, name, checksum, applied_at', [last.version]);
    expect(rows).toHaveLength(1);
    try {
      const ready = await probe(app.url, '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('unavailable');
      expect(ready.body.reason).toBe(`migrations not applied: ${last.name}; run "brokerstar-dav migrate"`);
      expect((await probe(app.url, '/livez')).status).toBe(200);
      expect((await probe(app.url, '/healthz')).status).toBe(200);
    } finally {
      const r = rows[0] as Record<string, unknown>;
      await db.query('INSERT INTO dav.schema_migration (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)', [r.version, r.name, r.checksum, r.applied_at]);
    }
    expect((await probe(app.url, '/readyz')).status).toBe(200);
  });

  it('a migration of a newer version (instance N+1 beside N) does not make it unready', async () => {
    await db.query(`INSERT INTO dav.schema_migration (version, name, checksum) VALUES (999, '999_from_the_future', 'x')`);
    try {
      expect((await probe(app.url, '/readyz')).status).toBe(200);
    } finally {
      await db.query('DELETE FROM dav.schema_migration WHERE version = 999');
    }
  });

  it('/readyz answers 503 on a database where no migration ran', async () => {
    const empty = await createTestDatabase({ template: false });
    const other = await startApp(empty.pool);
    try {
      const ready = await probe(other.url, '/readyz');
      expect(ready).toEqual({ status: 503, body: { status: 'unavailable', reason: 'migrations not applied: run "brokerstar-dav migrate"', database: 'ok' } });
      expect((await probe(other.url, '/livez')).status).toBe(200);
    } finally {
      await other.close();
      await empty.drop();
    }
  });

  it('with the pool pointing at a closed port: /livez 200, /readyz 503 with the reason', async () => {
    const port = await freePort(); // nothing listens there
    const pool = createPool(`postgres://nobody:nothing@127.0.0.1:${port}/none`, 2);
    const down = await startApp(pool);
    try {
      expect(await probe(down.url, '/livez')).toEqual({ status: 200, body: { status: 'ok' } });
      const ready = await probe(down.url, '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('unavailable');
      expect(String(ready.body.reason)).toMatch(/^database unreachable: .*(ECONNREFUSED|connect)/i);
      // /metrics still answers, without the backlog it could not read.
      const metrics = await (await fetch(`${down.url}/metrics`)).text();
      expect(metrics).toContain('brokerstar_dav_build_info');
      expect(metrics).not.toContain('brokerstar_dav_change_backlog ');
    } finally {
      await down.close();
      await pool.end();
    }
  });

  it('with the pool closed: /livez 200, /readyz 503', async () => {
    const closing = await createTestDatabase();
    const other = await startApp(closing.pool);
    try {
      expect((await probe(other.url, '/readyz')).status).toBe(200);
      await closing.pool.end();
      expect((await probe(other.url, '/livez')).status).toBe(200);
      const ready = await probe(other.url, '/readyz');
      expect(ready.status).toBe(503);
      expect(String(ready.body.reason)).toMatch(/^database unreachable: /);
    } finally {
      await other.close();
      await closing.drop().catch(() => undefined);
    }
  });

  it('with a database that accepts connections and never answers: /readyz 503 within about a second, /livez at once', async () => {
    const sockets: net.Socket[] = [];
    const blackHole = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const pool = createPool(`postgres://nobody:nothing@127.0.0.1:${(blackHole.address() as AddressInfo).port}/none`, 2);
    const hung = await startApp(pool);
    try {
      const started = Date.now();
      expect((await probe(hung.url, '/livez')).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(500);
      const readyStarted = Date.now();
      const ready = await probe(hung.url, '/readyz');
      const ms = Date.now() - readyStarted;
      expect(ready).toEqual({ status: 503, body: { status: 'unavailable', reason: 'database did not answer within 1000 ms', database: 'database timeout' } });
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(5000);
    } finally {
      await hung.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => blackHole.close(() => resolve()));
      await pool.end().catch(() => undefined);
    }
  });
});
