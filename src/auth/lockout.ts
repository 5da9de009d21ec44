// Login throttling, kept in PostgreSQL so every server instance behind a load balancer shares it.
//
// - Per client ADDRESS: a hard limit. An attempt is reserved atomically BEFORE argon2 runs, so one
//   address costs at most `addressThreshold` argon2 computations per window however many requests
//   it sends at once; past that, 429 with Retry-After, even for a right password.
// - Per USERNAME: never a lock (anyone who knows a username could otherwise lock that employee out).
//   Past `userThreshold` failures, every login for that username that is not cached waits a
//   bounded delay before it is checked; the right password still gets in.
// - Per (address, username): a success forgives that username's own earlier failures from the
//   address, so an office behind one NAT address is not locked by a colleague's typos that he then
//   corrected; someone else's failures stay counted.
//
// Keys use the username lower-cased, as verifyLogin matches it (case-insensitively: employees type
// Anna.Meier on phones), so failures as ANNA.MEIER and anna.meier count for the same employee.
import { createHash } from 'node:crypto';
import type pg from 'pg';

export interface LockoutPolicy {
  /** Attempts (failed or in flight) from one address within the window before it is locked. */
  readonly addressThreshold: number;
  /** Failures for one username within the window before its logins are slowed down. */
  readonly userThreshold: number;
  /** Window and lock duration, in seconds. */
  readonly seconds: number;
  /** The longest delay a login for a much-attacked username waits (ms). */
  readonly maxUserDelayMs?: number;
}

/** Added per failure past the username threshold, up to maxUserDelayMs. */
const DELAY_STEP_MS = 250;
const DEFAULT_MAX_USER_DELAY_MS = 2000;
/**
 * Longer keys are hashed: a primary key cannot hold a 16 KB username (nor a garbage address a
 * trusted proxy passed on from X-Forwarded-For), and no real one is that long.
 */
const MAX_KEY_TEXT = 200;

/** The outcome of asking to check a password. */
export type Admission =
  | { readonly admitted: false; /** Seconds until the address may try again. */ readonly retryAfter: number }
  | { readonly admitted: true; /** Wait this long before checking (username under attack). */ readonly delayMs: number };

const keyText = (s: string) =>
  s.length <= MAX_KEY_TEXT ? s : `sha256:${createHash('sha256').update(s).digest('base64')}`;

/** Failure-counter keys: the address, the username, and the pair. */
export function lockoutKeys(address: string, username: string): { ip: string; user: string; pair: string } {
  const at = keyText(address);
  const user = keyText(username.toLowerCase());
  return { ip: `ip:${at}`, user: `user:${user}`, pair: `pair:${JSON.stringify([at, user])}` };
}

export class Lockout {
  constructor(
    private readonly db: pg.Pool,
    private readonly policy: LockoutPolicy,
  ) {}

  /** The failure window (and lock duration), in seconds. */
  get windowSeconds(): number {
    return this.policy.seconds;
  }

  /**
   * Reserves one attempt for the address (counted as a failure until `succeed` or `release` gives
   * it back), or refuses when the address is locked or has no attempts left. The reservation is
   * one upsert: concurrent requests serialise on the row, so no more than the threshold pass.
   */
  async admit(address: string, username: string): Promise<Admission> {
    const k = lockoutKeys(address, username);
    const { rows } = await this.db.query<{ reserved: number | null; retry_after: number | null; user_failures: number | null }>(
      `WITH reserved AS (
         INSERT INTO dav.auth_failure AS f (key, failures, window_start, locked_until)
         VALUES ($1, 1, now(), NULL)
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN f.window_start < now() - make_interval(secs => $3) THEN 1 ELSE f.failures + 1 END,
           window_start = CASE WHEN f.window_start < now() - make_interval(secs => $3) THEN now() ELSE f.window_start END
         WHERE (f.locked_until IS NULL OR f.locked_until <= now())
           AND (f.window_start < now() - make_interval(secs => $3) OR f.failures < $2)
         RETURNING failures
       )
       SELECT (SELECT failures FROM reserved) AS reserved,
              -- the row as it was before this statement: why it was refused
              (SELECT ceil(extract(epoch FROM greatest(locked_until, window_start + make_interval(secs => $3)) - now()))::int
                 FROM dav.auth_failure WHERE key = $1) AS retry_after,
              (SELECT failures FROM dav.auth_failure
                WHERE key = $4 AND window_start >= now() - make_interval(secs => $3)) AS user_failures`,
      [k.ip, this.policy.addressThreshold, this.policy.seconds, k.user],
    );
    const row = rows[0];
    if (row?.reserved == null) return { admitted: false, retryAfter: Math.max(1, row?.retry_after ?? this.policy.seconds) };
    const excess = (row.user_failures ?? 0) - this.policy.userThreshold + 1;
    const maxDelay = this.policy.maxUserDelayMs ?? DEFAULT_MAX_USER_DELAY_MS;
    return { admitted: true, delayMs: excess > 0 ? Math.min(maxDelay, excess * DELAY_STEP_MS) : 0 };
  }

  /**
   * The reserved attempt failed: it stays counted for the address (which is locked once it reaches
   * the threshold), and counts for the username and the pair. Returns seconds the address is now
   * locked for (0 = not locked).
   */
  async fail(address: string, username: string): Promise<number> {
    const k = lockoutKeys(address, username);
    const { rows } = await this.db.query<{ s: number | null }>(
      `WITH counted AS (
         INSERT INTO dav.auth_failure AS f (key, failures, window_start)
         SELECT k, 1, now() FROM unnest($2::text[]) AS k
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN f.window_start < now() - make_interval(secs => $4) THEN 1 ELSE f.failures + 1 END,
           window_start = CASE WHEN f.window_start < now() - make_interval(secs => $4) THEN now() ELSE f.window_start END
       ), locked AS (
         UPDATE dav.auth_failure SET locked_until = now() + make_interval(secs => $4)
          WHERE key = $1 AND failures >= $3
         RETURNING locked_until
       )
       SELECT ceil(extract(epoch FROM max(locked_until) - now()))::int AS s FROM locked`,
      [k.ip, [k.user, k.pair], this.policy.addressThreshold, this.policy.seconds],
    );
    // Old rows are useless after their window; prune now and then, cheaply.
    if (Math.random() < 0.02) {
      await this.db.query(
        `DELETE FROM dav.auth_failure WHERE window_start < now() - interval '1 day' AND (locked_until IS NULL OR locked_until < now())`,
      );
    }
    return Math.max(0, rows[0]?.s ?? 0);
  }

  /**
   * The reserved attempt succeeded: it is given back, together with this username's own earlier
   * failures from the address; the username's failure count (the delay) starts over.
   */
  async succeed(address: string, username: string): Promise<void> {
    const k = lockoutKeys(address, username);
    await this.db.query(
      `WITH own AS (
         DELETE FROM dav.auth_failure WHERE key = $2 RETURNING failures
       ), cleared AS (
         DELETE FROM dav.auth_failure WHERE key = $3
       )
       UPDATE dav.auth_failure
          SET failures = greatest(0, failures - 1 - coalesce((SELECT sum(failures) FROM own), 0))
        WHERE key = $1`,
      [k.ip, k.pair, k.user],
    );
  }

  /** The check could not be made (e.g. a database error): the reservation is given back. */
  async release(address: string): Promise<void> {
    await this.db.query(`UPDATE dav.auth_failure SET failures = greatest(0, failures - 1) WHERE key = $1`, [lockoutKeys(address, '').ip]);
  }
}

/** A client address or username whose failed logins are counted now (the administrators' view). */
export interface LockoutEntry {
  /** The address, or the username as it was typed lower-cased (a hashed key for absurdly long ones). */
  readonly value: string;
  readonly failures: number;
  /** Addresses: until when logins from it are refused (none: no attempts left until the window ends). */
  readonly lockedUntil: Date | null;
  /** When the current window of failures ends. */
  readonly windowEnds: Date;
}

export interface Lockouts {
  /** Addresses refused with 429 now: locked, or out of attempts in their window. */
  readonly addresses: LockoutEntry[];
  /** Usernames past the user threshold: their logins are slowed down (never refused). */
  readonly users: LockoutEntry[];
}

const LIST_LIMIT = 1000;

/** Who is locked out (addresses) or slowed down (usernames) now, most failures first. */
export async function currentLockouts(db: Pick<pg.Pool, 'query'>, policy: LockoutPolicy): Promise<Lockouts> {
  const { rows } = await db.query<{ key: string; failures: number; locked_until: Date | null; window_ends: Date }>(
    `SELECT key, failures, CASE WHEN locked_until > now() THEN locked_until END AS locked_until,
            window_start + make_interval(secs => $1) AS window_ends
       FROM dav.auth_failure
      WHERE (key LIKE 'ip:%' AND (locked_until > now() OR (window_start >= now() - make_interval(secs => $1) AND failures >= $2)))
         OR (key LIKE 'user:%' AND window_start >= now() - make_interval(secs => $1) AND failures >= $3)
      ORDER BY failures DESC, key
      LIMIT $4`,
    [policy.seconds, policy.addressThreshold, policy.userThreshold, LIST_LIMIT],
  );
  const entry = (r: (typeof rows)[number], prefix: string): LockoutEntry => ({
    value: r.key.slice(prefix.length),
    failures: r.failures,
    lockedUntil: r.locked_until,
    windowEnds: r.window_ends,
  });
  return {
    addresses: rows.filter((r) => r.key.startsWith('ip:')).map((r) => entry(r, 'ip:')),
    users: rows.filter((r) => r.key.startsWith('user:')).map((r) => entry(r, 'user:')),
  };
}

/** What `unlockLogins` cleared: the address and the username counters it deleted that still counted. */
export interface Unlocked {
  readonly addresses: LockoutEntry[];
  readonly users: LockoutEntry[];
}

/**
 * The same address as the server may have seen it: 192.0.2.7 also as ::ffff:192.0.2.7 (an IPv4
 * client of a dual-stack socket) and the other way round.
 */
function addressForms(target: string): string[] {
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(target)?.[1];
  return v4 ? [v4, `::ffff:${v4}`] : [target];
}

/**
 * Clears the failed logins of a username (any case) or a client address: `target` is tried as
 * both. For an address, its per-username counters go too (they only forgive failures the address
 * counter no longer holds). Entries whose window had already ended are deleted but not reported:
 * nothing was locked. Returns what still counted.
 */
export async function unlockLogins(db: Pick<pg.Pool, 'query'>, policy: LockoutPolicy, target: string): Promise<Unlocked> {
  const value = target.trim();
  if (!value) return { addresses: [], users: [] };
  const ipKeys = addressForms(value).map((a) => lockoutKeys(a, '').ip);
  const userKey = lockoutKeys('', value).user;
  const pairPrefixes = addressForms(value).map((a) => `pair:${JSON.stringify([keyText(a)]).slice(0, -1)},`);
  const { rows } = await db.query<{ key: string; failures: number; locked_until: Date | null; window_ends: Date; counted: boolean }>(
    `WITH pairs AS (
       DELETE FROM dav.auth_failure
        WHERE key LIKE 'pair:%' AND EXISTS (SELECT 1 FROM unnest($3::text[]) AS p WHERE left(key, length(p)) = p)
     ), cleared AS (
       DELETE FROM dav.auth_failure WHERE key = ANY($1::text[]) OR key = $2
       RETURNING key, failures, locked_until, window_start
     )
     SELECT key, failures, CASE WHEN locked_until > now() THEN locked_until END AS locked_until,
            window_start + make_interval(secs => $4) AS window_ends,
            coalesce(locked_until > now(), false) OR (window_start >= now() - make_interval(secs => $4) AND failures > 0) AS counted
       FROM cleared ORDER BY key`,
    [ipKeys, userKey, pairPrefixes, policy.seconds],
  );
  const entry = (r: (typeof rows)[number], prefix: string): LockoutEntry => ({
    value: r.key.slice(prefix.length),
    failures: r.failures,
    lockedUntil: r.locked_until,
    windowEnds: r.window_ends,
  });
  const counted = rows.filter((r) => r.counted);
  return {
    addresses: counted.filter((r) => r.key.startsWith('ip:')).map((r) => entry(r, 'ip:')),
    users: counted.filter((r) => r.key.startsWith('user:')).map((r) => entry(r, 'user:')),
  };
}
