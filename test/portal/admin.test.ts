// The portal's administrators' pages (/setup/admin/, ADMIN_USERS) over real HTTP with a cookie jar:
// an administrator (his username in another case than ADMIN_USERS) sees every active employee's
// devices and revokes one (401 at once for that password despite the login cache, the others still
// work); sees a locked-out address and a slowed-down username and unlocks each (the next correct
// login gets in); sees capped collections and an employee's refusals. A non-administrator gets 403
// on every administrators' URL, GET and POST, with nothing changed; nobody signed in is sent to
// sign in; a forged CSRF token is refused with nothing changed. Every action is audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppPassword } from '../../src/auth/app-passwords.js';
import { lockoutKeys } from '../../src/auth/lockout.js';
import { PORTAL_TEXTS } from '../../src/i18n/portal.js';
import { escapeHtml } from '../../src/portal/contract.js';
import { invite } from '../../src/portal/sign-in/enrolment.js';
import { activeEmployeeByLogin } from '../../src/storage/postgres/brokerstar/portal-employees.js';
import { basicAuth } from '../support/basic-auth.js';
import { builders } from '../support/builders.js';
import { csrfOf, PortalClient, type PortalReply } from '../support/portal-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const ADDRESS_THRESHOLD = 3;
const USER_THRESHOLD = 2;

let ts: TestServer;
let annaId: string;
let marcId: string;
const pw: Record<string, string> = {};

beforeAll(async () => {
  ts = await startTestServer({
    config: {
      databaseUrl: 'postgres://unused.invalid/none', // not demo mode
      authCacheSeconds: 60, // a real login cache: revoking must invalidate it
      adminUsers: ['boss.admin'],
      trustProxy: 'loopback', // client addresses from X-Forwarded-For, as behind a proxy
      authLockoutThreshold: ADDRESS_THRESHOLD,
      authLockoutUserThreshold: USER_THRESHOLD,
      authLockoutSeconds: 600,
      maxRecords: 2,
    },
    seed: async (db) => {
      const b = builders(db.pool);
      // BrokerStar spells the administrator's username with capitals; ADMIN_USERS holds it lower-cased.
      await b.addEmployee({ username: 'Boss.Admin', language: 'en' });
      annaId = await b.addEmployee({ username: 'anna.meier', language: 'de' });
      marcId = await b.addEmployee({ username: 'marc.dupont', language: 'fr' });
      await b.addEmployee({ username: 'otto.alt', language: 'it' });
      await b.addEmployee({ username: 'gone.away', active: false });
      // Three contacts for everyone's address book: more than MAX_RECORDS = 2.
      for (const lastName of ['Ammann', 'Bühler', 'Caduff']) await b.addContact({ lastName });
    },
  });
  pw.annaPhone = await createAppPassword(ts.db.pool, 'anna.meier', 'Annas iPhone', 'iphone');
  pw.annaLaptop = await createAppPassword(ts.db.pool, 'anna.meier', 'Annas Laptop', 'thunderbird');
  pw.marc = await createAppPassword(ts.db.pool, 'marc.dupont', 'Outlook Büro', 'outlook');
  pw.otto = await createAppPassword(ts.db.pool, 'otto.alt', 'Telefono', 'android');
});

afterAll(async () => {
  await ts?.close();
});

async function signedIn(username: string): Promise<PortalClient> {
  const e = await activeEmployeeByLogin(ts.db.pool, username);
  if (!e) throw new Error(`${username} is not active`);
  const [inv] = await invite(ts.db.pool, [e], `${ts.url}/setup`, 3600);
  const path = new URL(inv!.link).pathname;
  const c = new PortalClient(ts.url);
  const confirm = await c.get(path);
  expect(confirm.status).toBe(200);
  expect((await c.post(path, {}, confirm)).status).toBe(303);
  return c;
}

/** A DAV request as `user` from `address` (X-Forwarded-For through the trusted loopback "proxy"). */
async function login(user: string, password: string, address = '198.51.100.1'): Promise<number> {
  const res = await fetch(`${ts.url}/dav/`, {
    method: 'PROPFIND',
    headers: { Authorization: basicAuth(user, password), Depth: '0', 'Content-Type': 'application/xml', 'X-Forwarded-For': address },
    body: '<?xml version="1.0"?><propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>',
    signal: AbortSignal.timeout(20_000),
  });
  await res.arrayBuffer();
  return res.status;
}

async function deviceId(label: string): Promise<string> {
  const { rows } = await ts.db.query<{ id: string }>('SELECT id::text AS id FROM dav.app_password WHERE label = $1', [label]);
  if (!rows[0]) throw new Error(`no device "${label}"`);
  return rows[0].id;
}

async function failureRow(key: string): Promise<{ failures: number } | undefined> {
  return (await ts.db.query<{ failures: number }>('SELECT failures FROM dav.auth_failure WHERE key = $1', [key])).rows[0];
}

async function auditRows(action: string): Promise<{ username: string; reason: string; outcome: string }[]> {
  return (await ts.db.query<{ username: string; reason: string; outcome: string }>('SELECT username, reason, outcome FROM dav.audit_log WHERE method = $1 ORDER BY id', [action])).rows;
}

/** Admin URLs: every page and every form. */
const PAGES = ['/setup/admin', '/setup/admin/', '/setup/admin/lockouts', '/setup/admin/capped', '/setup/admin/refusals', '/setup/admin/refusals/1', '/setup/admin/no-such-page'];

describe('who may enter', () => {
  it('links the administrators\' pages from the start page of an administrator only', async () => {
    const boss = await signedIn('boss.admin');
    const start = await boss.get('/setup/');
    expect(start.status).toBe(200);
    expect(start.text).toContain('href="/setup/admin/"');
    const anna = await signedIn('anna.meier');
    const hers = await anna.get('/setup/');
    expect(hers.status).toBe(200);
    expect(hers.text).toContain('Meine Geräte');
    expect(hers.text).not.toContain('/setup/admin/');
  });

  it('sends a visitor who is not signed in to sign in, GET and POST', async () => {
    const c = new PortalClient(ts.url);
    for (const path of PAGES) {
      const r = await c.get(path);
      expect(r.status, path).toBe(303);
      expect(r.headers.get('location'), path).toBe('/setup/');
    }
    const r = await c.request('POST', '/setup/admin/unlock', { form: { target: 'anna.meier' } });
    expect(r.status).toBe(303);
  });

  it('answers 403 with a clear page to a signed-in employee who is no administrator, on every URL, and changes nothing', async () => {
    const anna = await signedIn('anna.meier');
    for (const path of PAGES) {
      const r = await anna.get(path);
      expect(r.status, path).toBe(403);
      expect(r.text, path).toContain('<h1>Kein Zugriff</h1>');
      expect(r.text, path).toContain('ADMIN_USERS');
      expect(r.text, path).toContain('anna.meier');
      expect(r.text, path).not.toContain('marc.dupont');
      expect(r.headers.get('cache-control')).toBe('no-store');
    }
    // Her own valid CSRF token does not make her an administrator.
    const start = await anna.get('/setup/');
    const marcDevice = await deviceId('Outlook Büro');
    const revoke = await anna.post(`/setup/admin/devices/${marcDevice}/revoke`, {}, start);
    expect(revoke.status).toBe(403);
    expect(await login('marc.dupont', pw.marc!)).toBe(207);

    await ts.db.query(`INSERT INTO dav.auth_failure (key, failures, window_start, locked_until) VALUES ($1, 9, now(), now() + interval '10 minutes')`, [lockoutKeys('192.0.2.99', '').ip]);
    const unlock = await anna.post('/setup/admin/unlock', { target: '192.0.2.99' }, start);
    expect(unlock.status).toBe(403);
    expect(await failureRow(lockoutKeys('192.0.2.99', '').ip)).toEqual({ failures: 9 });
    // Refused attempts are audited.
    const refused = await auditRows('ADMIN');
    expect(refused.length).toBeGreaterThanOrEqual(PAGES.length + 2);
    expect(refused.every((r) => r.username === 'anna.meier' && r.outcome === 'refused')).toBe(true);
    await ts.db.query('DELETE FROM dav.auth_failure WHERE key = $1', [lockoutKeys('192.0.2.99', '').ip]);
  });
});

describe('every employee\'s devices', () => {
  it('lists every active employee with his devices: label, kind, created, last used, last address', async () => {
    expect(await login('anna.meier', pw.annaPhone!, '198.51.100.23')).toBe(207);
    const boss = await signedIn('Boss.Admin');
    const page = await boss.get('/setup/admin/');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.text).toContain('<html lang="en">');
    expect(page.text).toContain('<h1>Every employee’s devices</h1>');
    for (const text of ['Anna Meier (anna.meier)', 'Marc Dupont (marc.dupont)', 'Otto Alt (otto.alt)', 'Boss Admin (Boss.Admin)']) expect(page.text).toContain(text);
    expect(page.text).not.toContain('gone.away'); // inactive
    for (const label of ['Annas iPhone', 'Annas Laptop', 'Outlook Büro', 'Telefono']) expect(page.text).toContain(label);
    expect(page.text).toContain('iPhone, iPad or Mac'); // the kind, in the administrator's language
    expect(page.text).toContain('Outlook (CalDav Synchronizer)');
    expect(page.text).toContain('<span class="mono">198.51.100.23</span>'); // last address
    expect(page.text).toContain('never'); // Otto's phone was never used
    expect(page.text).toContain('Active employees: 4. Connected devices: 4.');
    // A revoke form per device, each with the session's CSRF token.
    const forms = [...page.text.matchAll(/action="\/setup\/admin\/devices\/(\d+)\/revoke">(<input type="hidden" name="_csrf" value="[^"]+">)/g)];
    expect(forms).toHaveLength(4);
    expect(page.text).toContain('aria-label="Revoke “Annas iPhone” (Anna Meier)"');
    expect(page.text).not.toContain('<script');
  });

  it('revokes another employee\'s device: 401 at once despite the login cache, his other devices and others\' still work; audited', async () => {
    expect(await login('anna.meier', pw.annaPhone!)).toBe(207); // cached now (AUTH_CACHE_SECONDS = 60)
    expect(await login('anna.meier', pw.annaLaptop!)).toBe(207);
    const boss = await signedIn('boss.admin');
    const page = await boss.get('/setup/admin/');
    const id = await deviceId('Annas iPhone');
    const r = await boss.post(`/setup/admin/devices/${id}/revoke`, {}, page);
    expect(r.status).toBe(200);
    expect(r.text).toContain('The device “Annas iPhone” of anna.meier was revoked');
    expect(r.text).not.toContain(`/setup/admin/devices/${id}/revoke`);
    expect(await login('anna.meier', pw.annaPhone!)).toBe(401);
    expect(await login('anna.meier', pw.annaLaptop!)).toBe(207);
    expect(await login('marc.dupont', pw.marc!)).toBe(207);
    const audited = await auditRows('ADMIN-REVOKE-DEVICE');
    expect(audited).toEqual([{ username: 'Boss.Admin', outcome: 'accepted', reason: expect.stringContaining(`revoked device "Annas iPhone" (id ${id}) of anna.meier`) }]);
    // Again (a second tab, a double click): a clear 404 page, nothing else removed.
    const again = await boss.post(`/setup/admin/devices/${id}/revoke`, {}, page);
    expect(again.status).toBe(404);
    expect(again.text).toContain('Device not found');
    const bad = await boss.post('/setup/admin/devices/not-a-number/revoke', {}, page);
    expect(bad.status).toBe(404);
    expect((await ts.db.query('SELECT 1 FROM dav.app_password')).rowCount).toBe(3);
  });

  it('refuses a forged or missing CSRF token with 403, nothing revoked or unlocked', async () => {
    const boss = await signedIn('boss.admin');
    const id = await deviceId('Telefono');
    for (const csrf of ['A'.repeat(43), '', undefined]) {
      const form: Record<string, string> = csrf === undefined ? {} : { _csrf: csrf };
      const r = await boss.request('POST', `/setup/admin/devices/${id}/revoke`, { form });
      expect(r.status).toBe(403);
      expect(r.text).toContain(`<h1>${PORTAL_TEXTS.en.csrfTitle}</h1>`);
    }
    expect(await deviceId('Telefono')).toBe(id);
    // Another session's token is no better.
    const anna = await signedIn('anna.meier');
    const hersCsrf = csrfOf((await anna.get('/setup/')).text);
    expect((await boss.request('POST', `/setup/admin/devices/${id}/revoke`, { form: { _csrf: hersCsrf } })).status).toBe(403);
    expect(await deviceId('Telefono')).toBe(id);
    const key = lockoutKeys('192.0.2.98', '').ip;
    await ts.db.query(`INSERT INTO dav.auth_failure (key, failures, window_start, locked_until) VALUES ($1, 5, now(), now() + interval '10 minutes')`, [key]);
    expect((await boss.request('POST', '/setup/admin/unlock', { form: { _csrf: 'B'.repeat(43), target: '192.0.2.98' } })).status).toBe(403);
    expect(await failureRow(key)).toEqual({ failures: 5 });
    await ts.db.query('DELETE FROM dav.auth_failure WHERE key = $1', [key]);
    expect(await auditRows('ADMIN-REVOKE-DEVICE')).toHaveLength(1); // only the one above
  });
});

describe('lockouts', () => {
  it('shows a locked-out address and unlocks it: the next correct login from it gets in', async () => {
    const address = '203.0.113.9';
    // Otto's password has never been used: nothing cached that could pass the lock.
    for (let i = 0; i < ADDRESS_THRESHOLD; i++) expect(await login('otto.alt', `Wrong-${i}-xxxxx-xxxxx-xxxxx`, address)).toBe(401);
    expect(await login('otto.alt', pw.otto!, address)).toBe(429);

    const boss = await signedIn('boss.admin');
    const page = await boss.get('/setup/admin/lockouts');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h2 id="addresses">Locked client addresses</h2>');
    expect(page.text).toContain(`<span class="mono">${address}</span>`);
    expect(page.text).toContain(`aria-label="Unlock ${address}"`);
    expect(page.text).toContain('A client address is locked after 3 failed logins within 10 minutes');

    const r = await boss.post('/setup/admin/unlock', { target: address }, page);
    expect(r.status).toBe(200);
    expect(r.text).toContain(`Address ${address} unlocked (${ADDRESS_THRESHOLD} failed logins cleared).`);
    expect(r.text).toContain('No address is locked.');
    expect(await failureRow(lockoutKeys(address, '').ip)).toBeUndefined();
    expect(await login('otto.alt', pw.otto!, address)).toBe(207);
    const audited = await auditRows('ADMIN-UNLOCK');
    expect(audited.at(-1)).toEqual({ username: 'Boss.Admin', outcome: 'accepted', reason: expect.stringContaining(`unlocked address ${address} (${ADDRESS_THRESHOLD} failures)`) });
  });

  it('shows a slowed-down username and unlocks it (typed in another case): its failures are gone, the next correct login gets in at once', async () => {
    // A password of marc's never used yet (nothing cached that would skip the check).
    const tablet = await createAppPassword(ts.db.pool, 'marc.dupont', 'Tablet', 'other');
    // Failures for marc from several addresses (none of them reaches its own threshold): his
    // logins now wait the longest delay (2 s).
    const failed = await Promise.all(Array.from({ length: 10 }, (_, i) => login('marc.dupont', `Wrong-${i}-yyyyy-yyyyy-yyyyy`, `198.51.100.${100 + i}`)));
    expect(failed).toEqual(Array(10).fill(401));
    const userKey = lockoutKeys('', 'marc.dupont').user;
    expect(await failureRow(userKey)).toEqual({ failures: 10 });

    const boss = await signedIn('boss.admin');
    const page = await boss.get('/setup/admin/lockouts');
    expect(page.text).toContain('Usernames with many failed logins (slowed down)');
    expect(page.text).toMatch(/<td data-label="Username">marc\.dupont<\/td><td data-label="Failed logins">10<\/td>/);

    const r = await boss.post('/setup/admin/unlock', { target: 'Marc.Dupont' }, page);
    expect(r.status).toBe(200);
    expect(r.text).toContain('Failed logins of the username marc.dupont cleared (10)');
    expect(r.text).toContain('No username has too many failed logins.');
    expect(await failureRow(userKey)).toBeUndefined();
    const started = Date.now();
    expect(await login('Marc.Dupont', tablet, '198.51.100.200')).toBe(207);
    expect(Date.now() - started).toBeLessThan(1500); // no delay left (it would be the full 2 s)
  });

  it('says so when there is nothing to unlock, and refuses an empty or absurd target with 400', async () => {
    const boss = await signedIn('boss.admin');
    const page = await boss.get('/setup/admin/lockouts');
    const none = await boss.post('/setup/admin/unlock', { target: 'nobody.here' }, page);
    expect(none.status).toBe(200);
    expect(none.text).toContain('Nothing was locked or counted for “nobody.here”.');
    for (const target of ['', ' ', 'x'.repeat(400), 'a\u0001b']) {
      const r = await boss.post('/setup/admin/unlock', { target }, page);
      expect(r.status, JSON.stringify(target)).toBe(400);
      expect(r.text).toContain('Enter a username or a client address');
    }
  });
});

describe('capped collections and refusals', () => {
  it('lists the capped collections as `status` does', async () => {
    const boss = await signedIn('boss.admin');
    const r = await boss.get('/setup/admin/capped');
    expect(r.status).toBe(200);
    expect(r.text).toContain('MAX_RECORDS (2)');
    // Everyone's address book holds 3 contacts, 2 served.
    const principal = await ts.store.principalByUsername('anna.meier');
    const capped = (await ts.store.status(principal!)).filter((s) => s.capped);
    expect(capped.length).toBeGreaterThan(0);
    for (const s of capped) {
      expect(r.text).toContain(`<td data-label="Employee">Anna Meier (anna.meier)</td><td data-label="Collection">${escapeHtml(s.collection.displayName)}</td><td data-label="Eligible">3</td><td data-label="Served">2</td>`);
    }
  });

  it('shows an employee\'s latest refusals as `audit --user` does', async () => {
    const refused = await fetch(`${ts.url}/dav/calendars/anna.meier/new-calendar/`, {
      method: 'MKCOL',
      headers: { Authorization: basicAuth('anna.meier', pw.annaLaptop!), 'User-Agent': 'TestClient/1.0' },
    });
    await refused.arrayBuffer();
    expect(refused.status).toBeGreaterThanOrEqual(400);
    // The audit row is written without delaying the answer.
    await expect.poll(async () => (await ts.db.query(`SELECT 1 FROM dav.audit_log WHERE method = 'MKCOL'`)).rowCount, { timeout: 5000 }).toBe(1);

    const boss = await signedIn('boss.admin');
    const index = await boss.get('/setup/admin/refusals');
    expect(index.status).toBe(200);
    expect(index.text).toContain(`href="/setup/admin/refusals/${annaId}"`);
    // Hers: the MKCOL and the administrators' pages refused to her above (audited as refusals too).
    const { rows } = await ts.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM dav.audit_log WHERE username = 'anna.meier' AND outcome = 'refused'`);
    expect(rows[0]!.n).toBeGreaterThan(1);
    expect(index.text).toContain(`Anna Meier (anna.meier)</a>: ${Math.min(20, rows[0]!.n)} among the latest entries`);
    expect(index.text).toMatch(/Marc Dupont \(marc\.dupont\)<\/a>: No refused requests\./);
    const hers = await boss.get(`/setup/admin/refusals/${annaId}`);
    expect(hers.status).toBe(200);
    expect(hers.text).toContain('<h1>Refused requests: Anna Meier</h1>');
    expect(hers.text).toContain('MKCOL /dav/calendars/anna.meier/new-calendar/');
    expect(hers.text).toContain(`<td data-label="Status">${refused.status}</td>`);
    expect(hers.text).toContain('TestClient/1.0');
    const his = await boss.get(`/setup/admin/refusals/${marcId}`);
    expect(his.text).toContain('No refused requests.');
    for (const bad of ['999999', 'abc', '1e5']) {
      const r = await boss.get(`/setup/admin/refusals/${bad}`);
      expect(r.status, bad).toBe(404);
      expect(r.text).toContain('Person not found');
    }
  });

  it('speaks the administrator\'s language', async () => {
    await ts.db.query(`UPDATE brokerstar.employee SET language = 'fr' WHERE username = 'Boss.Admin'`);
    try {
      const boss = await signedIn('boss.admin');
      const r: PortalReply = await boss.get('/setup/admin/lockouts');
      expect(r.text).toContain('<html lang="fr">');
      expect(r.text).toContain('Adresses client bloquées');
      expect((await boss.get('/setup/admin/')).text).toContain('Appareils de tout le personnel');
    } finally {
      await ts.db.query(`UPDATE brokerstar.employee SET language = 'en' WHERE username = 'Boss.Admin'`);
    }
  });
});
