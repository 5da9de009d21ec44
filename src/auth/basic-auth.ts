// HTTP Basic authentication (RFC 7617) with app passwords: a short-lived cache of verified logins
// keeps argon2 off the polling path (emptied of revoked logins on every instance through
// LISTEN/NOTIFY, db/notifications.ts); every other login reserves an attempt for its address before
// argon2 runs (lockout.ts), and failures feed the throttle.
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NextFunction, Request, Response } from 'express';
import type pg from 'pg';
import { AUTH_TEXTS } from '../i18n/auth.js';
import { pickLanguage } from '../i18n/negotiate.js';
import { translate } from '../i18n/texts.js';
import type { Notifications } from '../db/notifications.js';
import type { Logger } from '../logger.js';
import { countLogin, countLoginCache } from '../metrics.js';
import { findEmployee, prepareLoginCheck, verifyLogin, type Employee, type VerifiedLogin } from './app-passwords.js';
import type { Lockout } from './lockout.js';
import { RepeatedFailures } from './repeated-failures.js';

export const REALM = 'brokerstar-dav';
/** The WWW-Authenticate value of every 401 (RFC 7235 §4.1 requires one; RFC 7617 §2.1 charset). */
export const CHALLENGE = `Basic realm="${REALM}", charset="UTF-8"`;

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** Parses `Authorization: Basic …` (UTF-8, RFC 7617 §2.1); undefined when absent or malformed. */
export function parseBasicAuth(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  // NUL is no character of any username, and PostgreSQL cannot take it as a parameter.
  if (colon <= 0 || decoded.includes('\0')) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export interface AuthDeps {
  readonly db: pg.Pool;
  readonly lockout: Lockout;
  readonly cacheSeconds: number;
  readonly log: Logger;
  /** Where an employee gets an app password (the setup portal), named in the 401 body; none when it is off. */
  readonly portalUrl?: (req: Request) => string;
  /** Revokes and employee changes on other instances (LISTEN/NOTIFY); without it, the TTL bounds staleness. */
  readonly notifications?: Pick<Notifications, 'subscribe'>;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by the authentication middleware. */
    login?: VerifiedLogin;
  }
}

/**
 * Successful logins only, keyed by a salted hash of the credentials (never the password itself).
 * An entry past half its life is still served but re-verified in the background, so a polling
 * client never waits for argon2 and a revoke still takes effect within the TTL.
 */
class LoginCache {
  private readonly salt = randomBytes(16);
  private readonly entries = new Map<string, { login: VerifiedLogin; stored: number }>();
  constructor(readonly ttlMs: number) {}

  key(c: Credentials): string {
    return createHash('sha256').update(this.salt).update(c.username).update('\0').update(c.password).digest('base64');
  }
  get(key: string): { login: VerifiedLogin; stale: boolean } | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    const age = Date.now() - e.stored;
    if (age >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return { login: e.login, stale: age >= this.ttlMs / 2 };
  }
  set(key: string, login: VerifiedLogin): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size > 10_000) this.entries.clear(); // bounded; a miss only costs one verify
    this.entries.set(key, { login, stored: Date.now() });
  }
  delete(key: string): void {
    this.entries.delete(key);
  }
  /** Drops every entry of this app password (revoked): its next request is verified again. */
  forget(appPasswordId: string): void {
    for (const [key, e] of this.entries) if (e.login.appPasswordId === appPasswordId) this.entries.delete(key);
  }
  /** Drops every entry of this employee (changed in BrokerStar): his next requests are verified again. */
  forgetEmployee(employeeId: string): void {
    for (const [key, e] of this.entries) if (e.login.employeeId === employeeId) this.entries.delete(key);
  }
  clear(): void {
    this.entries.clear();
  }
}

/** Concurrent checks of the same credentials share one argon2 computation. */
class Coalescer<T> {
  private readonly running = new Map<string, Promise<T>>();
  run(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.running.get(key);
    if (!p) {
      p = fn().finally(() => this.running.delete(key));
      this.running.set(key, p);
    }
    return p;
  }
}

/**
 * What a failed login may log about its username: the name when it is an employee's, otherwise
 * only its length, since people type their password into the username field.
 */
function loggableUser(employee: Employee | undefined, username: string): { user: string } | { unknownUserLength: number } {
  return employee ? { user: employee.username } : { unknownUserLength: username.length };
}

/**
 * The body of a 401: nobody is signed in, so it is worded by Accept-Language. It is the same for
 * every kind of failure (nothing tells an unknown username from a wrong password).
 */
export function unauthorizedBody(req: Request, portalUrl?: (req: Request) => string): string {
  const lang = pickLanguage(req.headers['accept-language']);
  const lines = [translate(AUTH_TEXTS, lang, 'unauthorized')];
  if (portalUrl) lines.push(translate(AUTH_TEXTS, lang, 'get-password', { url: portalUrl(req) }));
  return `${lines.join('\n')}\n`;
}

function unauthorized(req: Request, res: Response, portalUrl?: (req: Request) => string): void {
  res
    .status(401)
    .set('WWW-Authenticate', CHALLENGE)
    .set('Vary', 'Accept-Language')
    .type('text/plain; charset=utf-8')
    .send(unauthorizedBody(req, portalUrl));
}

export function basicAuth(deps: AuthDeps) {
  const cache = new LoginCache(deps.cacheSeconds * 1000);
  const checks = new Coalescer<VerifiedLogin | undefined>();
  const repeated = new RepeatedFailures(deps.lockout.windowSeconds * 1000);
  prepareLoginCheck();
  const check = (key: string, c: Credentials, address?: string) => checks.run(key, () => verifyLogin(deps.db, c.username, c.password, address));
  // Revoked on this instance: a check that was already running when the revoke came must not put
  // the login back into the cache.
  const revoked = new Map<string, number>();
  const remember = (key: string, login: VerifiedLogin) => {
    const at = revoked.get(login.appPasswordId);
    if (at !== undefined && Date.now() - at < cache.ttlMs) return;
    cache.set(key, login);
  };
  const forget = (appPasswordId: string): void => {
    if (revoked.size > 10_000) revoked.clear(); // bounded; entries older than the TTL matter no more
    revoked.set(appPasswordId, Date.now());
    cache.forget(appPasswordId);
  };
  // Other instances' revokes and BrokerStar's employee changes (db/notifications.ts).
  deps.notifications?.subscribe({
    onNotice(n) {
      if (n.kind === 'app-password-revoked') return forget(n.appPasswordId);
      repeated.forgetEmployee(n.employeeId);
      if (n.employeeId === undefined) cache.clear();
      else cache.forgetEmployee(n.employeeId);
    },
    onResync: () => {
      cache.clear();
      repeated.forgetEmployee(undefined);
    },
  });
  const authenticate = async function authenticate(req: Request, res: Response, next: NextFunction): Promise<void> {
    const creds = parseBasicAuth(req.headers.authorization);
    if (!creds) return unauthorized(req, res, deps.portalUrl);
    const key = cache.key(creds);
    const cached = cache.get(key);
    countLoginCache(cached !== undefined);
    if (cached) {
      if (cached.stale) {
        check(key, creds, req.ip).then(
          (login) => (login ? remember(key, login) : cache.delete(key)),
          () => undefined, // a failed re-check keeps the entry until it expires
        );
      }
      req.login = cached.login;
      return next();
    }
    const address = req.ip ?? 'unknown';
    // The request's child logger (http/request-log.ts), so these lines carry the request id.
    const log = req.log ?? deps.log;
    const failedBefore = repeated.get(address, key);
    // An inactive employee's phone polling: refused as long as he stays inactive, checked in full
    // again once BrokerStar reactivates him (a failed look-up keeps refusing until the window ends).
    const stillRefused =
      failedBefore !== undefined &&
      (failedBefore.employeeId === undefined || (await findEmployee(deps.db, creds.username).then((e) => !e?.active, () => true)));
    if (stillRefused) {
      log.debug({ address }, 'login failed again with the same credentials');
      countLogin('failed');
      return unauthorized(req, res, deps.portalUrl);
    }
    if (failedBefore) repeated.forget(address, key);
    const admission = await deps.lockout.admit(address, creds.username);
    if (!admission.admitted) {
      // No username here: the address is what is locked, and the field may hold a password.
      log.warn({ address }, 'login refused: address locked out after repeated failures');
      countLogin('locked');
      const lang = pickLanguage(req.headers['accept-language']);
      res.status(429).set('Retry-After', String(admission.retryAfter)).set('Vary', 'Accept-Language').type('text/plain; charset=utf-8')
        .send(`${translate(AUTH_TEXTS, lang, 'too-many-failures')}\n`);
      return;
    }
    let login: VerifiedLogin | undefined;
    try {
      if (admission.delayMs > 0) await sleep(admission.delayMs);
      login = await check(key, creds, address);
    } catch (err) {
      await deps.lockout.release(address).catch(() => undefined);
      throw err;
    }
    if (!login) {
      const lockedFor = await deps.lockout.fail(address, creds.username);
      // null: the look-up failed, so whether this login could become valid is unknown. An inactive
      // employee's phone keeps polling: remembered too (else it locks out its office's address),
      // tagged so that his reactivation's notice makes the login count again.
      const employee = await findEmployee(deps.db, creds.username).catch(() => null);
      if (employee !== null) repeated.remember(address, key, employee && !employee.active ? employee.id : undefined);
      log.info({ ...loggableUser(employee ?? undefined, creds.username), address, lockedFor }, 'login failed');
      countLogin('failed');
      return unauthorized(req, res, deps.portalUrl);
    }
    await deps.lockout.succeed(address, creds.username);
    countLogin('ok');
    remember(key, login);
    req.login = login;
    next();
  };
  return Object.assign(authenticate, {
    /**
     * A revoked app password: forgotten at once on this instance; the others forget it when the
     * revoke's NOTIFY reaches them (`notifications`), at the latest after AUTH_CACHE_SECONDS.
     */
    forget,
  });
}
