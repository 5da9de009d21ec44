// The real `brokerstar-dav serve`, as `npm start` runs it: demo mode on an embedded PostgreSQL in a
// temporary DATA_DIR (URL and demo login printed, graceful SIGTERM that finishes a request in flight
// and leaves no process behind, a quick restart that keeps the data), and DATABASE_URL mode, which
// applies only the server's own migrations and never creates or fills BrokerStar's tables.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrokerstarSchema, loadMigrations } from '../../src/db/migrate.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { basicAuth } from '../support/basic-auth.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { D, parseMultistatus, propHrefs } from '../support/multistatus.js';

const CLI = path.join(PROJECT_ROOT, 'dist', 'src', 'cli.js');

interface Served {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `re` in stdout. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

const children: ChildProcess[] = [];

function serve(env: Record<string, string | undefined>): Served {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', EMBEDDED_PG_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString('utf8');
    for (const w of waiters) w();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      for (const w of waiters) w();
      resolve({ code, signal });
    });
  });
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    waitFor(re, timeoutMs = 90_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(out);
          if (m) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`serve exited (${child.exitCode ?? child.signalCode}) before printing ${re}\nstdout:\n${out}\nstderr:\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${re} within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

interface Banner {
  readonly url: string;
  readonly user: string | undefined;
  readonly password: string | undefined;
}

/** Waits for the start banner; the URL and the demo login as printed. */
async function banner(s: Served): Promise<Banner> {
  await s.waitFor(/^Stop with Ctrl\+C\.$/m);
  const out = s.stdout();
  return {
    url: (/^brokerstar-dav is running at (\S+)$/m.exec(out) as RegExpExecArray)[1] as string,
    user: /^ {2}user: +(\S+)$/m.exec(out)?.[1],
    password: /^ {2}password: +(\S+)$/m.exec(out)?.[1],
  };
}

/** Processes whose command line mentions `text` (postgres started for a DATA_DIR names it in -D). */
function processesMentioning(text: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(text)) found.push({ pid: Number(entry), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const LIST_BODY = '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>';

/** The hrefs of the demo user's address book, by PROPFIND Depth 1. */
async function contactHrefs(b: Banner): Promise<string[]> {
  const res = await fetch(`${b.url}dav/addressbooks/${b.user}/kontakte/`, {
    method: 'PROPFIND',
    headers: { Authorization: basicAuth(b.user as string, b.password as string), Depth: '1', 'Content-Type': 'application/xml' },
    body: LIST_BODY,
  });
  expect(res.status).toBe(207);
  const ms = await parseMultistatus(await res.text());
  return ms.hrefs.filter((h) => h.endsWith('.vcf')).sort();
}

afterAll(async () => {
  // Only if a test failed half-way: stop what this file started.
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, children.some((c) => c.exitCode === null) ? 3000 : 0));
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('demo mode (no DATABASE_URL)', () => {
  let dataDir: string;
  let first: Banner;
  let contacts: string[];
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'brokerstar-dav-serve-test-'));
  });
  afterAll(async () => {
    // A postgres left behind by a failed test is ours (it names our DATA_DIR): stop it by its id.
    for (const p of processesMentioning(dataDir)) {
      if (/\bpostgres\b/.test(p.cmdline)) process.kill(p.pid, 'SIGINT');
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('starts an embedded PostgreSQL with demo data and prints the URL and a demo login that work', async () => {
    const s = serve({ DATA_DIR: dataDir });
    first = await banner(s);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(first.url).not.toMatch(/:0\/$/);
    expect(first.user).toBe('anna.meier');
    expect(first.password).toMatch(/^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
    expect(s.stdout()).toContain(`Try: curl -u ${first.user}:${first.password} ${first.url}healthz`);
    expect(s.stdout()).toContain(`Demo login (demo data, embedded PostgreSQL in ${dataDir}):`);

    const health = await fetch(`${first.url}healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { database: string }).database).toBe('ok');
    const anonymous = await fetch(`${first.url}dav/`, { method: 'PROPFIND', headers: { Depth: '0' }, body: LIST_BODY });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="brokerstar-dav", charset="UTF-8"');
    const me = await fetch(`${first.url}dav/`, {
      method: 'PROPFIND',
      headers: { Authorization: basicAuth(first.user as string, first.password as string), Depth: '0', 'Content-Type': 'application/xml' },
      body: '<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>',
    });
    expect(me.status).toBe(207);
    const ms = await parseMultistatus(await me.text());
    expect(propHrefs(ms.responses.get('/dav/'), D('current-user-principal'))).toEqual(['/dav/principals/anna.meier/']);
    contacts = await contactHrefs(first);
    expect(contacts.length).toBeGreaterThan(100); // a few hundred demo contacts, less the hidden ones

    // The embedded PostgreSQL runs on this DATA_DIR (what the shutdown check below relies on).
    expect(processesMentioning(path.join(dataDir, 'pg')).some((p) => /\bpostgres\b/.test(p.cmdline))).toBe(true);

    // SIGTERM while a request is in flight: its body is half sent.
    const agent = new http.Agent({ keepAlive: true });
    const body = Buffer.from(LIST_BODY);
    const inFlight = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        `${first.url}dav/addressbooks/anna.meier/kontakte/`,
        {
          method: 'PROPFIND',
          agent,
          headers: {
            Authorization: basicAuth(first.user as string, first.password as string),
            Depth: '1',
            'Content-Type': 'application/xml',
            'Content-Length': String(body.length),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.write(body.subarray(0, 40));
      setTimeout(() => {
        s.child.kill('SIGTERM');
        s.waitFor(/"msg":"shutting down"/).then(
          async () => {
            // No new connections once shutting down...
            await expect(fetch(`${first.url}healthz`)).rejects.toThrow();
            // ...but the request in flight is answered in full.
            req.end(body.subarray(40));
          },
          reject,
        );
      }, 300);
    });
    const answered = await inFlight;
    expect(answered.status).toBe(207);
    const hrefs = (await parseMultistatus(answered.text)).hrefs.filter((h) => h.endsWith('.vcf')).sort();
    expect(hrefs).toEqual(contacts);
    const stopWatch = Date.now();
    const exit = await s.exited;
    agent.destroy();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - stopWatch, 'exits promptly once the last request is answered').toBeLessThan(5000);
    expect(s.stdout()).toMatch(/"msg":"stopped"/);
    expect(s.stdout(), 'no errors or warnings while stopping').not.toMatch(/"level":(40|50|60)/);
    expect(s.stderr()).toBe('');
    // The banner shows the demo password on purpose; no log line does.
    const logLines = s.stdout().split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(3);
    expect(logLines.filter((l) => l.includes(first.password as string))).toEqual([]);
    expect(processesMentioning(dataDir), 'nothing left running on the DATA_DIR').toEqual([]);
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  }, 150_000);

  it('starts again in seconds on the same DATA_DIR with the same data and the same demo login', async () => {
    expect(first, 'needs the first start').toBeDefined();
    const started = Date.now();
    const s = serve({ DATA_DIR: dataDir });
    const again = await banner(s);
    const seconds = (Date.now() - started) / 1000;
    console.info(`second start on the same DATA_DIR: ${seconds.toFixed(1)} s`);
    expect(seconds).toBeLessThan(20);
    expect(again.user).toBe(first.user);
    expect(again.password).toBe(first.password);
    expect(s.stdout()).not.toContain('creating a demo broker firm');
    expect(await contactHrefs(again)).toEqual(contacts);
    s.child.kill('SIGINT');
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(processesMentioning(dataDir)).toEqual([]);
  }, 90_000);
});

describe('with DATABASE_URL', () => {
  const NO_DATA_DIR = path.join(os.tmpdir(), `brokerstar-dav-serve-test-${process.pid}-never-created`);
  let db: TestDatabase | undefined;
  afterAll(() => db?.drop());

  it("refuses to start on a database without BrokerStar's tables, with a clear message, creating nothing", async () => {
    db = await createTestDatabase({ template: false });
    const s = serve({ DATABASE_URL: db.url, DATA_DIR: NO_DATA_DIR });
    const exit = await s.exited;
    expect(exit).toEqual({ code: 1, signal: null });
    expect(s.stderr()).toBe("brokerstar-dav: BrokerStar's tables (schema brokerstar) are missing in this database\n");
    expect(s.stdout()).not.toContain('running at');
    const { rows } = await db.query(`SELECT nspname FROM pg_namespace WHERE nspname IN ('dav', 'brokerstar')`);
    expect(rows).toEqual([]);
    expect(existsSync(NO_DATA_DIR)).toBe(false);
    await db.drop();
    db = undefined;
  }, 60_000);

  it("on BrokerStar's empty tables: applies only its own migrations, creates and fills nothing of BrokerStar's, no demo login", async () => {
    db = await createTestDatabase({ template: false });
    await createBrokerstarSchema(db.pool);
    const columnsSql = `SELECT table_name, column_name, data_type, is_nullable, column_default
                          FROM information_schema.columns WHERE table_schema = 'brokerstar' ORDER BY 1, 2`;
    const before = (await db.query(columnsSql)).rows;
    const tables = (await db.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'brokerstar' ORDER BY 1`)).rows.map((r) => r.t);
    expect(tables).toContain('employee');

    const s = serve({ DATABASE_URL: db.url, DATA_DIR: NO_DATA_DIR });
    const b = await banner(s);
    expect(b.user).toBeUndefined();
    expect(s.stdout()).not.toContain('Demo login');
    expect((await fetch(`${b.url}healthz`)).status).toBe(200);
    expect((await fetch(`${b.url}dav/`, { method: 'PROPFIND' })).status).toBe(401);
    s.child.kill('SIGTERM');
    expect(await s.exited).toEqual({ code: 0, signal: null });

    const { rows: migrations } = await db.query<{ name: string }>('SELECT name FROM dav.schema_migration ORDER BY version');
    expect(migrations.map((m) => m.name)).toEqual((await loadMigrations()).map((m) => m.name));
    expect((await db.query(columnsSql)).rows, "BrokerStar's tables and columns unchanged").toEqual(before);
    for (const t of tables) {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM brokerstar.${t}`);
      expect(rows[0]?.n, `brokerstar.${t} stays empty`).toBe(0);
    }
    expect(existsSync(NO_DATA_DIR), 'no embedded PostgreSQL').toBe(false);
  }, 60_000);
});
