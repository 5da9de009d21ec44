// "Kalender abonnieren" in a real browser (chromium through playwright-core): from "My devices" an
// employee opens the page, makes a link for his Termine, sees the URL once with a copy button,
// and the URL serves the .ics without credentials; back on the page the link is listed (never its
// URL) and revoking it makes the URL 404. On a phone the pages do not scroll sideways.
// Screenshots portal-subscriptions-*.png in test-artifacts/screenshots/.
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
        const b = builders(db.pool);
        const anna = await b.addEmployee({ username: 'anna.meier', language: 'de' });
        const bruno = await b.addEmployee({ username: 'bruno.keller', language: 'de' });
        await b.addShare(bruno, anna);
        const soon = new Date(Date.now() + 86_400_000);
        await b.addAppointment({ ownerId: anna, startsAt: soon, subject: 'Kundentermin' });
        await b.addAppointment({ ownerId: anna, startsAt: new Date(soon.getTime() + 7_200_000), subject: 'Arzt', isPrivate: true });
      },
      config: () => ({ firmName: 'Muster & Partner AG' }),
    }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function signIn(page: Page): Promise<void> {
  const employee = await activeEmployeeByLogin(app.db.pool, 'anna.meier');
  const [inv] = await invite(app.db.pool, [employee!], `${app.url}/setup`, 3600);
  await page.goto(inv!.link);
  await page.locator('main form button[type=submit]').click();
  await page.waitForURL(`${app.url}/setup/`);
}

describe('subscribe to calendars in the browser', () => {
  it('make a link, copy it once, fetch the .ics, see it listed, revoke it', async () => {
    const ctx = await browser.context({ locale: 'de-CH' });
    try {
      await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
      const page = await ctx.newPage();
      await signIn(page);
      await page.getByRole('link', { name: /Kalender abonnieren/ }).click();
      await page.waitForURL(`${app.url}/setup/subscriptions`);
      expect(await page.locator('main h1').textContent()).toBe('Kalender abonnieren');
      expect(await page.locator('#calendar option').allTextContents()).toEqual(['Termine', 'Termine von Bruno Keller']);
      await screenshot(page, 'portal-subscriptions-empty-de');

      await page.fill('#label', 'Google Kalender');
      await page.locator('form[action="/setup/subscriptions"] button[type=submit]').click();
      const secret = page.locator('main .secret');
      await secret.waitFor();
      const url = (await secret.textContent())!.trim();
      expect(url).toMatch(new RegExp(`^${app.url.replace(/[.]/g, '\\.')}/subscriptions/[A-Za-z0-9_-]{22}\\.ics$`));
      const copy = page.locator('main .secret + button.copy');
      await copy.click();
      await page.locator('main .secret + button.copy', { hasText: 'Kopiert' }).waitFor();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(url);
      await screenshot(page, 'portal-subscriptions-created-de');

      const ics = await fetch(url, { signal: AbortSignal.timeout(15_000) });
      expect(ics.status).toBe(200);
      const text = await ics.text();
      expect(text).toContain('SUMMARY:Kundentermin');
      expect(text).toContain('SUMMARY:Besetzt');
      expect(text).not.toContain('Arzt');

      await page.getByRole('link', { name: 'Fertig' }).click();
      await page.waitForURL(`${app.url}/setup/subscriptions`);
      const row = page.locator('table.devices tbody tr');
      expect(await row.count()).toBe(1);
      expect(await row.locator('td').first().textContent()).toBe('Google Kalender');
      expect(await page.content()).not.toContain(new URL(url).pathname);
      await screenshot(page, 'portal-subscriptions-list-de');

      await page.getByRole('button', { name: 'Link „Google Kalender“ widerrufen' }).click();
      await page.locator('main .notice.ok').waitFor();
      expect(await page.locator('main .notice.ok').textContent()).toContain('wurde widerrufen');
      expect((await fetch(url, { signal: AbortSignal.timeout(15_000) })).status).toBe(404);
    } finally {
      await ctx.close();
    }
  }, 90_000);

  it('on a phone: no sideways scrolling on the page or the link shown once', async () => {
    const ctx = await browser.context({ locale: 'fr-CH', mobile: true });
    try {
      const page = await ctx.newPage();
      await signIn(page);
      await page.goto(`${app.url}/setup/subscriptions`);
      await page.fill('#label', 'Écran réception');
      await page.locator('form[action="/setup/subscriptions"] button[type=submit]').click();
      await page.locator('main .secret').waitFor();
      expect(await sidewaysOverflow(page)).toBe(0);
      await screenshot(page, 'portal-subscriptions-created-mobile');
      await page.goto(`${app.url}/setup/subscriptions`);
      expect(await sidewaysOverflow(page)).toBe(0);
      await screenshot(page, 'portal-subscriptions-list-mobile');
    } finally {
      await ctx.close();
    }
  }, 90_000);
});
