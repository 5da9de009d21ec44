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
    const { rows } = await this.db.query<{ s: number | null }>(
      `WITH bumped AS (
         INSERT INTO dav.auth_failure AS f (key, failures, window_start)
         SELECT k, 1, now() FROM unnest($1::text[]) AS k
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN f.window_start < now() - make_interval(secs => $4) THEN 1 ELSE f.failures + 1 END,
           window_start = CASE WHEN f.window_start < now() - make_interval(secs => $4) THEN now() ELSE f.window_start END
         RETURNING key, failures
       ), locked AS (
         UPDATE dav.auth_failure f SET locked_until = now() + make_interval(secs => $4)
           FROM bumped b
          WHERE f.key = b.key
            AND b.failures >= CASE WHEN b.key = $2 THEN $3::int ELSE $5::int END
         RETURNING f.locked_until
       )
       SELECT ceil(extract(epoch FROM max(locked_until) - now()))::int AS s FROM locked`,
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
