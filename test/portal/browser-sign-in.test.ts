// The setup portal in a real browser (Debian's chromium through playwright-core), as an employee
// uses it: sign-in by a mailed link (read from a real SMTP server in the test), through a real
// OpenID provider (oidc-provider) and by an enrolment link; then a device of each kind added
// through the form, each setup checked against the server: the downloaded .mobileconfig parsed
// with both payloads whose principal URLs answer 207, the QR code decoded from the rendered page
// to a DAVx5 URL whose credentials answer 207, the Outlook and Thunderbird URLs shown answering
// 207 with the shown password; a device revoked by its button gets 401 at once (despite the login
// cache). Screenshots of every page go to test-artifacts/screenshots/.
import { readFile } from 'node:fs/promises';
import { parse } from 'plist';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invite } from '../../src/portal/sign-in/enrolment.js';
import { activeEmployeeByLogin } from '../../src/storage/postgres/brokerstar/portal-employees.js';
import { builders } from '../support/builders.js';
import { decodeQr, openBrowser, propfindStatus, screenshot, startPortalServer, type PortalServer, type TestBrowser } from '../support/browser.js';
import { startTestOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { startTestSmtp, type TestSmtp } from '../support/smtp.js';

const FIRM = 'Muster & Partner AG';

let app: PortalServer;
let smtp: TestSmtp;
let provider: TestOidcProvider;
let browser: TestBrowser;
/** Passwords and link tokens the pages handed out: none may reach a log line. */
const secrets = new Set<string>();

beforeAll(async () => {
  smtp = await startTestSmtp();
  [browser, app] = await Promise.all([
    openBrowser(),
    startPortalServer({
      seed: async (db) => {
        const b = builders(db.pool);
        await b.addEmployee({ username: 'anna.meier', email: 'Anna.Meier@example.ch', language: 'de' });
        await b.addEmployee({ username: 'marc.dupont', email: 'marc.dupont@example.ch', language: 'fr' });
        await b.addEmployee({ username: 'luca.rossi', email: 'luca.rossi@example.ch', language: 'it' });
        await b.addEmployee({ username: 'beat.keller', language: 'de' });
        await b.addContact({ firstName: 'Hans', lastName: 'Muster' });
      },
      config: async (url) => {
        provider = await startTestOidcProvider({ redirectUri: `${url}/setup/sign-in/oidc/callback` });
        return {
          firmName: FIRM,
          smtpUrl: smtp.url,
          smtpFrom: 'portal@muster.example',
          oidcIssuer: provider.issuer,
          oidcClientId: provider.clientId,
          oidcClientSecret: provider.clientSecret,
          // A real login cache: revoking must take effect at once all the same.
          authCacheSeconds: 60,
        };
      },
    }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await provider?.close();
  await smtp?.close();
  const log = app?.logLines.join('\n') ?? '';
  for (const s of secrets) expect(log).not.toContain(s);
});

const h1 = (page: Page) => page.locator('main h1').textContent();

/** Waits for the page whose main heading is `text` (bounded by the context's timeout). */
async function heading(page: Page, text: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name: text }).waitFor();
}

async function enrolmentLink(username: string): Promise<string> {
  const employee = await activeEmployeeByLogin(app.db.pool, username);
  if (!employee) throw new Error(`${username} is not active`);
  const [inv] = await invite(app.db.pool, [employee], `${app.url}/setup`, 3600);
  secrets.add(inv!.link.split('/').pop()!);
  return inv!.link;
}

/** Adds a device through the form on "My devices"; returns the password the setup page shows. */
async function addDevice(page: Page, kind: string, label: string): Promise<string> {
  await page.goto(`${app.url}/setup/`);
  await page.selectOption('#kind', kind);
  await page.fill('#label', label);
  await page.locator('form[action="/setup/devices"] button[type=submit]').click();
  await page.waitForURL(`${app.url}/setup/devices`);
  await heading(page, new RegExp(label));
  const password = (await page.locator('main .secret').textContent())!.trim();
  expect(password).toMatch(/^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
  secrets.add(password);
  return password;
}

/** Every absolute URL the page shows as text in a field or table cell. */
async function shownUrls(page: Page): Promise<string[]> {
  const texts = await page.locator('main .mono').allTextContents();
  return [...new Set(texts.map((s) => s.trim()).filter((s) => s.startsWith('http')))];
}

describe('signing in, in the browser', () => {
  it('by e-mail link: types the username, reads the link from the delivered mail, confirms, lands on "My devices"', async () => {
    const ctx = await browser.context({ locale: 'de-CH' });
    try {
      const page = await ctx.newPage();
      smtp.mails.length = 0;
      await page.goto(`${app.url}/setup/`);
      await heading(page, 'Anmelden');
      await screenshot(page, 'portal-sign-in-de-with-oidc');
      await page.getByRole('link', { name: 'Anmeldelink per E-Mail' }).click();
      await page.waitForURL(`${app.url}/setup/sign-in/email`);
      await page.getByLabel('Benutzername oder E-Mail-Adresse').fill('Anna.Meier');
      await screenshot(page, 'portal-email-form-de');
      await page.locator('main form button[type=submit]').click();
      await heading(page, 'Schauen Sie in Ihr Postfach');
      await screenshot(page, 'portal-email-sent-de');

      const [mail] = await smtp.waitForMails(1, 10_000);
      expect(mail!.to).toEqual(['Anna.Meier@example.ch']);
      const link = /(http:\/\/127\.0\.0\.1:\d+\/setup\/sign-in\/email\/[A-Za-z0-9_-]{43})/.exec(mail!.text)?.[1];
      expect(link, mail!.text).toBeDefined();
      expect(link!.startsWith(`${app.url}/`)).toBe(true);
      secrets.add(link!.split('/').pop()!);

      await page.goto(link!);
      await screenshot(page, 'portal-email-confirm-de');
      await page.locator('main form button[type=submit]').click();
      await page.waitForURL(`${app.url}/setup/`);
      await heading(page, 'Meine Geräte');
      expect(await page.locator('header .who').textContent()).toContain('Anna Meier');
      // The link worked once: opened again it says so.
      await page.goto(link!);
      expect(await h1(page)).not.toBe('Meine Geräte');
      expect(await page.locator('main form').count()).toBe(0);
    } finally {
      await ctx.close();
    }
  });

  it('through the OpenID provider: the company sign-in button goes to the provider and back, onto "My devices"', async () => {
    provider.loginAs({ email: 'Marc.Dupont@Example.ch', email_verified: true });
    const before = provider.logins;
    const ctx = await browser.context({ locale: 'fr-CH' });
    try {
      const page = await ctx.newPage();
      await page.goto(`${app.url}/setup/`);
      await heading(page, 'Connexion');
      // The browser's own navigations (redirects included): through the provider and back.
      const visited: string[] = [];
      page.on('request', (r) => {
        if (r.isNavigationRequest()) visited.push(r.url());
      });
      await page.getByRole('link', { name: 'Se connecter avec le compte de l’entreprise' }).click();
      await page.waitForURL(`${app.url}/setup/`);
      expect(visited.some((u) => u.startsWith(`${provider.issuer}/`))).toBe(true);
      expect(visited.some((u) => u.startsWith(`${app.url}/setup/sign-in/oidc/callback?`))).toBe(true);
      await heading(page, 'Mes appareils');
      expect(await page.locator('header .who').textContent()).toContain('Marc Dupont');
      expect(provider.logins).toBe(before + 1);
      const { rows } = await app.db.query<{ method: string }>(
        `SELECT s.method FROM dav.portal_session s JOIN brokerstar.employee e ON e.id = s.employee_id WHERE e.username = 'marc.dupont'`,
      );
      expect(rows.map((r) => r.method)).toEqual(['oidc']);
      await screenshot(page, 'portal-devices-fr-after-oidc');
    } finally {
      await ctx.close();
    }
  });

  it('by enrolment link (as `invite` prints it): confirm page, then "My devices"', async () => {
    const ctx = await browser.context({ locale: 'de-CH' });
    try {
      const page = await ctx.newPage();
      const link = await enrolmentLink('luca.rossi');
      await page.goto(link);
      // Not signed in yet: the confirmation is in the browser's language and names the employee.
      expect(await page.locator('main').textContent()).toContain('Luca Rossi');
      await screenshot(page, 'portal-enrol-confirm-de');
      await page.locator('main form button[type=submit]').click();
      await page.waitForURL(`${app.url}/setup/`);
      // Signed in: his BrokerStar language (Italian) wins over the browser's.
      await heading(page, 'I miei dispositivi');
      expect(await page.getAttribute('html', 'lang')).toBe('it');
    } finally {
      await ctx.close();
    }
  });
});

describe('adding each kind of device in the browser', () => {
  let page: Page;
  const ctxs: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    const ctx = await browser.context({ locale: 'de-CH' });
    ctxs.push(ctx);
    page = await ctx.newPage();
    await page.goto(await enrolmentLink('anna.meier'));
    await page.locator('main form button[type=submit]').click();
    await page.waitForURL(`${app.url}/setup/`);
    await heading(page, 'Meine Geräte');
  });

  afterAll(async () => {
    for (const c of ctxs) await c.close();
  });

  const androidPasswords: string[] = [];
  const otherPasswords: string[] = [];

  it('iPhone: downloads the .mobileconfig, both payloads hold the new password and their principal URLs answer 207', async () => {
    const password = await addDevice(page, 'iphone', 'Annas iPhone');
    await screenshot(page, 'portal-setup-iphone-de');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 15_000 }),
      page.locator('form[action$="/profile"] button[type=submit]').click(),
    ]);
    expect(download.suggestedFilename()).toBe('Muster-Partner-AG.mobileconfig');
    const file = await download.path();
    const xml = await readFile(file, 'utf8');
    const profile = parse(xml) as Record<string, unknown>;
    expect(profile.PayloadType).toBe('Configuration');
    expect(profile.PayloadDisplayName).toBe(FIRM);
    const payloads = profile.PayloadContent as Record<string, unknown>[];
    expect(payloads.map((p) => p.PayloadType).sort()).toEqual(['com.apple.caldav.account', 'com.apple.carddav.account']);
    const port = Number(new URL(app.url).port);
    for (const [prefix, type] of [['CalDAV', 'com.apple.caldav.account'], ['CardDAV', 'com.apple.carddav.account']] as const) {
      const p = payloads.find((x) => x.PayloadType === type)!;
      expect(p[`${prefix}HostName`]).toBe('127.0.0.1');
      expect(p[`${prefix}Port`]).toBe(port);
      expect(p[`${prefix}UseSSL`]).toBe(false);
      expect(p[`${prefix}Username`]).toBe('anna.meier');
      expect(p[`${prefix}Password`]).toBe(password);
      const principal = String(p[`${prefix}PrincipalURL`]);
      expect(principal).toBe(`${app.url}/dav/principals/anna.meier/`);
      expect(await propfindStatus(principal, String(p[`${prefix}Username`]), String(p[`${prefix}Password`]))).toBe(207);
    }
    // The page that offered the download is still the setup page (a download, not a navigation).
    expect(await h1(page)).toContain('Annas iPhone');
  });

  it('Android: the QR code rendered in the page decodes to the DAVx5 URL, whose credentials answer 207', async () => {
    const password = await addDevice(page, 'android', 'Annas Pixel');
    androidPasswords.push(password);
    await screenshot(page, 'portal-setup-android-de');
    const qr = page.locator('main .qr svg');
    await qr.waitFor();
    const shot = await qr.screenshot({ timeout: 15_000 });
    const text = decodeQr(shot);
    expect(text, 'no QR code found in the screenshot of the page').toBeDefined();
    // The same URL as the tappable link below the code.
    expect(await page.locator('main a.button[href^="caldav:"]').getAttribute('href')).toBe(text);
    const url = new URL(text!);
    expect(url.protocol).toBe('caldav:');
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    expect(user).toBe('anna.meier');
    expect(pass).toBe(password);
    // DAVx5 reads caldav:// as http:// and starts at the given path.
    const base = `http://${url.host}${url.pathname}`;
    expect(base).toBe(`${app.url}/`);
    expect(await propfindStatus(base, user, pass)).toBe(207);
    expect(await propfindStatus(`${base}dav/principals/${user}/`, user, pass)).toBe(207);
  });

  it('Outlook: every DAV URL shown answers 207 with the shown password', async () => {
    const password = await addDevice(page, 'outlook', 'Büro-PC Outlook');
    otherPasswords.push(password);
    await screenshot(page, 'portal-setup-outlook-de');
    expect(await page.locator('main').textContent()).toContain('CalDav Synchronizer');
    const urls = await shownUrls(page);
    expect(urls).toEqual(
      expect.arrayContaining([`${app.url}/dav/calendars/anna.meier/termine/`, `${app.url}/dav/calendars/anna.meier/aufgaben/`, `${app.url}/dav/addressbooks/anna.meier/kontakte/`]),
    );
    for (const url of urls) expect(await propfindStatus(url, 'anna.meier', password), url).toBe(207);
  });

  it('Thunderbird: the one address and each collection URL shown answer 207 with the shown password', async () => {
    const password = await addDevice(page, 'thunderbird', 'Laptop Thunderbird');
    await screenshot(page, 'portal-setup-thunderbird-de');
    const urls = await shownUrls(page);
    expect(urls).toContain(`${app.url}/`);
    expect(urls).toEqual(expect.arrayContaining([`${app.url}/dav/calendars/anna.meier/termine/`, `${app.url}/dav/addressbooks/anna.meier/kontakte/`]));
    expect(urls.length).toBeGreaterThanOrEqual(4);
    for (const url of urls) expect(await propfindStatus(url, 'anna.meier', password), url).toBe(207);
  });

  it('"My devices" lists all four; revoking one by its button gets its password 401 at once, the others keep working', async () => {
    await page.goto(`${app.url}/setup/`);
    await heading(page, 'Meine Geräte');
    const rows = page.locator('table.devices tbody tr');
    expect(await rows.count()).toBe(4);
    const labels = await page.locator('table.devices tbody tr td:first-child').allTextContents();
    expect(labels.sort()).toEqual(['Annas iPhone', 'Annas Pixel', 'Büro-PC Outlook', 'Laptop Thunderbird'].sort());
    await screenshot(page, 'portal-devices-de-four');
    const [password] = androidPasswords;
    // Cached now (AUTH_CACHE_SECONDS=60).
    expect(await propfindStatus(`${app.url}/dav/principals/anna.meier/`, 'anna.meier', password!)).toBe(207);
    await page.getByRole('button', { name: /Annas Pixel/ }).click();
    await page.waitForURL(/\/setup\/devices\/\d+\/revoke$/);
    await page.getByRole('status').filter({ hasText: 'Annas Pixel' }).waitFor();
    await screenshot(page, 'portal-devices-de-revoked');
    expect(await page.locator('table.devices tbody tr').count()).toBe(3);
    expect(await propfindStatus(`${app.url}/dav/principals/anna.meier/`, 'anna.meier', password!)).toBe(401);
    expect(await propfindStatus(`${app.url}/`, 'anna.meier', password!)).toBe(401);
    expect(await propfindStatus(`${app.url}/dav/principals/anna.meier/`, 'anna.meier', otherPasswords[0]!)).toBe(207);
  });
});
