// The portal is usable by everyone (issue: "accessible (labels, contrast, keyboard)"), checked in a
// real browser on every page an employee meets: each form control has a label, each button and
// link a name, each image a text; text and buttons reach WCAG AA contrast (4.5:1) against what is
// behind them; and a device can be added with the keyboard alone.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths.js';
import { invite } from '../../src/portal/sign-in/enrolment.js';
import { activeEmployeeByLogin } from '../../src/storage/postgres/brokerstar/portal-employees.js';
import { builders } from '../support/builders.js';
import { openBrowser, startPortalServer, type PortalServer, type TestBrowser } from '../support/browser.js';

const AUDIT_SCRIPT = readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/a11y-audit.js'), 'utf8');

let app: PortalServer;
let browser: TestBrowser;

beforeAll(async () => {
  [browser, app] = await Promise.all([
    openBrowser(),
    startPortalServer({
      seed: async (db) => {
        await builders(db.pool).addEmployee({ username: 'anna.meier', language: 'de' });
      },
      config: () => ({ firmName: 'Muster & Partner AG', adminUsers: ['anna.meier'] }),
    }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

interface Findings {
  readonly unlabelled: string[];
  readonly unnamed: string[];
  readonly imagesWithoutText: string[];
  readonly lowContrast: string[];
}

/** Runs test/fixtures/a11y-audit.js in the page: what a screen reader or a person with low vision would miss. */
function audit(page: Page): Promise<Findings> {
  return page.evaluate(AUDIT_SCRIPT) as Promise<Findings>;
}

const clean = { unlabelled: [], unnamed: [], imagesWithoutText: [], lowContrast: [] };

async function signIn(page: Page): Promise<void> {
  const employee = await activeEmployeeByLogin(app.db.pool, 'anna.meier');
  const [inv] = await invite(app.db.pool, [employee!], `${app.url}/setup`, 3600);
  await page.goto(inv!.link);
  await page.locator('main form button[type=submit]').click();
  await page.waitForURL(`${app.url}/setup/`);
}

describe('the portal is accessible', () => {
  it('labels, names, image texts and contrast on every page: sign-in, e-mail form, my devices, each kind of setup, a guide, calendar subscriptions, administration', async () => {
    const ctx = await browser.context({ locale: 'de-CH' });
    try {
      const page = await ctx.newPage();
      const pages: [string, () => Promise<unknown>][] = [
        ['sign-in', () => page.goto(`${app.url}/setup/`)],
        ['e-mail form', () => page.goto(`${app.url}/setup/sign-in/email`)],
        ['guide', () => page.goto(`${app.url}/setup/guide/outlook`)],
      ];
      for (const [name, open] of pages) {
        await open();
        expect({ page: name, ...(await audit(page)) }).toEqual({ page: name, ...clean });
      }
      await signIn(page);
      expect({ page: 'my devices', ...(await audit(page)) }).toEqual({ page: 'my devices', ...clean });
      for (const kind of ['iphone', 'android', 'outlook', 'thunderbird', 'other']) {
        await page.goto(`${app.url}/setup/`);
        await page.selectOption('#kind', kind);
        await page.fill('#label', `Gerät ${kind}`);
        await page.locator('form[action="/setup/devices"] button[type=submit]').click();
        await page.locator('main .secret').waitFor();
        expect({ page: `setup ${kind}`, ...(await audit(page)) }).toEqual({ page: `setup ${kind}`, ...clean });
      }
      // Subscribe to calendars: the page without links, the link shown once, the page listing it.
      await page.goto(`${app.url}/setup/subscriptions`);
      expect({ page: 'subscriptions', ...(await audit(page)) }).toEqual({ page: 'subscriptions', ...clean });
      await page.fill('#label', 'Google Kalender');
      await page.locator('form[action="/setup/subscriptions"] button[type=submit]').click();
      await page.locator('main .secret').waitFor();
      expect({ page: 'subscription link', ...(await audit(page)) }).toEqual({ page: 'subscription link', ...clean });
      await page.goto(`${app.url}/setup/subscriptions`);
      expect({ page: 'subscription list', ...(await audit(page)) }).toEqual({ page: 'subscription list', ...clean });
      await page.goto(`${app.url}/setup/admin/`);
      expect({ page: 'administration', ...(await audit(page)) }).toEqual({ page: 'administration', ...clean });
    } finally {
      await ctx.close();
    }
  }, 90_000);

  it('adds a device with the keyboard alone: Tab to the fields, type, Enter', async () => {
    const ctx = await browser.context({ locale: 'de-CH' });
    try {
      const page = await ctx.newPage();
      await signIn(page);
      const focused = async () => String(await page.evaluate("document.activeElement?.id || document.activeElement?.tagName || ''"));
      let steps = 0;
      while ((await focused()) !== 'label' && steps++ < 40) await page.keyboard.press('Tab');
      expect(await focused()).toBe('label');
      await page.keyboard.type('Tastatur-Laptop');
      await page.keyboard.press('Enter');
      await page.locator('main .secret').waitFor();
      expect(await page.locator('main h1').textContent()).toContain('Tastatur-Laptop');
      // The focused control is visibly marked (an outline or a box shadow), not left to guesswork.
      await page.goto(`${app.url}/setup/`);
      await page.keyboard.press('Tab');
      const marked = await page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement); return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'; })()",
      );
      expect(marked).toBe(true);
    } finally {
      await ctx.close();
    }
  }, 60_000);
});
