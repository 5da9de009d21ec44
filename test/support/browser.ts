// A real browser for the portal's tests: Debian's chromium (installed by .ci/run) driven by
// playwright-core. Screenshots land in test-artifacts/screenshots/ (not committed) for a person to
// look at; every wait is bounded by the page's default timeout.
import { mkdirSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import jsqr from 'jsqr';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { createApp } from '../../src/compose.js';
import { testConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { basicAuth } from './basic-auth.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { listenOnLoopback, type Listening } from './listen.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.join(PROJECT_ROOT, 'test-artifacts', 'screenshots');
const WAIT_MS = 15_000;

export interface TestBrowser {
  /** A fresh context (own cookies) in a language, as a phone would be; `javaScript: false` turns script off. */
  context(opts?: { locale?: string; mobile?: boolean; javaScript?: boolean }): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<TestBrowser> {
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'], timeout: 30_000 });
  return {
    async context(opts = {}) {
      const ctx = await browser.newContext({
        locale: opts.locale ?? 'de-CH',
        extraHTTPHeaders: opts.locale ? { 'Accept-Language': opts.locale } : undefined,
        ...(opts.mobile ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } : {}),
        acceptDownloads: true,
        javaScriptEnabled: opts.javaScript ?? true,
      });
      ctx.setDefaultTimeout(WAIT_MS);
      ctx.setDefaultNavigationTimeout(WAIT_MS);
      return ctx;
    },
    close: () => browser.close(),
  };
}

/** A full-page screenshot as test-artifacts/screenshots/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name.replace(/[^a-z0-9._-]+/gi, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// ------------------------------------------------------------------------------------------------
// What the browser tests need besides the browser: the real app on a port known before it is built
// (an OpenID provider must know the portal's callback address first), a QR decoder for screenshots,
// and a DAV request with the credentials a page handed out.

export interface PortalServer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly db: TestDatabase;
  readonly config: Config;
  /** Every log line the server wrote (JSON). */
  readonly logLines: string[];
  close(): Promise<void>;
}

/**
 * The real app (createApp, as `serve` builds it) over a fresh test database; `config` may depend
 * on the app's own address. Not demo mode unless the config says so.
 */
export async function startPortalServer(opts: {
  readonly seed?: (db: TestDatabase) => Promise<void>;
  readonly config?: (url: string) => Partial<Config> | Promise<Partial<Config>>;
}): Promise<PortalServer> {
  const db = await createTestDatabase();
  let server: Listening | undefined;
  try {
    if (opts.seed) await opts.seed(db);
    let handler: http.RequestListener | undefined;
    server = await listenOnLoopback((req, res) => (handler ? handler(req, res) : res.writeHead(503).end()), { keepAliveTimeout: 60_000 });
    const overrides = opts.config ? await opts.config(server.url) : {};
    const config = testConfig({ databaseUrl: 'postgres://unused.invalid/none', authCacheSeconds: 0, ...overrides });
    const logLines: string[] = [];
    const log = createLogger('debug', { write: (s: string) => void logLines.push(...s.split('\n').filter(Boolean)) });
    handler = createApp(config, db.pool, log).app;
    const listening = server;
    return {
      url: listening.url,
      db,
      config,
      logLines,
      async close() {
        await listening.close();
        await db.drop();
      },
    };
  } catch (err) {
    await server?.close();
    await db.drop();
    throw err;
  }
}

/** The text of the QR code in a PNG (a screenshot), or undefined when none is found. */
export function decodeQr(png: Buffer): string | undefined {
  const image = PNG.sync.read(png);
  return jsqr.default(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}

/** The status of a Depth-0 PROPFIND (current-user-principal) at `url` with Basic credentials. */
export async function propfindStatus(url: string, user: string, password: string): Promise<number> {
  const res = await fetch(url, {
    method: 'PROPFIND',
    headers: { Authorization: basicAuth(user, password), Depth: '0', 'Content-Type': 'application/xml; charset=utf-8' },
    body: '<?xml version="1.0" encoding="utf-8"?><propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>',
    signal: AbortSignal.timeout(WAIT_MS),
  });
  await res.arrayBuffer();
  return res.status;
}

/** How many CSS pixels the page is wider than its viewport (0 = no sideways scrolling). */
export async function sidewaysOverflow(page: Page): Promise<number> {
  // A string, evaluated in the page: the project's TypeScript has no DOM types.
  return Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
}
