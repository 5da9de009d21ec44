// The setup portal in each of the four languages, in a real browser (chromium through
// playwright-core): for an employee of each BrokerStar language the sign-in page (by the browser's
// language), the enrolment confirmation, "My devices" and a device's setup page (in his language
// whatever the browser says), each with <html lang> and a word known to be of that language, and
// each screenshotted (desktop, and phone-sized for some) into test-artifacts/screenshots/ as
// portal-<page>-<lang>[-phone].png for a person to look at. Over plain HTTP: a refused DAV request
// (DELETE of a contact) answers in the employee's language, and the 401 body in the language
// Accept-Language asks for.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppPassword } from '../../src/auth/app-passwords.js';
import type { Language } from '../../src/i18n/texts.js';
import { invite } from '../../src/portal/sign-in/enrolment.js';
import { activeEmployeeByLogin } from '../../src/storage/postgres/brokerstar/portal-employees.js';
import { basicAuth } from '../support/basic-auth.js';
import { builders } from '../support/builders.js';
import { openBrowser, screenshot, sidewaysOverflow, startPortalServer, type PortalServer, type TestBrowser } from '../support/browser.js';
import { BS, childNamed, D, parseXmlDocument } from '../support/multistatus.js';

let app: PortalServer;
let browser: TestBrowser;
let contactId: string;

/** Words written here by hand (not read from the catalogue), so a wrong catalogue entry fails. */
const EXPECTED: Record<Language, {
  user: string;
  name: string;
  locale: string;
  /** An Accept-Language that is NOT the employee's: his BrokerStar language must win once known. */
  otherLocale: string;
  signIn: string;
  enrol: RegExp;
  devices: string;
  added: RegExp;
  kindAndroid: RegExp;
  kindIphone: RegExp;
  refusal: string;
  unauthorized: string;
}> = {
  de: {
    user: 'anna.meier', name: 'Anna Meier', locale: 'de-CH', otherLocale: 'fr-CH',
    signIn: 'Anmelden', enrol: /anmelden/i, devices: 'Meine Geräte', added: /^Gerät „.*“ hinzugefügt$/,
    kindAndroid: /Android/, kindIphone: /iPhone, iPad oder Mac/,
    refusal: 'Kontakte können nur in BrokerStar unter Kontakte gelöscht werden.',
    unauthorized: 'Anmeldung erforderlich',
  },
  fr: {
    user: 'marc.dupont', name: "Marc D'Avignon", locale: 'fr-CH', otherLocale: 'de-CH',
    signIn: 'Connexion', enrol: /connect/i, devices: 'Mes appareils', added: /^Appareil « .* » ajouté$/,
    kindAndroid: /Android/, kindIphone: /iPhone, iPad ou Mac/,
    refusal: 'Les contacts ne peuvent être supprimés que dans BrokerStar',
    unauthorized: 'Authentification requise',
  },
  it: {
    user: 'luca.rossi', name: 'Luca Rossi', locale: 'it-CH', otherLocale: 'en-GB',
    signIn: 'Accesso', enrol: /accesso|accede/i, devices: 'I miei dispositivi', added: /^Dispositivo «.*» aggiunto$/,
    kindAndroid: /Android/, kindIphone: /iPhone, iPad o Mac/,
    refusal: 'I contatti si possono eliminare solo in BrokerStar',
    unauthorized: 'Autenticazione richiesta',
  },
  en: {
    user: 'eve.smith', name: 'Eve Smith', locale: 'en-GB', otherLocale: 'it-CH',
    signIn: 'Sign in', enrol: /sign in/i, devices: 'My devices', added: /^Device “.*” added$/,
    kindAndroid: /Android/, kindIphone: /iPhone, iPad or Mac/,
    refusal: 'Contacts can only be deleted in BrokerStar',
    unauthorized: 'Authentication required',
  },
};
const LANGUAGES = Object.keys(EXPECTED) as Language[];

beforeAll(async () => {
  [browser, app] = await Promise.all([
    openBrowser(),
    startPortalServer({
      seed: async (db) => {
        const b = builders(db.pool);
        await b.addEmployee({ username: 'anna.meier', language: 'de' });
        await b.addEmployee({ username: 'marc.dupont', language: 'fr', firstName: 'Marc', lastName: "D'Avignon" });
        await b.addEmployee({ username: 'luca.rossi', language: 'it' });
        await b.addEmployee({ username: 'eve.smith', language: 'en' });
        contactId = await b.addContact({ firstName: 'Hans', lastName: 'Muster', emails: ['hans@muster.ch'] });
      },
      config: () => ({ firmName: 'Muster & Partner AG' }),
    }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function enrolmentLink(username: string): Promise<string> {
  const employee = await activeEmployeeByLogin(app.db.pool, username);
  if (!employee) throw new Error(`${username} is not active`);
  const [inv] = await invite(app.db.pool, [employee], `${app.url}/setup`, 3600);
  return inv!.link;
}

async function mainHeading(page: Page): Promise<string> {
  const h = page.locator('main h1');
  await h.waitFor();
  return (await h.textContent())!.trim();
}

/** Adds a device through the form; the setup page is then shown. */
async function addDevice(page: Page, kind: string, label: string): Promise<void> {
  await page.selectOption('#kind', kind);
  await page.fill('#label', label);
  await page.locator('form[action="/setup/devices"] button[type=submit]').click();
  await page.waitForURL(`${app.url}/setup/devices`);
  await page.locator('main .secret').waitFor();
}

describe('the portal in each language, in the browser', () => {
  it.each(LANGUAGES)('%s: sign-in page, enrolment, "My devices" and the Android setup speak it (screenshots portal-*-<lang>.png)', async (lang) => {
    const x = EXPECTED[lang];
    const ctx = await browser.context({ locale: x.locale });
    try {
      const page = await ctx.newPage();
      // Nobody signed in: the browser's language.
      await page.goto(`${app.url}/setup/`);
      expect(await page.getAttribute('html', 'lang')).toBe(lang);
      expect(await mainHeading(page)).toBe(x.signIn);
      await screenshot(page, `portal-sign-in-${lang}`);

      await page.goto(await enrolmentLink(x.user));
      expect(await page.getAttribute('html', 'lang')).toBe(lang);
      expect(await page.locator('main').textContent()).toMatch(x.enrol);
      await screenshot(page, `portal-enrol-${lang}`);
      await page.locator('main form button[type=submit]').click();
      await page.waitForURL(`${app.url}/setup/`);
      expect(await mainHeading(page)).toBe(x.devices);
      expect(await page.getAttribute('html', 'lang')).toBe(lang);
      expect(await page.locator('header .who').textContent()).toContain(x.name);
      await screenshot(page, `portal-devices-empty-${lang}`);

      await addDevice(page, 'android', `Pixel ${x.name}`);
      expect(await page.getAttribute('html', 'lang')).toBe(lang);
      expect(await mainHeading(page)).toMatch(x.added);
      await screenshot(page, `portal-setup-android-${lang}`);

      // "Done" goes back to the list, which now shows the device with its kind in the language.
      await page.locator('main a.button[href="/setup/"]').click();
      await page.waitForURL(`${app.url}/setup/`);
      expect(await mainHeading(page)).toBe(x.devices);
      const row = page.locator('table.devices tbody tr', { hasText: `Pixel ${x.name}` });
      expect(await row.count()).toBe(1);
      expect(await row.locator('td').nth(1).textContent()).toMatch(x.kindAndroid);
      await screenshot(page, `portal-devices-${lang}`);
    } finally {
      await ctx.close();
    }
  });

  it.each(['de', 'fr'] as const)('%s on a phone-sized screen: sign-in, the iPhone setup and "My devices" (portal-*-<lang>-phone.png)', async (lang) => {
    const x = EXPECTED[lang];
    // The phone's language is another one: once signed in, his BrokerStar language wins.
    const ctx = await browser.context({ locale: x.otherLocale, mobile: true });
    try {
      const page = await ctx.newPage();
      await page.goto(`${app.url}/setup/`);
      expect(await page.getAttribute('html', 'lang')).toBe(x.otherLocale.slice(0, 2));
      await screenshot(page, `portal-sign-in-${x.otherLocale.slice(0, 2)}-phone`);
      await page.goto(await enrolmentLink(x.user));
      await page.locator('main form button[type=submit]').click();
      await page.waitForURL(`${app.url}/setup/`);
      expect(await mainHeading(page)).toBe(x.devices);
      expect(await page.getAttribute('html', 'lang')).toBe(lang);
      await addDevice(page, 'iphone', `iPhone ${x.name}`);
      expect(await mainHeading(page)).toMatch(x.added);
      expect(await page.locator('main h2').first().textContent()).toMatch(x.kindIphone);
      await screenshot(page, `portal-setup-iphone-${lang}-phone`);
      // Nothing wider than the phone's screen (no sideways scrolling).
      const overflow = await sidewaysOverflow(page);
      expect(overflow, 'the setup page scrolls sideways on a phone').toBeLessThanOrEqual(0);
      await page.goto(`${app.url}/setup/`);
      expect(await mainHeading(page)).toBe(x.devices);
      await screenshot(page, `portal-devices-${lang}-phone`);
      const listOverflow = await sidewaysOverflow(page);
      expect(listOverflow, '"My devices" scrolls sideways on a phone').toBeLessThanOrEqual(0);
    } finally {
      await ctx.close();
    }
  });
});

describe('DAV answers in each language (plain HTTP)', () => {
  it.each(LANGUAGES)("%s: a refused DELETE of a contact says so in the employee's language, whatever Accept-Language says", async (lang) => {
    const x = EXPECTED[lang];
    const password = await createAppPassword(app.db.pool, x.user, `refusal-${lang}`);
    const href = `/dav/addressbooks/${x.user}/kontakte/${contactId}.vcf`;
    const res = await fetch(`${app.url}${href}`, {
      method: 'DELETE',
      headers: { Authorization: basicAuth(x.user, password), 'Accept-Language': x.otherLocale },
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    expect(res.status, text).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
    const root = await parseXmlDocument(text);
    expect(root.name).toBe(D('error'));
    const message = childNamed(root, BS('message'));
    expect(message?.text, text).toContain(x.refusal);
  });

  it.each(LANGUAGES)('%s: the 401 body is in the language Accept-Language asks for, and names the portal', async (lang) => {
    const x = EXPECTED[lang];
    const res = await fetch(`${app.url}/dav/`, {
      method: 'PROPFIND',
      headers: { Depth: '0', 'Accept-Language': `${x.locale}, ${lang};q=0.9` },
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(text).toContain(x.unauthorized);
    expect(text).toContain(`${app.url}/setup/`);
    for (const other of LANGUAGES.filter((l) => l !== lang)) expect(text).not.toContain(EXPECTED[other].unauthorized);
  });
});
