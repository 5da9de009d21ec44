// `npm run bench -- soak`: the soak run of issue 12. An hour (by default) of mixed polling load on
// the demo firm: clients poll (PROPFIND getctag + sync-collection), list, sync from scratch, GET
// members and ask time ranges, and disconnect at random in the middle of answers, while BrokerStar
// keeps changing a few rows. Every window the server's memory (RSS, V8 heap), its PostgreSQL
// connections, the latency median and p99 and the 5xx count are sampled; at the end the first and
// last quarters of the windows after the warm-up are compared: memory, connections and latency
// must stay flat, with zero 5xx.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/paths.js';
import { davx5SyncCollection, outlookContactVersions, outlookEventQuery, pollCtagAndToken } from './bodies.js';
import { collectionBySlug, discover } from './discovery.js';
import { assertLoopback, basicAuthHeader, keepAliveAgent, target, type HttpTarget } from './http.js';
import { describeMachine, machineLine } from './machine.js';
import { benchDemo } from './options.js';
import { readMemory } from './memory.js';
import { snapshotServerCode, startServerProcess } from './server-process.js';
import { createBenchDatabase, type BenchDatabase } from './setup.js';
import { percentile } from './stats.js';

export const SOAK_HELP = `Usage: npm run bench -- soak [options]

Mixed polling load against our server on the demo data, with clients that disconnect at random
mid-answer; samples memory, PostgreSQL connections, latency and 5xx per window and says whether
they stayed flat. See docs/benchmarks.md, "Soak".

Options:
  --minutes=N     duration of the load (default SOAK_MINUTES or 60)
  --clients=N     concurrent clients (default 40)
  --window=S      seconds per sampled window (default 60)
  --warmup=M      minutes of load before the windows that are compared (default a fifth, at most 5)
  --think-ms=N    a client's pause between requests, random up to N (default 200)
  --contacts=N    firm size (default 2,000; appointments and tasks scale alike)`;

interface SoakOptions {
  readonly minutes: number;
  readonly clients: number;
  readonly windowSeconds: number;
  readonly thinkMs: number;
  readonly contacts: number;
  readonly warmupMinutes: number;
}

function parseSoakOptions(argv: readonly string[]): SoakOptions | undefined {
  const flags = new Map<string, string>();
  for (const a of argv) {
    if (a === '--help' || a === '-h') return undefined;
    const m = /^--([a-z-]+)=(.+)$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a} (see --help)`);
    flags.set(m[1]!, m[2]!);
  }
  const known = ['minutes', 'clients', 'window', 'think-ms', 'contacts', 'warmup'];
  for (const k of flags.keys()) if (!known.includes(k)) throw new Error(`unknown option --${k} (see --help)`);
  const num = (name: string, fallback: number) => {
    const v = Number(flags.get(name) ?? fallback);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name}: not a positive number`);
    return v;
  };
  const minutes = num('minutes', Number(process.env.SOAK_MINUTES ?? 60));
  return {
    minutes,
    warmupMinutes: num('warmup', Math.min(5, minutes / 5)),
    clients: Math.round(num('clients', 40)),
    windowSeconds: num('window', 60),
    thinkMs: num('think-ms', 200),
    contacts: Math.round(num('contacts', 2_000)),
  };
}

// ---------------------------------------------------------------- requests that may hang up

type Disconnect = 'none' | 'before-answer' | 'mid-answer';

interface Outcome {
  readonly status: number;
  readonly ms: number;
  readonly body: string;
  /** The client hung up on purpose. */
  readonly disconnected: boolean;
}

/**
 * One request. 'before-answer' hangs up a few milliseconds after sending; 'mid-answer' after the
 * first chunk of the body, as a phone losing its network does. A hung-up socket is never reused.
 */
function send(t: HttpTarget, method: string, path: string, body: string | undefined, headers: Record<string, string>, disconnect: Disconnect): Promise<Outcome> {
  const url = `${t.origin}${path}`;
  assertLoopback(url);
  const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
  const allHeaders: Record<string, string> = {
    Authorization: basicAuthHeader(t.username, t.password),
    ...(payload ? { 'Content-Type': 'application/xml; charset=utf-8', 'Content-Length': String(payload.length) } : {}),
    ...headers,
  };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let done = false;
    const hangUp = (status: number) => {
      if (done) return;
      done = true;
      req.destroy();
      resolve({ status, ms: performance.now() - started, body: '', disconnected: true });
    };
    const req = http.request(url, { method, headers: allHeaders, agent: t.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        if (disconnect === 'mid-answer') return hangUp(res.statusCode ?? 0);
        chunks.push(c);
      });
      res.on('error', (e) => done || reject(e));
      res.on('end', () => {
        if (done) return;
        done = true;
        resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body: Buffer.concat(chunks).toString('utf8'), disconnected: false });
      });
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`timeout after 60 s: ${method} ${path}`)));
    req.on('error', (e) => done || reject(e));
    req.end(payload);
    if (disconnect === 'before-answer') setTimeout(() => hangUp(0), 1 + Math.random() * 20);
  });
}

// ---------------------------------------------------------------- the load

interface Tally {
  latencies: number[];
  requests: number;
  disconnects: number;
  fivexx: number;
  /** Network errors and answers that are not what the request asks for (5xx apart). */
  failures: number;
  samples: string[];
}

const newTally = (): Tally => ({ latencies: [], requests: 0, disconnects: 0, fivexx: 0, failures: 0, samples: [] });

const TOKEN = /<(?:[A-Za-z][\w.-]*:)?sync-token>([^<]+)<\//;
const HREF = /<(?:[A-Za-z][\w.-]*:)?href>([^<]+)<\//g;

interface Collections {
  readonly addressbook: string;
  readonly events: string;
  readonly tasks: string;
}

/** What one simulated client does, forever until `stop`: a weighted mix of what phones and Outlook ask. */
async function client(t: HttpTarget, urls: Collections, members: string[], tally: () => Tally, stop: () => boolean, thinkMs: number): Promise<void> {
  const all = [urls.addressbook, urls.events, urls.tasks];
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;
  const record = (what: string, o: Outcome, ok: (o: Outcome) => boolean) => {
    const tl = tally();
    tl.requests++;
    if (o.disconnected) {
      tl.disconnects++;
      return;
    }
    if (o.status >= 500) tl.fivexx++;
    if (o.status >= 500 || !ok(o)) {
      if (o.status < 500) tl.failures++;
      if (tl.samples.length < 5) tl.samples.push(`${what}: ${o.status} ${o.body.slice(0, 160)}`);
      return;
    }
    tl.latencies.push(o.ms);
  };
  const is207 = (o: Outcome) => o.status === 207;
  while (!stop()) {
    const collection = pick(all);
    const roll = Math.random();
    // Big answers are where a vanished client costs the server most: one in ten hangs up mid-answer.
    const big: Disconnect = Math.random() < 0.1 ? 'mid-answer' : Math.random() < 0.03 ? 'before-answer' : 'none';
    const small: Disconnect = Math.random() < 0.03 ? 'before-answer' : 'none';
    try {
      if (roll < 0.45) {
        const poll = await send(t, 'PROPFIND', collection, pollCtagAndToken, { Depth: '0' }, small);
        record('poll PROPFIND', poll, is207);
        const token = TOKEN.exec(poll.body)?.[1];
        if (token) record('poll sync-collection', await send(t, 'REPORT', collection, davx5SyncCollection(token), { Depth: '0' }, 'none'), is207);
      } else if (roll < 0.55) {
        const listing = await send(t, 'PROPFIND', collection, outlookContactVersions, { Depth: '1' }, big);
        record('listing', listing, is207);
        // Keep a sample of member hrefs for the GETs.
        for (const m of listing.body.matchAll(HREF)) if (m[1]!.length > collection.length && members.length < 5_000) members.push(m[1]!);
      } else if (roll < 0.6) {
        record('initial sync-collection', await send(t, 'REPORT', collection, davx5SyncCollection(null), { Depth: '0' }, big), is207);
      } else if (roll < 0.88) {
        const href = members.length ? pick(members) : `${urls.tasks}`;
        record('GET', await send(t, members.length ? 'GET' : 'PROPFIND', href, members.length ? undefined : pollCtagAndToken, { Depth: '0' }, small), (o) => o.status === 200 || o.status === 207 || o.status === 404);
      } else {
        const now = Date.now();
        const query = outlookEventQuery(new Date(now - 7 * 86_400_000), new Date(now + 60 * 86_400_000), false);
        record('calendar-query', await send(t, 'REPORT', urls.events, query, { Depth: '1' }, big), is207);
      }
    } catch (e) {
      const tl = tally();
      tl.requests++;
      tl.failures++;
      if (tl.samples.length < 5) tl.samples.push((e as Error).message.slice(0, 200));
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, Math.random() * thinkMs));
  }
}

/** BrokerStar at work meanwhile: a contact and an appointment of the employee changed every two seconds. */
function brokerstarWrites(db: BenchDatabase, stop: () => boolean): Promise<void> {
  return (async () => {
    for (let n = 0; !stop(); n++) {
      await db.pool.query(`UPDATE brokerstar.contact SET notes = $1, updated_at = now() WHERE id = (SELECT id FROM brokerstar.contact WHERE deleted_at IS NULL ORDER BY random() LIMIT 1)`, [`Soak ${n}`]);
      await db.pool.query(
        `UPDATE brokerstar.appointment SET subject = $1, updated_at = now()
          WHERE id = (SELECT a.id FROM brokerstar.appointment a JOIN brokerstar.employee e ON e.id = a.owner_id
                       WHERE e.username = $2 AND a.deleted_at IS NULL ORDER BY random() LIMIT 1)`,
        [`Soak ${n}`, db.username],
      );
      await new Promise((r) => setTimeout(r, 2_000));
    }
  })();
}

// ---------------------------------------------------------------- sampling

export interface SoakWindow {
  /** Seconds since the load started, at the window's end. */
  readonly atSeconds: number;
  readonly requests: number;
  readonly disconnects: number;
  readonly fivexx: number;
  readonly failures: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Medians of the per-second readings over the window. */
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  /** V8 heap right after a full collection at the window's end: the live set. */
  readonly heapLiveMiB: number;
  /** Not part of the comparison: the heap and caches are still growing to their working size. */
  readonly warmup: boolean;
  /** The server's PostgreSQL connections (application_name brokerstar-dav): most at any second, and how many were busy. */
  readonly pgConnections: number;
  readonly pgActive: number;
  readonly pgIdleInTransaction: number;
  /** The machine's 1-minute load average at the window's end: latency on a shared box follows it. */
  readonly loadAverage: number;
}

// Loaded into the server with NODE_OPTIONS=--import: writes process.memoryUsage() every second,
// and on SIGUSR2 (once per window) collects garbage first and writes the heap that survives: the
// live set, which is what grows when something leaks (heapUsed between collections only shows how
// lazily V8 collects).
const HEAP_PROBE = `import { writeFileSync } from 'node:fs';
const file = process.env.SOAK_HEAP_FILE;
const write = (name, value) => { try { writeFileSync(name, JSON.stringify(value)); } catch {} };
setInterval(() => write(file, process.memoryUsage()), 1000).unref();
process.on('SIGUSR2', () => { globalThis.gc?.(); write(file + '.gc', { at: Date.now(), ...process.memoryUsage() }); });
`;

interface Reading {
  rssMiB: number;
  heapUsedMiB: number;
  pg: { total: number; active: number; idleTx: number };
}

async function readOnce(pid: number, heapFile: string, db: BenchDatabase): Promise<Reading> {
  const heap = await readFile(heapFile, 'utf8').then((s) => JSON.parse(s) as { heapUsed: number }).catch(() => undefined);
  const { rows } = await db.pool.query<{ total: number; active: number; idle_tx: number }>(
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE state = 'active')::int AS active,
            count(*) FILTER (WHERE state LIKE 'idle in transaction%')::int AS idle_tx
       FROM pg_stat_activity WHERE application_name = 'brokerstar-dav'`,
  );
  return {
    rssMiB: readMemory(pid)?.rssMiB ?? Number.NaN,
    heapUsedMiB: heap ? heap.heapUsed / 1024 ** 2 : Number.NaN,
    pg: { total: rows[0]!.total, active: rows[0]!.active, idleTx: rows[0]!.idle_tx },
  };
}

/** Median of the readings taken (a reading missing is NaN and left out). */
/** Asks the probe for a full collection and returns the heap that survived it (MiB; NaN if no answer). */
async function liveHeap(pid: number, heapFile: string): Promise<number> {
  const asked = Date.now();
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const m = await readFile(`${heapFile}.gc`, 'utf8').then((s) => JSON.parse(s) as { at: number; heapUsed: number }).catch(() => undefined);
    if (m && m.at >= asked) return m.heapUsed / 1024 ** 2;
  }
  return Number.NaN;
}

const median = (xs: readonly number[]) => percentile(xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b), 50);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function windowOf(atSeconds: number, tally: Tally, readings: readonly Reading[], heapLiveMiB: number, warmup: boolean): SoakWindow {
  const lat = [...tally.latencies].sort((a, b) => a - b);
  return {
    atSeconds: Math.round(atSeconds),
    requests: tally.requests,
    disconnects: tally.disconnects,
    fivexx: tally.fivexx,
    failures: tally.failures,
    p50Ms: round(percentile(lat, 50), 2),
    p99Ms: round(percentile(lat, 99), 2),
    rssMiB: round(median(readings.map((r) => r.rssMiB))),
    heapUsedMiB: round(median(readings.map((r) => r.heapUsedMiB))),
    heapLiveMiB: round(heapLiveMiB),
    warmup,
    pgConnections: Math.max(0, ...readings.map((r) => r.pg.total)),
    pgActive: Math.max(0, ...readings.map((r) => r.pg.active)),
    pgIdleInTransaction: Math.max(0, ...readings.map((r) => r.pg.idleTx)),
    loadAverage: round(os.loadavg()[0]!, 2),
  };
}

// ---------------------------------------------------------------- verdict

export interface Verdict {
  readonly metric: string;
  readonly first: number;
  readonly last: number;
  readonly flat: boolean;
  readonly rule: string;
}

/** One window standing for several: the median of each compared reading, the rest from the last. */
function medianWindow(ws: readonly SoakWindow[]): SoakWindow {
  const m = (pick: (w: SoakWindow) => number) => round(median(ws.map(pick)));
  return { ...ws[ws.length - 1]!, rssMiB: m((w) => w.rssMiB), heapLiveMiB: m((w) => w.heapLiveMiB),
    pgConnections: m((w) => w.pgConnections), p50Ms: m((w) => w.p50Ms), p99Ms: m((w) => w.p99Ms) };
}

/**
 * The start and the end of the measured run: the first and the last quarter of the windows after
 * the warm-up (one window each in a short run), each as its medians. RSS follows the size V8 gives
 * its heap at that moment (it swung between 625 and 1,031 MiB from window to window in a 40-minute
 * run whose live heap stayed flat), so one window against one window judged noise, not a trend.
 */
export function comparedSpans(windows: readonly SoakWindow[]): { first: SoakWindow; last: SoakWindow } {
  const measured = windows.filter((w) => !w.warmup);
  const run = measured.length > 0 ? measured : windows;
  const span = Math.max(1, Math.floor(run.length / 4));
  return { first: medianWindow(run.slice(0, span)), last: medianWindow(run.slice(-span)) };
}

/**
 * The start of the measured run against its end (comparedSpans). Memory may wander by GC timing and caches filling: flat = within 15%
 * (at least 16 MiB). Latency may wobble with a shared machine: median within 1.5x + 2 ms, p99
 * within 2x + 10 ms. Connections are bounded by the pool: never more than at the start.
 */
export function verdicts(first: SoakWindow, last: SoakWindow, total5xx: number, afterActive: number): Verdict[] {
  const within = (a: number, b: number, factor: number, plus: number) => b <= a * factor + plus;
  return [
    { metric: 'RSS MiB', first: first.rssMiB, last: last.rssMiB, flat: within(first.rssMiB, last.rssMiB, 1.15, 16), rule: '<= first x 1.15 + 16' },
    { metric: 'V8 heap after a full GC MiB', first: first.heapLiveMiB, last: last.heapLiveMiB, flat: within(first.heapLiveMiB, last.heapLiveMiB, 1.15, 16), rule: '<= first x 1.15 + 16' },
    { metric: 'PostgreSQL connections', first: first.pgConnections, last: last.pgConnections, flat: last.pgConnections <= Math.max(first.pgConnections, 1), rule: '<= first' },
    { metric: 'latency median ms', first: first.p50Ms, last: last.p50Ms, flat: within(first.p50Ms, last.p50Ms, 1.5, 2), rule: '<= first x 1.5 + 2' },
    { metric: 'latency p99 ms', first: first.p99Ms, last: last.p99Ms, flat: within(first.p99Ms, last.p99Ms, 2, 10), rule: '<= first x 2 + 10' },
    { metric: '5xx (whole run)', first: first.fivexx, last: total5xx, flat: total5xx === 0, rule: '= 0' },
    { metric: 'busy connections 2 s after the load', first: 0, last: afterActive, flat: afterActive === 0, rule: '= 0' },
  ];
}

export function soakTable(windows: readonly SoakWindow[]): string {
  const head = '| at | requests | hung up | 5xx | other failures | median ms | p99 ms | RSS MiB | heap MiB median (after a full GC) | PG conns (busy, idle in tx) | load avg |';
  const lines = windows.map(
    (w) =>
      `| ${w.atSeconds} s${w.warmup ? ' (warm-up)' : ''} | ${w.requests} | ${w.disconnects} | ${w.fivexx} | ${w.failures} | ${w.p50Ms} | ${w.p99Ms} | ${w.rssMiB} | ${w.heapUsedMiB} (${w.heapLiveMiB}) | ${w.pgConnections} (${w.pgActive}, ${w.pgIdleInTransaction}) | ${w.loadAverage} |`,
  );
  return [head, '|---|---|---|---|---|---|---|---|---|---|---|', ...lines].join('\n');
}

// ---------------------------------------------------------------- the run

export async function runSoak(argv: readonly string[], defer: (cleanup: () => Promise<void>) => void, log: (line: string) => void): Promise<number> {
  const opts = parseSoakOptions(argv);
  if (!opts) {
    process.stdout.write(`${SOAK_HELP}\n`);
    return 0;
  }
  const resultsDir = path.join(PROJECT_ROOT, 'bench', 'results');
  await mkdir(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, '');
  const machine = describeMachine();
  log(`brokerstar-dav soak: ${opts.minutes} min, ${opts.clients} clients, ${opts.windowSeconds} s windows, ${opts.contacts} contacts`);

  const work = await mkdtemp(path.join(os.tmpdir(), 'brokerstar-soak-'));
  defer(() => rm(work, { recursive: true, force: true }));
  const root = await snapshotServerCode(path.join(work, 'code'));
  log('Setting up PostgreSQL and demo data ...');
  const db = await createBenchDatabase(
    benchDemo('soak', opts.contacts),
    { migrationsDir: path.join(root, 'migrations'), diagnose: false, postgresLog: path.join(resultsDir, `${stamp}-soak-postgres.log`) },
    log,
  );
  defer(() => db.close());
  machine.postgres = db.postgresVersion;

  const probe = path.join(work, 'heap-probe.mjs');
  const heapFile = path.join(work, 'heap.json');
  await writeFile(probe, HEAP_PROBE);
  log('Starting brokerstar-dav ...');
  const server = await startServerProcess({
    root,
    databaseUrl: db.url,
    maxRecords: 5_000,
    logFile: path.join(resultsDir, `${stamp}-soak-server.log`),
    env: { NODE_OPTIONS: `--expose-gc --import=${probe}`, SOAK_HEAP_FILE: heapFile },
  });
  defer(() => server.stop());
  log(`  listening at ${server.origin} after ${round(server.startSeconds)} s; machine: ${machineLine(machine)}`);

  const t = target(server.origin, db.username, db.password, keepAliveAgent(opts.clients));
  const found = await discover(t);
  const urls: Collections = {
    addressbook: collectionBySlug(found, 'kontakte').href,
    events: collectionBySlug(found, 'termine').href,
    tasks: collectionBySlug(found, 'aufgaben').href,
  };

  const durationMs = opts.minutes * 60_000;
  const started = performance.now();
  const stop = () => performance.now() - started >= durationMs;
  // The warm-up fills caches and grows the heap to its working size: not compared.
  const warmupMs = opts.warmupMinutes * 60_000;
  let tally = newTally();
  const members: string[] = [];
  const load = Promise.all(Array.from({ length: opts.clients }, () => client(t, urls, members, () => tally, stop, opts.thinkMs)));
  const writes = brokerstarWrites(db, stop);

  const windows: SoakWindow[] = [];
  const samples: string[] = [];
  let readings: Reading[] = [];
  let windowEnd = started + opts.windowSeconds * 1000;
  while (!stop()) {
    await new Promise((r) => setTimeout(r, 1000));
    readings.push(await readOnce(server.pid, heapFile, db));
    const now = performance.now();
    if (now >= windowEnd || stop()) {
      const w = windowOf((now - started) / 1000, tally, readings, await liveHeap(server.pid, heapFile), now - started <= warmupMs);
      samples.push(...tally.samples);
      windows.push(w);
      log(`  ${w.atSeconds} s: ${w.requests} requests (${w.disconnects} hung up, ${w.fivexx} 5xx, ${w.failures} failed), median ${w.p50Ms} ms, p99 ${w.p99Ms} ms, ` +
        `RSS ${w.rssMiB} MiB, heap ${w.heapUsedMiB} MiB (${w.heapLiveMiB} after GC), ${w.pgConnections} PG connections (${w.pgActive} busy), load ${w.loadAverage}`);
      tally = newTally();
      readings = [];
      windowEnd += opts.windowSeconds * 1000;
    }
  }
  await Promise.all([load, writes]);
  t.agent.destroy();
  await new Promise((r) => setTimeout(r, 2_000));
  const after = await readOnce(server.pid, heapFile, db);
  const health = await fetch(`${server.origin}/healthz`).then((r) => r.status).catch(() => 0);

  const { first, last } = comparedSpans(windows);
  const total5xx = windows.reduce((s, w) => s + w.fivexx, 0);
  const checks = verdicts(first, last, total5xx, after.pg.active + after.pg.idleTx);
  const flat = checks.every((c) => c.flat) && health === 200;
  const table = soakTable(windows);
  const verdictTable = ['| metric | start (first quarter, median) | end (last quarter, median) | rule | |', '|---|---|---|---|---|', ...checks.map((c) => `| ${c.metric} | ${c.first} | ${c.last} | ${c.rule} | ${c.flat ? 'flat' : 'NOT FLAT'} |`)].join('\n');
  const file = path.join(resultsDir, `${stamp}-soak.json`);
  await writeFile(file, `${JSON.stringify({ startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(), machine, options: opts, data: db.summary, windows, after, health, verdicts: checks, flat, failureSamples: samples.slice(0, 20) }, null, 2)}\n`);
  process.stdout.write(`\n${table}\n\n${verdictTable}\n\n/healthz after the run: ${health}\n`);
  if (samples.length) process.stdout.write(`Failure samples:\n${samples.slice(0, 10).map((s) => `  - ${s}`).join('\n')}\n`);
  process.stdout.write(`${flat ? 'FLAT' : 'NOT FLAT'}: results in ${path.relative(PROJECT_ROOT, file)}\n`);
  return flat ? 0 : 1;
}
