// The command line as an operator meets it, through the built CLI (npm run build first, as for
// test/foundation/cli.test.ts): only `serve` creates an embedded database; a taken port, a database
// that cannot be reached and a wrong database password end in one line and exit code 1, never a
// stack trace; --version; --json on status, password list and audit; the documented exit codes
// (0 done, 1 failed or nothing found, 2 wrong usage); every time printed in TIME_ZONE with its offset.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppPassword } from '../../src/auth/app-passwords.js';
import { lockoutKeys } from '../../src/auth/lockout.js';
import { freePort } from '../../src/db/embedded.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { builders } from '../support/builders.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { tempDirs } from '../support/processes.js';

const CLI = path.join(PROJECT_ROOT, 'dist', 'src', 'cli.js');
/** A DATA_DIR that must never be created. */
const NO_DATA_DIR = path.join(os.tmpdir(), `brokerstar-dav-cli-ops-test-${process.pid}-never-created`);
const VERSION = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: string[], env: Record<string, string | undefined> = {}, cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH, DATA_DIR: NO_DATA_DIR, LOG_LEVEL: 'warn', ...env }, timeout: 60_000, ...(cwd ? { cwd } : {}) },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** Exactly one line on stderr, the expected one, and no trace of a stack. */
function oneLine(r: Run, message: string | RegExp): void {
  expect(r.stderr.endsWith('\n'), r.stderr).toBe(true);
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  const line = r.stderr.trimEnd();
  if (typeof message === 'string') expect(line).toBe(message);
  else expect(line).toMatch(message);
}

/** The zone's offset at an instant as +HH:MM, computed independently of the CLI. */
function offsetOf(d: Date, zone: string): string {
  const name = new Intl.DateTimeFormat('en', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(d).find((p) => p.type === 'timeZoneName')!.value;
  return name === 'GMT' ? '+00:00' : name.replace('GMT', '');
}

const LOCAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/;

describe.concurrent('--version', () => {
  it.each([['--version'], ['-v']])('%s prints the name and the version from package.json, exit 0, without configuration or database', async (flag) => {
    // A configuration error elsewhere does not stop it: nothing is read but package.json.
    const r = await run([flag], { PORT: 'not-a-port' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`brokerstar-dav ${VERSION}\n`);
    expect(r.stderr).toBe('');
    expect(existsSync(NO_DATA_DIR)).toBe(false);
  });

  it('is in the help text', async () => {
    expect((await run(['--help'])).stdout).toContain('brokerstar-dav --version');
  });
});

describe('only serve creates the embedded database', () => {
  const tmp = tempDirs();
  const noDatabase = (dir: string) =>
    `brokerstar-dav: no database in DATA_DIR ${dir}: only "brokerstar-dav serve" creates the embedded demo database; ` +
    "start serve once, or set DATABASE_URL (BrokerStar's database) or DATA_DIR (the folder serve uses)";
  const commands = [
    ['password', 'create', 'anna.meier'],
    ['password', 'list', 'anna.meier'],
    ['password', 'list', '--all', '--json'],
    ['password', 'revoke', 'anna.meier', 'iPhone'],
    ['status'],
    ['status', '--json'],
    ['audit'],
    ['invite', '--all'],
    ['unlock', '203.0.113.7'],
    ['migrate'],
    ['demo-data'],
  ];

  it.concurrent.each(commands)('%s … on a DATA_DIR that does not exist: one line naming it, exit 1, the folder not created', async (...args) => {
    const r = await run(args, { DATABASE_URL: undefined, PUBLIC_URL: 'https://dav.example.ch' });
    oneLine(r, noDatabase(NO_DATA_DIR));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(existsSync(NO_DATA_DIR)).toBe(false);
  });

  it('a relative DATA_DIR (as `password create` run from another folder): named as the absolute folder, nothing created there', async () => {
    const cwd = await tmp('brokerstar-dav-cli-ops-cwd-');
    const r = await run(['password', 'create', 'anna.meier', '--label', 'iPhone'], { DATA_DIR: '.data', DATABASE_URL: undefined }, cwd);
    oneLine(r, noDatabase(path.join(cwd, '.data')));
    expect(r.code).toBe(1);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('an existing but empty folder stays empty', async () => {
    const dir = await tmp('brokerstar-dav-cli-ops-empty-');
    const r = await run(['status'], { DATA_DIR: dir, DATABASE_URL: undefined });
    oneLine(r, noDatabase(dir));
    expect(r.code).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the main help says so', async () => {
    expect((await run(['--help'])).stdout).toContain('created only by serve');
  });
});

describe('a port or database the server cannot use: one line, exit 1, no stack trace', () => {
  let db: TestDatabase;
  let holder: net.Server;
  let takenPort: number;
  let closedPort: number;
  const tmp = tempDirs();
  beforeAll(async () => {
    db = await createTestDatabase();
    holder = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      holder.once('error', reject);
      holder.listen(0, '127.0.0.1', () => resolve());
    });
    takenPort = (holder.address() as net.AddressInfo).port;
    closedPort = await freePort();
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
    await db?.drop();
  });

  const withPassword = (url: string, password: string) => {
    const u = new URL(url);
    u.password = password;
    return u.toString();
  };
  const where = (url: string) => {
    const u = new URL(url);
    return `${u.hostname}:${u.port}${u.pathname}`;
  };

  it('serve on a port another program holds: names the address, exit 1, before touching the database', async () => {
    const started = Date.now();
    // The database is unreachable too: the port is checked first, so that is not what is reported.
    const r = await run(['serve'], { HOST: '127.0.0.1', PORT: String(takenPort), DATABASE_URL: `postgres://x:y@127.0.0.1:${closedPort}/db` });
    oneLine(r, `brokerstar-dav: cannot listen on 127.0.0.1:${takenPort}: the port is in use by another program (another brokerstar-dav?); stop it or set PORT`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('serve in demo mode on a taken port leaves the DATA_DIR alone (no cluster created or taken over)', async () => {
    const dir = await tmp('brokerstar-dav-cli-ops-serve-');
    const r = await run(['serve'], { HOST: '127.0.0.1', PORT: String(takenPort), DATA_DIR: dir, DATABASE_URL: undefined });
    oneLine(r, /^brokerstar-dav: cannot listen on 127\.0\.0\.1:\d+: the port is in use/);
    expect(r.code).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it.concurrent.each([
    ['serve', ['serve']],
    ['status', ['status']],
    ['password create', ['password', 'create', 'anna.meier']],
    ['migrate', ['migrate']],
  ])('%s with DATABASE_URL at a closed port: "connection refused", exit 1', async (_name, args) => {
    const url = `postgres://postgres:secret@127.0.0.1:${closedPort}/brokerstar`;
    const r = await run(args, { HOST: '127.0.0.1', PORT: '0', DATABASE_URL: url });
    oneLine(r, `brokerstar-dav: cannot connect to the database at 127.0.0.1:${closedPort}/brokerstar: connection refused; is PostgreSQL running there? (check DATABASE_URL)`);
    expect(r.stderr).not.toContain('secret');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });

  it.concurrent.each([
    ['serve', ['serve']],
    ['status', ['status']],
    ['audit', ['audit', '--json']],
  ])('%s with a wrong database password: "wrong password", the password never printed, exit 1', async (_name, args) => {
    const url = withPassword(db.url, 'not-the-password-42');
    const r = await run(args, { HOST: '127.0.0.1', PORT: '0', DATABASE_URL: url });
    oneLine(r, `brokerstar-dav: the database at ${where(db.url)} refused the login of "postgres": wrong password (check DATABASE_URL)`);
    expect(r.stderr).not.toContain('not-the-password-42');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });

  it('a URL without a password, a database that does not exist: each said so in one line, exit 1', async () => {
    const none = await run(['serve'], { HOST: '127.0.0.1', PORT: '0', DATABASE_URL: withPassword(db.url, '') });
    oneLine(none, `brokerstar-dav: the database at ${where(db.url)} refused the login of "postgres": no password given (check DATABASE_URL)`);
    expect(none.code).toBe(1);
    const u = new URL(db.url);
    u.pathname = '/no_such_database';
    const missing = await run(['status'], { DATABASE_URL: u.toString() });
    oneLine(missing, `brokerstar-dav: the database at ${u.hostname}:${u.port}/no_such_database does not exist (check DATABASE_URL)`);
    expect(missing.code).toBe(1);
  });
});

describe('exit codes, --json and times in TIME_ZONE', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  const CREATED = new Date('2026-01-15T10:00:00Z'); // winter: +01:00 in Zurich
  const USED = new Date('2026-07-01T12:30:45Z'); // summer: +02:00 in Zurich
  const AUDIT_AT = [new Date('2026-03-28T23:30:00Z'), new Date('2026-03-29T01:30:00Z')]; // either side of Zurich's clock change

  beforeAll(async () => {
    db = await createTestDatabase();
    const b = builders(db.pool);
    await b.addEmployee({ username: 'anna.meier' });
    await b.addEmployee({ username: 'bruno.keller' });
    await b.addEmployee({ username: 'otto.alt', active: false });
    await createAppPassword(db.pool, 'anna.meier', 'iPhone', 'iphone');
    await createAppPassword(db.pool, 'anna.meier', 'Büro-PC', 'outlook');
    await db.query(`UPDATE dav.app_password SET created_at = $1::timestamptz + CASE WHEN label = 'iPhone' THEN interval '0' ELSE interval '1 day' END`, [CREATED]);
    await db.query(`UPDATE dav.app_password SET last_used_at = $1, last_address = '198.51.100.23' WHERE label = 'iPhone'`, [USED]);
    for (const [i, at] of AUDIT_AT.entries()) {
      await db.query(
        `INSERT INTO dav.audit_log (at, username, user_agent, method, resource, outcome, status, reason, changes)
         VALUES ($1, 'anna.meier', 'DAVx5/4.4', 'PUT', $2, $3, $4, $5, $6)`,
        [at, `/dav/calendars/anna.meier/termine/${i + 1}.ics`, i ? 'refused' : 'accepted', i ? 403 : 204, i ? 'delete-appointment' : 'edit', i ? null : JSON.stringify([{ field: 'location', old: 'Zürich', new: 'Bern' }])],
      );
    }
    await db.query(`INSERT INTO dav.auth_failure (key, failures, window_start, locked_until) VALUES ($1, 12, now(), $2)`, [lockoutKeys('203.0.113.9', '').ip, new Date('2026-12-24T17:00:00Z')]);
    env = { DATABASE_URL: db.url };
  });
  afterAll(() => db?.drop());

  it('status nobody: exit 1, "no active employee", nothing on stdout; a bad option: exit 2', async () => {
    const r = await run(['status', 'nobody'], env);
    oneLine(r, 'brokerstar-dav: no active employee "nobody"');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const json = await run(['status', 'nobody', '--json'], env);
    expect(json.code).toBe(1);
    expect(json.stdout).toBe('');
    const inactive = await run(['status', 'otto.alt'], env);
    expect(inactive.code).toBe(1);
    const bad = await run(['status', '--verbose'], env);
    oneLine(bad, 'brokerstar-dav: status: unknown option --verbose');
    expect(bad.code).toBe(2);
    expect((await run(['status', 'anna.meier', 'bruno.keller'], env)).code).toBe(2);
  });

  it('audit --user nobody: exit 1 naming him; an employee without entries: "No entries.", exit 0 ([] with --json)', async () => {
    const nobody = await run(['audit', '--user', 'nobody'], env);
    oneLine(nobody, 'brokerstar-dav: no BrokerStar employee with username "nobody"');
    expect(nobody.code).toBe(1);
    expect(nobody.stdout).toBe('');
    const nobodyJson = await run(['audit', '--user', 'nobody', '--json'], env);
    expect(nobodyJson.code).toBe(1);
    expect(nobodyJson.stdout).toBe('');
    const quiet = await run(['audit', '--user', 'bruno.keller'], env);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toBe('No entries.\n');
    expect(quiet.stderr).toBe('');
    const quietJson = await run(['audit', '--user', 'Bruno.Keller', '--json'], env);
    expect(quietJson.code).toBe(0);
    expect(JSON.parse(quietJson.stdout)).toEqual([]);
    const extra = await run(['audit', 'anna.meier'], env);
    oneLine(extra, 'brokerstar-dav: audit: unexpected argument "anna.meier" (a user goes after --user)');
    expect(extra.code).toBe(2);
  });

  it('invite nobody: exit 1, nothing created', async () => {
    const r = await run(['invite', 'anna.meier', 'nobody'], { ...env, PUBLIC_URL: 'https://dav.example.ch' });
    oneLine(r, 'brokerstar-dav: no active employee: nobody');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const { rows } = await db.query(`SELECT 1 FROM dav.sign_in_link`);
    expect(rows).toEqual([]);
  });

  it('password list prints created and last use in TIME_ZONE with the offset (Zurich by default: +01:00 in winter, +02:00 in summer)', async () => {
    const r = await run(['password', 'list', 'anna.meier'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'iPhone                   created 2026-01-15T11:00:00+01:00  last used 2026-07-01T14:30:45+02:00\n' +
        'Büro-PC                  created 2026-01-16T11:00:00+01:00  last used never\n',
    );
    const ny = await run(['password', 'list', 'anna.meier'], { ...env, TIME_ZONE: 'America/New_York' });
    expect(ny.stdout.split('\n')[0]).toBe('iPhone                   created 2026-01-15T05:00:00-05:00  last used 2026-07-01T08:30:45-04:00');
    const all = await run(['password', 'list', '--all'], { ...env, TIME_ZONE: 'Asia/Kolkata' });
    expect(all.code).toBe(0);
    expect(all.stdout.split('\n')[1]).toMatch(/^anna\.meier +iPhone +iphone +2026-01-15T15:30:00\+05:30 +2026-07-01T18:00:45\+05:30 +198\.51\.100\.23$/);
  });

  it('password list USER --json and --all --json: one JSON array with stable fields and ISO times with offset', async () => {
    const one = await run(['password', 'list', 'Anna.Meier', '--json'], env);
    expect(one.code).toBe(0);
    expect(one.stderr).toBe('');
    expect(JSON.parse(one.stdout)).toEqual([
      { user: 'anna.meier', label: 'iPhone', createdAt: '2026-01-15T11:00:00+01:00', lastUsedAt: '2026-07-01T14:30:45+02:00' },
      { user: 'anna.meier', label: 'Büro-PC', createdAt: '2026-01-16T11:00:00+01:00', lastUsedAt: null },
    ]);
    expect(new Date(JSON.parse(one.stdout)[0].lastUsedAt).getTime()).toBe(USED.getTime());
    const none = await run(['password', 'list', 'bruno.keller', '--json'], env);
    expect(none.code).toBe(0);
    expect(JSON.parse(none.stdout)).toEqual([]);
    const all = await run(['password', 'list', '--json', '--all'], env);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual([
      { user: 'anna.meier', active: true, label: 'iPhone', kind: 'iphone', createdAt: '2026-01-15T11:00:00+01:00', lastUsedAt: '2026-07-01T14:30:45+02:00', lastAddress: '198.51.100.23' },
      { user: 'anna.meier', active: true, label: 'Büro-PC', kind: 'outlook', createdAt: '2026-01-16T11:00:00+01:00', lastUsedAt: null, lastAddress: null },
    ]);
    const unknown = await run(['password', 'list', 'nobody', '--json'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
  });

  it('audit prints its times in TIME_ZONE across a clock change, --json gives the entries as objects', async () => {
    const r = await run(['audit'], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^2026-03-29T03:30:00\+02:00 refused  403 anna\.meier PUT \/dav\/calendars\/anna\.meier\/termine\/2\.ics delete-appointment \[DAVx5\/4\.4\]$/);
    expect(lines[1]).toMatch(/^2026-03-29T00:30:00\+01:00 accepted 204 anna\.meier PUT \S+ edit; location: "Zürich" -> "Bern" \[DAVx5\/4\.4\]$/);
    const json = await run(['audit', '--user', 'ANNA.MEIER', '--json'], env);
    expect(json.code).toBe(0);
    const entries = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(entries).toHaveLength(2);
    expect(entries[1]).toEqual({
      id: expect.stringMatching(/^\d+$/),
      at: '2026-03-29T00:30:00+01:00',
      user: 'anna.meier',
      outcome: 'accepted',
      status: 204,
      method: 'PUT',
      resource: '/dav/calendars/anna.meier/termine/1.ics',
      reason: 'edit',
      changes: [{ field: 'location', old: 'Zürich', new: 'Bern' }],
      userAgent: 'DAVx5/4.4',
    });
    expect(entries[0]).toMatchObject({ at: '2026-03-29T03:30:00+02:00', outcome: 'refused', status: 403, reason: 'delete-appointment', changes: [] });
  });

  it('audit --since reads a time without an offset in TIME_ZONE, and takes a printed time back', async () => {
    // 01:00 in Zurich on 29 March is 00:00Z: after the first entry (23:30Z the day before).
    const local = await run(['audit', '--since', '2026-03-29T01:00', '--json'], env);
    expect((JSON.parse(local.stdout) as { at: string }[]).map((e) => e.at)).toEqual(['2026-03-29T03:30:00+02:00']);
    const day = await run(['audit', '--since', '2026-03-29', '--json'], env);
    expect((JSON.parse(day.stdout) as unknown[]).length).toBe(2); // midnight in Zurich is 23:00Z
    const printed = await run(['audit', '--since', '2026-03-29T03:30:00+02:00', '--json'], env);
    expect((JSON.parse(printed.stdout) as unknown[]).length).toBe(1);
    const bad = await run(['audit', '--since', '2026-02-30'], env);
    oneLine(bad, 'brokerstar-dav: --since: not a date: 2026-02-30');
    expect(bad.code).toBe(2);
  });

  it('status --json: one object per collection, lastChanged in TIME_ZONE; the table prints the same time', async () => {
    const r = await run(['status', 'anna.meier', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(list.length).toBeGreaterThanOrEqual(3);
    for (const c of list) {
      expect(Object.keys(c)).toEqual(['user', 'collection', 'slug', 'type', 'eligible', 'served', 'outsideWindow', 'capped', 'listed', 'lastChanged', 'storedSettings']);
      expect(c.user).toBe('anna.meier');
      expect(c.lastChanged).toMatch(LOCAL);
      const at = new Date(c.lastChanged as string);
      expect((c.lastChanged as string).slice(-6)).toBe(offsetOf(at, 'Europe/Zurich'));
    }
    expect(list.map((c) => c.slug)).toEqual(expect.arrayContaining(['kontakte', 'meine-kunden', 'termine', 'aufgaben', 'geburtstage']));
    const table = await run(['status', 'anna.meier'], env);
    expect(table.code).toBe(0);
    const kontakte = list.find((c) => c.slug === 'kontakte')!;
    const row = table.stdout.split('\n').find((l) => l.startsWith('anna.meier') && l.includes(` ${kontakte.collection as string} `))!;
    expect(row).toContain(`  ${kontakte.lastChanged as string}`);
  });

  it('unlock and invite print their times in TIME_ZONE too', async () => {
    const unlock = await run(['unlock', '203.0.113.9'], env);
    expect(unlock.code).toBe(0);
    expect(unlock.stdout).toBe('Unlocked address 203.0.113.9: 12 failed login(s) cleared; it was locked until 2026-12-24T18:00:00+01:00.\n');
    const invite = await run(['invite', 'anna.meier', '--csv', '--expires', '2d'], { ...env, PUBLIC_URL: 'https://dav.example.ch' });
    expect(invite.code).toBe(0);
    const expires = invite.stdout.trimEnd().split('\n')[1]!.split(',').at(-1)!;
    expect(expires).toMatch(LOCAL);
    expect(expires.slice(-6)).toBe(offsetOf(new Date(expires), 'Europe/Zurich'));
    expect(Math.abs(new Date(expires).getTime() - Date.now() - 2 * 86400_000)).toBeLessThan(120_000);
    const plain = await run(['invite', 'bruno.keller', '--expires', '1d'], { ...env, PUBLIC_URL: 'https://dav.example.ch', TIME_ZONE: 'UTC' });
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(/^1 link\(s\), each valid once until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00\n$/);
  });
});

describe('the docs say what the command line does', () => {
  it('docs/operations.md has the exit code table, the time format and --json', () => {
    const ops = readFileSync(path.join(PROJECT_ROOT, 'docs', 'operations.md'), 'utf8');
    expect(ops).toMatch(/\| `0` \| /);
    expect(ops).toMatch(/\| `1` \| /);
    expect(ops).toMatch(/\| `2` \| /);
    expect(ops).toContain('2026-12-07T20:15:03+01:00');
    expect(ops).toContain('--json');
    expect(ops).toContain('--version');
  });
});

afterAll(() => {
  expect(existsSync(NO_DATA_DIR)).toBe(false);
});
