// The setup portal at /setup/: sessions, CSRF, security headers, the sign-in methods (e-mail link,
// OpenID Connect, enrolment link, demo), "My devices" with adding and revoking app passwords, and
// the setup of each kind of device. Server-rendered HTML; one small script (copy.js) only adds copy
// buttons. Mounted by app.ts before Basic authentication, so nothing here ever asks for a DAV
// password.
import { verify } from '@node-rs/argon2';
import { readFile } from 'node:fs/promises';
import express from 'express';
import type pg from 'pg';
import { AccountError, createAppPassword } from '../auth/app-passwords.js';
import type { Config } from '../config.js';
import { DAV_ROOT, href } from '../dav/resources.js';
import { DEMO_USERNAME } from '../demo/staff.js';
import { pickLanguage } from '../i18n/negotiate.js';
import type { Language } from '../i18n/texts.js';
import type { Logger } from '../logger.js';
import { activeEmployeeByLogin, type PortalEmployee } from '../storage/postgres/brokerstar/portal-employees.js';
import type { Collection, DavStore } from '../storage/types.js';
import { adminRouter, adminStartLink, isAdministrator } from './admin.js';
import { PortalAudit } from './audit.js';
import { escapeHtml, type PortalPage, type SignInDeps, type SignInMethod } from './contract.js';
import { deviceByLabel, deviceOf, devicesOf, isDeviceKind, revokeDevice } from './device-list.js';
import { guideRoutes, guidesSection } from './guides.js';
import { buildMobileconfig, MOBILECONFIG_CONTENT_TYPE } from './devices/mobileconfig.js';
import { COPY_SCRIPT } from './copy-script.js';
import { renderPage, setSecurityHeaders, STYLESHEET, t } from './layout.js';
import { clearCookie, cookiesOf, randomToken, sameSecret, SESSION_COOKIE, Sessions, setCookie, TOKEN_PATTERN, type PortalSession } from './session.js';
import { renderDevicesPage, renderSetupPage, type SetupCollection } from './pages.js';
import { emailSignInRoutes } from './sign-in/email.js';
import { subscriptionRoutes, subscriptionsStartLink } from './subscriptions.js';
import { enrolmentSignInRoutes } from './sign-in/enrolment.js';
import { oidcSignInRoutes } from './sign-in/oidc.js';

export interface PortalDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly pool: pg.Pool;
  readonly store: DavStore;
  /** Drops a revoked app password from this instance's login cache. */
  forgetAppPassword(appPasswordId: string): void;
}

/** The pre-sign-in CSRF cookie (double submit: the form field must equal it). */
const CSRF_COOKIE = 'portal_csrf';
const CSRF_FIELD = '_csrf';
/** The .mobileconfig carries the new password: it is handed out only this long after creation. */
export const PROFILE_WINDOW_SECONDS = 10 * 60;

const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });

/** Per request: the session (if signed in) and the CSRF token made for a pre-sign-in form. */
const sessionOf = new WeakMap<express.Request, PortalSession>();
const freshCsrf = new WeakMap<express.Request, string>();

/** A Host header usable in an address (no markup, no spaces); otherwise the server's own. */
const HOST_HEADER = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** The URL as the request log may write it: no link token in a path segment, no query (OIDC code, state). */
export function loggableUrl(url: string): string {
  const path = url.split('?')[0] ?? url;
  return path.replace(/\/[A-Za-z0-9_-]{32,}(?=\/|$)/g, '/[token]') + (url.includes('?') ? '?[query]' : '');
}

export function portalRouter(deps: PortalDeps): express.Router {
  const { config, pool, log } = deps;
  const sessions = new Sessions(pool, config.sessionIdleMinutes);
  const audit = new PortalAudit(pool, log);
  const demo = config.databaseUrl === undefined;
  const router = express.Router();

  const baseUrl = (req: express.Request): string => {
    if (config.publicUrl) return config.publicUrl;
    const host = req.get('host');
    const authority = host && HOST_HEADER.test(host) ? host : `${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
    return `${req.protocol}://${authority}`;
  };
  const languageOf = (req: express.Request): Language => sessionOf.get(req)?.employee.language ?? pickLanguage(req.headers['accept-language']);

  const csrfToken = (req: express.Request, res: express.Response): string => {
    const session = sessionOf.get(req);
    if (session) return session.csrfSecret;
    const fromCookie = cookiesOf(req).get(CSRF_COOKIE);
    if (fromCookie && TOKEN_PATTERN.test(fromCookie)) return fromCookie;
    let token = freshCsrf.get(req);
    if (!token) {
      token = randomToken();
      freshCsrf.set(req, token);
      setCookie(req, res, config, CSRF_COOKIE, token);
    }
    return token;
  };
  const csrfField = (req: express.Request, res: express.Response): string =>
    `<input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(csrfToken(req, res))}">`;

  const sendPage = (req: express.Request, res: express.Response, page: PortalPage): void => {
    const session = sessionOf.get(req);
    const html = renderPage(page, {
      lang: languageOf(req),
      firmName: config.firmName,
      employee: session?.employee,
      signOutCsrf: session ? csrfField(req, res) : undefined,
    });
    setSecurityHeaders(res, config);
    res.status(page.status ?? 200).type('text/html; charset=utf-8').send(html);
  };
  /** A page with a heading and one paragraph (refusals, errors), with a way back. */
  const sendMessage = (req: express.Request, res: express.Response, status: number, titleKey: Parameters<typeof t>[1], textKey: Parameters<typeof t>[1], params?: Record<string, string>) => {
    const lang = languageOf(req);
    sendPage(req, res, {
      status,
      title: t(lang, titleKey),
      body: `<h1>${t(lang, titleKey)}</h1>\n<p>${t(lang, textKey, params)}</p>\n<p><a href="/setup/">${t(lang, 'backToStart')}</a></p>`,
    });
  };

  const verifyCsrf: express.RequestHandler = (req, res, next) => {
    const given: unknown = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
    const session = sessionOf.get(req);
    const cookie = cookiesOf(req).get(CSRF_COOKIE);
    const ok =
      typeof given === 'string' &&
      TOKEN_PATTERN.test(given) &&
      ((session !== undefined && sameSecret(given, session.csrfSecret)) || (cookie !== undefined && sameSecret(given, cookie)));
    if (ok) return next();
    (req.log ?? log).info({ signedIn: session !== undefined }, 'portal form refused: missing or forged CSRF token');
    sendMessage(req, res, 403, 'csrfTitle', 'csrf');
  };

  const withinRate = async (bucket: string, limit: number, windowSeconds: number): Promise<boolean> => {
    await pool.query(`DELETE FROM dav.sign_in_attempt WHERE bucket = $1 AND at < now() - make_interval(secs => $2)`, [bucket, windowSeconds]);
    const { rows } = await pool.query<{ n: number }>(
      `WITH added AS (INSERT INTO dav.sign_in_attempt (bucket) VALUES ($1))
       SELECT count(*)::int + 1 AS n FROM dav.sign_in_attempt WHERE bucket = $1 AND at >= now() - make_interval(secs => $2)`,
      [bucket, windowSeconds],
    );
    return (rows[0]?.n ?? 0) <= limit;
  };

  const signIn = async (req: express.Request, res: express.Response, employee: PortalEmployee, method: SignInMethod): Promise<void> => {
    // A new id at every sign-in (no fixation); the session this browser had before ends.
    const previous = sessionOf.get(req);
    if (previous) await sessions.end(previous.idHash);
    const id = await sessions.create(employee.id, method);
    setCookie(req, res, config, SESSION_COOKIE, id);
    await audit.record(req, { employeeId: employee.id, username: employee.username, action: 'SIGN-IN', outcome: 'accepted', status: 303, reason: `portal sign-in by ${method}` });
    setSecurityHeaders(res, config);
    res.redirect(303, '/setup/');
  };

  const signInDeps: SignInDeps = {
    pool,
    config,
    log,
    signIn,
    sendPage,
    languageOf,
    csrfField,
    verifyCsrf,
    portalUrl: (req) => `${baseUrl(req)}/setup`,
    withinRate,
  };

  // Nothing the portal answers may put a link token or an OpenID code into the request log, which
  // writes req.originalUrl when the response ends: it is made loggable at the last moment.
  router.use((req, res, next) => {
    const end = res.end.bind(res) as (...a: unknown[]) => express.Response;
    res.end = ((...args: unknown[]) => {
      req.originalUrl = loggableUrl(req.originalUrl);
      return end(...args);
    }) as typeof res.end;
    next();
  });

  router.get('/style.css', (_req, res) => {
    res.set({ 'Cache-Control': 'public, max-age=3600', 'X-Content-Type-Options': 'nosniff' }).type('text/css; charset=utf-8').send(STYLESHEET);
  });
  router.get('/copy.js', (_req, res) => {
    res.set({ 'Cache-Control': 'public, max-age=3600', 'X-Content-Type-Options': 'nosniff' }).type('text/javascript; charset=utf-8').send(COPY_SCRIPT);
  });

  // Who is signed in (every page but the stylesheet).
  router.use(async (req, res, next) => {
    const session = await sessions.load(cookiesOf(req).get(SESSION_COOKIE));
    if (session) sessionOf.set(req, session);
    else if (cookiesOf(req).has(SESSION_COOKIE)) clearCookie(req, res, config, SESSION_COOKIE);
    next();
  });

  const oidcRoutes = oidcSignInRoutes(signInDeps);
  const demoEmployee = async () => (demo ? activeEmployeeByLogin(pool, DEMO_USERNAME) : undefined);

  const signInPage = async (req: express.Request, res: express.Response, notice?: string): Promise<void> => {
    const lang = languageOf(req);
    const parts = [`<h1>${t(lang, 'signInTitle')}</h1>`];
    if (notice) parts.push(`<p class="notice ok" role="status">${notice}</p>`);
    parts.push(`<p>${t(lang, 'signInIntro', { firm: config.firmName })}</p>`);
    parts.push(`<p><a class="button" href="/setup/sign-in/email">${t(lang, 'signInByEmail')}</a></p>`);
    if (oidcRoutes) parts.push(`<p><a class="button" href="/setup/sign-in/oidc">${t(lang, 'signInByOidc')}</a></p>`);
    parts.push(`<p class="hint">${t(lang, 'signInOther')}</p>`);
    const demoUser = await demoEmployee();
    if (demoUser) {
      parts.push(`<section class="notice warn" aria-labelledby="demo-heading"><h2 id="demo-heading">${t(lang, 'demoTitle')}</h2>
<p>${t(lang, 'demoNotice')}</p>
<form method="post" action="/setup/demo-sign-in">${csrfField(req, res)}<button type="submit">${t(lang, 'demoSignIn', { user: demoUser.username })}</button></form></section>`);
    }
    parts.push(guidesSection(lang));
    sendPage(req, res, { title: t(lang, 'signInTitle'), body: parts.join('\n') });
  };

  const devicesPage = async (req: express.Request, res: express.Response, session: PortalSession, o: { status?: number; notice?: string; error?: string; label?: string; kind?: string } = {}) => {
    const lang = languageOf(req);
    const devices = await devicesOf(pool, session.employee.id);
    sendPage(req, res, {
      status: o.status ?? 200,
      title: t(lang, 'devicesTitle'),
      body: (isAdministrator(config, session.employee) ? `${adminStartLink(lang)}\n` : '') + renderDevicesPage({ lang, devices, csrf: csrfField(req, res), notice: o.notice, error: o.error, label: o.label, kind: o.kind }) + (config.subscriptionLinks ? `\n${subscriptionsStartLink(lang)}` : ''),
    });
  };

  /** The signed-in session, or a "not signed in" page (403) and undefined. */
  const requireSession = (req: express.Request, res: express.Response): PortalSession | undefined => {
    const session = sessionOf.get(req);
    if (!session) sendMessage(req, res, 403, 'notSignedInTitle', 'notSignedIn');
    return session;
  };

  /** What each collection is to a client's setup: a calendar, a task list or an address book. */
  const SETUP_KIND: Record<Collection['type'], SetupCollection['kind']> = {
    contacts: 'contacts',
    'my-customers': 'contacts',
    events: 'events',
    'shared-events': 'events',
    birthdays: 'events',
    tasks: 'tasks',
  };

  const collectionsOf = async (req: express.Request, employee: PortalEmployee): Promise<SetupCollection[]> => {
    const principal = await deps.store.principalByUsername(employee.username);
    if (!principal) return [];
    const base = baseUrl(req);
    return (await deps.store.collections(principal))
      .filter((c) => c.listed)
      .map((c) => ({
        name: c.displayName,
        url: `${base}${href.collection(c)}`,
        kind: SETUP_KIND[c.type],
        // The birthdays calendar is read-only like a colleague's: replicated, never two-way.
        own: c.type !== 'shared-events' && c.type !== 'birthdays',
      }));
  };

  router.get('/', async (req, res) => {
    const session = sessionOf.get(req);
    if (session) await devicesPage(req, res, session);
    else await signInPage(req, res);
  });

  router.post('/devices', form, verifyCsrf, async (req, res) => {
    const session = requireSession(req, res);
    if (!session) return;
    const lang = languageOf(req);
    const body = req.body as Record<string, unknown>;
    const kind = body.kind;
    const label = typeof body.label === 'string' ? body.label.trim() : '';
    const keep = { label, kind: typeof kind === 'string' ? kind : undefined };
    if (!isDeviceKind(kind)) return devicesPage(req, res, session, { status: 400, error: t(lang, 'kindInvalid'), ...keep });
    if (!label || label.length > 100 || /[\u0000-\u001f\u007f]/.test(label)) return devicesPage(req, res, session, { status: 400, error: t(lang, 'labelInvalid'), ...keep });
    const employee = session.employee;
    if (await deviceByLabel(pool, employee.id, label)) return devicesPage(req, res, session, { status: 409, error: t(lang, 'labelTaken', { label }), ...keep });
    let password: string;
    try {
      password = await createAppPassword(pool, employee.username, label, kind);
    } catch (err) {
      if (!(err instanceof AccountError)) throw err;
      const taken = await deviceByLabel(pool, employee.id, label);
      return devicesPage(req, res, session, { status: taken ? 409 : 400, error: taken ? t(lang, 'labelTaken', { label }) : t(lang, 'labelInvalid'), ...keep });
    }
    const device = await deviceByLabel(pool, employee.id, label);
    if (!device) throw new Error('the new app password is not stored');
    await audit.record(req, { employeeId: employee.id, username: employee.username, action: 'ADD-DEVICE', outcome: 'accepted', status: 200, reason: `device added: ${kind} "${label}"` });
    const base = baseUrl(req);
    sendPage(req, res, {
      title: t(lang, 'createdTitle', { label }),
      body: await renderSetupPage({
        lang,
        firmName: config.firmName,
        baseUrl: base,
        username: employee.username,
        password,
        device,
        csrf: csrfField(req, res),
        profileSigned: config.profileSigningCert !== undefined,
        collections: kind === 'outlook' || kind === 'thunderbird' || kind === 'other' ? await collectionsOf(req, employee) : [],
      }),
    });
  });

  router.post('/devices/:id/revoke', form, verifyCsrf, async (req, res) => {
    const session = requireSession(req, res);
    if (!session) return;
    const id = String(req.params.id);
    const label = await revokeDevice(pool, session.employee.id, id);
    if (label === undefined) return sendMessage(req, res, 404, 'deviceNotFoundTitle', 'deviceNotFound');
    deps.forgetAppPassword(id);
    await audit.record(req, { employeeId: session.employee.id, username: session.employee.username, action: 'REVOKE-DEVICE', outcome: 'accepted', status: 200, reason: `device revoked: "${label}"` });
    await devicesPage(req, res, session, { notice: t(languageOf(req), 'revoked', { label }) });
  });

  // The iPhone profile holds the new password, so it is made only for the one who has it: the
  // signed-in owner posts it back (never in a URL) within minutes of creating it, and it must match.
  router.post('/devices/:id/profile', form, verifyCsrf, async (req, res) => {
    const session = requireSession(req, res);
    if (!session) return;
    const device = await deviceOf(pool, session.employee.id, String(req.params.id));
    if (!device) return sendMessage(req, res, 404, 'deviceNotFoundTitle', 'deviceNotFound');
    const password = (req.body as Record<string, unknown>).password;
    const fresh = device.ageSeconds <= PROFILE_WINDOW_SECONDS;
    if (!fresh || typeof password !== 'string' || password.length > 200 || !(await verify(device.hash, password).catch(() => false))) {
      return sendMessage(req, res, fresh ? 403 : 410, 'profileExpiredTitle', 'profileExpired');
    }
    const signing =
      config.profileSigningCert && config.profileSigningKey
        ? { certPem: await readFile(config.profileSigningCert, 'utf8'), keyPem: await readFile(config.profileSigningKey, 'utf8') }
        : undefined;
    const employee = session.employee;
    const profile = await buildMobileconfig({
      firmName: config.firmName,
      baseUrl: baseUrl(req),
      username: employee.username,
      password,
      principalPath: `${DAV_ROOT}principals/${encodeURIComponent(employee.username)}/`,
      signing,
      language: employee.language,
    });
    const fileName = `${config.firmName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'calendars'}.mobileconfig`;
    setSecurityHeaders(res, config);
    res
      .status(200)
      .type(MOBILECONFIG_CONTENT_TYPE)
      .set('Content-Disposition', `attachment; filename="${fileName}"`)
      .send(profile.body);
  });

  router.post('/sign-out', form, verifyCsrf, async (req, res) => {
    const session = sessionOf.get(req);
    if (session) {
      await sessions.end(session.idHash);
      sessionOf.delete(req);
      await audit.record(req, { employeeId: session.employee.id, username: session.employee.username, action: 'SIGN-OUT', outcome: 'accepted', status: 200, reason: 'portal sign-out' });
    }
    clearCookie(req, res, config, SESSION_COOKIE);
    await signInPage(req, res, t(languageOf(req), 'signedOut'));
  });

  router.post('/demo-sign-in', form, verifyCsrf, async (req, res) => {
    const employee = await demoEmployee();
    if (!employee) return sendMessage(req, res, 404, 'notFoundTitle', 'notFound');
    await signIn(req, res, employee, 'demo');
  });

  router.use('/admin', adminRouter({ ...signInDeps, store: deps.store, audit, sessionOf: (req) => sessionOf.get(req), forgetAppPassword: deps.forgetAppPassword }));
  if (config.subscriptionLinks) {
    router.use(subscriptionRoutes({ pool, store: deps.store, audit, sendPage, languageOf, csrfField, verifyCsrf, baseUrl, requireEmployee: (req, res) => requireSession(req, res)?.employee }));
  }
  router.use(guideRoutes({ sendPage, languageOf, baseUrl, usernameOf: (req) => sessionOf.get(req)?.employee.username, log }));
  router.use(enrolmentSignInRoutes(signInDeps, { sendMessage, audit }));
  router.use(emailSignInRoutes(signInDeps));
  if (oidcRoutes) router.use(oidcRoutes);

  router.use((req, res) => sendMessage(req, res, 404, 'notFoundTitle', 'notFound'));

  // Bad bodies (too large, malformed) are the client's: a 4xx page. Anything else is ours: logged, 500.
  router.use((err: unknown, req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendMessage(req, res, status, 'badRequestTitle', 'badRequest');
      return;
    }
    (req.log ?? log).error({ err }, 'portal request failed');
    sendMessage(req, res, 500, 'errorTitle', 'error');
  });

  return router;
}
