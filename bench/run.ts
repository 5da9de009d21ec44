// `npm run bench`: sets up the data, runs our server and Radicale on it, measures every row
// against both, and prints and writes the results. Each step lives in its own module; this file
// only orders them. See docs/benchmarks.md.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/paths.js';
import { formatProfile, loadProfile, monotonicUs, summarizeProfile, type Window } from './cpuprofile.js';
import { collectionBySlug, discover } from './discovery.js';
import { exportCollection, type ExportedCollection } from './export.js';
import { measureGrowth } from './growth.js';
import { keepAliveAgent, request, target } from './http.js';
import { runLoadProcess } from './load.js';
import { describeMachine, machineLine } from './machine.js';
import { PeakTracker } from './memory.js';
import { childNamed, cpuSnapshot, foreignCpu, processTreeCpuMs } from './interference.js';
import { HELP, parseOptions, type BenchOptions } from './options.js';
import { ensureRadicale, startRadicale, writeRadicaleStorage, type RadicaleProcess } from './radicale.js';
import {
  fmtMs,
  fmtRatio,
  markdownTable,
  ratioOf,
  tableHeader,
  tableLine,
  writeResults,
  type BenchResults,
  type LoadSide,
  type Row,
  type StatementStat,
  type TimedSide,
} from './report.js';
import { buildScenarios, expectedEventCounts, type Expected, type Scenario, type Subject } from './scenarios.js';
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
  try {
    for (let i = 0; i < plan.warmup; i++) await sc.run(s);
    const ours = s.name === 'ours';
    const before = sc.serverTime && s.serverTimings ? await s.serverTimings() : undefined;
    if (ours && hooks.diagnose) await hooks.db.pool.query('SELECT pg_stat_statements_reset()');
    const cpu0 = cpuOf(s);
    const from = monotonicUs();
    const started = performance.now();
    const samples = [];
    while (samples.length < plan.repeats) {
      samples.push(await sc.run(s));
      if (samples.length >= 3 && (performance.now() - started) / 1000 > plan.budgetSeconds) break;
    }
    const cpu1 = cpuOf(s);
    if (ours) hooks.windows.set(sc.id, [{ fromUs: from, toUs: monotonicUs() }]);
    const statements = ours && hooks.diagnose ? await topStatements(hooks.db, samples.length) : undefined;
    const after = before && s.serverTimings ? await s.serverTimings() : undefined;
    const serverMs = before && after ? ((after.sum - before.sum) / Math.max(1, after.count - before.count - 1)) * 1000 : undefined;
    const perRequest = samples.flatMap((x) => x.requestMs ?? []);
    return {
      ok: true,
      ms: summarize(samples.map((x) => x.ms)),
      bytes: summarize(samples.map((x) => x.bytes)).median,
      requests: samples[0]?.requests,
      items: samples[0]?.items,
      perRequestMs: perRequest.length > samples.length ? summarize(perRequest) : undefined,
      serverMs,
      cpuMs: cpuPer(cpu0, cpu1, samples.length),
      samplesMs: samples.map((x) => Math.round(x.ms * 100) / 100),
      statements,
    };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
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

  // The server as built now; edits in the work tree during the run do not reach it.
  const snapshotDir = await mkdtemp(path.join(os.tmpdir(), 'brokerstar-bench-code-'));
  cleanups.push(() => rm(snapshotDir, { recursive: true, force: true }));
  const root = await snapshotServerCode(snapshotDir);

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

  // 4. Radicale on the same data
  let radicale: Subject | undefined;
  let rad: RadicaleProcess | undefined;
  if (opts.radicale) {
    t = performance.now();
    const dir = path.join(db.dir, 'radicale');
    await writeRadicaleStorage(path.join(dir, 'storage'), db.username, exported);
    rad = await startRadicale(dir, db.username, path.join(RESULTS_DIR, `${stamp}-radicale.log`));
    const radProc = rad;
    cleanups.push(() => radProc.stop());
    machine.radicale = rad.version;
    const radT = target(rad.origin, db.username, 'bench', keepAliveAgent(4));
    const rfound = await discover(radT);
    radicale = {
      name: 'radicale',
      label: 'Radicale',
      t: radT,
      pid: rad.pid,
      cpu: { server: rad.pid },
      urls: {
        addressbook: collectionBySlug(rfound, 'kontakte').href,
        events: collectionBySlug(rfound, 'termine').href,
        tasks: collectionBySlug(rfound, 'aufgaben').href,
      },
      async changeContacts(names, revision) {
        for (const n of names) {
          const file = path.join(radProc.collectionDir('kontakte'), n);
          const body = (await readFile(file, 'utf8')).replace(/X-BENCH-REVISION:[^\r\n]*\r\n/, '');
          await writeFile(file, body.replace(/END:VCARD\s*$/, `X-BENCH-REVISION:${revision}\r\nEND:VCARD\r\n`));
        }
      },
      state: { contactHrefs: [], token: undefined, revision: 0, changeCursor: 0 },
    };
    lap('radicaleSetupSeconds', t);
    log(`  Radicale ${rad.version} at ${rad.origin}`);
  }
  log(`Machine: ${machineLine(machine)}\n`);

  // 5. The rows
  const windows = new Map<string, Window[]>();
  const hooks: MeasureHooks = { windows, db, diagnose: opts.diagnose };
  process.stdout.write(`${tableHeader()}\n`);
  const emit = (row: Row) => {
    rows.push(row);
    process.stdout.write(`${tableLine(row)}\n`);
    const sides = [['brokerstar-dav', row.ours], ['Radicale', row.radicale]] as const;
    for (const [name, side] of sides) if (side && 'ok' in side && !side.ok) failures.push(`${row.id} ${name}: ${side.error}`);
  };
  t = performance.now();
  const scenarios = buildScenarios(expected, now);
  // Rows 2 and 3 need the listing's hrefs, 4 the initial token: they run when selected rows need them.
  const needs = (id: string) => selected(opts, id) || (id === '2' && opts.only.some((p) => p.startsWith('3') || p.startsWith('4'))) || (id === '4-initial' && opts.only.some((p) => p.startsWith('4')));
  const trackers = new Map<string, { ours: PeakTracker; radicale?: PeakTracker }>();
  const finishMemory = (tag: string) => {
    const tr = trackers.get(tag);
    if (!tr) return;
    trackers.delete(tag);
    const o = tr.ours.stop();
    const r = tr.radicale?.stop();
    emit({
      kind: 'memory',
      id: `7-${tag}`,
      group: 7,
      label: `peak RSS during ${tag === 'multiget' ? '3 (multiget sweeps)' : '4 (sync-collection)'}`,
      items: expected.contacts,
      ours: { peakMiB: o.peakMiB, startMiB: o.startMiB },
      radicale: r ? { peakMiB: r.peakMiB, startMiB: r.startMiB } : undefined,
    });
  };
  let memoryTag: string | undefined;
  for (const sc of scenarios) {
    if (!needs(sc.id)) continue;
    if (memoryTag && sc.memory !== memoryTag) finishMemory(memoryTag);
    if (sc.memory && !trackers.has(sc.memory)) {
      trackers.set(sc.memory, { ours: new PeakTracker(ours.pid).start(), radicale: radicale ? new PeakTracker(radicale.pid).start() : undefined });
    }
    memoryTag = sc.memory;
    const cpu = cpuSnapshot();
    const o = await measure(sc, ours, opts, hooks);
    const r = radicale ? await measure(sc, radicale, opts, hooks) : undefined;
    emit({ kind: 'timed', id: sc.id, group: sc.group, label: sc.label, client: sc.client, ours: o, radicale: r, foreignCpu: foreignCpu(cpu, cpuSnapshot()) });
  }
  if (memoryTag) finishMemory(memoryTag);
  lap('rowsSeconds', t);

  // 6. Polling load, from a separate process
  t = performance.now();
  for (const clients of opts.load.clients) {
    const id = `6-load-${clients}`;
    if (!selected(opts, id)) continue;
    const side = async (s: Subject): Promise<LoadSide> => {
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
        });
        if (s.name === 'ours') windows.set(id, [{ fromUs: from + opts.load.warmupSeconds * 1_000_000, toUs: monotonicUs() }]);
        const lat = out.latencies;
        const pct = (p: number) => lat[Math.min(lat.length - 1, Math.max(0, Math.ceil((p / 100) * lat.length) - 1))];
        return {
          ok: true,
          requestsPerSecond: out.requestsPerSecond,
          requests: out.requests,
          errors: out.errors,
          unfinished: out.unfinished,
          p50Ms: pct(50),
          p99Ms: pct(99),
          maxMs: lat[lat.length - 1],
          errorSamples: out.errorSamples,
          peakRssMiB: tracker.stop().peakMiB,
          cpuMs: cpuPer(cpu0, cpuOf(s), out.completed),
        };
      } catch (e) {
        tracker.stop();
        return { ok: false, error: (e as Error).message };
      }
    };
    const cpu = cpuSnapshot();
    const o = await side(ours);
    const r = radicale ? await side(radicale) : undefined;
    emit({ foreignCpu: foreignCpu(cpu, cpuSnapshot()), kind: 'load', id, group: 6, label: `polling load: PROPFIND getctag + no-change sync-collection, ${opts.load.seconds} s`, clients, seconds: opts.load.seconds, ours: o, radicale: r });
  }
  lap('loadSeconds', t);

  // 7. Stop; per-row CPU profile summaries
  await rad?.stop();
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

  // 8. Memory growth with the collection size: a fresh server process per MAX_RECORDS
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

  // 9. Output
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
    failures,
  };
  const file = await writeResults(RESULTS_DIR, stamp, results);
  process.stdout.write(`\n${tableHeader()}\n${rows.map(tableLine).join('\n')}\n`);
  process.stdout.write(`\nMachine: ${machineLine(machine)}\n`);
  process.stdout.write(`Data: ${db.summary.contacts} contacts (${db.summary.photos} with 1-3 MB photos), ${expected.contacts} in the measured address book, ${expected.events} events, ${expected.tasks} tasks\n`);
  process.stdout.write(`\nMarkdown (for docs/benchmarks.md and the README headline):\n\n${markdownTable(rows)}\n\n`);
  const disturbed = rows.filter((r) => (r.foreignCpu ?? 0) > 0.1);
  if (disturbed.length) {
    process.stdout.write(
      `WARNING: other processes used more than 10% of the machine during ${disturbed.map((r) => `${r.id} (${Math.round((r.foreignCpu ?? 0) * 100)}%)`).join(', ')}; ` +
        'those numbers are not comparable. Run the bench on an otherwise idle machine.\n',
    );
  }
  const slow = rows.filter((r) => r.radicale && (ratioOf(r) ?? 0) < 20 && r.kind !== 'memory');
  if (slow.length) process.stdout.write(`Rows under 20x Radicale: ${slow.map((r) => `${r.id} (${fmtRatio(ratioOf(r))})`).join(', ')}\n`);
  process.stdout.write(`Total ${fmtMs(timings.totalSeconds! * 1000)}; results in ${path.relative(PROJECT_ROOT, file)}\n`);
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
