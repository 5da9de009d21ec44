// The built command line (`node dist/src/cli.js`, as `npx brokerstar-dav` runs it through bin/)
// against the test database: help texts, migrate, and the app password commands, whose output a
// person reads and whose passwords a real DAV request then uses.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/compose.js';
import { testConfig } from '../../src/config.js';
import { createBrokerstarSchema, loadMigrations } from '../../src/db/migrate.js';
import { createLogger } from '../../src/logger.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { builders } from '../support/builders.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { listenOnLoopback } from '../support/listen.js';
import { D, parseMultistatus, propHrefs } from '../support/multistatus.js';

const CLI = path.join(PROJECT_ROOT, 'dist', 'src', 'cli.js');
const BIN = path.join(PROJECT_ROOT, 'bin', 'brokerstar-dav.js');
/** A DATA_DIR that must never be created: commands here must not start the embedded PostgreSQL. */
const NO_DATA_DIR = path.join(os.tmpdir(), `brokerstar-dav-cli-test-${process.pid}-never-created`);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: string[], env: Record<string, string | undefined> = {}, script = CLI): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { env: { PATH: process.env.PATH, DATA_DIR: NO_DATA_DIR, LOG_LEVEL: 'warn', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const lines = (s: string) => s.trimEnd().split('\n');

const PRINCIPAL_BODY = '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>';

// Independent processes: run side by side.
describe.concurrent('help', () => {
  it('lists every command, without a database', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^brokerstar-dav: CalDAV\/CardDAV server for BrokerStar/);
    for (const c of ['serve', 'migrate', 'demo-data', 'password create USER [--label LABEL]', 'password list USER', 'password list --all', 'password revoke USER LABEL', 'invite USER... | --all', 'unlock USER|ADDRESS', 'status', 'audit']) {
      expect(r.stdout).toContain(`  ${c}`);
    }
    // No command at all says the same.
    expect((await run([])).stdout).toBe(r.stdout);
  });

  it.each([
    ['serve', /^Usage: brokerstar-dav serve\n[\s\S]*SIGTERM or SIGINT/],
    ['migrate', /^Usage: brokerstar-dav migrate\n[\s\S]*applied migrations are recorded and skipped/],
    ['password', /^Usage:\n  brokerstar-dav password create USER \[--label LABEL\][\s\S]*password list USER[\s\S]*password revoke USER LABEL/],
    ['demo-data', /^Usage: brokerstar-dav demo-data \[options\][\s\S]*--contacts N[\s\S]*--seed S/],
    ['status', /^Usage: brokerstar-dav status \[USER\]/],
    ['audit', /^Usage: brokerstar-dav audit \[--user USER\] \[--since TIME\] \[--limit N\]/],
    ['invite', /^Usage: brokerstar-dav invite USER\.\.\. \| --all \[--expires DURATION\] \[--csv\]/],
    ['unlock', /^Usage: brokerstar-dav unlock USER\|ADDRESS/],
  ])('%s --help prints its usage and exits 0 without touching a database', async (command, usage) => {
    const r = await run([command, '--help'], { DATABASE_URL: undefined });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(usage);
    expect(r.stderr).toBe('');
    expect(existsSync(NO_DATA_DIR)).toBe(false);
  });

  it('works through bin/brokerstar-dav.js, the package bin (npx brokerstar-dav)', async () => {
    const r = await run(['demo-data', '--help'], {}, BIN);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: brokerstar-dav demo-data/);
    expect(existsSync(NO_DATA_DIR)).toBe(false);
  });

  it('refuses an unknown command with exit code 2 and the command list', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^brokerstar-dav: unknown command "frobnicate"\n/);
    expect(r.stderr).toContain('Commands:');
    expect(r.stdout).toBe('');
  });
});

describe('migrate', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ template: false });
  });
  afterAll(() => db?.drop());

  it('refuses a database without BrokerStar\'s tables (exit 1) and creates nothing', async () => {
    const r = await run(['migrate'], { DATABASE_URL: db.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("brokerstar-dav: BrokerStar's tables (schema brokerstar) are missing in this database\n");
    const { rows } = await db.query(`SELECT nspname FROM pg_namespace WHERE nspname IN ('dav', 'brokerstar')`);
    expect(rows).toEqual([]);
  });

  it('other commands refuse a database the server has not set up (exit 1), changing nothing', async () => {
    await createBrokerstarSchema(db.pool);
    for (const args of [['status'], ['password', 'list', 'anna.meier'], ['audit']]) {
      const r = await run(args, { DATABASE_URL: db.url });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^brokerstar-dav: this database is not set up for this version of brokerstar-dav \(missing: 001_dav_core, .*\); run "brokerstar-dav migrate" or start the server first\n$/);
    }
    const { rows } = await db.query(`SELECT nspname FROM pg_namespace WHERE nspname = 'dav'`);
    expect(rows).toEqual([]);
  });

  it('applies every migration once; the second run applies nothing', async () => {
    const names = (await loadMigrations()).map((m) => m.name);
    expect(names.slice(0, 3)).toEqual(['001_dav_core', '002_change_tracking', '003_audit_log']);
    const first = await run(['migrate'], { DATABASE_URL: db.url });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`Applied: ${names.join(', ')}\n`);
    const second = await run(['migrate'], { DATABASE_URL: db.url });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(`Up to date (${names.length} migrations).\n`);
    const { rows } = await db.query<{ name: string }>('SELECT name FROM dav.schema_migration ORDER BY version');
    expect(rows.map((r) => r.name)).toEqual(names);
  });
});

describe('password', () => {
  let db: TestDatabase;
  let url: string;
  let close: () => Promise<void>;
  const env = () => ({ DATABASE_URL: db.url });

  /** PROPFIND on the DAV root as USER:PASSWORD against the app over the same database. */
  async function login(user: string, password: string): Promise<{ status: number; principal?: string }> {
    const res = await fetch(`${url}/dav/`, {
      method: 'PROPFIND',
      headers: { Depth: '0', 'Content-Type': 'application/xml', Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
      body: PRINCIPAL_BODY,
    });
    const text = await res.text();
    if (res.status !== 207) return { status: res.status };
    return { status: 207, principal: propHrefs((await parseMultistatus(text)).responses.get('/dav/'), D('current-user-principal'))[0] };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const b = builders(db.pool);
    await b.addEmployee({ username: 'anna.meier' });
    await b.addEmployee({ username: 'bruno.keller' });
    await b.addEmployee({ username: 'dora.alt', active: false });
    const { app } = createApp(testConfig({ authCacheSeconds: 0 }), db.pool, createLogger('silent'));
    ({ url, close } = await listenOnLoopback(app));
  });
  afterAll(async () => {
    await close?.();
    await db?.drop();
  });

  let iphone: string;

  it('create prints the password once, alone on its last line, and it works for a DAV request', async () => {
    const r = await run(['password', 'create', 'anna.meier', '--label', 'iPhone'], env());
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const out = lines(r.stdout);
    expect(out).toHaveLength(2);
    expect(out[0]).toBe('App password for anna.meier (label "iPhone"). It is shown only this once:');
    iphone = out[out.length - 1] as string;
    expect(iphone).toMatch(/^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
    expect(await login('anna.meier', iphone)).toEqual({ status: 207, principal: '/dav/principals/anna.meier/' });
    expect((await login('anna.meier', 'Wrong-Passw-ord12-34567')).status).toBe(401);
    // Only a hash is stored.
    const { rows } = await db.query<{ hash: string }>(`SELECT hash FROM dav.app_password WHERE label = 'iPhone'`);
    expect(rows[0]?.hash).toMatch(/^\$argon2id\$/);
    expect(rows[0]?.hash).not.toContain(iphone);
  });

  it('create takes --label before the user as well, and labels "default" without one', async () => {
    const before = await run(['password', 'create', '--label', 'iPad', 'anna.meier'], env());
    expect(before.code).toBe(0);
    expect(lines(before.stdout)[0]).toBe('App password for anna.meier (label "iPad"). It is shown only this once:');
    const plain = await run(['password', 'create', 'bruno.keller'], env());
    expect(plain.code).toBe(0);
    expect(lines(plain.stdout)[0]).toBe('App password for bruno.keller (label "default"). It is shown only this once:');
    expect((await login('bruno.keller', lines(plain.stdout).at(-1) as string)).status).toBe(207);
  });

  it('create takes the username in any case and names the employee as BrokerStar spells it', async () => {
    const r = await run(['password', 'create', 'Anna.Meier', '--label', 'Typed with capitals'], env());
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)[0]).toBe('App password for anna.meier (label "Typed with capitals"). It is shown only this once:');
    const pw = lines(r.stdout).at(-1) as string;
    expect(await login('Anna.Meier', pw)).toEqual({ status: 207, principal: '/dav/principals/anna.meier/' });
    await db.query(`DELETE FROM dav.app_password WHERE label = 'Typed with capitals'`);
  });

  it('list shows labels with creation and last use, never a password', async () => {
    const r = await run(['password', 'list', 'anna.meier'], env());
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out.map((l) => l.split(/\s+/)[0])).toEqual(['iPhone', 'iPad']);
    // In TIME_ZONE (Europe/Zurich) with the offset; test/foundation/cli-operations.test.ts checks the values.
    const iso = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\+0[12]:00';
    expect(out[0]).toMatch(new RegExp(`^iPhone +created ${iso}  last used ${iso}$`)); // used by the DAV request above
    expect(out[1]).toMatch(new RegExp(`^iPad +created ${iso}  last used never$`));
    expect(r.stdout).not.toContain(iphone);
    const none = await run(['password', 'list', 'dora.alt'], env());
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('dora.alt has no app passwords.\n');
  });

  it('revoke removes one password: it stops working, the others keep working', async () => {
    const r = await run(['password', 'revoke', 'anna.meier', 'iPhone'], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Revoked "iPhone" of anna.meier. Devices using it get 401 within AUTH_CACHE_SECONDS (60 s).\n');
    expect((await login('anna.meier', iphone)).status).toBe(401);
    const list = await run(['password', 'list', 'anna.meier'], env());
    expect(lines(list.stdout).map((l) => l.split(/\s+/)[0])).toEqual(['iPad']);
  });

  it.concurrent.each([
    [['password', 'create', 'nobody', '--label', 'x'], 1, 'brokerstar-dav: no BrokerStar employee with username "nobody"'],
    [['password', 'create', 'dora.alt'], 1, 'brokerstar-dav: employee "dora.alt" is inactive in BrokerStar and cannot sync'],
    [
      ['password', 'create', 'anna.meier', '--label', 'iPad'],
      1,
      'brokerstar-dav: "anna.meier" already has an app password labelled "iPad"; revoke it first or pick another label',
    ],
    [['password', 'revoke', 'anna.meier', 'Laptop'], 1, 'brokerstar-dav: "anna.meier" has no app password labelled "Laptop"'],
    [['password', 'create'], 2, 'brokerstar-dav: password create needs a USER'],
    [['password', 'create', 'anna.meier', 'iPhone'], 2, 'brokerstar-dav: password create: unexpected argument "iPhone" (a label goes after --label)'],
    [['password', 'create', 'anna.meier', '--label'], 2, 'brokerstar-dav: --label needs a value'],
    [['password', 'revoke', 'anna.meier'], 2, 'brokerstar-dav: password revoke needs USER and LABEL'],
  ])('%j fails with exit code %i and a message', async (args, code, message) => {
    const r = await run(args, env());
    expect(r.code).toBe(code);
    expect(lines(r.stderr)[0]).toBe(message);
    expect(r.stdout).toBe('');
  });

  it('password without an action prints its usage with exit code 2', async () => {
    const r = await run(['password'], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^brokerstar-dav: Usage:\n  brokerstar-dav password create USER/);
  });

  it('nothing was changed by the failed commands', async () => {
    const { rows } = await db.query<{ username: string; label: string }>(
      `SELECT e.username, p.label FROM dav.app_password p JOIN brokerstar.employee e ON e.id = p.employee_id ORDER BY 1, 2`,
    );
    expect(rows).toEqual([
      { username: 'anna.meier', label: 'iPad' },
      { username: 'bruno.keller', label: 'default' },
    ]);
  });
});
