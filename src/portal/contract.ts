// What a sign-in method needs from the portal, so each method (e-mail link, OpenID Connect,
// enrolment link) is a router of its own: it proves who someone is, then hands over to signIn.
import type express from 'express';
import type pg from 'pg';
import type { Config } from '../config.js';
import type { Language } from '../i18n/texts.js';
import type { Logger } from '../logger.js';
import type { PortalEmployee } from '../storage/postgres/brokerstar/portal-employees.js';

export type { PortalEmployee };

export type SignInMethod = 'email' | 'oidc' | 'enrolment' | 'demo';

export interface PortalPage {
  readonly status?: number;
  readonly title: string;
  /** Trusted HTML (every value in it escaped with escapeHtml). */
  readonly body: string;
}

export interface SignInDeps {
  readonly pool: pg.Pool;
  readonly config: Config;
  readonly log: Logger;
  /** Starts the employee's session (cookie), audits the sign-in and redirects to the portal's start page. */
  signIn(req: express.Request, res: express.Response, employee: PortalEmployee, method: SignInMethod): Promise<void>;
  /** Sends a whole page: the portal's layout (language, styles, security headers) around `page.body`. */
  sendPage(req: express.Request, res: express.Response, page: PortalPage): void;
  /** The language of the request: the signed-in employee's, else Accept-Language, else German. */
  languageOf(req: express.Request): Language;
  /** A hidden form field with the CSRF token (works before anyone is signed in). */
  csrfField(req: express.Request, res: express.Response): string;
  /** Express middleware refusing a POST whose CSRF token is missing or forged (403 page). */
  readonly verifyCsrf: express.RequestHandler;
  /** The absolute address of the portal's root, e.g. https://dav.firm.ch/setup (PUBLIC_URL or the request). */
  portalUrl(req: express.Request): string;
  /**
   * Counts one attempt in `bucket` (shared by all instances) and says whether it is still within
   * `limit` attempts per `windowSeconds`.
   */
  withinRate(bucket: string, limit: number, windowSeconds: number): Promise<boolean>;
}

/** &, <, >, " and ' as entities: for text and attribute values alike. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
