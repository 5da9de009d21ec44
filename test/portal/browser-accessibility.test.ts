// The portal is usable by everyone (issue: "accessible (labels, contrast, keyboard)"), checked in a
// real browser on every page an employee meets: each form control has a label, each button and
// link a name, each image a text; text and buttons reach WCAG AA contrast (4.5:1) against what is
// behind them; and a device can be added with the keyboard alone.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invite } from '../../src/portal/sign-in/enrolment.js';
import { activeEmployeeByLogin } from '../../src/storage/postgres/brokerstar/portal-employees.js';
import { builders } from '../support/builders.js';
import { openBrowser, startPortalServer, type PortalServer, type TestBrowser } from '../support/browser.js';

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

/** Runs in the page: what a screen reader or a person with low vision would miss. */
function audit(page: Page): Promise<Findings> {
  return page.evaluate(() => {
    const visible = (e: Element) => {
      const r = (e as HTMLElement).getBoundingClientRect();
      const s = getComputedStyle(e);
      return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
    };
    const describe = (e: Element) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''} "${(e.textContent ?? '').trim().slice(0, 40)}"`;
    const named = (e: Element) =>
      Boolean((e.getAttribute('aria-label') ?? '').trim() || e.getAttribute('aria-labelledby') || (e.textContent ?? '').trim() || (e as HTMLInputElement).value?.trim());
    const unlabelled = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
      .filter(visible)
      .filter((e) => !((e as HTMLInputElement).labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')))
      .map(describe);
    const unnamed = [...document.querySelectorAll('button, a[href], input[type=submit]')].filter(visible).filter((e) => !named(e)).map(describe);
    const imagesWithoutText = [...document.querySelectorAll('img, svg, [role=img]')]
      .filter(visible)
      .filter((e) => e.closest('[aria-hidden=true]') === null)
      .filter((e) => !((e.getAttribute('alt') ?? '').trim() || (e.getAttribute('aria-label') ?? '').trim() || e.querySelector('title')))
      .map(describe);

    // WCAG 2.x relative luminance and contrast ratio.
    const rgba = (c: string): [number, number, number, number] => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return [0, 0, 0, 0];
      const [r = 0, g = 0, b = 0, a = 1] = m[1]!.split(/[ ,/]+/).filter(Boolean).map(Number);
      return [r, g, b, a];
    };
    const luminance = ([r, g, b]: number[]) =>
      [r!, g!, b!].map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)).reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i]!, 0);
    const background = (e: Element | null): number[] => {
      for (let n = e; n; n = n.parentElement) {
        const c = rgba(getComputedStyle(n).backgroundColor);
        if (c[3] > 0.5) return c;
      }
      return [255, 255, 255, 1];
    };
    const lowContrast: string[] = [];
    for (const e of document.querySelectorAll('body *')) {
      const ownText = [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim());
      if (!ownText || !visible(e)) continue;
      const fg = luminance(rgba(getComputedStyle(e).color));
      const bg = luminance(background(e));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (ratio < 4.5) lowContrast.push(`${describe(e)} ${ratio.toFixed(2)}:1`);
    }
    return { unlabelled, unnamed, imagesWithoutText, lowContrast };
  });
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
  it('labels, names, image texts and contrast on every page: sign-in, e-mail form, my devices, each kind of setup, a guide, administration', async () => {
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
      const focused = () => page.evaluate(() => document.activeElement?.id ?? document.activeElement?.tagName ?? '');
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
      const marked = await page.evaluate(() => {
        const s = getComputedStyle(document.activeElement!);
        return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
      });
      expect(marked).toBe(true);
    } finally {
      await ctx.close();
    }
  }, 60_000);
});
