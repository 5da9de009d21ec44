// The administrators' pages of the portal (/setup/admin/, for the usernames in ADMIN_USERS): every
// active employee's devices with revoke, locked-out client addresses and slowed-down usernames with
// unlock, capped collections (as `brokerstar-dav status` shows them), each employee's latest
// refusals (as `brokerstar-dav audit --user` shows them). Anyone else signed in gets a 403 page on
// every URL here, whoever is not signed in is sent to sign in. Every change is a POST with the
// session's CSRF token and is audited; revoking drops the password from this instance's login cache
// at once, as the employee's own revoke does.
import express from 'express';
import { currentLockouts, unlockLogins, type LockoutEntry, type LockoutPolicy } from '../auth/lockout.js';
import type { Config } from '../config.js';
import { ADMIN_TEXTS, type AdminTextKey } from '../i18n/admin.js';
import { translate, type Language } from '../i18n/texts.js';
import { everyAppPassword, type OwnedAppPassword } from '../storage/postgres/brokerstar/app-password-owners.js';
import { activeEmployeeById, activeEmployees } from '../storage/postgres/brokerstar/portal-employees.js';
import type { DavStore } from '../storage/types.js';
import { latestRefusals, REFUSALS_SHOWN, revokeAnyDevice } from './admin-data.js';
import type { PortalAudit } from './audit.js';
import { escapeHtml, type PortalEmployee, type SignInDeps } from './contract.js';
import { isDeviceKind } from './device-list.js';
import { formatDate, setSecurityHeaders, t } from './layout.js';
import { KIND_TEXT } from './pages.js';
import type { PortalSession } from './session.js';

export const ADMIN_PATH = '/setup/admin/';

export interface AdminDeps extends SignInDeps {
  readonly store: DavStore;
  readonly audit: PortalAudit;
  /** The request's portal session (signed in), if any. */
  sessionOf(req: express.Request): PortalSession | undefined;
  /** Drops a revoked app password from this instance's login cache. */
  forgetAppPassword(appPasswordId: string): void;
}

/** Whether the employee is one of ADMIN_USERS (lower case there; his username compared lower-cased). */
export function isAdministrator(config: Pick<Config, 'adminUsers'>, employee: Pick<PortalEmployee, 'username'>): boolean {
  return config.adminUsers.includes(employee.username.toLowerCase());
}

/** An administrators' text in `lang`, HTML-escaped. */
function a(lang: Language, key: AdminTextKey, params?: Readonly<Record<string, string>>): string {
  return escapeHtml(translate(ADMIN_TEXTS, lang, key, params));
}

/** The same, not escaped: for a page's title (the layout escapes it). */
function plain(lang: Language, key: AdminTextKey, params?: Readonly<Record<string, string>>): string {
  return translate(ADMIN_TEXTS, lang, key, params);
}

/** The link to the administrators' pages on the portal's start page (administrators only). */
export function adminStartLink(lang: Language): string {
  return `<nav aria-label="${a(lang, 'navLabel')}"><p><a href="${ADMIN_PATH}">${a(lang, 'startLink')}</a></p></nav>`;
}

type Section = 'devices' | 'lockouts' | 'capped' | 'refusals';
const SECTIONS: readonly [Section, string, AdminTextKey][] = [
  ['devices', ADMIN_PATH, 'navDevices'],
  ['lockouts', `${ADMIN_PATH}lockouts`, 'navLockouts'],
  ['capped', `${ADMIN_PATH}capped`, 'navCapped'],
  ['refusals', `${ADMIN_PATH}refusals`, 'navRefusals'],
];

function nav(lang: Language, current: Section): string {
  const links = SECTIONS.map(([s, href, key]) => `<a href="${href}"${s === current ? ' aria-current="page"' : ''}>${a(lang, key)}</a>`);
  return `<nav aria-label="${a(lang, 'navLabel')}"><p>${links.join(' · ')}</p></nav>`;
}

function notices(o: { notice?: string; warning?: string; error?: string }): string {
  return [
    o.notice ? `<p class="notice ok" role="status">${o.notice}</p>` : '',
    o.warning ? `<p class="notice warn" role="status">${o.warning}</p>` : '',
    o.error ? `<p class="notice err" role="alert">${o.error}</p>` : '',
  ].join('');
}

/** A table whose cells carry their column's name (read as "Name: value" on a phone). */
function table(headings: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = headings.map((h) => `<th scope="col">${h}</th>`).join('');
  const body = rows.map((cells) => `<tr>${cells.map((c, i) => (headings[i] ? `<td data-label="${headings[i]}">${c}</td>` : `<td>${c}</td>`)).join('')}</tr>`);
  return `<table class="devices"><thead><tr>${head}</tr></thead><tbody>\n${body.join('\n')}\n</tbody></table>`;
}

const fullName = (e: Pick<PortalEmployee, 'firstName' | 'lastName' | 'username'>) => `${e.firstName} ${e.lastName}`.trim() || e.username;

const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });

/** Whatever an administrator types to unlock: a username or an address, no control characters. */
const UNLOCK_TARGET = /^[^\u0000-\u001f\u007f]{1,320}$/;

export function adminRouter(deps: AdminDeps): express.Router {
  const { config, pool, log, audit } = deps;
  const policy: LockoutPolicy = {
    addressThreshold: config.authLockoutThreshold,
    userThreshold: config.authLockoutUserThreshold,
    seconds: config.authLockoutSeconds,
  };
  const router = express.Router();
  const adminOf = new WeakMap<express.Request, PortalSession>();

  /** A page with a heading and one paragraph (refusals, errors), with a way back. */
  const message = (req: express.Request, res: express.Response, status: number, title: AdminTextKey, text: AdminTextKey, params?: Record<string, string>) => {
    const lang = deps.languageOf(req);
    const back = adminOf.has(req) ? `<a href="${ADMIN_PATH}">${a(lang, 'navLabel')}</a>` : `<a href="/setup/">${t(lang, 'backToStart')}</a>`;
    deps.sendPage(req, res, { status, title: plain(lang, title), body: `<h1>${a(lang, title)}</h1>\n<p>${a(lang, text, params)}</p>\n<p>${back}</p>` });
  };

  // Who may enter: nobody signed in is sent to sign in; a signed-in non-administrator gets 403 on
  // every URL below (existing or not), before any form is read.
  router.use(async (req, res, next) => {
    const session = deps.sessionOf(req);
    if (!session) {
      setSecurityHeaders(res, config);
      res.redirect(303, '/setup/');
      return;
    }
    if (!isAdministrator(config, session.employee)) {
      await audit.record(req, {
        employeeId: session.employee.id,
        username: session.employee.username,
        action: 'ADMIN',
        outcome: 'refused',
        status: 403,
        reason: `administrators' page refused: ${req.method} ${req.path.slice(0, 100)} (not in ADMIN_USERS)`,
      });
      message(req, res, 403, 'forbiddenTitle', 'forbidden', { user: session.employee.username });
      return;
    }
    adminOf.set(req, session);
    next();
  });

  const admin = (req: express.Request): PortalSession => {
    const s = adminOf.get(req);
    if (!s) throw new Error('administrators\' route reached without an administrator');
    return s;
  };

  // ------------------------------------------------------------------ every employee's devices
  const devicesPage = async (req: express.Request, res: express.Response, o: { status?: number; notice?: string } = {}) => {
    const lang = deps.languageOf(req);
    const employees = await activeEmployees(pool);
    const byEmployee = new Map<string, OwnedAppPassword[]>();
    for (const p of await everyAppPassword(pool)) {
      const list = byEmployee.get(p.employeeId) ?? [];
      list.push(p);
      byEmployee.set(p.employeeId, list);
    }
    const deviceCount = employees.reduce((n, e) => n + (byEmployee.get(e.id)?.length ?? 0), 0);
    const csrf = deps.csrfField(req, res);
    const headings = [t(lang, 'colDevice'), t(lang, 'colKind'), t(lang, 'colCreated'), t(lang, 'colLastUsed'), t(lang, 'colLastAddress'), t(lang, 'colAction')];
    const parts = [`<h1>${a(lang, 'devicesTitle')}</h1>`, nav(lang, 'devices'), notices(o)];
    parts.push(`<p>${a(lang, 'devicesIntro', { employees: String(employees.length), devices: String(deviceCount) })}</p>`);
    for (const e of employees) {
      const name = fullName(e);
      const devices = byEmployee.get(e.id) ?? [];
      parts.push(`<section aria-labelledby="employee-${e.id}"><h2 id="employee-${e.id}">${a(lang, 'employeeHeading', { name, user: e.username })}</h2>`);
      if (devices.length === 0) parts.push(`<p><em>${a(lang, 'noDevices')}</em></p>`);
      else {
        parts.push(
          table(
            headings,
            devices.map((d) => [
              escapeHtml(d.label),
              t(lang, KIND_TEXT[isDeviceKind(d.kind) ? d.kind : 'other']),
              escapeHtml(formatDate(lang, d.createdAt)),
              d.lastUsedAt ? escapeHtml(formatDate(lang, d.lastUsedAt)) : t(lang, 'never'),
              d.lastAddress ? `<span class="mono">${escapeHtml(d.lastAddress)}</span>` : '–',
              `<form method="post" action="${ADMIN_PATH}devices/${encodeURIComponent(d.id)}/revoke">${csrf}<button type="submit" class="secondary" aria-label="${a(lang, 'revokeNamed', { label: d.label, name })}">${t(lang, 'revoke')}</button></form>`,
            ]),
          ),
        );
      }
      parts.push(`<p><a href="${ADMIN_PATH}refusals/${encodeURIComponent(e.id)}">${a(lang, 'refusalsOf', { name })}</a></p></section>`);
    }
    deps.sendPage(req, res, { status: o.status ?? 200, title: plain(lang, 'devicesTitle'), body: parts.join('\n') });
  };

  router.get('/', (req, res) => devicesPage(req, res));

  router.post('/devices/:id/revoke', form, deps.verifyCsrf, async (req, res) => {
    const me = admin(req).employee;
    const id = String(req.params.id);
    const revoked = await revokeAnyDevice(pool, id);
    if (!revoked) return message(req, res, 404, 'deviceNotFoundTitle', 'deviceNotFound');
    deps.forgetAppPassword(id);
    const owner = await activeEmployeeById(pool, revoked.employeeId);
    const ownerName = owner?.username ?? `#${revoked.employeeId}`;
    await audit.record(req, {
      employeeId: me.id,
      username: me.username,
      action: 'ADMIN-REVOKE-DEVICE',
      outcome: 'accepted',
      status: 200,
      reason: `administrator revoked device "${revoked.label}" (id ${id}) of ${ownerName}`,
    });
    await devicesPage(req, res, { notice: a(deps.languageOf(req), 'revoked', { label: revoked.label, user: ownerName }) });
  });

  // ------------------------------------------------------------------ lockouts
  const lockoutsPage = async (req: express.Request, res: express.Response, o: { status?: number; notice?: string; warning?: string; error?: string; target?: string } = {}) => {
    const lang = deps.languageOf(req);
    const { addresses, users } = await currentLockouts(pool, policy);
    const csrf = deps.csrfField(req, res);
    const unlockButton = (value: string) =>
      `<form method="post" action="${ADMIN_PATH}unlock">${csrf}<input type="hidden" name="target" value="${escapeHtml(value)}"><button type="submit" class="secondary" aria-label="${a(lang, 'unlockNamed', { value })}">${a(lang, 'unlock')}</button></form>`;
    const when = (d: Date | null) => (d ? escapeHtml(formatDate(lang, d)) : '–');
    const parts = [`<h1>${a(lang, 'lockoutsTitle')}</h1>`, nav(lang, 'lockouts'), notices(o)];
    parts.push(
      `<p>${a(lang, 'lockoutsIntro', {
        addressThreshold: String(policy.addressThreshold),
        userThreshold: String(policy.userThreshold),
        minutes: String(Math.max(1, Math.round(policy.seconds / 60))),
      })}</p>`,
    );
    parts.push(`<h2 id="addresses">${a(lang, 'addressesHeading')}</h2>`);
    parts.push(
      addresses.length === 0
        ? `<p><em>${a(lang, 'noAddresses')}</em></p>`
        : table(
            [a(lang, 'colAddress'), a(lang, 'colFailures'), a(lang, 'colLockedUntil'), a(lang, 'colAction')],
            addresses.map((e: LockoutEntry) => [`<span class="mono">${escapeHtml(e.value)}</span>`, String(e.failures), when(e.lockedUntil ?? e.windowEnds), unlockButton(e.value)]),
          ),
    );
    parts.push(`<h2 id="users">${a(lang, 'usersHeading')}</h2>`);
    parts.push(
      users.length === 0
        ? `<p><em>${a(lang, 'noUsers')}</em></p>`
        : table(
            [a(lang, 'colUsername'), a(lang, 'colFailures'), a(lang, 'colWindowEnds'), a(lang, 'colAction')],
            users.map((e: LockoutEntry) => [escapeHtml(e.value), String(e.failures), when(e.windowEnds), unlockButton(e.value)]),
          ),
    );
    parts.push(`<h2 id="unlock">${a(lang, 'unlockOtherHeading')}</h2>
<form method="post" action="${ADMIN_PATH}unlock">${csrf}
<label for="target">${a(lang, 'unlockLabel')}</label>
<input type="text" id="target" name="target" required maxlength="320" autocomplete="off" value="${escapeHtml(o.target ?? '')}" aria-describedby="target-hint">
<p class="hint" id="target-hint">${a(lang, 'unlockHint')}</p>
<button type="submit">${a(lang, 'unlock')}</button>
</form>`);
    deps.sendPage(req, res, { status: o.status ?? 200, title: plain(lang, 'lockoutsTitle'), body: parts.join('\n') });
  };

  router.get('/lockouts', (req, res) => lockoutsPage(req, res));

  router.post('/unlock', form, deps.verifyCsrf, async (req, res) => {
    const me = admin(req).employee;
    const lang = deps.languageOf(req);
    const raw = (req.body as Record<string, unknown>).target;
    const target = typeof raw === 'string' ? raw.trim() : '';
    if (!UNLOCK_TARGET.test(target)) return lockoutsPage(req, res, { status: 400, error: a(lang, 'unlockInvalid') });
    const cleared = await unlockLogins(pool, policy, target);
    const what = [
      ...cleared.addresses.map((e) => `address ${e.value} (${e.failures} failures)`),
      ...cleared.users.map((e) => `username ${e.value} (${e.failures} failures)`),
    ];
    await audit.record(req, {
      employeeId: me.id,
      username: me.username,
      action: 'ADMIN-UNLOCK',
      outcome: 'accepted',
      status: 200,
      reason: what.length ? `administrator unlocked ${what.join(', ')}` : `administrator unlock of "${target.slice(0, 100)}": nothing to clear`,
    });
    if (what.length === 0) return lockoutsPage(req, res, { warning: a(lang, 'nothingToUnlock', { value: target }), target });
    const notice = [
      ...cleared.addresses.map((e) => a(lang, 'unlockedAddress', { value: e.value, failures: String(e.failures) })),
      ...cleared.users.map((e) => a(lang, 'unlockedUser', { value: e.value, failures: String(e.failures) })),
    ].join(' ');
    await lockoutsPage(req, res, { notice });
  });

  // ------------------------------------------------------------------ capped collections
  router.get('/capped', async (req, res) => {
    const lang = deps.languageOf(req);
    const rows: string[][] = [];
    for (const e of await activeEmployees(pool)) {
      const principal = await deps.store.principalByUsername(e.username);
      if (!principal) continue;
      for (const s of await deps.store.status(principal)) {
        if (!s.capped) continue;
        rows.push([
          escapeHtml(`${fullName(e)} (${e.username})`),
          escapeHtml(s.collection.displayName),
          String(s.eligible),
          String(s.served),
          escapeHtml(formatDate(lang, s.lastChanged)),
        ]);
      }
    }
    const parts = [`<h1>${a(lang, 'cappedTitle')}</h1>`, nav(lang, 'capped'), `<p>${a(lang, 'cappedIntro', { max: String(config.maxRecords) })}</p>`];
    parts.push(
      rows.length === 0
        ? `<p><em>${a(lang, 'noCapped')}</em></p>`
        : table([a(lang, 'colEmployee'), a(lang, 'colCollection'), a(lang, 'colEligible'), a(lang, 'colServed'), a(lang, 'colLastChange')], rows),
    );
    deps.sendPage(req, res, { title: plain(lang, 'cappedTitle'), body: parts.join('\n') });
  });

  // ------------------------------------------------------------------ refusals
  router.get('/refusals', async (req, res) => {
    const lang = deps.languageOf(req);
    const items: string[] = [];
    for (const e of await activeEmployees(pool)) {
      const n = (await latestRefusals(pool, log, e.username)).length;
      items.push(
        `<li><a href="${ADMIN_PATH}refusals/${encodeURIComponent(e.id)}">${a(lang, 'employeeHeading', { name: fullName(e), user: e.username })}</a>: ${
          n === 0 ? a(lang, 'noRefusals') : a(lang, 'refusalsCount', { count: String(n) })
        }</li>`,
      );
    }
    const parts = [`<h1>${a(lang, 'refusalsTitle')}</h1>`, nav(lang, 'refusals'), `<p>${a(lang, 'refusalsIntro', { count: String(REFUSALS_SHOWN) })}</p>`];
    parts.push(`<ul>\n${items.join('\n')}\n</ul>`);
    deps.sendPage(req, res, { title: plain(lang, 'refusalsTitle'), body: parts.join('\n') });
  });

  router.get('/refusals/:employeeId', async (req, res) => {
    const lang = deps.languageOf(req);
    const employee = await activeEmployeeById(pool, String(req.params.employeeId));
    if (!employee) return message(req, res, 404, 'employeeNotFoundTitle', 'employeeNotFound');
    const refusals = await latestRefusals(pool, log, employee.username);
    const title = plain(lang, 'refusalsOf', { name: fullName(employee) });
    const parts = [`<h1>${escapeHtml(title)}</h1>`, nav(lang, 'refusals'), `<p>${a(lang, 'refusalsIntro', { count: String(REFUSALS_SHOWN) })}</p>`];
    parts.push(
      refusals.length === 0
        ? `<p><em>${a(lang, 'noRefusals')}</em></p>`
        : table(
            [a(lang, 'colTime'), a(lang, 'colStatus'), a(lang, 'colRequest'), a(lang, 'colReason'), a(lang, 'colClient')],
            refusals.map((r) => [
              escapeHtml(formatDate(lang, r.at)),
              String(r.status),
              `<span class="mono">${escapeHtml(`${r.method} ${r.resource}`)}</span>`,
              escapeHtml(r.reason ?? ''),
              escapeHtml(r.userAgent ?? ''),
            ]),
          ),
    );
    deps.sendPage(req, res, { title, body: parts.join('\n') });
  });

  return router;
}
