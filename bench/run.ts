// `npm run bench`: sets up the data, runs our server, Radicale and Xandikos on it, measures every
// row against each, judges the goals of issue 17, and prints and writes the results. Each step lives in its own module; this file
// only orders them. See docs/benchmarks.md.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/paths.js';
import { formatProfile, loadProfile, monotonicUs, summarizeProfile, type Window } from './cpuprofile.js';
import { collectionBySlug, discover } from './discovery.js';
import { currentWeek, iosEventQuery } from './bodies.js';
import { exportCollection, type ExportedCollection } from './export.js';
import { evaluateGoals, goalLines } from './goals.js';
import { measureGrowth } from './growth.js';
import { keepAliveAgent, request, RequestTimeout, target } from './http.js';
import { runLoadProcess } from './load.js';
import { describeMachine, machineLine } from './machine.js';
import { PeakTracker } from './memory.js';
import { childNamed, cpuSnapshot, foreignCpu, processTreeCpuMs } from './interference.js';
import { HELP, parseOptions, type BenchOptions } from './options.js';
import { ensureRadicale, startRadicale, writeRadicaleStorage } from './radicale.js';
import { ensureXandikos, startXandikos, writeXandikosStorage } from './xandikos.js';
import type { MixParams } from './load-worker.js';
import {
  COMPETITORS,
  fmtMs,
  goalsTable,
  markdownTable,
  mobileMs,
  SERVER_LABELS,
  tableHeader,
  tableLine,
  writeResults,
  type BenchResults,
  type Competitor,
  type KindStats,
  type LoadSide,
  type Row,
  type StatementStat,
  type TimedSide,
} from './report.js';
import { buildScenarios, eventListing, expectedEventCounts, type Expected, type Sample, type Scenario, type Subject } from './scenarios.js';
import { snapshotServerCode, startServerProcess, type ServerProcess } from './server-process.js';
import { createBenchDatabase, type BenchDatabase } from './setup.js';
import { summarize } from './stats.js';

const log = (line: string) => process.stderr.write(`${line}\n`);
const RESULTS_DIR = path.join(PROJECT_ROOT, 'bench', 'results');

/** Everything started, stopped in reverse order on exit or interrupt. */
const cleanups: (() => Promise<void>)[] = [];
async function cleanup(): Promise<void> {
  while (cleanups.length) await cleanups.pop()!().catch((e: unknown) => log(`cleanup: ${(e as Error).message}`));
}

function selected(opts: BenchOptions, id: string): boolean {
  return opts.only.length === 0 || opts.only.some((p) => id.startsWith(p));
}

async function serverTimings(origin: string): Promise<{ sum: number; count: number }> {
  const t = target(origin, '', '', keepAliveAgent(1));
  const r = await request(t, 'GET', '/metrics', { headers: { Authorization: '' } });
  t.agent.destroy();
  const text = r.body.toString('utf8');
  // Summed over the histogram's method labels.
  const num = (name: string) => [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
  return { sum: num('brokerstar_dav_request_seconds_sum'), count: num('brokerstar_dav_request_seconds_count') };
}

async function topStatements(db: BenchDatabase, samples: number): Promise<StatementStat[]> {
  const { rows } = await db.pool.query<{ query: string; calls: string; total: number; rows: string }>(
    `SELECT query, calls::text, total_exec_time AS total, rows::text
       FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND query NOT ILIKE '%pg_stat_statements%'
      ORDER BY total_exec_time DESC LIMIT 8`,
  );
  return rows.map((r) => ({
    query: r.query.replace(/\s+/g, ' ').slice(0, 300),
    calls: Number(r.calls),
    callsPerSample: Math.round((Number(r.calls) / Math.max(1, samples)) * 10) / 10,
    totalMs: Math.round(r.total * 10) / 10,
    meanMs: Math.round((r.total / Math.max(1, Number(r.calls))) * 1000) / 1000,
    rows: Number(r.rows),
  }));
}

/** CPU time so far (ms) of the subject's server and, for ours, PostgreSQL. */
function cpuOf(s: Subject): { server: number; postgres?: number } {
  return { server: processTreeCpuMs(s.cpu.server), postgres: s.cpu.postgres === undefined ? undefined : processTreeCpuMs(s.cpu.postgres) };
}

function cpuPer(a: { server: number; postgres?: number }, b: { server: number; postgres?: number }, n: number) {
  const per = (x: number, y: number) => Math.round(((y - x) / Math.max(1, n)) * 100) / 100;
  return { server: per(a.server, b.server), postgres: a.postgres === undefined || b.postgres === undefined ? undefined : per(a.postgres, b.postgres) };
}

interface MeasureHooks {
  readonly windows: Map<string, Window[]>;
  readonly db: BenchDatabase;
  readonly diagnose: boolean;
}

async function measure(sc: Scenario, s: Subject, opts: BenchOptions, hooks: MeasureHooks): Promise<TimedSide> {
  const plan = sc.weight === 'light' ? opts.light : opts.sweep;
  let tracker: PeakTracker | undefined;
  try {
    const ours = s.name === 'ours';
    const samples: Sample[] = [];
    let cpu0 = cpuOf(s);
    tracker = new PeakTracker(s.pid).start();
    for (let i = 0; i < plan.warmup; i++) {
      const t0 = performance.now();
      const sample = await sc.run(s);
      // Another server whose single warm-up outlasts the row's budget (Xandikos's multiget sweeps
      // take minutes) is measured by that run alone: repeating it would only stretch the bench.
      if (!ours && (performance.now() - t0) / 1000 > plan.budgetSeconds) {
        samples.push(sample);
        break;
      }
    }
    const slow = samples.length > 0;
    if (!slow) {
      tracker.stop();
      tracker = new PeakTracker(s.pid).start();
      cpu0 = cpuOf(s);
    }
    const before = sc.serverTime && s.serverTimings ? await s.serverTimings() : undefined;
    if (ours && hooks.diagnose) await hooks.db.pool.query('SELECT pg_stat_statements_reset()');
    const from = monotonicUs();
    const started = performance.now();
    // Ours at least 3 samples; another server at least 1 once the budget is spent.
    const least = ours ? 3 : 1;
    while (!slow && samples.length < plan.repeats && !(samples.length >= least && (performance.now() - started) / 1000 > plan.budgetSeconds)) {
      samples.push(await sc.run(s));
    }
    const cpu1 = cpuOf(s);
    const peakRssMiB = tracker.stop().peakMiB;
    if (ours) hooks.windows.set(sc.id, [{ fromUs: from, toUs: monotonicUs() }]);
    const statements = ours && hooks.diagnose ? await topStatements(hooks.db, samples.length) : undefined;
    const after = before && s.serverTimings ? await s.serverTimings() : undefined;
    const serverMs = before && after ? ((after.sum - before.sum) / Math.max(1, after.count - before.count - 1)) * 1000 : undefined;
    const perRequest = samples.flatMap((x) => x.requestMs ?? []);
    const ms = summarize(samples.map((x) => x.ms));
    const wireBytes = summarize(samples.map((x) => x.wireBytes)).median;
    const roundTrips = summarize(samples.map((x) => x.roundTrips)).median;
    return {
      ok: true,
      ms,
      bytes: summarize(samples.map((x) => x.bytes)).median,
      wireBytes,
      encoding: samples[0]?.encoding ?? '',
      roundTrips,
      mobileMs: mobileMs(ms.median, roundTrips, wireBytes),
      peakRssMiB,
      requests: samples[0]?.requests,
      items: samples[0]?.items,
      perRequestMs: perRequest.length > samples.length ? summarize(perRequest) : undefined,
      serverMs,
      cpuMs: cpuPer(cpu0, cpu1, samples.length),
      samplesMs: samples.map((x) => Math.round(x.ms * 100) / 100),
      statements,
    };
  } catch (e) {
    tracker?.stop();
    const timedOut = e instanceof RequestTimeout;
    if (timedOut && s.restart) await s.restart();
    return { ok: false, error: (e as Error).message, timedOut };
  }
}

/** BODY_CACHE_MB's default in the measured build (0 when that build has no body cache). */
async function bodyCacheMb(root: string): Promise<number> {
  try {
    const config = (await import(pathToFileURL(path.join(root, 'dist', 'src', 'config.js')).href)) as { VARIABLES?: Record<string, { name: string; default?: string }> };
    const v = Object.values(config.VARIABLES ?? {}).find((x) => x.name === 'BODY_CACHE_MB');
    return v?.default === undefined ? 0 : Number(v.default) || 0;
  } catch {
    return 0;
  }
}

async function main(): Promise<number> {
  // `npm run bench -- soak`: the long mixed load of bench/soak.ts instead of the table.
  if (process.argv[2] === 'soak') {
    const { runSoak } = await import('./soak.js');
    return runSoak(process.argv.slice(3), (c) => cleanups.push(c), log);
  }
  let opts: BenchOptions | undefined;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    log(`bench: ${(e as Error).message}`);
    return 2;
  }
  if (!opts) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const benchStart = performance.now();
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-').replace(/Z$/, '');
  await mkdir(RESULTS_DIR, { recursive: true });
  const machine = describeMachine();
  const timings: Record<string, number> = {};
  const failures: string[] = [];
  const rows: Row[] = [];
  const lap = (name: string, since: number) => (timings[name] = Math.round((performance.now() - since) / 100) / 10);

  log(`brokerstar-dav bench (${opts.mode}): ${opts.demo.contacts} contacts, ${opts.demo.appointments} appointments, ${opts.demo.tasks} tasks`);
  if (opts.radicale) ensureRadicale(log);
  if (opts.xandikos) ensureXandikos(log);

  // The server as built now; edits in the work tree during the run do not reach it.
  const snapshotDir = await mkdtemp(path.join(os.tmpdir(), 'brokerstar-bench-code-'));
  cleanups.push(() => rm(snapshotDir, { recursive: true, force: true }));
  const root = await snapshotServerCode(snapshotDir);
  const cacheMb = await bodyCacheMb(root);

  // 1. Data
  let t = performance.now();
  log('Setting up PostgreSQL and demo data ...');
  const db = await createBenchDatabase(opts.demo, { migrationsDir: path.join(root, 'migrations'), diagnose: opts.diagnose, postgresLog: path.join(RESULTS_DIR, `${stamp}-postgres.log`) }, log);
  cleanups.push(() => db.close());
  lap('setupSeconds', t);
  timings.dataSeconds = Math.round(db.seconds.data * 10) / 10;
  machine.postgres = db.postgresVersion;
  log(`  ${db.summary.contacts} contacts (${db.summary.photos} photos, ${(db.summary.photoBytes / 1024 ** 2).toFixed(0)} MiB), ${db.summary.appointments} appointments, ${db.summary.tasks} tasks in ${timings.dataSeconds} s`);

  // 2. Our server, in its own process
  t = performance.now();
  const profileDir = opts.profile ? path.join(RESULTS_DIR, `${stamp}-cpuprofile`) : undefined;
  if (profileDir) await mkdir(profileDir, { recursive: true });
  log('Starting brokerstar-dav (first start renders everything BrokerStar holds) ...');
  const server: ServerProcess = await startServerProcess({
    root,
    databaseUrl: db.url,
    maxRecords: opts.maxRecords,
    logFile: path.join(RESULTS_DIR, `${stamp}-server.log`),
    cpuProfileDir: profileDir,
  });
  cleanups.push(() => server.stop());
  timings.serverStartSeconds = Math.round(server.startSeconds * 10) / 10;
  log(`  listening at ${server.origin} after ${timings.serverStartSeconds} s`);

  const postmaster = childNamed(process.pid, 'postgres');
  if (postmaster === undefined) log('  (PostgreSQL process not found: its CPU time is not reported)');
  const oursT = target(server.origin, db.username, db.password, keepAliveAgent(4));
  const found = await discover(oursT);
  const urls = {
    addressbook: collectionBySlug(found, 'kontakte').href,
    events: collectionBySlug(found, 'termine').href,
    tasks: collectionBySlug(found, 'aufgaben').href,
  };
  const ours: Subject = {
    name: 'ours',
    label: 'brokerstar-dav',
    t: oursT,
    pid: server.pid,
    cpu: { server: server.pid, postgres: postmaster },
    urls,
    async changeContacts(names, revision) {
      const ids = names.map((n) => n.replace(/\.vcf$/, ''));
      const { rowCount } = await db.pool.query('UPDATE brokerstar.contact SET notes = $2 WHERE id = ANY($1::bigint[])', [ids, `Bench revision ${revision}`]);
      if (rowCount !== names.length) throw new Error(`changed ${rowCount} of ${names.length} contacts`);
    },
    serverTimings: () => serverTimings(server.origin),
    state: { contactHrefs: [], token: undefined, revision: 0, changeCursor: 0 },
  };

  // 3. What our server serves, exported for Radicale and as the expected counts
  t = performance.now();
  log('Exporting the served objects ...');
  const exported: ExportedCollection[] = [
    await exportCollection(oursT, urls.addressbook, { slug: 'kontakte', kind: 'addressbook', displayName: 'Kontakte' }),
    await exportCollection(oursT, urls.events, { slug: 'termine', kind: 'calendar', displayName: 'Termine', component: 'VEVENT' }),
    await exportCollection(oursT, urls.tasks, { slug: 'aufgaben', kind: 'calendar', displayName: 'Aufgaben', component: 'VTODO' }),
  ];
  const [contacts, events, tasks] = exported as [ExportedCollection, ExportedCollection, ExportedCollection];
  lap('exportSeconds', t);
  const { rows: who } = await db.pool.query<{ time_zone: string; id: string }>('SELECT id::text, time_zone FROM brokerstar.employee WHERE username = $1', [db.username]);
  const { rows: coll } = await db.pool.query<{ key: string; eligible: number; served: number }>(
    `SELECT key, eligible, served FROM dav.collection WHERE key IN ($1, $2, $3)`,
    [`contacts:${who[0]!.id}`, `events:${who[0]!.id}`, `tasks:${who[0]!.id}`],
  );
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const expected: Expected = {
    contacts: contacts.objects.length,
    events: events.objects.length,
    tasks: tasks.objects.length,
    eventQuery: expectedEventCounts(events, now, who[0]!.time_zone),
  };
  log(`  served: ${expected.contacts} contacts (${(contacts.bytes / 1024 ** 2).toFixed(1)} MiB), ${expected.events} events, ${expected.tasks} tasks; ` +
      `queries match ${expected.eventQuery.open} (open) and ${expected.eventQuery.window} (window) events`);
  if (opts.mode === 'full' && (expected.contacts !== opts.maxRecords || expected.events !== opts.maxRecords)) {
    failures.push(`expected the capped collections to hold ${opts.maxRecords} items, got ${expected.contacts} contacts and ${expected.events} events`);
  }

  // 4. Radicale and Xandikos on the same data
  const others: Subject[] = [];
  /** Each other server's way to add a collection while it runs (the raised-cap listing of row 8). */
  const addCollection = new Map<Competitor, (c: ExportedCollection) => Promise<void>>();
  const fresh = () => ({ contactHrefs: [], token: undefined, revision: 0, changeCursor: 0 });
  const urlsOf = async (t: ReturnType<typeof target>) => {
    const found = await discover(t);
    return { addressbook: collectionBySlug(found, 'kontakte').href, events: collectionBySlug(found, 'termine').href, tasks: collectionBySlug(found, 'aufgaben').href };
  };
  const revised = (body: string, revision: number) => body.replace(/X-BENCH-REVISION:[^\r\n]*\r\n/, '').replace(/END:VCARD\s*$/, `X-BENCH-REVISION:${revision}\r\nEND:VCARD\r\n`);
  if (opts.radicale) {
    t = performance.now();
    const dir = path.join(db.dir, 'radicale');
    await writeRadicaleStorage(path.join(dir, 'storage'), db.username, exported);
    const radProc = await startRadicale(dir, db.username, path.join(RESULTS_DIR, `${stamp}-radicale.log`));
    cleanups.push(() => radProc.stop());
    machine.radicale = radProc.version;
    const radT = { ...target(radProc.origin, db.username, 'bench', keepAliveAgent(4)), timeoutMs: opts.otherTimeoutSeconds * 1000 };
    others.push({
      name: 'radicale',
      label: 'Radicale',
      t: radT,
      pid: radProc.pid,
      cpu: { server: radProc.pid },
      urls: await urlsOf(radT),
      async changeContacts(names, revision) {
        for (const n of names) {
          const file = path.join(radProc.collectionDir('kontakte'), n);
          await writeFile(file, revised(await readFile(file, 'utf8'), revision));
        }
      },
      stop: () => radProc.stop(),
      state: fresh(),
    });
    addCollection.set('radicale', (c) => writeRadicaleStorage(path.join(dir, 'storage'), db.username, [c]));
    lap('radicaleSetupSeconds', t);
    log(`  Radicale ${radProc.version} at ${radProc.origin}`);
  }
  if (opts.xandikos) {
    t = performance.now();
    const dir = path.join(db.dir, 'xandikos');
    await writeXandikosStorage(dir, db.username, exported);
    const known = [...exported];
    const xanLog = path.join(RESULTS_DIR, `${stamp}-xandikos.log`);
    let xanProc = await startXandikos(dir, db.username, known, xanLog);
    cleanups.push(() => xanProc.stop());
    machine.xandikos = xanProc.version;
    const xanTarget = (origin: string) => ({ ...target(origin, db.username, 'bench', keepAliveAgent(4)), timeoutMs: opts.otherTimeoutSeconds * 1000 });
    const xanT = xanTarget(xanProc.origin);
    const xandikos: Subject = {
      name: 'xandikos',
      label: 'Xandikos',
      t: xanT,
      pid: xanProc.pid,
      cpu: { server: xanProc.pid },
      urls: await urlsOf(xanT),
      async changeContacts(names, revision) {
        for (const n of names) {
          const file = path.join(xanProc.collectionDir('kontakte'), n);
          await writeFile(file, revised(await readFile(file, 'utf8'), revision));
        }
        // Xandikos serves what its git index holds, as after a PUT: the change is committed.
        xanProc.commit('kontakte', `Bench revision ${revision}`);
      },
      stop: () => xanProc.stop(),
      async restart() {
        await xanProc.stop();
        xanProc = await startXandikos(dir, db.username, known, xanLog);
        xandikos.t.agent.destroy();
        xandikos.t = xanTarget(xanProc.origin);
        xandikos.pid = xanProc.pid;
        xandikos.cpu = { server: xanProc.pid };
        log(`  Xandikos restarted after a timeout, now at ${xanProc.origin}`);
      },
      state: fresh(),
    };
    others.push(xandikos);
    addCollection.set('xandikos', async (c) => {
      known.push(c);
      await writeXandikosStorage(dir, db.username, [c]);
    });
    lap('xandikosSetupSeconds', t);
    log(`  Xandikos ${xanProc.version} at ${xanProc.origin}`);
  }
  log(`Machine: ${machineLine(machine)}\n`);

  // 5. The rows
  const windows = new Map<string, Window[]>();
  const hooks: MeasureHooks = { windows, db, diagnose: opts.diagnose };
  const competitors = others.map((o) => o.name as Competitor);
  const othersFailed: string[] = [];
  process.stdout.write(`${tableHeader(competitors)}\n`);
  const emit = (row: Row) => {
    rows.push(row);
    process.stdout.write(`${tableLine(row)}\n`);
    for (const k of ['ours', ...COMPETITORS] as const) {
      const side = row[k];
      // Another server's wrong or late answers are results (shown in its cell and listed), not failures of ours.
      if (side && 'ok' in side && !side.ok && k !== 'ours' && !('timedOut' in side && side.timedOut)) othersFailed.push(`${row.id} ${SERVER_LABELS[k]}: ${side.error}`);
      else if (side && 'ok' in side && !side.ok && k === 'ours') failures.push(`${row.id} ${k === 'ours' ? 'brokerstar-dav' : SERVER_LABELS[k]}: ${side.error}`);
    }
  };
  /** Runs `f` on ours, then on each other server: the sides of a row. */
  const onEach = async <T>(f: (s: Subject) => Promise<T>): Promise<{ ours: T } & Partial<Record<Competitor, T>>> => {
    const out: { ours: T } & Partial<Record<Competitor, T>> = { ours: await f(ours) };
    for (const s of others) out[s.name as Competitor] = await f(s);
    return out;
  };
  t = performance.now();
  const scenarios = buildScenarios(expected, now);
  // Rows 2 and 3 need the listing's hrefs, 4 the initial token: they run when selected rows need them.
  const needs = (id: string) => selected(opts, id) || (id === '2' && opts.only.some((p) => p.startsWith('3') || p.startsWith('4'))) || (id === '4-initial' && opts.only.some((p) => p.startsWith('4')));
  const trackers = new Map<string, Map<Subject, PeakTracker>>();
  const finishMemory = (tag: string) => {
    const tr = trackers.get(tag);
    if (!tr) return;
    trackers.delete(tag);
    const peaks: Partial<Record<'ours' | Competitor, { peakMiB: number; startMiB: number }>> = {};
    for (const [s, tracker] of tr) {
      const m = tracker.stop();
      peaks[s.name] = { peakMiB: m.peakMiB, startMiB: m.startMiB };
    }
    emit({
      kind: 'memory',
      id: `7-${tag}`,
      group: 7,
      label: `peak RSS during ${tag === 'multiget' ? '3 (multiget sweeps)' : '4 (sync-collection)'}`,
      items: expected.contacts,
      ...peaks,
      ours: peaks.ours!,
    });
  };
  let memoryTag: string | undefined;
  for (const sc of scenarios) {
    if (!needs(sc.id)) continue;
    if (memoryTag && sc.memory !== memoryTag) finishMemory(memoryTag);
    if (sc.memory && !trackers.has(sc.memory)) {
      trackers.set(sc.memory, new Map([ours, ...others].map((s) => [s, new PeakTracker(s.pid).start()])));
    }
    memoryTag = sc.memory;
    const cpu = cpuSnapshot();
    const sides = await onEach((s) => measure(sc, s, opts, hooks));
    emit({ kind: 'timed', id: sc.id, group: sc.group, label: sc.label, client: sc.client, ...sides, foreignCpu: foreignCpu(cpu, cpuSnapshot()) });
  }
  if (memoryTag) finishMemory(memoryTag);
  lap('rowsSeconds', t);

  // 6. The mixed load and the polling loads, from a separate process
  t = performance.now();
  const week = currentWeek(now);
  const loadSide = (id: string, clients: number, mix: (s: Subject) => MixParams | undefined) => async (s: Subject): Promise<LoadSide> => {
    const tracker = new PeakTracker(s.pid).start();
    const from = monotonicUs();
    const cpu0 = cpuOf(s);
    try {
      const out = await runLoadProcess({
        origin: s.t.origin,
        username: s.t.username,
        password: s.t.password,
        clients,
        warmupMs: opts.load.warmupSeconds * 1000,
        durationMs: opts.load.seconds * 1000,
        collections: [s.urls.addressbook, s.urls.events, s.urls.tasks],
        timeoutMs: 30_000,
        mix: mix(s),
      });
      if (s.name === 'ours') windows.set(id, [{ fromUs: from + opts.load.warmupSeconds * 1_000_000, toUs: monotonicUs() }]);
      const pct = (lat: readonly number[], p: number) => lat[Math.min(lat.length - 1, Math.max(0, Math.ceil((p / 100) * lat.length) - 1))] ?? Number.NaN;
      const lat = out.latencies;
      const kinds: Record<string, KindStats> = {};
      for (const [k, v] of Object.entries(out.kinds)) {
        kinds[k] = { requests: v.requests, requestsPerSecond: v.requests / out.seconds, p50Ms: pct(v.latencies, 50), p99Ms: pct(v.latencies, 99), errors: v.errors };
      }
      return {
        ok: true,
        requestsPerSecond: out.requestsPerSecond,
        requests: out.requests,
        errors: out.errors,
        unfinished: out.unfinished,
        p50Ms: pct(lat, 50),
        p99Ms: pct(lat, 99),
        maxMs: lat[lat.length - 1],
        errorSamples: out.errorSamples,
        peakRssMiB: tracker.stop().peakMiB,
        kinds,
        wireBytesPerRequest: out.requests ? out.wireBytes / out.requests : undefined,
        cpuMs: cpuPer(cpu0, cpuOf(s), out.completed),
      };
    } catch (e) {
      tracker.stop();
      return { ok: false, error: (e as Error).message };
    }
  };
  if (opts.mixed && selected(opts, `6-mixed-${opts.mixed.clients}`)) {
    const { clients, weights } = opts.mixed;
    const id = `6-mixed-${clients}`;
    // Items to GET: up to 200 of each collection, by the names the export gave (the same on every server).
    const itemsOf = (s: Subject) =>
      ([[s.urls.addressbook, contacts], [s.urls.events, events], [s.urls.tasks, tasks]] as const).flatMap(([url, c]) => c.objects.slice(0, 200).map((o) => `${url}${encodeURIComponent(o.name)}`));
    const weekBody = iosEventQuery(week.start, week.end, true);
    const cpu = cpuSnapshot();
    const sides = await onEach(loadSide(id, clients, (s) => ({ weights, week: { path: s.urls.events, body: weekBody, expected: expected.eventQuery.week }, items: itemsOf(s) })));
    const mixText = `${weights.poll}/${weights.sync}/${weights.week}/${weights.get}`;
    emit({ foreignCpu: foreignCpu(cpu, cpuSnapshot()), kind: 'load', id, group: 6, label: `mixed load (polls/no-change syncs/one-week queries with data/GETs ${mixText}), ${opts.load.seconds} s`, clients, seconds: opts.load.seconds, ...sides });
    for (const [k, side] of Object.entries(sides) as [string, LoadSide][]) {
      if (!side.ok || !side.kinds) continue;
      const text = Object.entries(side.kinds).map(([kind, v]) => `${kind} ${Math.round(v.requestsPerSecond)} req/s, median ${fmtMs(v.p50Ms)}, p99 ${fmtMs(v.p99Ms)}, ${v.errors} errors`).join('; ');
      process.stdout.write(`               ${k === 'ours' ? 'brokerstar-dav' : SERVER_LABELS[k as Competitor]}: ${text}\n`);
    }
  }
  for (const clients of opts.load.clients) {
    const id = `6-load-${clients}`;
    if (!selected(opts, id)) continue;
    const cpu = cpuSnapshot();
    const sides = await onEach(loadSide(id, clients, () => undefined));
    emit({ foreignCpu: foreignCpu(cpu, cpuSnapshot()), kind: 'load', id, group: 6, label: `polling load: PROPFIND getctag + no-change sync-collection, ${opts.load.seconds} s`, clients, seconds: opts.load.seconds, ...sides });
  }
  lap('loadSeconds', t);

  // 7. Stop our server; per-row CPU profile summaries
  await server.stop();
  if (profileDir) {
    const files = (await readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile'));
    if (files[0]) {
      const profile = await loadProfile(path.join(profileDir, files[0]));
      const texts: string[] = [];
      for (const row of rows) {
        const w = windows.get(row.id);
        if (!w || row.kind === 'memory') continue;
        const summary = summarizeProfile(profile, w);
        (row.ours as { profile?: unknown }).profile = summary;
        texts.push(formatProfile(`${row.id} ${row.label}`, summary));
      }
      texts.push(formatProfile('whole run (startup included)', summarizeProfile(profile, undefined, 30), 30));
      await writeFile(path.join(profileDir, 'summary.txt'), `${texts.join('\n\n')}\n`);
      log(`CPU profile: ${path.join(profileDir, files[0])}; per-row summary in ${path.join(profileDir, 'summary.txt')}`);
    }
  }

  // 8. Every appointment listed: a fresh server with the cap raised so it serves all of hers, and
  // the same objects as a new collection on the other servers
  t = performance.now();
  if (selected(opts, '8-listing')) {
    const eligible = coll.find((c) => c.key === `events:${who[0]!.id}`)?.eligible ?? expected.events;
    const cap = Math.max(eligible, opts.maxRecords);
    let raised: ServerProcess | undefined;
    try {
      raised = await startServerProcess({ root, databaseUrl: db.url, maxRecords: cap, logFile: path.join(RESULTS_DIR, `${stamp}-server-listing.log`) });
      const origin = raised.origin;
      const rt = target(origin, db.username, db.password, keepAliveAgent(4));
      const urls = await urlsOf(rt);
      const all = await exportCollection(rt, urls.events, { slug: 'termine-alle', kind: 'calendar', displayName: 'Termine (alle)', component: 'VEVENT' });
      log(`  MAX_RECORDS=${cap}: ${all.objects.length} appointments (${eligible} eligible)`);
      for (const add of addCollection.values()) await add(all);
      const listingOurs: Subject = { ...ours, t: rt, pid: raised.pid, cpu: { server: raised.pid, postgres: postmaster }, urls, serverTimings: () => serverTimings(origin), state: fresh() };
      const sc = eventListing(all.objects.length);
      const cpu = cpuSnapshot();
      const sides: Partial<Record<'ours' | Competitor, TimedSide>> = { ours: await measure(sc, listingOurs, opts, hooks) };
      for (const s of others) sides[s.name as Competitor] = await measure(sc, { ...s, urls: { ...s.urls, events: s.urls.events.replace(/termine\/?$/, 'termine-alle/') } }, opts, hooks);
      emit({ kind: 'timed', id: sc.id, group: sc.group, label: `${sc.label} (MAX_RECORDS=${cap})`, client: sc.client, ...sides, ours: sides.ours!, foreignCpu: foreignCpu(cpu, cpuSnapshot()) });
      rt.agent.destroy();
    } catch (e) {
      failures.push(`8-listing: ${(e as Error).message}`);
    } finally {
      await raised?.stop();
    }
  }
  for (const s of others) await s.stop?.();
  lap('listingSeconds', t);

  // 9. Memory growth with the collection size: a fresh server process per MAX_RECORDS
  t = performance.now();
  if (opts.growth.length && selected(opts, '7-growth')) {
    for (const cap of opts.growth) {
      const g = await measureGrowth({ root, db, cap, logFile: path.join(RESULTS_DIR, `${stamp}-server-growth.log`), log }).catch((e: unknown) => ({ error: (e as Error).message }));
      if ('error' in g) {
        failures.push(`7-growth-${cap}: ${g.error}`);
        continue;
      }
      emit({
        kind: 'memory',
        id: `7-growth-${cap}`,
        group: 7,
        label: `peak RSS, MAX_RECORDS=${cap}: multiget sweeps (100, 500) + initial sync with data`,
        items: g.items,
        ours: { peakMiB: g.peakMiB, startMiB: g.startMiB },
      });
    }
  }
  lap('growthSeconds', t);
  lap('totalSeconds', benchStart);

  // 10. Output
  const goals = evaluateGoals(rows, { bodyCacheMb: cacheMb, fullScale: opts.mode === 'full' });
  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    mode: opts.mode,
    machine,
    data: {
      demo: db.summary,
      served: { contacts: expected.contacts, events: expected.events, tasks: expected.tasks },
      collections: coll,
      eventQueryMatches: expected.eventQuery,
      exportedBytes: Object.fromEntries(exported.map((c) => [c.slug, c.bytes])),
      queryNow: now.toISOString(),
    },
    timings,
    rows,
    goals,
    failures,
    othersFailed,
  };
  const file = await writeResults(RESULTS_DIR, stamp, results);
  process.stdout.write(`\n${tableHeader(competitors)}\n${rows.map(tableLine).join('\n')}\n`);
  process.stdout.write(`\nMachine: ${machineLine(machine)}\n`);
  process.stdout.write(`Data: ${db.summary.contacts} contacts (${db.summary.photos} with 1-3 MB photos), ${expected.contacts} in the measured address book, ${expected.events} events, ${expected.tasks} tasks\n`);
  process.stdout.write(`\nMarkdown (for docs/benchmarks.md and the README headline):\n\n${markdownTable(rows, competitors)}\n\n${goalsTable(goals)}\n\n`);
  const disturbed = rows.filter((r) => (r.foreignCpu ?? 0) > 0.1);
  if (disturbed.length) {
    process.stdout.write(
      `WARNING: other processes used more than 10% of the machine during ${disturbed.map((r) => `${r.id} (${Math.round((r.foreignCpu ?? 0) * 100)}%)`).join(', ')}; ` +
        'those numbers are not comparable. Run the bench on an otherwise idle machine.\n',
    );
  }
  process.stdout.write(`\nGoals of issue 17 (${goals.filter((g) => g.verdict === 'met').length} of ${goals.length} met):\n${goalLines(goals)}\n`);
  process.stdout.write(`Total ${fmtMs(timings.totalSeconds! * 1000)}; results in ${path.relative(PROJECT_ROOT, file)}\n`);
  if (othersFailed.length) process.stdout.write(`\nAnswers of other servers that failed validation (their rows say FAILED; not a failure of the bench):\n${othersFailed.map((f) => `  - ${f}`).join('\n')}\n`);
  if (failures.length) {
    process.stdout.write(`\nFAILURES:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
    return 1;
  }
  return 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (e: unknown) => {
    log(`bench failed: ${(e as Error).stack ?? String(e)}`);
    await cleanup();
    process.exit(1);
  });
