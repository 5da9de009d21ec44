// Sign-in through the firm's OpenID provider against a real one in the test (oidc-provider on
// 127.0.0.1, authorization code flow with PKCE): success by the e-mail claim (any case), a
// forged or missing state, a flow older than 10 minutes, a nonce swapped on the way, a claim
// matching no active employee, and a provider that cannot be reached: each a clear page, never a
// 500, and no session unless the employee was found.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { oidcSignInRoutes } from '../../src/portal/sign-in/oidc.js';
import { addEmployee } from '../support/builders.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { listenOnLoopback } from '../support/listen.js';
import { startTestOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { Browser, startSignInApp, type Page, type SignInApp } from '../support/sign-in-deps.js';

let db: TestDatabase;
let provider: TestOidcProvider;
let app: SignInApp;
let anna: string;

beforeAll(async () => {
  db = await createTestDatabase();
  anna = await addEmployee(db, { username: 'anna.meier', email: 'Anna.Meier@example.ch', language: 'fr' });
  await addEmployee(db, { username: 'max.alt', email: 'max.alt@example.ch', active: false });
  app = await startSignInApp({
    db,
    config: async (appUrl) => {
      provider = await startTestOidcProvider({ redirectUri: `${appUrl}/setup/sign-in/oidc/callback` });
      return { oidcIssuer: provider.issuer, oidcClientId: provider.clientId, oidcClientSecret: provider.clientSecret };
    },
    routers: (deps) => [oidcSignInRoutes(deps)],
  });
});

afterAll(async () => {
  await app?.close();
  await provider?.close();
  await db?.drop();
});

beforeEach(async () => {
  await db.query('DELETE FROM dav.portal_session');
});

const startUrl = () => `${app.url}/setup/sign-in/oidc`;
const callbackPrefix = () => `${app.url}/setup/sign-in/oidc/callback`;
const sessions = async () => (await db.query<{ employee_id: string; method: string }>('SELECT employee_id::text, method FROM dav.portal_session')).rows;
const flows = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM dav.oidc_flow')).rows[0]!.n;

/**
 * Starts a sign-in and lets the browser go through the provider (which signs in whoever loginAs
 * named) up to, but not into, the portal's callback; `tamper` may change the authorization URL.
 */
async function throughProvider(browser: Browser, tamper: (authorizationUrl: URL) => void = () => {}): Promise<URL> {
  const start = await browser.get(startUrl(), { follow: false });
  expect(start.status).toBe(303);
  const authorization = new URL(start.headers.get('location')!);
  expect(authorization.origin).toBe(provider.issuer);
  tamper(authorization);
  let next = authorization.href;
  for (let hop = 0; hop < 10; hop++) {
    const page: Page = await browser.get(next, { follow: false });
    const location = page.headers.get('location');
    expect(page.status, page.text).toBeGreaterThanOrEqual(300);
    expect(page.status, page.text).toBeLessThan(400);
    next = new URL(location!, next).href;
    if (next.startsWith(callbackPrefix())) return new URL(next);
  }
  throw new Error('the provider did not send the browser back');
}

describe('sign-in through the OpenID provider', () => {
  it('is not offered without OIDC_ISSUER', async () => {
    const { testConfig } = await import('../../src/config.js');
    expect(oidcSignInRoutes({ config: testConfig({ oidcIssuer: undefined }) } as never)).toBeUndefined();
  });

  it('signs in the active employee whose address equals the email claim, case-insensitively', async () => {
    provider.loginAs({ email: 'ANNA.MEIER@EXAMPLE.CH', email_verified: true });
    const browser = new Browser();
    const start = await browser.get(startUrl(), { follow: false });
    const authorization = new URL(start.headers.get('location')!);
    // Authorization code flow with PKCE, state and nonce.
    expect(authorization.searchParams.get('response_type')).toBe('code');
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorization.searchParams.get('nonce')).toBeTruthy();
    expect(authorization.searchParams.get('redirect_uri')).toBe(callbackPrefix());
    expect(await flows()).toBe(1);
    // Only the state's hash is stored.
    const state = authorization.searchParams.get('state')!;
    const stored = await db.query<{ state_hash: Buffer }>('SELECT state_hash FROM dav.oidc_flow');
    expect(stored.rows[0]!.state_hash.toString('latin1')).not.toContain(state);

    const callback = await throughProvider(browser);
    const done = await browser.get(callback.href, { follow: false });
    expect(done.status, done.text).toBe(303);
    expect(done.headers.get('location')).toBe(`${app.url}/setup/`);
    expect(await sessions()).toEqual([{ employee_id: anna, method: 'oidc' }]);
    expect(browser.cookie(app.url, 'portal_session')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The flow is used up; the same answer again is refused.
    const again = await browser.get(callback.href, { follow: false });
    expect(again.status).toBe(400);
    expect(await sessions()).toHaveLength(1);
    // The code and state never reach the log.
    const code = callback.searchParams.get('code')!;
    expect(app.logLines.join('\n')).not.toContain(code);
    expect(app.logLines.join('\n')).toContain('/setup/sign-in/oidc/callback?[redacted]');
  });

  it('refuses an answer whose state was changed, is missing, or belongs to another browser', async () => {
    provider.loginAs({ email: 'anna.meier@example.ch' });
    const browser = new Browser();
    const callback = await throughProvider(browser);
    const forged = new URL(callback);
    forged.searchParams.set('state', 'A'.repeat(43));
    const page = await browser.get(forged.href, { headers: { 'Accept-Language': 'en' } });
    expect(page.status).toBe(400);
    expect(page.text).toContain('This answer belongs to no sign-in started here');

    const missing = new URL(callback);
    missing.searchParams.delete('state');
    expect((await new Browser().get(missing.href)).status).toBe(400);

    // The genuine answer, opened in a browser that did not start the sign-in (login CSRF).
    provider.loginAs({ email: 'anna.meier@example.ch' });
    const victim = new Browser();
    const attackers = await throughProvider(new Browser());
    const planted = await victim.get(attackers.href);
    expect(planted.status).toBe(400);
    expect(await sessions()).toEqual([]);
  });

  it('refuses a sign-in older than 10 minutes and prunes it', async () => {
    provider.loginAs({ email: 'anna.meier@example.ch' });
    const browser = new Browser();
    const callback = await throughProvider(browser);
    await db.query(`UPDATE dav.oidc_flow SET created_at = now() - interval '11 minutes'`);
    const page = await browser.get(callback.href);
    expect(page.status).toBe(400);
    expect(page.text).toContain('Anmeldung nicht abgeschlossen');
    expect(await sessions()).toEqual([]);
    // Stale flows left behind are deleted when the next sign-in starts.
    await db.query(`INSERT INTO dav.oidc_flow (state_hash, nonce, code_verifier, created_at) VALUES ('\\x00', 'n', 'v', now() - interval '1 hour')`);
    await new Browser().get(startUrl(), { follow: false });
    expect((await db.query(`SELECT 1 FROM dav.oidc_flow WHERE state_hash = '\\x00'`)).rowCount).toBe(0);
  });

  it('refuses an ID token whose nonce is not the one the sign-in was started with', async () => {
    provider.loginAs({ email: 'anna.meier@example.ch' });
    const browser = new Browser();
    const callback = await throughProvider(browser, (url) => url.searchParams.set('nonce', 'swapped-nonce-of-another-request'));
    const page = await browser.get(callback.href, { headers: { 'Accept-Language': 'it' } });
    expect(page.status).toBe(400);
    expect(page.text).toContain('Non è stato possibile verificare la risposta del servizio d&#39;accesso');
    expect(await sessions()).toEqual([]);
    // Refused for the nonce (the ID token's claim did not match), and the reason logged for the administrator.
    const refused = app.logLines.map((l) => JSON.parse(l) as { msg: string; code?: string }).filter((l) => l.msg === 'OpenID sign-in answer refused');
    expect(refused.at(-1)?.code).toBe('OAUTH_JWT_CLAIM_COMPARISON_FAILED');
  });

  it('says clearly that no active employee has the address, and creates nothing', async () => {
    for (const email of ['someone.else@example.ch', 'max.alt@example.ch']) {
      provider.loginAs({ email });
      const browser = new Browser();
      const callback = await throughProvider(browser);
      const page = await browser.get(callback.href, { headers: { 'Accept-Language': 'fr' } });
      expect(page.status).toBe(403);
      expect(page.text).toContain(`Il n’y a dans BrokerStar aucun collaborateur actif ni aucune collaboratrice active avec l’adresse e-mail ${email}.`);
      expect(browser.cookie(app.url, 'portal_session')).toBeUndefined();
    }
    provider.loginAs({ name: 'No Mail' });
    const browser = new Browser();
    const page = await browser.get((await throughProvider(browser)).href, { headers: { 'Accept-Language': 'en' } });
    expect(page.status).toBe(403);
    expect(page.text).toContain('The sign-in service sent no e-mail address (claim &#34;email&#34;)');
    expect(await sessions()).toEqual([]);
  });
});

describe('an OpenID provider that cannot be used', () => {
  it('answers 503 when the provider does not answer, and refuses plain http to a remote provider', async () => {
    const closed = await listenOnLoopback((_req, res) => res.end());
    const deadUrl = closed.url;
    await closed.close();
    for (const issuer of [deadUrl, 'http://idp.example.com']) {
      const broken = await startSignInApp({
        db,
        config: { oidcIssuer: issuer, oidcClientId: 'portal', oidcClientSecret: 'secret' },
        routers: (deps) => [oidcSignInRoutes(deps)],
      });
      try {
        const page = await new Browser().get(`${broken.url}/setup/sign-in/oidc`, { follow: false });
        expect(page.status).toBe(503);
        expect(page.headers.get('retry-after')).toBe('60');
        expect(page.text).toContain('Anmeldedienst nicht erreichbar');
        const callback = await new Browser().get(`${broken.url}/setup/sign-in/oidc/callback?state=x&code=y`);
        expect(callback.status).toBe(400);
      } finally {
        await broken.close();
      }
    }
  });
});
