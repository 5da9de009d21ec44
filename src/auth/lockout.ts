// Temporary lockout after repeated failed logins, per client address and per username. Kept in
// PostgreSQL so every server instance behind a load balancer enforces the same lockout.
import type pg from 'pg';

export interface LockoutPolicy {
  /** Failures from one address within the window before it is locked. */
  readonly addressThreshold: number;
  /** Failures for one username within the window before it is locked. */
  readonly userThreshold: number;
  /** Window and lock duration, in seconds. */
  readonly seconds: number;
}

export interface LockState {
  /** Seconds until the lock ends; 0 = not locked. */
  readonly retryAfter: number;
}

const keys = (address: string, username: string) => [`ip:${address}`, `user:${username.toLowerCase()}`];

export class Lockout {
  constructor(
    private readonly db: pg.Pool,
    private readonly policy: LockoutPolicy,
  ) {}

  async check(address: string, username: string): Promise<LockState> {
    const { rows } = await this.db.query<{ s: number | null }>(
      `SELECT ceil(extract(epoch FROM max(locked_until) - now()))::int AS s
         FROM dav.auth_failure WHERE key = ANY($1) AND locked_until > now()`,
      [keys(address, username)],
    );
    return { retryAfter: Math.max(0, rows[0]?.s ?? 0) };
  }

  /** Counts a failure; returns the lock state after it. */
  async fail(address: string, username: string): Promise<LockState> {
    const [ipKey, userKey] = keys(address, username);
    // One upsert sets the counter and the lock together: a second data-modifying statement on the
    // same rows (a CTE) would not see this one's changes, and the lock would never be set.
    const { rows } = await this.db.query<{ s: number | null }>(
      `WITH policy AS (
         SELECT make_interval(secs => $4) AS span
       ), bumped AS (
         INSERT INTO dav.auth_failure AS f (key, failures, window_start, locked_until)
         SELECT k, 1, now(),
                CASE WHEN 1 >= (CASE WHEN k = $2 THEN $3::int ELSE $5::int END) THEN now() + (SELECT span FROM policy) END
           FROM unnest($1::text[]) AS k
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN f.window_start < now() - (SELECT span FROM policy) THEN 1 ELSE f.failures + 1 END,
           window_start = CASE WHEN f.window_start < now() - (SELECT span FROM policy) THEN now() ELSE f.window_start END,
           locked_until = CASE
             WHEN (CASE WHEN f.window_start < now() - (SELECT span FROM policy) THEN 1 ELSE f.failures + 1 END)
                  >= (CASE WHEN f.key = $2 THEN $3::int ELSE $5::int END)
             THEN now() + (SELECT span FROM policy)
             ELSE f.locked_until END
         RETURNING locked_until
       )
       SELECT ceil(extract(epoch FROM max(locked_until) - now()))::int AS s FROM bumped WHERE locked_until > now()`,
      [[ipKey, userKey], ipKey, this.policy.addressThreshold, this.policy.seconds, this.policy.userThreshold],
    );
    // Old rows are useless after their window; prune now and then, cheaply.
    if (Math.random() < 0.02) {
      await this.db.query(`DELETE FROM dav.auth_failure WHERE window_start < now() - interval '1 day' AND (locked_until IS NULL OR locked_until < now())`);
    }
    return { retryAfter: Math.max(0, rows[0]?.s ?? 0) };
  }

  /** A successful login clears the address's and the user's failures. */
  async succeed(address: string, username: string): Promise<void> {
    await this.db.query(`DELETE FROM dav.auth_failure WHERE key = ANY($1) AND (locked_until IS NULL OR locked_until < now())`, [
      keys(address, username),
    ]);
  }
}
