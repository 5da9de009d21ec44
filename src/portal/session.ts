// Portal sessions in PostgreSQL (dav.portal_session), so every instance knows who is signed in.
// The cookie holds a random 256-bit id; only its SHA-256 is stored. A session ends after
// SESSION_IDLE_MINUTES without a request, on sign-out, and as soon as its employee is inactive.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type express from 'express';
import type { Config } from '../config.js';
import type { Queryable } from '../storage/postgres/queryable.js';
import { activeEmployeeById } from '../storage/postgres/brokerstar/portal-employees.js';
import type { PortalEmployee, SignInMethod } from './contract.js';

export const SESSION_COOKIE = 'portal_session';
/** Cookies are the portal's only: nothing else on the server reads them. */
export const COOKIE_PATH = '/setup';

export interface PortalSession {
  readonly idHash: Buffer;
  readonly employee: PortalEmployee;
  readonly method: SignInMethod;
  readonly csrfSecret: string;
}

export function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** 256 random bits, URL-safe (43 characters). */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Equal strings, compared in constant time. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The request's cookies (only the portal's are of interest; malformed pairs are skipped). */
export function cookiesOf(req: express.Request): Map<string, string> {
  const out = new Map<string, string>();
  const header = req.headers.cookie;
  if (!header || header.length > 8192) return out;
  for (const part of header.split(';').slice(0, 100)) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

/** Secure cookies when the request came over HTTPS or the portal's public address is https. */
export function secureCookies(req: express.Request, config: Config): boolean {
  return req.secure || (config.publicUrl?.startsWith('https:') ?? false);
}

export function setCookie(req: express.Request, res: express.Response, config: Config, name: string, value: string, maxAgeSeconds?: number): void {
  const parts = [`${name}=${value}`, `Path=${COOKIE_PATH}`, 'HttpOnly', 'SameSite=Lax'];
  if (maxAgeSeconds !== undefined) parts.push(`Max-Age=${maxAgeSeconds}`);
  if (secureCookies(req, config)) parts.push('Secure');
  res.append('Set-Cookie', parts.join('; '));
}

export function clearCookie(req: express.Request, res: express.Response, config: Config, name: string): void {
  setCookie(req, res, config, name, '', 0);
}

export class Sessions {
  constructor(
    private readonly db: Queryable,
    private readonly idleMinutes: number,
  ) {}

  /** A new session; returns the cookie value (never stored). */
  async create(employeeId: string, method: SignInMethod): Promise<string> {
    const id = randomToken();
    await this.db.query(
      `INSERT INTO dav.portal_session (id_hash, employee_id, method, csrf_secret) VALUES ($1, $2, $3, $4)`,
      [sha256(id), employeeId, method, randomToken()],
    );
    // Sessions idle past the limit are dead; sweep a bounded number of them now and then.
    await this.db.query(
      `DELETE FROM dav.portal_session WHERE id_hash IN (
         SELECT id_hash FROM dav.portal_session WHERE last_seen_at < now() - make_interval(mins => $1) LIMIT 1000)`,
      [this.idleMinutes],
    );
    return id;
  }

  /**
   * The live session of this cookie value, its last-seen time moved on; undefined (and the row
   * deleted) when it is unknown, idle too long, or its employee is no longer active.
   */
  async load(cookieValue: string | undefined): Promise<PortalSession | undefined> {
    if (!cookieValue || !TOKEN_PATTERN.test(cookieValue)) return undefined;
    const idHash = sha256(cookieValue);
    const { rows } = await this.db.query<{ employee_id: string; method: SignInMethod; csrf_secret: string; live: boolean }>(
      `SELECT employee_id::text, method, csrf_secret, last_seen_at > now() - make_interval(mins => $2) AS live
         FROM dav.portal_session WHERE id_hash = $1`,
      [idHash, this.idleMinutes],
    );
    const row = rows[0];
    if (!row) return undefined;
    const employee = row.live ? await activeEmployeeById(this.db, row.employee_id) : undefined;
    if (!employee) {
      await this.end(idHash);
      return undefined;
    }
    await this.db.query('UPDATE dav.portal_session SET last_seen_at = now() WHERE id_hash = $1', [idHash]);
    return { idHash, employee, method: row.method, csrfSecret: row.csrf_secret };
  }

  async end(idHash: Buffer): Promise<void> {
    await this.db.query('DELETE FROM dav.portal_session WHERE id_hash = $1', [idHash]);
  }

  /** Ends every session of an employee (e.g. when an administrator revokes his access). */
  async endAllOf(employeeId: string): Promise<void> {
    await this.db.query('DELETE FROM dav.portal_session WHERE employee_id = $1', [employeeId]);
  }
}
