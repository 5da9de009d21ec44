// Sign-in by enrolment link, for firms with neither mail nor an identity provider:
// `brokerstar-dav invite` prints one link per employee (/setup/enrol/<token>, valid days). Opening
// it shows a confirmation page; only its button (POST) uses the link up, so a mail scanner that
// opens every link does not spend it. A link works once; inactive employees are refused.
import express from 'express';
import type { Queryable } from '../../storage/postgres/queryable.js';
import { activeEmployeeById, type PortalEmployee } from '../../storage/postgres/brokerstar/portal-employees.js';
import type { PortalAudit } from '../audit.js';
import type { SignInDeps } from '../contract.js';
import { t } from '../layout.js';
import { createSignInLink, peekSignInLink, useSignInLink, type LinkState } from '../sign-in-links.js';
import type { PortalTextKey } from '../../i18n/portal.js';

/** POSTs of enrolment links per client address: 30 a minute. */
export const ENROL_RATE = { limit: 30, windowSeconds: 60 } as const;
/** Longest validity of an enrolment link. */
export const MAX_ENROL_DAYS = 90;

export interface EnrolmentExtras {
  sendMessage(req: express.Request, res: express.Response, status: number, titleKey: PortalTextKey, textKey: PortalTextKey, params?: Record<string, string>): void;
  readonly audit: PortalAudit;
}

const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });

/** The request log writes the URL when the response ends: without the link's token. */
function redactToken(req: express.Request, res: express.Response, next: express.NextFunction): void {
  req.originalUrl = req.originalUrl.replace(/(\/enrol\/)[^/?#]*/, '$1[token]');
  next();
}

export function enrolmentSignInRoutes(deps: SignInDeps, x: EnrolmentExtras): express.Router {
  const router = express.Router();

  const invalid = (req: express.Request, res: express.Response, state: Extract<LinkState, { ok: false }>) => {
    const text = state.problem === 'unknown' ? 'linkUnknown' : state.problem === 'used' ? 'linkUsed' : 'linkExpired';
    x.sendMessage(req, res, state.problem === 'unknown' ? 404 : 410, 'linkInvalidTitle', text);
  };

  router.get('/enrol/:token', redactToken, async (req, res) => {
    const state = await peekSignInLink(deps.pool, String(req.params.token), 'enrolment');
    if (!state.ok) return invalid(req, res, state);
    const employee = await activeEmployeeById(deps.pool, state.employeeId);
    if (!employee) return x.sendMessage(req, res, 403, 'inactiveTitle', 'inactive');
    const lang = deps.languageOf(req);
    deps.sendPage(req, res, {
      title: t(lang, 'enrolTitle'),
      body: `<h1>${t(lang, 'enrolTitle')}</h1>
<p>${t(lang, 'enrolIntro', { name: `${employee.firstName} ${employee.lastName}`.trim(), firm: deps.config.firmName })}</p>
<form method="post">${deps.csrfField(req, res)}<button type="submit">${t(lang, 'enrolButton')}</button></form>`,
    });
  });

  router.post('/enrol/:token', redactToken, form, deps.verifyCsrf, async (req, res) => {
    if (!(await deps.withinRate(`enrol-ip:${req.ip ?? 'unknown'}`, ENROL_RATE.limit, ENROL_RATE.windowSeconds))) {
      res.set('Retry-After', String(ENROL_RATE.windowSeconds));
      return x.sendMessage(req, res, 429, 'tooManyTitle', 'tooMany');
    }
    const state = await useSignInLink(deps.pool, String(req.params.token), 'enrolment');
    if (!state.ok) {
      await x.audit.record(req, { employeeId: null, username: null, action: 'SIGN-IN', outcome: 'refused', status: state.problem === 'unknown' ? 404 : 410, reason: `enrolment link ${state.problem}` });
      return invalid(req, res, state);
    }
    const employee = await activeEmployeeById(deps.pool, state.employeeId);
    if (!employee) {
      await x.audit.record(req, { employeeId: state.employeeId, username: null, action: 'SIGN-IN', outcome: 'refused', status: 403, reason: 'enrolment link of an inactive employee' });
      return x.sendMessage(req, res, 403, 'inactiveTitle', 'inactive');
    }
    await deps.signIn(req, res, employee, 'enrolment');
  });

  return router;
}

export interface Invitation {
  readonly employee: PortalEmployee;
  readonly link: string;
  readonly expiresAt: Date;
}

/** One enrolment link per employee, below `portalUrl` (…/setup). */
export async function invite(db: Queryable, employees: readonly PortalEmployee[], portalUrl: string, ttlSeconds: number): Promise<Invitation[]> {
  const out: Invitation[] = [];
  for (const employee of employees) {
    const { token, expiresAt } = await createSignInLink(db, employee.id, 'enrolment', ttlSeconds);
    out.push({ employee, link: `${portalUrl}/enrol/${token}`, expiresAt });
  }
  return out;
}

/** "7d", "12h", "90m" as seconds; undefined when not of that form or beyond MAX_ENROL_DAYS. */
export function parseExpiry(text: string): number | undefined {
  const m = /^(\d{1,5})([dhm])$/.exec(text.trim());
  if (!m) return undefined;
  const seconds = Number(m[1]) * { d: 86400, h: 3600, m: 60 }[m[2] as 'd' | 'h' | 'm'];
  return seconds > 0 && seconds <= MAX_ENROL_DAYS * 86400 ? seconds : undefined;
}
