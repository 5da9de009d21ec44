// Shared by the third-party client tests (issue 6): one known firm seeded into BrokerStar's tables,
// a test server over it, temporary folders, and a way to run a client program with a time limit.
// A missing client program is a test failure with the command that installs it, never a skip.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { builders } from '../support/builders.js';
import type { TestDatabase } from '../support/database.js';
import { startTestServer, type TestServer, type TestServerOptions } from '../support/server.js';
import { wallClockFields } from '../support/time.js';

// ---------------------------------------------------------------- the firm

/** The employee every client logs in as. */
export const USER = 'anna.meier';
export const COLLEAGUE = 'beat.keller';

export const PATHS = {
  principal: `/dav/principals/${USER}/`,
  calendarHome: `/dav/calendars/${USER}/`,
  addressbookHome: `/dav/addressbooks/${USER}/`,
  termine: `/dav/calendars/${USER}/termine/`,
  aufgaben: `/dav/calendars/${USER}/aufgaben/`,
  shared: `/dav/calendars/${USER}/termine-${COLLEAGUE}/`,
  kontakte: `/dav/addressbooks/${USER}/kontakte/`,
  meineKunden: `/dav/addressbooks/${USER}/meine-kunden/`,
  geburtstage: `/dav/calendars/${USER}/geburtstage/`,
} as const;

/** The BrokerStar ids of everything seeded, by role. */
export interface FirmIds {
  readonly anna: string;
  readonly beat: string;
  readonly claudia: string;
  /** Hans Muster, a person with photo, two emails, two phones, an address; advisor Anna. */
  readonly hans: string;
  /** Zürcher Versicherung AG, a company-only contact. */
  readonly insurer: string;
  /** Zoë Brunner-Lüthi: non-ASCII name, a note with ; and , (escaping). */
  readonly zoe: string;
  /** Restricted to Claudia: Anna must never see it. */
  readonly secret: string;
  /** Archived: nobody sees it. */
  readonly archived: string;
  /** Anna's open task, high priority, due 2026-12-04 16:00 Zurich, concerns Hans. */
  readonly taskOpen: string;
  /** Anna's task in progress, 50 %. */
  readonly taskInProgress: string;
  /** Anna's done task. */
  readonly taskDone: string;
  /** Beat's task: not in Anna's list. */
  readonly taskOfBeat: string;
  /** Anna's appointment 2026-12-08 09:00–10:00 Zurich (CET), Beat participates. */
  readonly kundentermin: string;
  /** Anna's appointment 2027-06-24 17:30–19:00 Zurich (CEST). */
  readonly apero: string;
  /** Anna's weekly series (Mondays 08:30 Zurich, 4 times from 2027-03-15, across the DST change). */
  readonly teamsitzung: string;
  /** Anna's call 2026-12-09 10:00–10:30 in America/New_York. */
  readonly callNewYork: string;
  /** Anna's all-day appointment on 2026-12-15. */
  readonly messe: string;
  /** Beat's appointment 2026-12-10 14:00–15:00 Zurich (in Anna's view of Beat's calendar). */
  readonly beratungBeat: string;
  /** Beat's private appointment: a busy block in Anna's view of his calendar. */
  readonly privateBeat: string;
  /** Claudia's appointment: Anna sees it nowhere. */
  readonly claudiaTermin: string;
}

/** Names, addresses and times the clients must show, as BrokerStar holds them. */
export const FIRM = {
  hans: { fn: 'Hans Muster', email: 'hans.muster@musterbau.ch', email2: 'hans@muster.ch', org: 'Muster Bau AG', mobile: '+41 79 555 12 34' },
  insurer: { fn: 'Zürcher Versicherung AG', email: 'info@zuercher-vers.ch' },
  zoe: { fn: 'Zoë Brunner-Lüthi', email: 'zoe.brunner@example.ch', note: 'Rückruf bitte; nur vormittags, ab 9 Uhr' },
  secret: { fn: 'Geheim Kunde' },
  archived: { fn: 'Alt Archiviert' },
  taskOpen: { summary: 'Offerte Hausrat senden', due: '2026-12-04T16:00:00+01:00' },
  taskInProgress: { summary: 'Police prüfen', due: '2026-12-10T12:00:00+01:00' },
  taskDone: { summary: 'Rückruf Frau Brunner', completed: '2026-11-20T10:00:00Z' },
  taskOfBeat: { summary: 'Aufgabe von Beat' },
  kundentermin: { summary: 'Kundentermin Muster', start: '2026-12-08T09:00:00+01:00', end: '2026-12-08T10:00:00+01:00', location: 'Bahnhofstrasse 1, Zürich' },
  apero: { summary: 'Sommerapéro', start: '2027-06-24T17:30:00+02:00', end: '2027-06-24T19:00:00+02:00' },
  teamsitzung: {
    summary: 'Teamsitzung',
    start: '2027-03-15T08:30:00+01:00',
    end: '2027-03-15T09:30:00+01:00',
    rrule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=4',
    /** The occurrence of 22 March moved to 10:00; the one of 5 April cancelled. */
    moved: { original: '2027-03-22T08:30:00+01:00', start: '2027-03-22T10:00:00+01:00', end: '2027-03-22T11:00:00+01:00' },
    cancelled: '2027-04-05T08:30:00+02:00',
    /** Local start times (Europe/Zurich) of the occurrences that happen. */
    occurrences: ['2027-03-15 08:30', '2027-03-22 10:00', '2027-03-29 08:30'],
  },
  callNewYork: { summary: 'Call New York', start: '2026-12-09T10:00:00-05:00', end: '2026-12-09T10:30:00-05:00', timeZone: 'America/New_York' },
  messe: { summary: 'Messe Basel', date: '2026-12-15' },
  beratungBeat: { summary: 'Beratung Keller', start: '2026-12-10T14:00:00+01:00', end: '2026-12-10T15:00:00+01:00' },
  privateBeat: { summary: 'Arzttermin', start: '2026-12-11T07:30:00+01:00', end: '2026-12-11T08:30:00+01:00' },
  claudiaTermin: { summary: 'Claudias Termin', start: '2026-12-08T13:00:00+01:00' },
} as const;

/** Seeds the firm; returns the ids. Deterministic apart from the ids' values. */
export async function seedFirm(db: TestDatabase): Promise<FirmIds> {
  const b = builders(db.pool);
  const anna = await b.addEmployee({ username: USER, firstName: 'Anna', lastName: 'Meier', email: 'anna.meier@muster-treuhand.ch' });
  const beat = await b.addEmployee({ username: COLLEAGUE, firstName: 'Beat', lastName: 'Keller', email: 'beat.keller@muster-treuhand.ch' });
  const claudia = await b.addEmployee({ username: 'claudia.rossi', firstName: 'Claudia', lastName: 'Rossi', language: 'it' });
  await b.addShare(beat, anna);

  const hans = await b.addContact({
    firstName: 'Hans',
    lastName: 'Muster',
    companyName: FIRM.hans.org,
    jobTitle: 'Geschäftsführer',
    customerNo: 'K-000101',
    birthday: '1970-04-12',
    advisorId: anna,
    phones: [{ number: '+41 44 123 45 67', kind: 'work' }, { number: FIRM.hans.mobile, kind: 'mobile' }],
    emails: [{ address: FIRM.hans.email, kind: 'work' }, { address: FIRM.hans.email2, kind: 'home' }],
    addresses: [{ kind: 'work', street: 'Bahnhofstrasse 1', postalCode: '8001', city: 'Zürich', region: 'ZH' }],
    categories: ['Kunde', 'VIP'],
    photo: 'jpeg',
  });
  const insurer = await b.addContact({ companyName: FIRM.insurer.fn, emails: [FIRM.insurer.email], categories: ['Versicherer'] });
  const zoe = await b.addContact({ firstName: 'Zoë', lastName: 'Brunner-Lüthi', emails: [FIRM.zoe.email], notes: FIRM.zoe.note });
  const secret = await b.addContact({ firstName: 'Geheim', lastName: 'Kunde', emails: ['geheim@example.ch'], restrictedTo: [claudia] });
  const archived = await b.addContact({ firstName: 'Alt', lastName: 'Archiviert', archived: true });

  const taskOpen = await b.addTask({ assigneeId: anna, subject: FIRM.taskOpen.summary, priority: 1, dueAt: FIRM.taskOpen.due, contactId: hans });
  const taskInProgress = await b.addTask({ assigneeId: anna, subject: FIRM.taskInProgress.summary, status: 'in_progress', percentComplete: 50, dueAt: FIRM.taskInProgress.due });
  const taskDone = await b.addTask({ assigneeId: anna, subject: FIRM.taskDone.summary, status: 'done', completedAt: FIRM.taskDone.completed, contactId: zoe });
  const taskOfBeat = await b.addTask({ assigneeId: beat, subject: FIRM.taskOfBeat.summary });

  const k = FIRM.kundentermin;
  const kundentermin = await b.addAppointment({
    ownerId: anna,
    subject: k.summary,
    startsAt: k.start,
    endsAt: k.end,
    location: k.location,
    contactId: hans,
    participants: [{ employeeId: beat, response: 'accepted' }],
  });
  const apero = await b.addAppointment({ ownerId: anna, subject: FIRM.apero.summary, startsAt: FIRM.apero.start, endsAt: FIRM.apero.end });
  const t = FIRM.teamsitzung;
  const teamsitzung = await b.addAppointment({
    ownerId: anna,
    subject: t.summary,
    startsAt: t.start,
    endsAt: t.end,
    recurrenceRule: t.rrule,
    exceptions: [
      { originalStart: t.moved.original, startsAt: t.moved.start, endsAt: t.moved.end },
      { originalStart: t.cancelled, cancelled: true },
    ],
  });
  const n = FIRM.callNewYork;
  const callNewYork = await b.addAppointment({ ownerId: anna, subject: n.summary, startsAt: n.start, endsAt: n.end, timeZone: n.timeZone });
  const messe = await b.addAppointment({ ownerId: anna, subject: FIRM.messe.summary, startsAt: FIRM.messe.date, allDay: true });
  const beratungBeat = await b.addAppointment({ ownerId: beat, subject: FIRM.beratungBeat.summary, startsAt: FIRM.beratungBeat.start, endsAt: FIRM.beratungBeat.end });
  const privateBeat = await b.addAppointment({
    ownerId: beat,
    subject: FIRM.privateBeat.summary,
    startsAt: FIRM.privateBeat.start,
    endsAt: FIRM.privateBeat.end,
    isPrivate: true,
  });
  const claudiaTermin = await b.addAppointment({ ownerId: claudia, subject: FIRM.claudiaTermin.summary, startsAt: FIRM.claudiaTermin.start });

  return {
    anna, beat, claudia, hans, insurer, zoe, secret, archived,
    taskOpen, taskInProgress, taskDone, taskOfBeat,
    kundentermin, apero, teamsitzung, callNewYork, messe, beratungBeat, privateBeat, claudiaTermin,
  };
}

export interface FirmServer {
  readonly dav: TestServer;
  readonly ids: FirmIds;
  /** http://127.0.0.1:PORT (no trailing slash). */
  readonly origin: string;
  readonly user: string;
  /** Anna's app password. */
  readonly password: string;
  close(): Promise<void>;
}

/** A test server over a fresh database holding the firm, with an app password for Anna. */
export async function startFirmServer(opts: Omit<TestServerOptions, 'seed' | 'user'> = {}): Promise<FirmServer> {
  let ids: FirmIds | undefined;
  const dav = await startTestServer({
    ...opts,
    user: USER,
    seed: async (db) => {
      ids = await seedFirm(db);
    },
  });
  const password = await dav.passwordOf(USER);
  return { dav, ids: ids!, origin: dav.url, user: USER, password, close: () => dav.close() };
}

/**
 * Every row of BrokerStar's tables, in a stable order, as text: equal snapshots mean BrokerStar's
 * data did not change at all.
 */
export async function snapshotBrokerstar(db: TestDatabase): Promise<Record<string, string[]>> {
  const { rows: tables } = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'brokerstar' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const out: Record<string, string[]> = {};
  for (const { table_name } of tables) {
    const { rows } = await db.query<{ r: string }>(`SELECT t::text AS r FROM brokerstar.${table_name} t ORDER BY t::text`);
    out[table_name] = rows.map((r) => r.r);
  }
  return out;
}

/** The BrokerStar id in an item href: ".../12.ics" → "12". */
export const idOfHref = (href: string): string => path.posix.basename(href).replace(/\.(ics|vcf)$/, '');

// ---------------------------------------------------------------- requests the server answered

/** The server's request counters from its /metrics endpoint, summed over status: method → count. */
async function requestCounters(origin: string): Promise<Record<string, number>> {
  const res = await fetch(`${origin}/metrics`);
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
  const counts: Record<string, number> = {};
  for (const m of (await res.text()).matchAll(/^brokerstar_dav_requests_total\{method="([A-Z]+)",status="\d+"\} (\d+)$/gm)) {
    counts[m[1]!] = (counts[m[1]!] ?? 0) + Number(m[2]);
  }
  return counts;
}

/**
 * Runs `action` and returns the requests the server answered meanwhile, by method (methods with
 * none are absent), from the server's own /metrics counters. The first read of /metrics is itself a
 * GET that the second read counts, so it is taken off. Exact only while nothing else talks to the
 * server, which holds for a test file's own server between its tests' steps.
 */
export async function requestsDuring<T>(origin: string, action: () => Promise<T>): Promise<{ result: T; requests: Record<string, number> }> {
  const before = await requestCounters(origin);
  const result = await action();
  const after = await requestCounters(origin);
  after.GET = (after.GET ?? 0) - 1;
  const requests: Record<string, number> = {};
  for (const [method, n] of Object.entries(after)) {
    const delta = n - (before[method] ?? 0);
    if (delta !== 0) requests[method] = delta;
  }
  return { result, requests };
}

// ---------------------------------------------------------------- temporary folders

export interface TempDir {
  readonly path: string;
  remove(): Promise<void>;
}

export async function tempDir(prefix: string): Promise<TempDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `brokerstar-dav-${prefix}-`));
  return { path: dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * An environment that keeps a client program away from the real home folder and user config:
 * HOME and every XDG base directory point into `home`; the time zone and locale are fixed.
 */
export function isolatedEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local/share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_STATE_HOME: path.join(home, '.local/state'),
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: 'Europe/Zurich',
    PYTHONDONTWRITEBYTECODE: '1',
    ...extra,
  };
}

// ---------------------------------------------------------------- client programs

/** The Debian package that provides each client program (.ci/run installs them). */
const PACKAGE_OF: Record<string, string> = {
  vdirsyncer: 'vdirsyncer',
  khal: 'khal',
  khard: 'khard',
  litmus: 'litmus',
};

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const full = path.join(dir, name);
    try {
      accessSync(full, fsConstants.X_OK);
      return full;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** The full path of a client program; throws (the test fails) with the install command when missing. */
export function requireBinary(name: string): string {
  const found = onPath(name);
  if (found) return found;
  const pkg = PACKAGE_OF[name] ?? name;
  throw new Error(
    `client program "${name}" is not installed, so this end-to-end test cannot run. ` +
      `Install it with: apt-get install -y ${pkg}   (.ci/run does this in CI; tests never skip a missing client)`,
  );
}

/**
 * A Python interpreter that can import `module` (the Debian python3-caldav installs into the system
 * Python, which may not be the first python3 on PATH). Throws with the install command otherwise.
 */
export function requirePythonWith(module: string, debianPackage: string): string {
  const candidates = ['/usr/bin/python3', onPath('python3')].filter((p): p is string => !!p);
  for (const python of new Set(candidates)) {
    const r = spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 20_000 });
    if (r.status === 0) return python;
  }
  throw new Error(
    `no Python interpreter can import "${module}" (tried ${candidates.join(', ') || 'none'}), so this end-to-end test cannot run. ` +
      `Install it with: apt-get install -y ${debianPackage}   (.ci/run does this in CI; tests never skip a missing client)`,
  );
}

export interface RunResult {
  readonly command: string;
  /** Exit code; null when killed. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly ms: number;
}

export interface RunOptions {
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Written to stdin, which is then closed (a client that prompts gets end-of-file, not a hang). */
  readonly input?: string;
}

/**
 * Runs a program, capturing its output. On timeout the whole process group is killed and the result
 * says so (timedOut), so a looping client fails its test instead of hanging the suite.
 */
export function run(file: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const command = [file, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: opts.env ?? process.env, cwd: opts.cwd, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`could not start ${command}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        command,
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        ms: Date.now() - started,
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Room for a test's own work beside its client runs: server requests, database reads, files. */
const OWN_WORK_MS = 30_000;

/**
 * The time limit of a test that runs client programs with these limits, one per run: their sum plus
 * room for the test's own work. A client that hangs or loops is killed at its run's limit and fails
 * the test on that run's `timedOut`, instead of vitest's generic timeout cutting the test off first.
 */
export function testTimeout(...runLimitsMs: readonly number[]): number {
  return runLimitsMs.reduce((sum, ms) => sum + ms, OWN_WORK_MS);
}

/** A readable dump of a run for assertion messages. */
export function describeRun(r: RunResult): string {
  return `$ ${r.command}\nexit ${r.code}${r.signal ? ` (${r.signal})` : ''}${r.timedOut ? ' TIMED OUT' : ''} after ${r.ms} ms\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

// ---------------------------------------------------------------- times

/** The wall-clock time of an instant in a zone, as 'YYYY-MM-DDTHH:MM:SS' (what DTSTART;TZID=zone holds). */
export function wallClock(instant: Date, timeZone: string): string {
  const w = wallClockFields(instant, timeZone);
  return `${w.year}-${w.month}-${w.day}T${w.hour}:${w.minute}:${w.second}`;
}
