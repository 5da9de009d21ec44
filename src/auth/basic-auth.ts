// HTTP Basic authentication (RFC 7617) with app passwords: a short-lived cache of verified logins
// keeps argon2 off the polling path, and failed logins feed the lockout.
import { createHash, randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type pg from 'pg';
import type { Logger } from '../logger.js';
import { prepareLoginCheck, verifyLogin, type VerifiedLogin } from './app-passwords.js';
import type { Lockout } from './lockout.js';

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
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export interface AuthDeps {
  readonly db: pg.Pool;
  readonly lockout: Lockout;
  readonly cacheSeconds: number;
  readonly log: Logger;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by the authentication middleware. */
    login?: VerifiedLogin;
  }
}

/** Successful logins only, keyed by a salted hash of the credentials (never the password itself). */
class LoginCache {
  private readonly salt = randomBytes(16);
  private readonly entries = new Map<string, { login: VerifiedLogin; expires: number }>();
  constructor(private readonly ttlMs: number) {}

  private key(c: Credentials): string {
    return createHash('sha256').update(this.salt).update(c.username).update('\0').update(c.password).digest('base64');
  }
  get(c: Credentials): VerifiedLogin | undefined {
    const k = this.key(c);
    const e = this.entries.get(k);
    if (!e) return undefined;
    if (e.expires < Date.now()) {
      this.entries.delete(k);
      return undefined;
    }
    return e.login;
  }
  set(c: Credentials, login: VerifiedLogin): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size > 10_000) this.entries.clear(); // bounded; a miss only costs one verify
    this.entries.set(this.key(c), { login, expires: Date.now() + this.ttlMs });
  }
}

function unauthorized(res: Response): void {
  res
    .status(401)
    .set('WWW-Authenticate', CHALLENGE)
    .type('text/plain; charset=utf-8')
    .send('Authentication required: your BrokerStar username and an app password.\n');
}

export function basicAuth(deps: AuthDeps) {
  const cache = new LoginCache(deps.cacheSeconds * 1000);
  prepareLoginCheck();
  return async function authenticate(req: Request, res: Response, next: NextFunction): Promise<void> {
    const creds = parseBasicAuth(req.headers.authorization);
    if (!creds) return unauthorized(res);
    const cached = cache.get(creds);
    if (cached) {
      req.login = cached;
      return next();
    }
    const address = req.ip ?? 'unknown';
    // The request's child logger (pino-http), so these lines carry the request id.
    const log = req.log ?? deps.log;
    const lock = await deps.lockout.check(address, creds.username);
    if (lock.retryAfter > 0) {
      log.warn({ user: creds.username, address }, 'login refused: locked out after repeated failures');
      res.status(429).set('Retry-After', String(lock.retryAfter)).type('text/plain; charset=utf-8')
        .send('Too many failed logins; try again later.\n');
      return;
    }
    const login = await verifyLogin(deps.db, creds.username, creds.password);
    if (!login) {
      const after = await deps.lockout.fail(address, creds.username);
      log.info({ user: creds.username, address, lockedFor: after.retryAfter }, 'login failed');
      return unauthorized(res);
    }
    await deps.lockout.succeed(address, creds.username);
    cache.set(creds, login);
    req.login = login;
    next();
  };
}
