// The login throttle cannot be turned against employees, and bounds the argon2 work per address:
// a username attacked from many addresses still lets its owner in; 500 parallel wrong logins from
// one address cost at most the threshold in argon2 runs; an office behind one NAT address is not
// locked by typos its people corrected, nor by a device polling with a revoked password; keys follow the case-insensitive login; a password typed
// into the username field never reaches the log. Real app, real PostgreSQL; client addresses come
// from X-Forwarded-For with TRUST_PROXY=loopback, the way a reverse proxy reports them.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppPassword, loginArgon2Runs } from '../../src/auth/app-passwords.js';
import { lockoutKeys } from '../../src/auth/lockout.js';
import { createApp } from '../../src/compose.js';
import { testConfig } from '../../src/config.js';
import { Notifications } from '../../src/db/notifications.js';
import { createLogger } from '../../src/logger.js';
import { basicAuth } from '../support/basic-auth.js';
import { builders } from '../support/builders.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { listenOnLoopback, type Listening } from '../support/listen.js';

const ADDRESS_THRESHOLD = 10;
const USER_THRESHOLD = 5;
const MAX_USER_DELAY_MS = 2000; // the default bound in src/auth/lockout.ts

const logLines: string[] = [];
let db: TestDatabase;
let server: Listening;
const passwords: Record<string, string> = {};

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly ms: number;
}

/** GET /dav/ as `authorization`, from `address` (reported by the "proxy" in X-Forwarded-For). */
function login(authorization: string, address: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'GET',
        path: '/dav/',
        agent: false,
        headers: { Authorization: authorization, 'X-Forwarded-For': address },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, ms: Date.now() - started }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const right = (user: string) => basicAuth(user, passwords[user] as string);
const wrong = (user: string, n = 0) => basicAuth(user, `Wrong-Passw-ord${String(n).padStart(2, '0')}-xxxxx`);

beforeAll(async () => {
  db = await createTestDatabase();
  const b = builders(db.pool);
  for (const u of ['anna.meier', 'bruno.keller', 'carla.rossi', 'dario.fontana']) {
    await b.addEmployee({ username: u });
    passwords[u] = await createAppPassword(db.pool, u, 'phone');
  }
  const log = createLogger('trace', { write: (s: string) => logLines.push(...s.split('\n').filter(Boolean)) });
  const config = testConfig({
    authCacheSeconds: 0, // every request is a real login check
    authLockoutThreshold: ADDRESS_THRESHOLD,
    authLockoutUserThreshold: USER_THRESHOLD,
    authLockoutSeconds: 600,
    trustProxy: 'loopback',
  });
  server = await listenOnLoopback(createApp(config, db.pool, log).app);
});
afterAll(async () => {
  await server?.close();
  await db?.drop();
});

describe('a lockout attack on a username', () => {
  it('from many addresses never keeps the right password out', async () => {
    // 40 addresses, 3 wrong passwords each: 120 failures for anna, far past her threshold of 5,
    // and no address reaches its own threshold.
    const attacks: Promise<Reply>[] = [];
    for (let a = 0; a < 40; a++) {
      for (let n = 0; n < 3; n++) attacks.push(login(wrong('anna.meier', n), `203.0.113.${a + 1}`));
    }
    const answers = await Promise.all(attacks);
    expect(answers.map((r) => r.status).filter((s) => s !== 401)).toEqual([]);
    const { rows } = await db.query<{ failures: number }>('SELECT failures FROM dav.auth_failure WHERE key = $1', [
      lockoutKeys('', 'anna.meier').user,
    ]);
    expect(rows[0]?.failures).toBe(120);

    // Anna, from her own address, during and after the attack: in, within the bounded delay.
    const during = await Promise.all([
      login(right('anna.meier'), '198.51.100.7'),
      login(wrong('anna.meier', 99), '203.0.113.200'),
    ]);
    expect(during[0].status).toBe(200);
    expect(during[0].ms).toBeGreaterThanOrEqual(MAX_USER_DELAY_MS - 50); // slowed down ...
    expect(during[0].ms).toBeLessThan(MAX_USER_DELAY_MS + 2000); // ... but bounded
    expect(during[1].status).toBe(401);
    // Her success starts the username's count over: her next device is not slowed down.
    const next = await login(right('anna.meier'), '198.51.100.8');
    expect(next.status).toBe(200);
    expect(next.ms).toBeLessThan(MAX_USER_DELAY_MS / 2);
  });

  it('spelled in another case counts for the same employee, as logins match case-insensitively', async () => {
    for (let n = 0; n < USER_THRESHOLD + 4; n++) expect((await login(wrong('Bruno.Keller', n), `192.0.2.${n + 1}`)).status).toBe(401);
    const keys = await db.query<{ key: string; failures: number }>(
      `SELECT key, failures FROM dav.auth_failure WHERE key LIKE 'user:%' AND lower(key) = 'user:bruno.keller'`,
    );
    expect(keys.rows).toEqual([{ key: 'user:bruno.keller', failures: USER_THRESHOLD + 4 }]);
    // Failures as BRUNO.KELLER slow down bruno.keller (it is the same login), within the bound ...
    const bruno = await login(right('bruno.keller'), '192.0.2.100');
    expect(bruno.status).toBe(200);
    expect(bruno.ms).toBeGreaterThanOrEqual(250);
    expect(bruno.ms).toBeLessThan(MAX_USER_DELAY_MS + 1000);
    // ... and his password opens every spelling of his username.
    expect((await login(basicAuth('Bruno.Keller', passwords['bruno.keller'] as string), '192.0.2.101')).status).toBe(200);
  });
});

describe('the per-address limit', () => {
  it('lets 500 parallel wrong logins from one address cost at most the threshold in argon2 runs', async () => {
    const address = '198.51.100.66';
    const before = loginArgon2Runs();
    const started = Date.now();
    // Distinct passwords, so concurrent identical checks cannot be merged into one computation.
    const answers = await Promise.all(Array.from({ length: 500 }, (_, n) => login(wrong('carla.rossi', n), address)));
    const elapsed = Date.now() - started;
    const runs = loginArgon2Runs() - before;
    const byStatus = new Map<number, number>();
    for (const r of answers) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    console.log(`500 parallel wrong logins from one address: ${runs} argon2 runs, ${JSON.stringify([...byStatus])}, ${elapsed} ms`);
    expect(runs).toBeLessThanOrEqual(ADDRESS_THRESHOLD);
    expect(byStatus.get(401)).toBe(runs);
    expect(byStatus.get(429)).toBe(500 - runs);
    for (const r of answers.filter((a) => a.status === 429)) expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    // The address is locked, for the right password too; carla elsewhere is not.
    expect((await login(right('carla.rossi'), address)).status).toBe(429);
    expect((await login(right('carla.rossi'), '198.51.100.67')).status).toBe(200);
  });

  it('forgives a colleague his own corrected typos behind one NAT address, never someone else\'s failures', async () => {
    const office = '100.64.0.1';
    // Ten people typing, two typos each, then the right password: twenty typos from one address,
    // twice the threshold, and nobody is locked out.
    for (const user of ['anna.meier', 'bruno.keller', 'dario.fontana', 'anna.meier', 'bruno.keller']) {
      expect((await login(wrong(user, 1), office)).status).toBe(401);
      expect((await login(wrong(user, 2), office)).status).toBe(401);
      expect((await login(right(user), office)).status, user).toBe(200);
    }
    // An attacker's failures from the same address are not forgiven by the colleagues' successes.
    const attacker = '100.64.0.2';
    for (let n = 0; n < ADDRESS_THRESHOLD - 1; n++) expect((await login(wrong('nobody', n), attacker)).status).toBe(401);
    expect((await login(right('anna.meier'), attacker)).status).toBe(200);
    expect((await login(wrong('nobody', 50), attacker)).status).toBe(401);
    expect((await login(right('anna.meier'), attacker)).status).toBe(429);
  });
});

describe('a device stuck on a revoked app password', () => {
  it('counts once per window, costs one argon2 run, and does not lock out its office', async () => {
    const office = '100.64.1.1';
    const revoked = await createAppPassword(db.pool, 'bruno.keller', 'old-phone');
    await db.query(`DELETE FROM dav.app_password WHERE label = 'old-phone'`);
    const before = loginArgon2Runs();
    for (let poll = 0; poll < 3 * ADDRESS_THRESHOLD; poll++) {
      expect((await login(basicAuth('bruno.keller', revoked), office)).status, `poll ${poll + 1}`).toBe(401);
    }
    expect(loginArgon2Runs() - before).toBe(1);
    const { rows } = await db.query<{ failures: number }>('SELECT failures FROM dav.auth_failure WHERE key = $1', [`ip:${office}`]);
    expect(rows[0]?.failures).toBe(1);
    expect((await login(right('anna.meier'), office)).status).toBe(200);
    // From another address the same wrong login is checked (and counted) again.
    expect((await login(basicAuth('bruno.keller', revoked), '100.64.1.2')).status).toBe(401);
    expect(loginArgon2Runs() - before).toBe(3);
  });
});

describe('a device of an employee deactivated in BrokerStar', () => {
  it('keeps polling without locking out its office, and works again as soon as he is reactivated', async () => {
    // A server of its own with the cross-instance notices, as `serve` runs: reactivation reaches
    // the login throttle through the employee notice the change pump sends.
    const log = createLogger('silent');
    const notifications = new Notifications(db.url, log);
    await notifications.start();
    const config = testConfig({ authCacheSeconds: 600, authLockoutThreshold: ADDRESS_THRESHOLD, authLockoutSeconds: 600, trustProxy: 'loopback' });
    const { app, store } = createApp(config, db.pool, log, undefined, { notifications });
    const own = await listenOnLoopback(app);
    const office = '100.64.2.1';
    const ask = (authorization: string) =>
      fetch(`${own.url}/dav/`, { headers: { Authorization: authorization, 'X-Forwarded-For': office }, signal: AbortSignal.timeout(20_000) }).then((r) => r.status);
    try {
      expect(await ask(right('carla.rossi'))).toBe(200);
      await db.query(`UPDATE brokerstar.employee SET active = false WHERE username = 'carla.rossi'`);
      await store.pump.catchUp();
      // Her phone polls three times the threshold: one failure counted, one argon2 run.
      const before = loginArgon2Runs();
      for (let poll = 0; poll < 3 * ADDRESS_THRESHOLD; poll++) expect(await ask(right('carla.rossi')), `poll ${poll + 1}`).toBe(401);
      expect(loginArgon2Runs() - before).toBeLessThanOrEqual(2); // the first check (and one that raced the notice)
      const { rows } = await db.query<{ failures: number }>('SELECT failures FROM dav.auth_failure WHERE key = $1', [`ip:${office}`]);
      expect(rows[0]?.failures).toBeLessThanOrEqual(2);
      expect(await ask(right('dario.fontana')), 'a colleague in the same office').toBe(200);
      // Reactivated in BrokerStar: the pump's pass notifies, the same phone is let in again.
      await db.query(`UPDATE brokerstar.employee SET active = true WHERE username = 'carla.rossi'`);
      await store.pump.catchUp();
      const deadline = Date.now() + 10_000;
      let status = await ask(right('carla.rossi'));
      while (status !== 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        status = await ask(right('carla.rossi'));
      }
      expect(status, 'reactivated: in again within seconds, not after the 600 s window').toBe(200);
    } finally {
      await own.close();
      await notifications.stop();
    }
  });
});

describe('hostile credentials', () => {
  it('a NUL or a 10,000-character username is a plain 401, never a 500', async () => {
    const nul = `Basic ${Buffer.from('anna\0meier:whatever').toString('base64')}`;
    expect((await login(nul, '192.0.2.200')).status).toBe(401);
    const long = await login(basicAuth('x'.repeat(10_000), 'whatever'), '192.0.2.201');
    expect(long.status).toBe(401);
  });

  it('a 10,000-character X-Forwarded-For passed on by the trusted proxy is a plain 401, never a 500', async () => {
    expect((await login(wrong('anna.meier', 7), 'not-an-address'.repeat(700))).status).toBe(401);
    // It reached the throttle as the address, and was keyed by its hash.
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM dav.auth_failure WHERE key LIKE 'ip:sha256:%'`);
    expect(rows[0]?.n).toBe(1);
  });
});

describe('the log of failed logins', () => {
  it('never holds a password typed into the username field; known usernames are named', async () => {
    const typedAsUsername = passwords['dario.fontana'] as string;
    expect((await login(basicAuth(typedAsUsername, ''), '192.0.2.210')).status).toBe(401);
    expect((await login(basicAuth(typedAsUsername, 'x'), '192.0.2.210')).status).toBe(401);
    expect(logLines.filter((l) => l.includes(typedAsUsername))).toEqual([]);
    const failed = logLines.filter((l) => l.includes('"msg":"login failed"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(failed.some((l) => l.unknownUserLength === typedAsUsername.length && l.user === undefined)).toBe(true);
    expect(failed.some((l) => l.user === 'anna.meier')).toBe(true);
    // Every name a failed login logged is an employee's.
    const named = new Set(failed.map((l) => l.user).filter((u) => u !== undefined));
    expect([...named].sort()).toEqual(['anna.meier', 'bruno.keller', 'carla.rossi', 'dario.fontana']);
  });
});
