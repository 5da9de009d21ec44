// BrokerStar employees as accounts: the look-ups behind app passwords and `brokerstar-dav status`
// (principals.ts has them as DAV principals).
//
// Usernames match case-insensitively (lower(username) = lower($1), served by the index of
// migration 008): employees type Anna.Meier on phones. Two employees whose usernames differ only
// in case are ambiguous: the active one when exactly one of them is active, else nobody (a login
// as either is refused like an unknown username). Every answer carries the username as BrokerStar
// spells it, which is what URLs, logs and the audit use.
import type { Queryable } from '../queryable.js';

export interface EmployeeAccount {
  readonly id: string;
  readonly username: string;
  readonly active: boolean;
}

/** Candidates are read at most this many at a time: two are enough to see an ambiguity. */
const MATCH_LIMIT = 3;

/** The one employee among case-insensitive matches (see above), or undefined. */
function unambiguous<T extends { readonly active: boolean }>(rows: readonly T[]): T | undefined {
  const active = rows.filter((r) => r.active);
  if (active.length === 1) return active[0];
  if (active.length === 0 && rows.length === 1) return rows[0];
  return undefined;
}

/** The employee with this username (any case), active or not. */
export async function findEmployee(db: Queryable, username: string): Promise<EmployeeAccount | undefined> {
  const { rows } = await db.query<EmployeeAccount>(
    `SELECT id, username, active FROM brokerstar.employee
      WHERE lower(username) = lower($1) ORDER BY active DESC, id LIMIT ${MATCH_LIMIT}`,
    [username],
  );
  return unambiguous(rows);
}

export interface StoredAppPassword {
  readonly employeeId: string;
  readonly username: string;
  /** dav.app_password.id */
  readonly id: string;
  readonly hash: string;
}

/**
 * The app passwords of the active employee with this username (any case); none for an inactive
 * one, and none when two active employees' usernames differ only in case.
 */
export async function appPasswordsOfActiveEmployee(db: Queryable, username: string): Promise<StoredAppPassword[]> {
  const { rows } = await db.query<{ employee_id: string; username: string; id: string; hash: string }>(
    `SELECT e.id AS employee_id, e.username, p.id, p.hash
       FROM brokerstar.employee e JOIN dav.app_password p ON p.employee_id = e.id
      WHERE lower(e.username) = lower($1) AND e.active
        AND NOT EXISTS (SELECT 1 FROM brokerstar.employee o
                         WHERE lower(o.username) = lower($1) AND o.active AND o.id <> e.id)`,
    [username],
  );
  return rows.map((r) => ({ employeeId: r.employee_id, username: r.username, id: r.id, hash: r.hash }));
}

/** Usernames of the active employees, in order; `only` (any case) narrows to that one. */
export async function activeUsernames(db: Queryable, only: string | null): Promise<string[]> {
  const { rows } = await db.query<{ username: string }>(
    'SELECT username FROM brokerstar.employee WHERE active AND ($1::text IS NULL OR lower(username) = lower($1)) ORDER BY username',
    [only],
  );
  if (only !== null && rows.length > 1) return []; // differing only in case: nobody
  return rows.map((r) => r.username);
}
