// App passwords and HTTP Basic authentication: create/verify/list/revoke with only an argon2id hash
// stored, inactive employees, the 401 answer (same for every failure, in body and time), UTF-8
// credentials, the lockout (per address; per username only a delay), no password in any log line, and which
// paths need credentials. Real app, real PostgreSQL, requests from distinct loopback addresses
// (127.0.0.x) so the per-address lockout is exercised without trusting X-Forwarded-For.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountError,
  createAppPassword,
  generateAppPassword,
  listAppPasswords,
  revokeAppPassword,
  verifyLogin,
} from '../../src/auth/app-passwords.js';
import { parseBasicAuth } from '../../src/auth/basic-auth.js';
import { createApp } from '../../src/compose.js';
import { testConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { builders } from '../support/builders.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { listenOnLoopback } from '../support/listen.js';
import { D, parseMultistatus, propHrefs } from '../support/multistatus.js';

const CHALLENGE = 'Basic realm="brokerstar-dav", charset="UTF-8"';

/** Every log line any app in this file wrote (JSON text), searched for passwords at the end. */
const logLines: string[] = [];
/** Every password this file sent, right or wrong. */
const passwordsUsed = new Set<string>();

interface App {
  readonly port: number;
  close(): Promise<void>;
}

async function startApp(db: TestDatabase, config: Partial<Config>): Promise<App> {
  const log = createLogger('trace', { write: (s: string) => logLines.push(...s.split('\n').filter(Boolean)) });
  const { app } = createApp(testConfig({ authCacheSeconds: 0, ...config }), db.pool, log);
  const { port, close } = await listenOnLoopback(app);
  return { port, close };
}

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  readonly ms: number;
}

interface SendOptions {
  /** A ready Authorization header value. */
  readonly authorization?: string;
  /** Source address (any 127.0.0.x reaches the server on Linux). */
  readonly from?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

function send(app: App, method: string, path: string, opts: SendOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.authorization !== undefined) headers.Authorization = opts.authorization;
  if (opts.body !== undefined) {
    headers['Content-Type'] ??= 'application/xml; charset=utf-8';
    headers['Content-Length'] = String(Buffer.byteLength(opts.body));
  }
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request(
      { host: '127.0.0.1', port: app.port, method, path, headers, localAddress: opts.from ?? '127.0.0.1', agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const basic = (user: string, password: string, encoding: BufferEncoding = 'utf8') => {
  passwordsUsed.add(password);
  return `Basic ${Buffer.from(`${user}:${password}`, encoding).toString('base64')}`;
};

const PRINCIPAL_BODY = '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>';

/** PROPFIND the DAV root as someone; returns the status and the principal the server saw. */
async function whoAmI(app: App, authorization: string, from?: string): Promise<{ status: number; principal?: string }> {
  const r = await send(app, 'PROPFIND', '/dav/', { authorization, from, body: PRINCIPAL_BODY, headers: { Depth: '0' } });
  if (r.status !== 207) return { status: r.status };
  const ms = await parseMultistatus(r.text);
  return { status: r.status, principal: propHrefs(ms.responses.get('/dav/'), D('current-user-principal'))[0] };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

let db: TestDatabase;
let anna: string;
let bruno: string;
beforeAll(async () => {
  db = await createTestDatabase();
  const b = builders(db.pool);
  anna = await b.addEmployee({ username: 'anna.meier' });
  bruno = await b.addEmployee({ username: 'bruno.keller' });
  await b.addEmployee({ username: 'jürg.müller' });
  await b.addEmployee({ username: 'carla.rossi' });
  await b.addEmployee({ username: 'dora.alt', active: false });
  await b.addEmployee({ username: 'emil.neu' }); // never gets an app password
});
afterAll(() => db?.drop());

describe('app passwords', () => {
  it('are generated as four groups of five unambiguous characters, all different', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generateAppPassword();
      expect(p).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{5}(-[a-km-zA-HJ-NP-Z2-9]{5}){3}$/);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
  });

  it('several per user, one per label; each verifies as its own app password', async () => {
    const iphone = await createAppPassword(db.pool, 'anna.meier', 'iPhone');
    const outlook = await createAppPassword(db.pool, 'anna.meier', '  Outlook Büro  ');
    const ipad = await createAppPassword(db.pool, 'anna.meier', 'iPad');
    expect(new Set([iphone, outlook, ipad]).size).toBe(3);
    const v1 = await verifyLogin(db.pool, 'anna.meier', iphone);
    const v2 = await verifyLogin(db.pool, 'anna.meier', outlook);
    const v3 = await verifyLogin(db.pool, 'anna.meier', ipad);
    expect(v1).toMatchObject({ employeeId: anna, username: 'anna.meier' });
    expect(v2).toMatchObject({ employeeId: anna, username: 'anna.meier' });
    expect(new Set([v1?.appPasswordId, v2?.appPasswordId, v3?.appPasswordId]).size).toBe(3);
    expect(await verifyLogin(db.pool, 'anna.meier', 'wrong-password')).toBeUndefined();
    expect(await verifyLogin(db.pool, 'anna.meier', `${iphone} `)).toBeUndefined();
    expect(await verifyLogin(db.pool, 'anna.meier', iphone.toLowerCase())).toBeUndefined();
    // Another user's password is no good for anna, and the other way round.
    const brunos = await createAppPassword(db.pool, 'bruno.keller', 'iPhone');
    expect(await verifyLogin(db.pool, 'anna.meier', brunos)).toBeUndefined();
    expect(await verifyLogin(db.pool, 'bruno.keller', iphone)).toBeUndefined();
    expect(await verifyLogin(db.pool, 'bruno.keller', brunos)).toMatchObject({ employeeId: bruno });
  });

  it('refuse a label the user already has (also after trimming), an empty or too long label', async () => {
    await expect(createAppPassword(db.pool, 'anna.meier', 'iPhone')).rejects.toThrow(
      new AccountError('"anna.meier" already has an app password labelled "iPhone"; revoke it first or pick another label'),
    );
    await expect(createAppPassword(db.pool, 'anna.meier', ' iPhone ')).rejects.toThrow(/already has an app password labelled "iPhone"/);
    await expect(createAppPassword(db.pool, 'anna.meier', '   ')).rejects.toThrow(/the label must be 1 to 100 characters/);
    await expect(createAppPassword(db.pool, 'anna.meier', 'x'.repeat(101))).rejects.toThrow(/the label must be 1 to 100 characters/);
    // The same label for another user is fine.
    await expect(createAppPassword(db.pool, 'carla.rossi', 'iPad')).resolves.toMatch(/-/);
  });

  it('refuse unknown and inactive employees', async () => {
    await expect(createAppPassword(db.pool, 'nobody', 'x')).rejects.toThrow(new AccountError('no BrokerStar employee with username "nobody"'));
    await expect(createAppPassword(db.pool, 'dora.alt', 'x')).rejects.toThrow(/"dora.alt" is inactive in BrokerStar and cannot sync/);
    await expect(listAppPasswords(db.pool, 'nobody')).rejects.toThrow(AccountError);
    await expect(revokeAppPassword(db.pool, 'nobody', 'x')).rejects.toThrow(AccountError);
  });

  it('store only an argon2id hash: no column holds the password', async () => {
    const password = await createAppPassword(db.pool, 'anna.meier', 'hash-check');
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT p.* FROM dav.app_password p JOIN brokerstar.employee e ON e.id = p.employee_id
        WHERE e.username = 'anna.meier' AND p.label = 'hash-check'`,
    );
    expect(rows).toHaveLength(1);
    const row = rows[0] as Record<string, unknown>;
    expect(row.hash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(JSON.stringify(row)).not.toContain(password);
    expect(JSON.stringify(row)).not.toContain(password.replaceAll('-', ''));
    const { rows: columns } = await db.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'dav' AND table_name = 'app_password' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => c.column_name)).toEqual(['id', 'employee_id', 'label', 'hash', 'created_at', 'last_used_at', 'kind', 'last_address']);
    // Two passwords never share a hash (salted).
    const { rows: hashes } = await db.query<{ n: number; distinct_n: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT hash)::int AS distinct_n FROM dav.app_password',
    );
    expect(hashes[0]?.distinct_n).toBe(hashes[0]?.n);
    // All of one employee's app passwords share one salt, so checking a login costs one argon2
    // computation however many devices he has (the timing test below depends on it).
    const { rows: salts } = await db.query<{ salts: number; n: number }>(
      `SELECT count(DISTINCT split_part(hash, '$', 5))::int AS salts, count(*)::int AS n
         FROM dav.app_password WHERE employee_id = $1`,
      [anna],
    );
    expect(salts[0]).toEqual({ salts: 1, n: 4 });
  });

  it('list labels with creation and last use, never a hash or password', async () => {
    const list = await listAppPasswords(db.pool, 'anna.meier');
    expect(list.map((p) => p.label)).toEqual(['iPhone', 'Outlook Büro', 'iPad', 'hash-check']);
    for (const p of list) {
      expect(Object.keys(p).sort()).toEqual(['createdAt', 'label', 'lastUsedAt']);
      expect(p.createdAt).toBeInstanceOf(Date);
    }
    // Verified in the first test: last use recorded; never used: null.
    expect(list.find((p) => p.label === 'iPhone')?.lastUsedAt).toBeInstanceOf(Date);
    expect(list.find((p) => p.label === 'hash-check')?.lastUsedAt).toBeNull();
    expect(await listAppPasswords(db.pool, 'emil.neu')).toEqual([]);
  });

  it('revoke one label; the others keep working; an unknown label is an error', async () => {
    const temp = await createAppPassword(db.pool, 'carla.rossi', 'Laptop');
    const kept = await createAppPassword(db.pool, 'carla.rossi', 'Phone');
    await revokeAppPassword(db.pool, 'carla.rossi', 'Laptop');
    expect(await verifyLogin(db.pool, 'carla.rossi', temp)).toBeUndefined();
    expect(await verifyLogin(db.pool, 'carla.rossi', kept)).toMatchObject({ username: 'carla.rossi' });
    expect((await listAppPasswords(db.pool, 'carla.rossi')).map((p) => p.label)).toEqual(['iPad', 'Phone']);
    await expect(revokeAppPassword(db.pool, 'carla.rossi', 'Laptop')).rejects.toThrow(
      new AccountError('"carla.rossi" has no app password labelled "Laptop"'),
    );
  });
});

describe('HTTP Basic authentication', () => {
  let app: App;
  let annaPassword: string;
  beforeAll(async () => {
    // Lockout thresholds out of reach here; the lockout has its own section below.
    app = await startApp(db, { authLockoutThreshold: 1000, authLockoutUserThreshold: 1000 });
    annaPassword = await createAppPassword(db.pool, 'anna.meier', 'http');
  });
  afterAll(() => app?.close());

  it('lets the right username and app password in, as that employee', async () => {
    expect(await whoAmI(app, basic('anna.meier', annaPassword))).toEqual({ status: 207, principal: '/dav/principals/anna.meier/' });
  });

  it('parses Basic credentials per RFC 7617: scheme case-insensitive, password may contain colons', () => {
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
    expect(parseBasicAuth(`basic ${b64('anna.meier:a:b')}`)).toEqual({ username: 'anna.meier', password: 'a:b' });
    expect(parseBasicAuth(`BASIC   ${b64('u:')}`)).toEqual({ username: 'u', password: '' });
    expect(parseBasicAuth(undefined)).toBeUndefined();
    expect(parseBasicAuth(`Basic ${b64(':pw')}`)).toBeUndefined();
    expect(parseBasicAuth(`Basic ${b64('no-colon')}`)).toBeUndefined();
    expect(parseBasicAuth('Bearer abc')).toBeUndefined();
    expect(parseBasicAuth('Basic !!!')).toBeUndefined();
  });

  it('answers 401 with the UTF-8 Basic challenge and one body for every kind of failure', async () => {
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
    const cases: Record<string, string | undefined> = {
      missing: undefined,
      empty: '',
      'other scheme': 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.x',
      'not base64': 'Basic !!!not-base64!!!',
      'no colon': `Basic ${b64('anna.meier')}`,
      'empty username': `Basic ${b64(':secret')}`,
      'wrong password': basic('anna.meier', 'Wrong-Passw-ord12-34567'),
      'empty password': basic('anna.meier', ''),
      'unknown user': basic('nobody.here', 'Wrong-Passw-ord12-34567'),
      'inactive user': basic('dora.alt', 'Wrong-Passw-ord12-34567'),
      'user without app passwords': basic('emil.neu', 'Wrong-Passw-ord12-34567'),
      "another user's password": basic('bruno.keller', annaPassword),
    };
    const bodies = new Set<string>();
    for (const [what, authorization] of Object.entries(cases)) {
      const r = await send(app, 'PROPFIND', '/dav/', { authorization, body: PRINCIPAL_BODY, headers: { Depth: '0' } });
      expect(r.status, what).toBe(401);
      expect(r.headers['www-authenticate'], what).toBe(CHALLENGE);
      expect(r.headers['content-type'], what).toBe('text/plain; charset=utf-8');
      bodies.add(r.text);
    }
    // No Accept-Language: German, with where app passwords come from (test/i18n/ has the other languages).
    expect([...bodies]).toEqual([
      `Anmeldung erforderlich: Ihr BrokerStar-Benutzername und ein App-Passwort.\nEin App-Passwort für Ihr Gerät erhalten Sie unter http://127.0.0.1:${app.port}/setup/\n`,
    ]);
  });

  it('answers an unknown user exactly like a wrong password, in headers and body', async () => {
    const unknown = await send(app, 'GET', '/dav/', { authorization: basic('nobody.here', 'Xxxxx-xxxxx-xxxxx-xxxxx') });
    const wrong = await send(app, 'GET', '/dav/', { authorization: basic('anna.meier', 'Xxxxx-xxxxx-xxxxx-xxxxx') });
    const comparable = (r: Reply) => {
      const { date: _d, 'x-request-id': _id, ...rest } = r.headers;
      return { status: r.status, headers: rest, text: r.text };
    };
    expect(comparable(unknown)).toEqual(comparable(wrong));
  });

  it('takes about as long for an unknown user as for a wrong password (medians; generous bound)', async () => {
    const wrong = basic('anna.meier', 'Timing-wrong-passw-ord00');
    const unknown = basic('nobody.at.all', 'Timing-wrong-passw-ord00');
    // Warm up both paths (the dummy hash is computed on first use).
    await send(app, 'GET', '/dav/', { authorization: unknown });
    await send(app, 'GET', '/dav/', { authorization: wrong });
    const t: { wrong: number[]; unknown: number[] } = { wrong: [], unknown: [] };
    for (let i = 0; i < 9; i++) {
      // A new password each time: the same wrong login sent again is answered without argon2.
      const pw = `Timing-wrong-passw-ord1${i}`;
      t.wrong.push((await send(app, 'GET', '/dav/', { authorization: basic('anna.meier', pw) })).ms);
      t.unknown.push((await send(app, 'GET', '/dav/', { authorization: basic('nobody.at.all', pw) })).ms);
    }
    const [w, u] = [median(t.wrong), median(t.unknown)];
    // anna has five app passwords by now. Both paths cost one argon2 computation; skipping it for
    // unknown users, or verifying each of anna's hashes in turn, makes one path several times slower.
    expect(u, `medians: unknown ${u.toFixed(1)} ms, wrong ${w.toFixed(1)} ms`).toBeGreaterThan(w / 2.5);
    expect(w, `medians: unknown ${u.toFixed(1)} ms, wrong ${w.toFixed(1)} ms`).toBeGreaterThan(u / 2.5);
  });

  it('accepts UTF-8 usernames and refuses the same name sent as Latin-1', async () => {
    const pw = await createAppPassword(db.pool, 'jürg.müller', 'iPhone');
    expect(await whoAmI(app, basic('jürg.müller', pw))).toEqual({ status: 207, principal: '/dav/principals/j%C3%BCrg.m%C3%BCller/' });
    expect((await whoAmI(app, basic('jürg.müller', pw, 'latin1'))).status).toBe(401);
  });

  it('stops accepting a revoked password at once when nothing is cached (AUTH_CACHE_SECONDS=0)', async () => {
    const pw = await createAppPassword(db.pool, 'bruno.keller', 'to-revoke');
    const auth = basic('bruno.keller', pw);
    expect((await whoAmI(app, auth)).status).toBe(207);
    await revokeAppPassword(db.pool, 'bruno.keller', 'to-revoke');
    const r = await send(app, 'PROPFIND', '/dav/', { authorization: auth, body: PRINCIPAL_BODY, headers: { Depth: '0' } });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe(CHALLENGE);
  });

  it('keeps a revoked password working only until the auth cache expires', async () => {
    const cached = await startApp(db, { authCacheSeconds: 1, authLockoutThreshold: 1000, authLockoutUserThreshold: 1000 });
    try {
      const pw = await createAppPassword(db.pool, 'bruno.keller', 'cached');
      const auth = basic('bruno.keller', pw);
      expect((await whoAmI(cached, auth)).status).toBe(207);
      await revokeAppPassword(db.pool, 'bruno.keller', 'cached');
      expect((await whoAmI(cached, auth)).status, 'still cached').toBe(207);
      await new Promise((r) => setTimeout(r, 1300));
      expect((await whoAmI(cached, auth)).status, 'cache expired').toBe(401);
    } finally {
      await cached.close();
    }
  });

  it('refuses an employee made inactive at once, even while his login is cached, with the challenge', async () => {
    const cached = await startApp(db, { authCacheSeconds: 60, authLockoutThreshold: 1000, authLockoutUserThreshold: 1000 });
    try {
      const pw = await createAppPassword(db.pool, 'carla.rossi', 'cached-inactive');
      const auth = basic('carla.rossi', pw);
      expect((await whoAmI(cached, auth)).status).toBe(207);
      await db.query(`UPDATE brokerstar.employee SET active = false WHERE username = 'carla.rossi'`);
      try {
        const r = await send(cached, 'PROPFIND', '/dav/', { authorization: auth, body: PRINCIPAL_BODY, headers: { Depth: '0' } });
        expect(r.status).toBe(401);
        expect(r.headers['www-authenticate']).toBe(CHALLENGE);
      } finally {
        await db.query(`UPDATE brokerstar.employee SET active = true WHERE username = 'carla.rossi'`);
      }
    } finally {
      await cached.close();
    }
  });

  it('refuses an employee made inactive in BrokerStar, and lets him in again when reactivated', async () => {
    const pw = await createAppPassword(db.pool, 'carla.rossi', 'inactive-test');
    const auth = basic('carla.rossi', pw);
    expect((await whoAmI(app, auth)).status).toBe(207);
    await db.query(`UPDATE brokerstar.employee SET active = false WHERE username = 'carla.rossi'`);
    try {
      const r = await send(app, 'PROPFIND', '/dav/', { authorization: auth, body: PRINCIPAL_BODY, headers: { Depth: '0' } });
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toBe(CHALLENGE);
      expect(await verifyLogin(db.pool, 'carla.rossi', pw)).toBeUndefined();
    } finally {
      await db.query(`UPDATE brokerstar.employee SET active = true WHERE username = 'carla.rossi'`);
    }
    expect((await whoAmI(app, auth)).status).toBe(207);
  });

  it('/healthz and /metrics need no credentials; every other path and method does', async () => {
    expect((await send(app, 'GET', '/healthz')).status).toBe(200);
    expect((await send(app, 'HEAD', '/healthz')).status).toBe(200);
    expect((await send(app, 'GET', '/metrics')).status).toBe(200);
    const protectedRequests: [string, string][] = [
      ['GET', '/'],
      ['PROPFIND', '/'],
      ['OPTIONS', '/'],
      ['OPTIONS', '/dav/'],
      ['GET', '/dav/'],
      ['PROPFIND', '/dav/principals/anna.meier/'],
      ['PROPFIND', '/dav/calendars/anna.meier/'],
      ['REPORT', '/dav/calendars/anna.meier/termine/'],
      ['GET', '/dav/calendars/anna.meier/termine/'],
      ['GET', '/dav/addressbooks/anna.meier/kontakte/1.vcf'],
      ['PUT', '/dav/addressbooks/anna.meier/kontakte/new.vcf'],
      ['DELETE', '/dav/calendars/anna.meier/aufgaben/1.ics'],
      ['MKCOL', '/dav/calendars/anna.meier/neu/'],
      ['GET', '/healthz/x'],
      ['GET', '/metrics.json'],
      ['POST', '/healthz'],
      ['GET', '/no/such/path'],
    ];
    for (const [method, path] of protectedRequests) {
      const r = await send(app, method, path);
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(r.headers['www-authenticate'], `${method} ${path}`).toBe(CHALLENGE);
    }
  });

  it('redirects /.well-known/caldav and /carddav to /dav/ without credentials; /dav/ then asks for them', async () => {
    // The one other path without credentials (RFC 6764 discovery): it reveals nothing but /dav/.
    for (const path of ['/.well-known/caldav', '/.well-known/carddav']) {
      for (const method of ['GET', 'PROPFIND']) {
        const r = await send(app, method, path);
        expect(r.status, `${method} ${path}`).toBe(301);
        expect(r.headers.location).toBe('/dav/');
      }
    }
    expect((await send(app, 'PROPFIND', '/dav/')).status).toBe(401);
  });
});

describe('lockout after repeated failures', () => {
  let app: App;
  const passwords: Record<string, string> = {};
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  beforeAll(async () => {
    // X-Forwarded-For is not trusted here: the address is the TCP peer (127.0.0.x).
    app = await startApp(db, { authLockoutThreshold: 3, authLockoutUserThreshold: 5, authLockoutSeconds: 2 });
    // Failures counted by the sections above (same database) must not count here.
    await db.query('DELETE FROM dav.auth_failure');
    for (const u of ['anna.meier', 'bruno.keller', 'carla.rossi']) passwords[u] = await createAppPassword(db.pool, u, 'lockout');
  });
  afterAll(() => app?.close());

  const right = (user: string) => basic(user, passwords[user] as string);
  const wrongPw = (user: string) => basic(user, 'Locko-utWro-ngPas-sword');

  it('locks one client address after AUTH_LOCKOUT_THRESHOLD failures, even for the right password, until the lock ends', async () => {
    const from = '127.0.0.2';
    // Failures for different usernames (known or not) all count for the address.
    expect((await send(app, 'GET', '/dav/', { from, authorization: wrongPw('anna.meier') })).status).toBe(401);
    expect((await send(app, 'GET', '/dav/', { from, authorization: wrongPw('nobody.known') })).status).toBe(401);
    // X-Forwarded-For does not move the failures elsewhere (TRUST_PROXY is off).
    const third = await send(app, 'GET', '/dav/', { from, authorization: wrongPw('carla.rossi'), headers: { 'X-Forwarded-For': '203.0.113.9' } });
    expect(third.status).toBe(401);
    const locked = await send(app, 'PROPFIND', '/dav/', { from, authorization: right('anna.meier'), body: PRINCIPAL_BODY, headers: { Depth: '0' } });
    expect(locked.status).toBe(429);
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    expect(locked.text).toBe('Zu viele fehlgeschlagene Anmeldungen. Bitte versuchen Sie es später noch einmal.\n');
    // Other addresses are not affected, nor is the same user from elsewhere.
    expect((await whoAmI(app, right('anna.meier'), '127.0.0.3')).status).toBe(207);
    await wait(retryAfter * 1000 + 300);
    expect(await whoAmI(app, right('anna.meier'), from)).toEqual({ status: 207, principal: '/dav/principals/anna.meier/' });
  });

  it('never locks a username: past AUTH_LOCKOUT_USER_THRESHOLD failures from anywhere, the right password still gets in, slowed down', async () => {
    for (let i = 0; i < 7; i++) {
      const r = await send(app, 'GET', '/dav/', { from: `127.0.0.${10 + i}`, authorization: wrongPw('bruno.keller') });
      expect(r.status, `failure ${i + 1}`).toBe(401);
    }
    const started = Date.now();
    expect(await whoAmI(app, right('bruno.keller'), '127.0.0.20')).toEqual({ status: 207, principal: '/dav/principals/bruno.keller/' });
    // 7 failures against a threshold of 5: three steps of the bounded delay (250 ms each).
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    // The success started the username's count over: no delay now.
    const again = Date.now();
    expect((await whoAmI(app, right('bruno.keller'), '127.0.0.21')).status).toBe(207);
    expect(Date.now() - again).toBeLessThan(700);
  });

  it("a successful login forgives that username's earlier failures from the address", async () => {
    const from = '127.0.0.30';
    for (let round = 0; round < 3; round++) {
      expect((await send(app, 'GET', '/dav/', { from, authorization: wrongPw('carla.rossi') })).status).toBe(401);
      expect((await send(app, 'GET', '/dav/', { from, authorization: wrongPw('carla.rossi') })).status).toBe(401);
      expect((await whoAmI(app, right('carla.rossi'), from)).status, `round ${round + 1}`).toBe(207);
    }
  });
});

describe('logs', () => {
  it('never contain a password that was sent, right or wrong, nor an Authorization header', () => {
    expect(logLines.length).toBeGreaterThan(50);
    expect(logLines.some((l) => l.includes('"msg":"login failed"'))).toBe(true);
    expect(passwordsUsed.size).toBeGreaterThan(10);
    for (const pw of passwordsUsed) {
      if (pw.length < 6) continue; // '' and such match anything
      const hits = logLines.filter((l) => l.includes(pw));
      expect(hits, `password ${pw} in the log`).toEqual([]);
    }
    expect(logLines.filter((l) => /Basic [A-Za-z0-9+/=]{8,}/.test(l) || /authorization/i.test(l))).toEqual([]);
  });
});
