// The setup portal's core over real HTTP with a cookie jar: enrolment-link sign-in (confirm page,
// one use, expiry, inactive employees), sessions (idle timeout, sign-out, ended when the employee
// leaves), CSRF on every form, the security headers, "My devices" (add each kind, the new
// password answers 207, revoke → 401 at once despite the login cache, someone else's device → 404),
// the iPhone profile download, demo sign-in only in demo mode, SETUP_PORTAL=off, and no token or
// password in any log line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { invite, parseExpiry } from '../../src/portal/sign-in/enrolment.js';
import { loggableUrl } from '../../src/portal/router.js';
import { activeEmployeeByLogin } from '../../src/storage/postgres/brokerstar/portal-employees.js';
import { builders } from '../support/builders.js';
import { basicAuth } from '../support/basic-auth.js';
import { csrfOf, deviceIds, PortalClient, shownPassword, type PortalReply } from '../support/portal-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const logLines: string[] = [];
const secrets = new Set<string>();

let ts: TestServer;
let annaId: string;
let marcId: string;
let ottoId: string;

beforeAll(async () => {
  ts = await startTestServer({
    // Not demo mode (no demo sign-in); a real login cache, so revoking must invalidate it.
    config: { databaseUrl: 'postgres://unused.invalid/none', authCacheSeconds: 60, firmName: 'Muster & Partner AG' },
    log: createLogger('trace', { write: (s: string) => logLines.push(...s.split('\n').filter(Boolean)) }),
    seed: async (db) => {
      const b = builders(db.pool);
      annaId = await b.addEmployee({ username: 'anna.meier', language: 'de' });
      marcId = await b.addEmployee({ username: 'marc.dupont', language: 'fr', firstName: 'Marc', lastName: "D'Avignon" });
      ottoId = await b.addEmployee({ username: 'otto.alt', language: 'it' });
      await b.addEmployee({ username: 'eve.other', language: 'en' });
    },
  });
});

afterAll(async () => {
  await ts?.close();
  // No link token, session id or password ever reaches a log line.
  const all = logLines.join('\n');
  for (const s of secrets) expect(all).not.toContain(s);
});

async function employee(username: string) {
  const e = await activeEmployeeByLogin(ts.db.pool, username);
  if (!e) throw new Error(`${username} is not active`);
  return e;
}

/** An enrolment link's path (/setup/enrol/<token>) for the employee. */
async function enrolmentPath(username: string, ttlSeconds = 3600): Promise<string> {
  const [inv] = await invite(ts.db.pool, [await employee(username)], `${ts.url}/setup`, ttlSeconds);
  const path = new URL(inv!.link).pathname;
  secrets.add(path.split('/').pop()!);
  return path;
}

/** A client signed in through an enrolment link. */
async function signedIn(username: string, lang?: string): Promise<PortalClient> {
  const c = new PortalClient(ts.url, lang ? { acceptLanguage: lang } : {});
  const path = await enrolmentPath(username);
  const confirm = await c.get(path);
  expect(confirm.status).toBe(200);
  const done = await c.post(path, {}, confirm);
  expect(done.status).toBe(303);
  expect(done.headers.get('location')).toBe('/setup/');
  secrets.add(c.cookies.get('portal_session')!);
  return c;
}

/** A page with a pre-sign-in form (an enrolment confirmation), whose CSRF field a test posts with. */
async function formPage(c: PortalClient): Promise<PortalReply> {
  const page = await c.get(await enrolmentPath('eve.other'));
  expect(page.status).toBe(200);
  return page;
}

async function addDevice(c: PortalClient, kind: string, label: string): Promise<PortalReply> {
  const start = await c.get('/setup/');
  return c.post('/setup/devices', { kind, label }, start);
}

async function propfindPrincipal(user: string, password: string): Promise<number> {
  const res = await fetch(`${ts.url}/dav/principals/${user}/`, {
    method: 'PROPFIND',
    headers: { Authorization: basicAuth(user, password), Depth: '0', 'Content-Type': 'application/xml' },
    body: '<?xml version="1.0"?><propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>',
  });
  await res.arrayBuffer();
  return res.status;
}

async function appPasswordCount(employeeId: string): Promise<number> {
  const { rows } = await ts.db.query<{ n: number }>('SELECT count(*)::int AS n FROM dav.app_password WHERE employee_id = $1', [employeeId]);
  return rows[0]!.n;
}

describe('the start page and its headers', () => {
  it('shows the sign-in page without asking for Basic auth, with CSP, frame protection, no-store and no-referrer', async () => {
    const c = new PortalClient(ts.url);
    const r = await c.get('/setup/');
    expect(r.status).toBe(200);
    expect(r.headers.get('www-authenticate')).toBeNull();
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("style-src 'self'");
    // Script only from the portal itself (copy.js): nothing inline, no eval.
    expect(csp.split(/;\s*/).filter((d) => d.startsWith('script-src'))).toEqual(["script-src 'self'"]);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(r.text).toContain('<html lang="de">');
    expect(r.text).toContain('href="/setup/sign-in/email"');
    expect(r.text).not.toContain('<script');
    expect(r.text).not.toContain('demo-sign-in'); // not demo mode
    const css = await c.get('/setup/style.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('serves the copy-button script as a cacheable static file', async () => {
    const js = await new PortalClient(ts.url).get('/setup/copy.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    expect(js.text).toContain('navigator.clipboard.writeText');
    expect(js.text).toContain('[data-copy]');
  });

  it('speaks the language Accept-Language asks for when nobody is signed in', async () => {
    const r = await new PortalClient(ts.url, { acceptLanguage: 'fr-CH, fr;q=0.9, en;q=0.5' }).get('/setup/');
    expect(r.text).toContain('<html lang="fr">');
    expect(r.text).toContain('Connexion');
    const it_ = await new PortalClient(ts.url, { acceptLanguage: 'it' }).get('/setup/');
    expect(it_.text).toContain('Accesso');
  });

  it('answers an unknown portal path with a 404 page, never a password prompt', async () => {
    const r = await new PortalClient(ts.url).get('/setup/nothing/here');
    expect(r.status).toBe(404);
    expect(r.headers.get('www-authenticate')).toBeNull();
    expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});

describe('sign-in by enrolment link', () => {
  it('shows a confirmation on GET (not using the link up), signs in on POST with a session cookie', async () => {
    const c = new PortalClient(ts.url);
    const path = await enrolmentPath('anna.meier');
    // A mail scanner opening the link twice does not spend it.
    expect((await new PortalClient(ts.url).get(path)).status).toBe(200);
    const confirm = await c.get(path);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Anna Meier');
    expect(confirm.text).toContain('Muster &#38; Partner AG');
    expect(confirm.headers.get('cache-control')).toBe('no-store');
    const done = await c.post(path, {}, confirm);
    expect(done.status).toBe(303);
    const cookie = done.headers.getSetCookie().find((l) => l.startsWith('portal_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\/setup/);
    expect(cookie).not.toMatch(/Secure/); // plain http and no https PUBLIC_URL
    const id = c.cookies.get('portal_session')!;
    secrets.add(id);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Only the hash is stored.
    const { rows } = await ts.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM dav.portal_session WHERE id_hash = sha256(convert_to($1, 'UTF8')) AND method = 'enrolment'`,
      [id],
    );
    expect(rows[0]!.n).toBe(1);
    const { rows: raw } = await ts.db.query(`SELECT 1 FROM dav.portal_session WHERE encode(id_hash, 'escape') LIKE '%' || $1 || '%'`, [id]);
    expect(raw).toHaveLength(0);
    const start = await c.get('/setup/');
    expect(start.text).toContain('Meine Geräte');
    expect(start.text).toContain('Angemeldet als Anna Meier');
    // The sign-in is in the audit log.
    const { rows: audit } = await ts.db.query<{ reason: string }>(`SELECT reason FROM dav.audit_log WHERE method = 'SIGN-IN' AND employee_id = $1`, [annaId]);
    expect(audit.some((a) => a.reason.startsWith('portal sign-in by enrolment'))).toBe(true);
  });

  it('works once: a replayed link is a 410 page and signs nobody in', async () => {
    const path = await enrolmentPath('anna.meier');
    const first = new PortalClient(ts.url);
    expect((await first.post(path, {}, await first.get(path))).status).toBe(303);
    const second = new PortalClient(ts.url);
    const confirm = await second.get(path);
    expect(confirm.status).toBe(410);
    expect(confirm.text).toContain('bereits verwendet');
    const replay = await second.post(path, {}, await formPage(second));
    expect(replay.status).toBe(410);
    expect(second.cookies.has('portal_session')).toBe(false);
  });

  it('refuses an expired, an unknown and a malformed link with a clear 4xx page', async () => {
    const path = await enrolmentPath('anna.meier');
    await ts.db.query(`UPDATE dav.sign_in_link SET expires_at = now() - interval '1 minute' WHERE token_hash = sha256(convert_to($1, 'UTF8'))`, [path.split('/').pop()]);
    const c = new PortalClient(ts.url, { acceptLanguage: 'en' });
    const expired = await c.get(path);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('This link has expired');
    expect((await c.post(path, {}, await formPage(c))).status).toBe(410);
    expect(c.cookies.has('portal_session')).toBe(false);
    const unknown = await c.get(`/setup/enrol/${'A'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('This link is not valid');
    expect((await c.get('/setup/enrol/short')).status).toBe(404);
  });

  it('refuses an inactive employee, and ends his session when he becomes inactive', async () => {
    const path = await enrolmentPath('otto.alt');
    const c = new PortalClient(ts.url);
    const confirm = await c.get(path);
    expect(confirm.status).toBe(200);
    await ts.db.query('UPDATE brokerstar.employee SET active = false WHERE id = $1', [ottoId]);
    const refused = await c.post(path, {}, confirm);
    expect(refused.status).toBe(403);
    expect(c.cookies.has('portal_session')).toBe(false);
    // The refused attempt used the link up: being made active again needs a new one.
    expect((await new PortalClient(ts.url).get(path)).status).toBe(410);
    await ts.db.query('UPDATE brokerstar.employee SET active = true WHERE id = $1', [ottoId]);
    const otto = await signedIn('otto.alt');
    expect((await otto.get('/setup/')).text).toContain('I miei dispositivi');
    await ts.db.query('UPDATE brokerstar.employee SET active = false WHERE id = $1', [ottoId]);
    const after = await otto.get('/setup/');
    expect(after.text).not.toContain('I miei dispositivi');
    expect(after.text).toContain('href="/setup/sign-in/email"');
    const { rows } = await ts.db.query('SELECT 1 FROM dav.portal_session WHERE employee_id = $1', [ottoId]);
    expect(rows).toHaveLength(0);
    await ts.db.query('UPDATE brokerstar.employee SET active = true WHERE id = $1', [ottoId]);
  });

  it('limits enrolment attempts per client address (429)', async () => {
    const c = new PortalClient(ts.url);
    const page = await formPage(c);
    let last = 0;
    for (let i = 0; i < 31; i++) last = (await c.post(`/setup/enrol/${'B'.repeat(43)}`, {}, page)).status;
    expect(last).toBe(429);
    await ts.db.query(`DELETE FROM dav.sign_in_attempt WHERE bucket LIKE 'enrol-ip:%'`);
  });

  it('reads --expires durations', () => {
    expect(parseExpiry('7d')).toBe(7 * 86400);
    expect(parseExpiry('12h')).toBe(12 * 3600);
    expect(parseExpiry('90m')).toBe(90 * 60);
    expect(parseExpiry('91d')).toBeUndefined();
    expect(parseExpiry('0d')).toBeUndefined();
    expect(parseExpiry('soon')).toBeUndefined();
  });
});

describe('sessions', () => {
  it('end after the idle timeout and on sign-out', async () => {
    const c = await signedIn('anna.meier');
    await ts.db.query(`UPDATE dav.portal_session SET last_seen_at = now() - interval '31 minutes' WHERE employee_id = $1`, [annaId]);
    const idle = await c.get('/setup/');
    expect(idle.text).not.toContain('Meine Geräte');
    const d = await signedIn('anna.meier');
    const start = await d.get('/setup/');
    expect(start.text).toContain('Meine Geräte');
    const out = await d.post('/setup/sign-out', {}, start);
    expect(out.status).toBe(200);
    expect(out.text).toContain('Sie sind abgemeldet');
    expect(d.cookies.has('portal_session')).toBe(false);
    expect((await d.get('/setup/')).text).not.toContain('Meine Geräte');
  });
});

describe('CSRF', () => {
  it('refuses a forged or missing token with 403 and creates nothing', async () => {
    const c = await signedIn('marc.dupont');
    const before = await appPasswordCount(marcId);
    const forged = await c.request('POST', '/setup/devices', { form: { _csrf: 'x'.repeat(43), kind: 'iphone', label: 'forged' } });
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('Formulaire expiré');
    const missing = await c.request('POST', '/setup/devices', { form: { kind: 'iphone', label: 'forged' } });
    expect(missing.status).toBe(403);
    expect(await appPasswordCount(marcId)).toBe(before);
    // Before sign-in: the double-submit cookie; a form from another site has neither.
    const path = await enrolmentPath('marc.dupont');
    const stranger = new PortalClient(ts.url);
    const r = await stranger.request('POST', path, { form: { _csrf: 'y'.repeat(43) } });
    expect(r.status).toBe(403);
    // The link was not used up.
    expect((await stranger.get(path)).status).toBe(200);
  });
});

describe('my devices', () => {
  const kinds = ['iphone', 'android', 'outlook', 'thunderbird', 'other'] as const;

  it.each(kinds)('adds a %s device: the password is shown once, no-store, with its setup, and answers 207', async (kind) => {
    const c = await signedIn('anna.meier');
    const r = await addDevice(c, kind, `Gerät ${kind}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const password = shownPassword(r.text);
    secrets.add(password);
    expect(password).toMatch(/^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
    // Copy buttons: the script (with its words in the page's language) and the values it marks.
    expect(r.text).toContain('<script src="/setup/copy.js" defer data-copy-label="Kopieren" data-copied-label="Kopiert"></script>');
    expect(r.text).toContain(`<span class="secret" data-copy>${password}</span>`);
    expect(r.text).toContain('<span class="mono" data-copy>anna.meier</span>');
    // Server and username once (Android showed them again under the QR code).
    expect(r.text.split('<dt>Server</dt>')).toHaveLength(2);
    expect(r.text.split('<dt>Benutzername</dt>')).toHaveLength(2);
    const { rows } = await ts.db.query<{ kind: string }>('SELECT kind FROM dav.app_password WHERE employee_id = $1 AND label = $2', [annaId, `Gerät ${kind}`]);
    expect(rows[0]!.kind).toBe(kind);
    expect(await propfindPrincipal('anna.meier', password)).toBe(207);
    switch (kind) {
      case 'iphone':
        expect(r.text).toMatch(/action="\/setup\/devices\/\d+\/profile"/);
        expect(r.text).toContain('nicht signiert');
        break;
      case 'android':
        expect(r.text).toContain('<svg');
        expect(r.text).toContain(`href="caldav://anna.meier:${password}@127.0.0.1:`);
        break;
      case 'outlook':
        expect(r.text).toContain(`<span class="mono" data-copy>${ts.url}/dav/calendars/anna.meier/termine/</span>`);
        expect(r.text).toContain('CalDav Synchronizer');
        // The folder kind in brackets only where it differs from the collection's name.
        expect(r.text).toContain('<h3>Termine <small>(Kalender)</small></h3>');
        expect(r.text).toContain('<h3>Kontakte</h3>');
        expect(r.text).not.toContain('<h3>Kontakte <small>');
        expect(r.text).toContain('<h3>Meine Kunden <small>(Kontakte)</small></h3>');
        expect(r.text).toContain('<h3>Geburtstage <small>(Kalender)</small></h3>');
        expect(r.text).toContain(`<span class="mono" data-copy>${ts.url}/dav/calendars/anna.meier/geburtstage/</span>`);
        break;
      case 'thunderbird':
      case 'other':
        expect(r.text).toContain(`${ts.url}/`);
        expect(r.text).toContain(`${ts.url}/dav/addressbooks/anna.meier/`);
        break;
    }
    // The list shows it with its kind, and the second visit does not show the password.
    const list = await c.get('/setup/');
    expect(list.text).toContain(`Gerät ${kind}`);
    expect(list.text).not.toContain(password);
    // The device's last use and address are recorded by Basic auth.
    const { rows: used } = await ts.db.query<{ last_address: string | null; last_used_at: Date | null }>(
      'SELECT last_address, last_used_at FROM dav.app_password WHERE employee_id = $1 AND label = $2',
      [annaId, `Gerät ${kind}`],
    );
    expect(used[0]!.last_used_at).not.toBeNull();
    expect(used[0]!.last_address).toMatch(/127\.0\.0\.1/);
  });

  it('serves the iPhone profile only to its owner, with the right password, as a download', async () => {
    const c = await signedIn('anna.meier');
    const r = await addDevice(c, 'iphone', 'iPhone Profil');
    const password = shownPassword(r.text);
    secrets.add(password);
    const id = /action="\/setup\/devices\/(\d+)\/profile"/.exec(r.text)![1]!;
    const profile = await c.post(`/setup/devices/${id}/profile`, { password }, r);
    expect(profile.status).toBe(200);
    expect(profile.headers.get('content-type')).toMatch(/^application\/x-apple-aspen-config/);
    expect(profile.headers.get('content-disposition')).toMatch(/^attachment; filename="Muster-Partner-AG\.mobileconfig"$/);
    expect(profile.headers.get('cache-control')).toBe('no-store');
    expect(profile.text).toContain('com.apple.caldav.account');
    expect(profile.text).toContain('com.apple.carddav.account');
    expect(profile.text).toContain(password);
    // A wrong password, another employee's session, a profile long after creation: refused.
    expect((await c.post(`/setup/devices/${id}/profile`, { password: 'wrong-wrong-wrong-wrong' }, r)).status).toBe(403);
    const marc = await signedIn('marc.dupont');
    expect((await marc.post(`/setup/devices/${id}/profile`, { password }, await marc.get('/setup/'))).status).toBe(404);
    await ts.db.query(`UPDATE dav.app_password SET created_at = now() - interval '1 hour' WHERE id = $1`, [id]);
    expect((await c.post(`/setup/devices/${id}/profile`, { password }, r)).status).toBe(410);
  });

  it('refuses an empty, a too long or a taken label and an unknown kind with a 4xx page', async () => {
    const c = await signedIn('anna.meier');
    const before = await appPasswordCount(annaId);
    expect((await addDevice(c, 'iphone', '   ')).status).toBe(400);
    expect((await addDevice(c, 'iphone', 'x'.repeat(101))).status).toBe(400);
    expect((await addDevice(c, 'blackberry', 'Alt')).status).toBe(400);
    expect((await addDevice(c, 'iphone', 'Doppelt')).status).toBe(200);
    const taken = await addDevice(c, 'android', 'Doppelt');
    expect(taken.status).toBe(409);
    expect(taken.text).toContain('bereits ein Gerät namens „Doppelt“');
    expect(await appPasswordCount(annaId)).toBe(before + 1);
  });

  it('revokes a device: its password gets 401 at once although the login was cached', async () => {
    const c = await signedIn('anna.meier');
    const r = await addDevice(c, 'android', 'Zu entfernen');
    const password = shownPassword(r.text);
    secrets.add(password);
    expect(await propfindPrincipal('anna.meier', password)).toBe(207); // now cached for 60 s
    expect(await propfindPrincipal('anna.meier', password)).toBe(207);
    const { rows } = await ts.db.query<{ id: string }>(`SELECT id::text FROM dav.app_password WHERE employee_id = $1 AND label = 'Zu entfernen'`, [annaId]);
    const id = rows[0]!.id;
    const list = await c.get('/setup/');
    expect(deviceIds(list.text)).toContain(id);
    const revoked = await c.post(`/setup/devices/${id}/revoke`, {}, list);
    expect(revoked.status).toBe(200);
    expect(revoked.text).toContain('„Zu entfernen“ wurde entfernt');
    expect(deviceIds(revoked.text)).not.toContain(id);
    expect(await propfindPrincipal('anna.meier', password)).toBe(401);
    const { rows: audit } = await ts.db.query(`SELECT 1 FROM dav.audit_log WHERE method = 'REVOKE-DEVICE' AND employee_id = $1`, [annaId]);
    expect(audit.length).toBeGreaterThan(0);
  });

  it("answers another employee's device id in the revoke form with 404 and revokes nothing", async () => {
    const anna = await signedIn('anna.meier');
    const r = await addDevice(anna, 'thunderbird', 'Annas Laptop');
    const password = shownPassword(r.text);
    secrets.add(password);
    const { rows } = await ts.db.query<{ id: string }>(`SELECT id::text FROM dav.app_password WHERE employee_id = $1 AND label = 'Annas Laptop'`, [annaId]);
    const annasDevice = rows[0]!.id;
    const marc = await signedIn('marc.dupont', 'de');
    const page = await marc.get('/setup/');
    expect(page.text).toContain('Mes appareils'); // his BrokerStar language wins over Accept-Language
    expect(page.text).toContain('D&#39;Avignon');
    const refused = await marc.post(`/setup/devices/${annasDevice}/revoke`, {}, page);
    expect(refused.status).toBe(404);
    expect(refused.text).toContain('Appareil introuvable');
    expect((await marc.post('/setup/devices/not-a-number/revoke', {}, page)).status).toBe(404);
    expect(await appPasswordCount(annaId)).toBeGreaterThan(0);
    const { rows: still } = await ts.db.query('SELECT 1 FROM dav.app_password WHERE id = $1', [annasDevice]);
    expect(still).toHaveLength(1);
    expect(await propfindPrincipal('anna.meier', password)).toBe(207);
    // Not signed in at all: 403, nothing revoked.
    const stranger = new PortalClient(ts.url);
    expect((await stranger.post(`/setup/devices/${annasDevice}/revoke`, {}, await formPage(stranger))).status).toBe(403);
    expect((await ts.db.query('SELECT 1 FROM dav.app_password WHERE id = $1', [annasDevice])).rows).toHaveLength(1);
  });
});

describe('the request log', () => {
  it('writes portal URLs without link tokens or query strings', () => {
    expect(loggableUrl(`/setup/enrol/${'a'.repeat(43)}`)).toBe('/setup/enrol/[token]');
    expect(loggableUrl('/setup/sign-in/oidc/callback?code=abc&state=def')).toBe('/setup/sign-in/oidc/callback?[query]');
    expect(loggableUrl('/setup/devices/12/revoke')).toBe('/setup/devices/12/revoke');
  });
});

describe('demo mode and SETUP_PORTAL=off', () => {
  it('offers a labelled demo sign-in only in demo mode (no DATABASE_URL)', async () => {
    // The test server above has a DATABASE_URL: no demo sign-in there.
    const c = new PortalClient(ts.url);
    const page = await formPage(c);
    expect((await c.post('/setup/demo-sign-in', {}, page)).status).toBe(404);
    expect(c.cookies.has('portal_session')).toBe(false);

    const demo = await startTestServer({
      config: { databaseUrl: undefined },
      seed: async (db) => {
        await builders(db.pool).addEmployee({ username: 'anna.meier' });
      },
    });
    try {
      const d = new PortalClient(demo.url);
      const start = await d.get('/setup/');
      expect(start.text).toContain('Demo-Modus');
      expect(start.text).toContain('action="/setup/demo-sign-in"');
      const signed = await d.post('/setup/demo-sign-in', {}, start);
      expect(signed.status).toBe(303);
      expect((await d.get('/setup/')).text).toContain('Meine Geräte');
      const { rows } = await demo.db.query<{ method: string }>('SELECT method FROM dav.portal_session');
      expect(rows.map((r) => r.method)).toEqual(['demo']);
    } finally {
      await demo.close();
    }
  });

  it('SETUP_PORTAL=off: /setup/ is a plain 404 without a password prompt', async () => {
    const off = await startTestServer({ config: { setupPortal: false } });
    try {
      for (const path of ['/setup/', '/setup/enrol/x', '/setup/style.css']) {
        const r = await fetch(off.url + path);
        expect(r.status).toBe(404);
        expect(r.headers.get('www-authenticate')).toBeNull();
        await r.arrayBuffer();
      }
      const post = await fetch(`${off.url}/setup/devices`, { method: 'POST', body: 'kind=iphone&label=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      expect(post.status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

it('keeps the CSRF field on every form of the signed-in start page', async () => {
  const c = await signedIn('eve.other');
  await addDevice(c, 'other', 'one');
  const page = await c.get('/setup/');
  const forms = page.text.match(/<form /g) ?? [];
  const fields = page.text.match(/name="_csrf"/g) ?? [];
  expect(forms.length).toBeGreaterThanOrEqual(3); // sign-out, revoke, add
  expect(fields.length).toBe(forms.length);
  expect(csrfOf(page.text)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(page.text).toContain('<html lang="en">');
});
