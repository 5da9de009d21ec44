// The copy buttons of a device's setup page in a real browser (chromium through playwright-core):
// with JavaScript, /setup/copy.js (allowed by the CSP, nothing inline) puts a button after every
// value marked data-copy, which copies exactly that value to the clipboard and says so; on a phone
// the page still does not scroll sideways. With JavaScript off the same page shows every value as
// text and no button. Screenshots portal-setup-outlook-de-copy*.png, -nojs.png.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invite } from '../../src/portal/sign-in/enrolment.js';
import { activeEmployeeByLogin } from '../../src/storage/postgres/brokerstar/portal-employees.js';
import { builders } from '../support/builders.js';
import { openBrowser, screenshot, sidewaysOverflow, startPortalServer, type PortalServer, type TestBrowser } from '../support/browser.js';

let app: PortalServer;
let browser: TestBrowser;

beforeAll(async () => {
  [browser, app] = await Promise.all([
    openBrowser(),
    startPortalServer({
      seed: async (db) => {
        await builders(db.pool).addEmployee({ username: 'anna.meier', language: 'de' });
      },
      config: () => ({ firmName: 'Muster & Partner AG' }),
    }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** Signs in by an enrolment link and adds an Outlook device; returns the password shown. */
async function outlookSetup(page: Page, label: string): Promise<string> {
  const employee = await activeEmployeeByLogin(app.db.pool, 'anna.meier');
  const [inv] = await invite(app.db.pool, [employee!], `${app.url}/setup`, 3600);
  await page.goto(inv!.link);
  await page.locator('main form button[type=submit]').click();
  await page.waitForURL(`${app.url}/setup/`);
  await page.selectOption('#kind', 'outlook');
  await page.fill('#label', label);
  await page.locator('form[action="/setup/devices"] button[type=submit]').click();
  await page.waitForURL(`${app.url}/setup/devices`);
  const password = (await page.locator('main .secret').textContent())!.trim();
  expect(password).toMatch(/^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
  return password;
}

const DAV_URLS = () => [`${app.url}/dav/calendars/anna.meier/termine/`, `${app.url}/dav/calendars/anna.meier/aufgaben/`, `${app.url}/dav/addressbooks/anna.meier/kontakte/`];

/** The text of every element marked for copying, in page order. */
const markedTexts = async (page: Page) => (await page.locator('main [data-copy]').allTextContents()).map((s) => s.trim());

describe('copy buttons on the setup page', () => {
  it('with JavaScript: a button after each marked value copies exactly it and says "Kopiert"', async () => {
    const ctx = await browser.context({ locale: 'de-CH' });
    try {
      await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
      const page = await ctx.newPage();
      const refused: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
      });
      const password = await outlookSetup(page, 'Outlook mit Skript');
      const buttons = page.locator('main button.copy');
      await buttons.first().waitFor();
      const values = await markedTexts(page);
      // Password, server, username, and per collection its name, DAV URL and username.
      expect(values).toEqual(expect.arrayContaining([password, `${app.url}/`, 'anna.meier', ...DAV_URLS()]));
      expect(await buttons.count()).toBe(values.length);
      expect(await buttons.allTextContents()).toEqual(values.map(() => 'Kopieren'));
      // Each button sits right after its value and is described by it.
      const pairs = await page.evaluate(
        `[...document.querySelectorAll('main button.copy')].map((b) => [b.previousElementSibling && b.previousElementSibling.id, b.getAttribute('aria-describedby')])`,
      );
      for (const [before, describedBy] of pairs as [string, string][]) expect(before).toBe(describedBy);

      const passwordButton = page.locator('main .secret + button.copy');
      await passwordButton.click();
      await page.locator('main .secret + button.copy', { hasText: 'Kopiert' }).waitFor();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(password);
      await screenshot(page, 'portal-setup-outlook-de-copy');
      // Back to "Kopieren" after a moment.
      await page.locator('main .secret + button.copy', { hasText: 'Kopieren' }).waitFor();

      const urlButton = page.locator('main [data-copy] + button.copy').nth(values.indexOf(DAV_URLS()[2]!));
      await urlButton.click();
      await expect.poll(() => page.evaluate('navigator.clipboard.readText()'), { timeout: 5000 }).toBe(DAV_URLS()[2]);
      expect(refused).toEqual([]);
    } finally {
      await ctx.close();
    }
  });

  it('on a phone, with the buttons, the Outlook setup does not scroll sideways', async () => {
    const ctx = await browser.context({ locale: 'de-CH', mobile: true });
    try {
      const page = await ctx.newPage();
      await outlookSetup(page, 'Outlook am Telefon');
      await page.locator('main button.copy').first().waitFor();
      await screenshot(page, 'portal-setup-outlook-de-copy-phone');
      expect(await sidewaysOverflow(page), 'the Outlook setup scrolls sideways on a phone').toBeLessThanOrEqual(0);
    } finally {
      await ctx.close();
    }
  });

  it('without JavaScript: the page shows every value as text, and no button', async () => {
    const ctx = await browser.context({ locale: 'de-CH', javaScript: false });
    try {
      const page = await ctx.newPage();
      const password = await outlookSetup(page, 'Outlook ohne Skript');
      const values = await markedTexts(page);
      expect(values).toEqual(expect.arrayContaining([password, `${app.url}/`, 'anna.meier', ...DAV_URLS()]));
      for (const v of values) expect(v).not.toBe('');
      for (const el of await page.locator('main [data-copy]').all()) expect(await el.isVisible()).toBe(true);
      expect(await page.locator('main button.copy').count()).toBe(0);
      await screenshot(page, 'portal-setup-outlook-de-nojs');
    } finally {
      await ctx.close();
    }
  });
});
