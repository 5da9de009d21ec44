// litmus (Debian), the WebDAV compliance suite, against the real server.
//
// Every litmus suite starts with `begin`: DELETE then MKCOL of a scratch collection `<url>litmus/`,
// and stops the whole suite if the MKCOL fails. brokerstar-dav refuses MKCOL by design, so run as is,
// litmus never gets past `begin` (first describe block: that refusal, and nothing breaks).
//
// To reach litmus's read tests anyway, the second block puts a pass-through proxy between litmus
// and the server that answers exactly one request itself: the MKCOL of the scratch collection. The
// scratch path is chosen to be a collection the server really serves: the calendar home and the
// address-book home of a BrokerStar employee named "litmus" (`/dav/calendars/` + `litmus/`). Every
// other request, including Expect: 100-continue, reaches the server unchanged, and every answer is
// the server's own. Which litmus tests apply to a read-mostly server, and why the others cannot,
// is in docs/client-compatibility.md; the tables below are the same decision in code.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { davError } from '../support/dav-error.js';
import { D } from '../support/multistatus.js';
import {
  PATHS,
  describeRun,
  isolatedEnv,
  requireBinary,
  run,
  snapshotBrokerstar,
  startFirmServer,
  tempDir,
  testTimeout,
  type FirmServer,
  type RunResult,
  type TempDir,
} from './support.js';

const SUITES = ['basic', 'copymove', 'props', 'locks', 'http'] as const;
type Suite = (typeof SUITES)[number];

/** Each litmus suite program is killed after this long; its test then fails on `timedOut`. */
const SUITE_TIMEOUT_MS = 60_000;
/** The time limit of a test that runs every suite once. */
const ALL_SUITES_TIMEOUT_MS = testTimeout(...SUITES.map(() => SUITE_TIMEOUT_MS));

/**
 * The litmus tests that apply to a read-mostly server, and must pass. They read (OPTIONS, PROPFIND
 * Depth 0 on a collection), check refusals of bad input (PROPFIND with broken XML → 400), a DELETE
 * of something that does not exist (404), and 100-continue handling. The locking tests are skipped
 * by litmus itself, correctly, because the server does not claim DAV class 2.
 */
const MUST_PASS: Record<Suite, readonly string[]> = {
  basic: ['init', 'begin', 'options', 'delete_null', 'finish'],
  copymove: ['init', 'begin', 'finish'],
  props: ['init', 'begin', 'propfind_invalid', 'propfind_invalid2', 'propfind_d0', 'finish'],
  locks: ['init', 'begin', 'options'],
  http: ['init', 'begin', 'expect100', 'finish'],
};

/**
 * The rest need what the server refuses by design (design.md §4): PUT of new resources, MKCOL,
 * COPY/MOVE of what they would have created, PROPPATCH of dead properties on created resources, LOCK.
 * litmus reports them FAIL or SKIPPED (or pass when they only check that a refusal happened); what
 * matters is the server's answer to each of their requests, checked against this table.
 */
const ALLOWED_STATUS: Record<string, readonly number[]> = {
  OPTIONS: [200],
  PROPFIND: [207, 400, 401, 404],
  // Every litmus PUT is of a new name directly in a home: refused (403 with DAV:need-privileges),
  // like a create inside a collection. Never 404 (the server answered that before this was fixed).
  PUT: [401, 403],
  MKCOL: [401, 403],
  DELETE: [401, 403, 404],
  PROPPATCH: [401, 403, 404],
  COPY: [401, 403, 404],
  MOVE: [401, 403, 404],
  LOCK: [401, 403, 405],
  UNLOCK: [401, 403, 405],
};

type Verdict = 'pass' | 'FAIL' | 'SKIPPED';
interface TestResult {
  readonly num: number;
  readonly name: string;
  readonly verdict: Verdict;
  readonly detail: string;
}

/** litmus's progress output (with its carriage returns) → one result per test, in order. */
function parseResults(stdout: string): TestResult[] {
  const results: TestResult[] = [];
  let current: { num: number; name: string } | undefined;
  let warning = '';
  for (const line of stdout.replace(/\r/g, '\n').split('\n')) {
    const head = /^\s*(\d+)\.\s*([A-Za-z0-9_]+)\.+\s?(.*)$/.exec(line);
    let rest: string;
    if (head) {
      current = { num: Number(head[1]), name: head[2]! };
      rest = head[3]!;
      warning = '';
    } else {
      const cont = /^\s*\.+\s?(.*)$/.exec(line);
      if (!cont || !current) continue;
      rest = cont[1]!;
    }
    const verdict = /^(pass|FAIL|SKIPPED)\b\s*(.*)$/.exec(rest);
    if (verdict && current) {
      results.push({ ...current, verdict: verdict[1] as Verdict, detail: `${warning}${verdict[2] ?? ''}`.trim() });
      current = undefined;
    } else if (rest.startsWith('WARNING:')) warning = `${rest} `;
  }
  return results;
}

interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly test: string;
  readonly status: number;
}

/** neon's debug.log → every request litmus sent with the test that sent it and the status it got. */
function parseDebugLog(log: string): LoggedRequest[] {
  const out: LoggedRequest[] = [];
  let method = '';
  let reqPath = '';
  let test = '';
  for (const line of log.split(/\r?\n/)) {
    const req = /^([A-Z]+) (\S+) HTTP\/1\.1$/.exec(line);
    if (req) {
      [, method, reqPath] = req as unknown as [string, string, string];
      test = '';
      continue;
    }
    const tag = /^X-Litmus(?:-Second)?: (.*)$/.exec(line);
    if (tag) {
      test = tag[1]!.trim();
      continue;
    }
    const status = /^\[status(?:-line)?\] <? ?HTTP\/1\.1 (\d{3})/.exec(line);
    if (status && method) out.push({ method, path: reqPath, test, status: Number(status[1]) });
  }
  return out;
}

interface SuiteRun {
  readonly run: RunResult;
  readonly results: TestResult[];
  readonly requests: LoggedRequest[];
}

describe('litmus (Debian) against brokerstar-dav', () => {
  let f: FirmServer;
  let home: TempDir;
  let litmusDir: string;
  let litmusPassword: string;
  let before: Record<string, string[]>;
  let runs = 0;

  /** One litmus suite program, in a folder of its own (it writes debug.log and child.log there). */
  async function suite(name: Suite, url: string, user: string, password: string): Promise<SuiteRun> {
    const cwd = path.join(home.path, `run-${++runs}-${name}`);
    await mkdir(cwd, { recursive: true });
    const program = path.join(litmusDir, name);
    const r = await run(program, ['--htdocs', '/usr/share/litmus/htdocs', url, user, password], { timeoutMs: SUITE_TIMEOUT_MS, env: isolatedEnv(home.path), cwd });
    expect(r.timedOut, describeRun(r)).toBe(false);
    const log = await readFile(path.join(cwd, 'debug.log'), 'utf8').catch(() => '');
    return { run: r, results: parseResults(r.stdout), requests: parseDebugLog(log) };
  }

  const verdicts = (s: SuiteRun) => Object.fromEntries(s.results.map((t) => [`${t.num}.${t.name}`, t.verdict]));

  beforeAll(async () => {
    // The litmus script only loops over these programs; the programs are what the tests run.
    litmusDir = path.join(path.dirname(requireBinary('litmus')), '..', 'libexec', 'litmus');
    f = await startFirmServer();
    await builders(f.dav.db.pool).addEmployee({ username: 'litmus', firstName: 'Lit', lastName: 'Mus' });
    litmusPassword = await f.dav.passwordOf('litmus');
    home = await tempDir('litmus');
    before = await snapshotBrokerstar(f.dav.db);
  });
  afterAll(async () => {
    await f?.close();
    await home?.remove();
  });

  describe("run as is, on Anna's collections", () => {
    for (const [label, collection] of [
      ['Termine', PATHS.termine],
      ['Kontakte', PATHS.kontakte],
    ] as const) {
      it(`every suite stops at begin on ${label}: the MKCOL of its scratch collection is refused with 403, nothing fails with 5xx`, { timeout: ALL_SUITES_TIMEOUT_MS }, async () => {
        for (const name of SUITES) {
          const s = await suite(name, `${f.origin}${collection}`, f.user, f.password);
          expect(s.results, `${name}\n${describeRun(s.run)}`).toEqual([
            { num: 0, name: 'init', verdict: 'pass', detail: '' },
            expect.objectContaining({ num: 1, name: 'begin', verdict: 'FAIL' }),
          ]);
          expect(s.results[1]!.detail).toContain(`Could not create new collection \`${collection}litmus/' for tests: 403 Forbidden`);
          expect(s.run.code, name).not.toBe(0);
          const answered = s.requests.filter((r) => r.status !== 401).map((r) => `${r.method} ${r.path} ${r.status}`);
          expect(answered, name).toEqual([`DELETE ${collection}litmus/ 404`, `MKCOL ${collection}litmus/ 403`]);
        }
        const { rows } = await f.dav.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM dav.audit_log WHERE method = 'MKCOL' AND resource = $1 AND outcome = 'refused' AND status = 403`,
          [`${collection}litmus/`],
        );
        expect(rows[0]?.n).toBe(SUITES.length);
      });
    }
  });

  it('a PUT of a new name directly in a home, as litmus sends it, is refused like a create in a collection: 403 with DAV:need-privileges', async () => {
    for (const base of ['/dav/calendars/litmus/', '/dav/addressbooks/litmus/']) {
      const r = await f.dav.request('PUT', `${base}res`, { user: 'litmus', body: 'This is\na test file.\nfor litmus\ntesting.\n', headers: { 'Content-Type': 'text/plain' } });
      expect(r.status, `PUT ${base}res: ${r.text}`).toBe(403);
      expect((await davError(r)).names).toContain(D('need-privileges'));
    }
  });

  describe('through a proxy that answers only the MKCOL of the scratch collection (the homes of employee "litmus")', () => {
    let proxyUrl: string;
    let proxy: http.Server;
    const faked: string[] = [];

    beforeAll(async () => {
      const target = new URL(f.origin);
      const scratch = /^\/dav\/(calendars|addressbooks)\/litmus\/$/;
      const forward = (req: http.IncomingMessage, res: http.ServerResponse) => {
        if (req.method === 'MKCOL' && scratch.test(req.url ?? '')) {
          faked.push(`${req.method} ${req.url}`);
          req.resume();
          res.writeHead(201, { 'Content-Length': '0' }).end();
          return;
        }
        const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
          answer.pipe(res);
        });
        upstream.on('continue', () => res.writeContinue()); // the server's own 100 Continue
        upstream.on('error', (e) => res.writeHead(599, `proxy: ${e.message}`).end());
        req.pipe(upstream);
      };
      proxy = http.createServer(forward);
      proxy.on('checkContinue', forward); // relay Expect: 100-continue instead of answering it here
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      proxy?.closeAllConnections();
      await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
    });

    for (const [label, base] of [
      ['calendar home', '/dav/calendars/'],
      ['address-book home', '/dav/addressbooks/'],
    ] as const) {
      it(`in the ${label}: the read-side tests pass, every other request gets a designed 4xx refusal, never a 5xx`, { timeout: ALL_SUITES_TIMEOUT_MS }, async () => {
        for (const name of SUITES) {
          faked.length = 0;
          const s = await suite(name, `${proxyUrl}${base}`, 'litmus', litmusPassword);
          const v = verdicts(s);
          for (const test of MUST_PASS[name]) {
            const found = s.results.find((t) => t.name === test);
            expect(found?.verdict, `${name}: ${test}\n${describeRun(s.run)}`).toBe('pass');
          }
          expect(faked, name).toEqual([`MKCOL ${base}litmus/`]);

          // Every request the server answered: never 5xx, never a 2xx that would have changed something.
          const answered = s.requests.filter((r) => !(r.method === 'MKCOL' && r.path === `${base}litmus/` && r.status === 201));
          expect(answered.length, name).toBeGreaterThan(0);
          for (const r of answered) {
            if (r.status === 100) continue; // expect100's interim answer
            expect(ALLOWED_STATUS[r.method], `${name}: ${r.test}: ${r.method} ${r.path}`).toBeDefined();
            expect(ALLOWED_STATUS[r.method], `${name}: ${r.test}: ${r.method} ${r.path} → ${r.status}`).toContain(r.status);
          }
          // litmus's scratch DELETE of the home itself: refused, not 404 and not done.
          expect(answered.filter((r) => r.method === 'DELETE' && r.path === `${base}litmus/` && r.status !== 401).map((r) => r.status), name).toEqual([403]);

          if (name === 'props') {
            // PROPFIND Depth 0 on the home: a collection; broken XML bodies: 400.
            expect(v['2.propfind_invalid']).toBe('pass');
            expect(v['3.propfind_invalid2']).toBe('pass');
            expect(v['4.propfind_d0']).toBe('pass');
            expect(answered.filter((r) => r.test.includes('(propfind_invalid')).map((r) => r.status).filter((c) => c !== 401)).toEqual([400, 400]);
            // propinit's PUT of a new resource: no creates.
            expect(s.results.find((t) => t.name === 'propinit')?.verdict).toBe('FAIL');
          }
          if (name === 'basic') {
            for (const t of ['put_get', 'mkcol', 'mkcol_with_body']) expect(s.results.find((x) => x.name === t)?.verdict, t).toBe('FAIL');
            expect(answered.filter((r) => r.method === 'MKCOL').map((r) => r.status).filter((c) => c !== 401)).toEqual(expect.arrayContaining([403]));
          }
          if (name === 'locks') {
            expect(s.results.find((t) => t.name === 'precond')?.verdict).toBe('SKIPPED');
            expect(s.run.stdout).toContain('server does not claim Class 2 compliance');
            expect(answered.some((r) => r.method === 'LOCK')).toBe(false);
          }
          if (name === 'http') expect(s.requests.some((r) => r.test === 'http' && r.status === 100)).toBe(true);
        }
      });
    }

    it('afterwards the server is healthy, serves the same collections, and BrokerStar did not change', async () => {
      const health = await f.dav.request('GET', '/healthz', { user: null });
      expect(health.status).toBe(200);
      const listing = await f.dav.propfind(PATHS.termine, '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>', '1');
      expect(listing.status).toBe(207);
      expect(listing.ms.hrefs.filter((h) => h !== PATHS.termine).sort()).toEqual(
        [f.ids.kundentermin, f.ids.apero, f.ids.teamsitzung, f.ids.callNewYork, f.ids.messe].map((id) => `${PATHS.termine}${id}.ics`).sort(),
      );
      expect(await snapshotBrokerstar(f.dav.db)).toEqual(before);
      const { rows } = await f.dav.db.query<{ status: number }>(`SELECT DISTINCT status FROM dav.audit_log ORDER BY status`);
      expect(rows.map((r) => r.status).every((s) => s >= 400 && s < 500)).toBe(true);
    });
  });
});
