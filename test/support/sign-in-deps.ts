// A small real app for the sign-in method routers: a fresh test database, the real request log,
// and SignInDeps with real sessions (dav.portal_session + cookie), real rate counting
// (dav.sign_in_attempt) and a cookie-bound CSRF token, mounted under /setup like the portal does.
// A Browser follows redirects by hand and keeps cookies per origin, as a browser would.
import express from 'express';
import { testConfig, type Config } from '../../src/config.js';
import { requestLog } from '../../src/http/request-log.js';
import type { Language } from '../../src/i18n/texts.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { escapeHtml, type SignInDeps } from '../../src/portal/contract.js';
import { cookiesOf, randomToken, sameSecret, Sessions, SESSION_COOKIE, setCookie } from '../../src/portal/session.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { listenOnLoopback } from './listen.js';


const CSRF_COOKIE = 'test_csrf';

export function testSignInDeps(db: TestDatabase, config: Config, log: Logger): SignInDeps {
  const sessions = new Sessions(db.pool, config.sessionIdleMinutes);
  const portalUrl = (req: express.Request) => config.publicUrl ? `${config.publicUrl}/setup` : `${req.protocol}://${req.get('host')}/setup`;
  const sendPage: SignInDeps['sendPage'] = (req, res, page) => {
    res
      .status(page.status ?? 200)
      .type('html')
      .send(`<!doctype html><html lang="${languageOf(req)}"><head><meta charset="utf-8"><title>${escapeHtml(page.title)}</title></head><body>${page.body}</body></html>`);
  };
  const languageOf = (req: express.Request): Language => {
    const wanted = (req.headers['accept-language'] ?? '').slice(0, 2).toLowerCase();
    return (['de', 'fr', 'it', 'en'] as const).find((l) => l === wanted) ?? 'de';
  };
  return {
    pool: db.pool,
    config,
    log,
    async signIn(req, res, employee, method) {
      const id = await sessions.create(employee.id, method);
      setCookie(req, res, config, SESSION_COOKIE, id);
      res.redirect(303, `${portalUrl(req)}/`);
    },
    sendPage,
    languageOf,
    csrfField(req, res) {
      let token = cookiesOf(req).get(CSRF_COOKIE);
      if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
        token = randomToken();
        setCookie(req, res, config, CSRF_COOKIE, token);
      }
      return `<input type="hidden" name="csrf" value="${token}">`;
    },
    verifyCsrf(req, res, next) {
      const cookie = cookiesOf(req).get(CSRF_COOKIE) ?? '';
      const sent = (req.body as Record<string, unknown> | undefined)?.csrf;
      if (cookie && typeof sent === 'string' && sameSecret(cookie, sent)) return next();
      sendPage(req, res, { status: 403, title: 'Forbidden', body: '<p>CSRF token missing or forged</p>' });
    },
    portalUrl,
    async withinRate(bucket, limit, windowSeconds) {
      await db.pool.query('INSERT INTO dav.sign_in_attempt (bucket) VALUES ($1)', [bucket]);
      const { rows } = await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM dav.sign_in_attempt WHERE bucket = $1 AND at > now() - make_interval(secs => $2)`,
        [bucket, windowSeconds],
      );
      return rows[0]!.n <= limit;
    },
  };
}

export interface SignInApp {
  readonly url: string;
  readonly db: TestDatabase;
  readonly config: Config;
  /** Every log line the app wrote (the request log included), as JSON text. */
  readonly logLines: string[];
  close(): Promise<void>;
}

/**
 * Serves `routers(deps)` under /setup. `config` may be a function of the app's own address (for
 * an OpenID client whose redirect URI must be known to the provider first).
 */
export async function startSignInApp(opts: {
  readonly config?: Partial<Config> | ((appUrl: string) => Partial<Config> | Promise<Partial<Config>>);
  readonly seed?: (db: TestDatabase) => Promise<void>;
  readonly routers: (deps: SignInDeps) => (express.Router | undefined)[];
  readonly db?: TestDatabase;
}): Promise<SignInApp> {
  const db = opts.db ?? (await createTestDatabase());
  if (opts.seed) await opts.seed(db);
  let handler: express.Express | undefined;
  const server = await listenOnLoopback((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  const overrides = typeof opts.config === 'function' ? await opts.config(server.url) : opts.config;
  const config = testConfig({ logLevel: 'debug', ...overrides });
  const logLines: string[] = [];
  const log = createLogger('debug', { write: (line: string) => void logLines.push(line) });
  const deps = testSignInDeps(db, config, log);
  const app = express();
  app.use(requestLog(log));
  for (const router of opts.routers(deps)) if (router) app.use('/setup', router);
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    log.error({ error: err instanceof Error ? err.stack : String(err) }, 'unhandled error');
    res.status(500).type('text').send('internal error');
  });
  handler = app;
  return {
    url: server.url,
    db,
    config,
    logLines,
    async close() {
      await server.close();
      if (!opts.db) await db.drop();
    },
  };
}

export interface Page {
  readonly status: number;
  readonly url: string;
  readonly headers: Headers;
  readonly text: string;
}

/** A cookie-keeping HTTP client that follows redirects itself (at most 10, each request bounded). */
export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  cookie(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).origin)?.get(name);
  }

  dropCookie(url: string, name: string): void {
    this.jar.get(new URL(url).origin)?.delete(name);
  }

  async request(method: 'GET' | 'POST', url: string, opts: { form?: Record<string, string>; follow?: boolean; headers?: Record<string, string> } = {}): Promise<Page> {
    let current = url;
    let m = method;
    let body: string | undefined = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
    for (let hop = 0; hop < 10; hop++) {
      const origin = new URL(current).origin;
      const cookies = [...(this.jar.get(origin) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await fetch(current, {
        method: m,
        redirect: 'manual',
        body,
        signal: AbortSignal.timeout(15_000),
        headers: {
          ...(cookies ? { Cookie: cookies } : {}),
          ...(body !== undefined ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
          ...opts.headers,
        },
      });
      const jar = this.jar.get(origin) ?? new Map<string, string>();
      this.jar.set(origin, jar);
      for (const c of res.headers.getSetCookie()) {
        const [pair, ...attrs] = c.split(';');
        const eq = pair!.indexOf('=');
        const name = pair!.slice(0, eq).trim();
        const value = pair!.slice(eq + 1).trim();
        if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '') jar.delete(name);
        else jar.set(name, value);
      }
      const location = res.headers.get('location');
      if (opts.follow !== false && location && res.status >= 300 && res.status < 400) {
        await res.arrayBuffer();
        current = new URL(location, current).href;
        m = 'GET';
        body = undefined;
        continue;
      }
      return { status: res.status, url: current, headers: res.headers, text: await res.text() };
    }
    throw new Error(`more than 10 redirects from ${url}`);
  }

  get(url: string, opts: { follow?: boolean; headers?: Record<string, string> } = {}): Promise<Page> {
    return this.request('GET', url, opts);
  }

  /** Posts a form, with the CSRF token of `page` (the page the form is on) added. */
  post(url: string, form: Record<string, string>, opts: { follow?: boolean; headers?: Record<string, string>; csrfFrom?: Page } = {}): Promise<Page> {
    const csrf = opts.csrfFrom ? csrfOf(opts.csrfFrom) : undefined;
    return this.request('POST', url, { ...opts, form: csrf ? { csrf, ...form } : form });
  }
}

/** The CSRF token in a page's form. */
export function csrfOf(page: Page): string {
  const m = /name="csrf" value="([^"]+)"/.exec(page.text);
  if (!m) throw new Error(`no CSRF field on the page (${page.status}): ${page.text.slice(0, 300)}`);
  return m[1]!;
}
