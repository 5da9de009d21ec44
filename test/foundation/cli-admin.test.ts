// The administrators' commands through the built command line (npm run build first, as for
// test/foundation/cli.test.ts) against the test database: `password list --all` (every employee's
// app passwords with kind, last use and address; never a hash) and `unlock USER|ADDRESS` (clears
// what the login throttle counted, says what; exit 1 when there was nothing), with a real login
// refused before and let in after.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppPassword } from '../../src/auth/app-passwords.js';
import { lockoutKeys } from '../../src/auth/lockout.js';
import { basicAuth } from '../support/basic-auth.js';
import { builders } from '../support/builders.js';
import { neverCreatedDataDir, runBuiltCli } from '../support/built-cli.js';
import { startTestServer, type TestServer } from '../support/server.js';

const NO_DATA_DIR = neverCreatedDataDir('cli-admin-test');
const ADDRESS_THRESHOLD = 3;

const run = (args: string[], env: Record<string, string | undefined> = {}) => runBuiltCli(args, NO_DATA_DIR, env);

let ts: TestServer;
let env: Record<string, string>;
const pw: Record<string, string> = {};

beforeAll(async () => {
  ts = await startTestServer({
    config: { trustProxy: 'loopback', authLockoutThreshold: ADDRESS_THRESHOLD, authLockoutUserThreshold: 2, authLockoutSeconds: 600 },
    seed: async (db) => {
      const b = builders(db.pool);
      await b.addEmployee({ username: 'anna.meier' });
      await b.addEmployee({ username: 'Marc.Dupont', language: 'fr' });
      await b.addEmployee({ username: 'otto.alt' });
    },
  });
  pw.anna = await createAppPassword(ts.db.pool, 'anna.meier', 'iPhone', 'iphone');
  pw.annaPc = await createAppPassword(ts.db.pool, 'anna.meier', 'Büro-PC', 'outlook');
  pw.marc = await createAppPassword(ts.db.pool, 'marc.dupont', 'Pixel', 'android');
  // Otto leaves the firm after setting up a device: his password is listed, marked inactive.
  await createAppPassword(ts.db.pool, 'otto.alt', 'Thunderbird', 'thunderbird');
  await ts.db.query(`UPDATE brokerstar.employee SET active = false WHERE username = 'otto.alt'`);
  // The same lockout settings for the command as for the server.
  env = { DATABASE_URL: ts.db.url, AUTH_LOCKOUT_THRESHOLD: String(ADDRESS_THRESHOLD), AUTH_LOCKOUT_USER_THRESHOLD: '2', AUTH_LOCKOUT_SECONDS: '600' };
});

afterAll(async () => {
  await ts?.close();
  expect(existsSync(NO_DATA_DIR)).toBe(false);
});

/** PROPFIND /dav/ as `user` from `address` (X-Forwarded-For through the trusted loopback "proxy"). */
async function login(user: string, password: string, address: string): Promise<number> {
  const res = await fetch(`${ts.url}/dav/`, {
    method: 'PROPFIND',
    headers: { Authorization: basicAuth(user, password), Depth: '0', 'Content-Type': 'application/xml', 'X-Forwarded-For': address },
    body: '<?xml version="1.0"?><propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>',
    signal: AbortSignal.timeout(20_000),
  });
  await res.arrayBuffer();
  return res.status;
}

const failures = async (key: string) =>
  (await ts.db.query<{ failures: number }>('SELECT failures FROM dav.auth_failure WHERE key = $1', [key])).rows[0]?.failures;

describe('brokerstar-dav password list --all', () => {
  it('prints every employee\'s app passwords: user, label, kind, created, last used, last address; never a password or hash', async () => {
    expect(await login('anna.meier', pw.anna!, '198.51.100.23')).toBe(207);
    const r = await run(['password', 'list', '--all'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^user +label +kind +created +last used +last address$/);
    expect(lines).toHaveLength(5);
    const iso = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\+0[12]:00'; // in TIME_ZONE, Europe/Zurich
    expect(lines[1]).toMatch(new RegExp(`^anna\\.meier +iPhone +iphone +${iso} +${iso} +198\\.51\\.100\\.23$`));
    expect(lines[2]).toMatch(new RegExp(`^anna\\.meier +Büro-PC +outlook +${iso} +never +-$`));
    expect(lines[3]).toMatch(new RegExp(`^Marc\\.Dupont +Pixel +android +${iso} +never +-$`));
    expect(lines[4]).toMatch(new RegExp(`^otto\\.alt \\(inactive\\) +Thunderbird +thunderbird +${iso} +never +-$`));
    for (const secret of [pw.anna!, pw.annaPc!, pw.marc!, '$argon2']) expect(r.stdout).not.toContain(secret);
  });

  it('refuses extra arguments (exit 2) and keeps `password list USER` as it was, in any case', async () => {
    const extra = await run(['password', 'list', '--all', 'anna.meier'], env);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('password list --all: unexpected argument "anna.meier"');
    const one = await run(['password', 'list', 'MARC.DUPONT'], env);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^Pixel +created /);
  });

  it('is in the help texts', async () => {
    const main = await run(['--help']);
    expect(main.stdout).toContain('  password list --all ');
    expect(main.stdout).toContain('  unlock USER|ADDRESS ');
    const password = await run(['password', '--help']);
    expect(password.stdout).toContain('brokerstar-dav password list --all');
    const unlock = await run(['unlock', '--help'], { DATABASE_URL: undefined });
    expect(unlock.code).toBe(0);
    expect(unlock.stdout).toMatch(/^Usage: brokerstar-dav unlock USER\|ADDRESS\n/);
  });
});

describe('brokerstar-dav unlock', () => {
  it('unlocks a locked-out ADDRESS: says what it cleared, and the next correct login from it gets in', async () => {
    const address = '203.0.113.50';
    for (let i = 0; i < ADDRESS_THRESHOLD; i++) expect(await login('marc.dupont', `Wrong-${i}-xxxxx-xxxxx-xxxxx`, address)).toBe(401);
    expect(await login('marc.dupont', pw.marc!, address)).toBe(429);
    const pairs = () => ts.db.query(`SELECT key FROM dav.auth_failure WHERE key LIKE $1`, [`pair:["${address}",%`]);
    expect((await pairs()).rows).toEqual([{ key: `pair:["${address}","marc.dupont"]` }]);
    const r = await run(['unlock', address], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Unlocked address 203\\.0\\.113\\.50: ${ADDRESS_THRESHOLD} failed login\\(s\\) cleared; it was locked until \\d{4}-`));
    expect(await failures(lockoutKeys(address, '').ip)).toBeUndefined();
    // No per-username counter from that address is left to forgive failures the address no longer holds.
    expect((await pairs()).rows).toEqual([]);
    expect(await login('marc.dupont', pw.marc!, address)).toBe(207);
  });

  it('unlocks a USER typed in any case: the failures counted for the username are cleared', async () => {
    const wrong = await Promise.all(Array.from({ length: 6 }, (_, i) => login('Anna.Meier', `Wrong-${i}-zzzzz-zzzzz-zzzzz`, `198.51.100.${60 + i}`)));
    expect(wrong).toEqual(Array(6).fill(401));
    const key = lockoutKeys('', 'anna.meier').user;
    expect(await failures(key)).toBe(6);
    const r = await run(['unlock', 'ANNA.MEIER'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd()).toBe('Cleared 6 failed login(s) of username anna.meier: its logins are no longer slowed down.');
    expect(await failures(key)).toBeUndefined();
    const started = Date.now();
    expect(await login('anna.meier', pw.annaPc!, '198.51.100.99')).toBe(207);
    expect(Date.now() - started).toBeLessThan(1000); // 6 failures past a threshold of 2 would wait 1.25 s
  });

  it('exits 1 when there is nothing to clear (unknown, already cleared, or only stale counts), and 2 without a target', async () => {
    const nothing = await run(['unlock', 'nobody.here'], env);
    expect(nothing.code).toBe(1);
    expect(nothing.stdout).toBe('');
    expect(nothing.stderr).toBe('brokerstar-dav: nothing to clear for "nobody.here": no failed logins counted for this username or address\n');
    expect((await run(['unlock', '203.0.113.50'], env)).code).toBe(1); // cleared above
    // A count whose window ended long ago: deleted, but nothing was locked.
    await ts.db.query(`INSERT INTO dav.auth_failure (key, failures, window_start) VALUES ($1, 50, now() - interval '2 hours')`, [lockoutKeys('192.0.2.1', '').ip]);
    expect((await run(['unlock', '192.0.2.1'], env)).code).toBe(1);
    expect(await failures(lockoutKeys('192.0.2.1', '').ip)).toBeUndefined();
    const usage = await run(['unlock'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('unlock needs a USER or an ADDRESS');
    expect((await run(['unlock', 'a', 'b'], env)).code).toBe(2);
  });

  it('finds an IPv4 address the server saw as IPv4-mapped IPv6', async () => {
    const mapped = lockoutKeys('::ffff:192.0.2.77', '').ip;
    await ts.db.query(`INSERT INTO dav.auth_failure (key, failures, window_start, locked_until) VALUES ($1, 9, now(), now() + interval '5 minutes')`, [mapped]);
    const r = await run(['unlock', '192.0.2.77'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Unlocked address ::ffff:192\.0\.2\.77: 9 failed login\(s\) cleared; it was locked until /);
    expect(await failures(mapped)).toBeUndefined();
  });
});
