// BrokerStar employees as accounts: the look-ups behind app passwords and `brokerstar-dav status`
// (principals.ts has them as DAV principals).
import type { Queryable } from '../queryable.js';

export interface EmployeeAccount {
  readonly id: string;
  readonly username: string;
  readonly active: boolean;
}

/** The employee with this username, active or not. */
export async function findEmployee(db: Queryable, username: string): Promise<EmployeeAccount | undefined> {
  const { rows } = await db.query<EmployeeAccount>(
    'SELECT id, username, active FROM brokerstar.employee WHERE username = $1',
    [username],
  );
  return rows[0];
}

export interface StoredAppPassword {
  readonly employeeId: string;
  readonly username: string;
  /** dav.app_password.id */
  readonly id: string;
  readonly hash: string;
}

/** The app passwords of the active employee with this username (none for an inactive one). */
export async function appPasswordsOfActiveEmployee(db: Queryable, username: string): Promise<StoredAppPassword[]> {
  const { rows } = await db.query<{ employee_id: string; username: string; id: string; hash: string }>(
    `SELECT e.id AS employee_id, e.username, p.id, p.hash
       FROM brokerstar.employee e JOIN dav.app_password p ON p.employee_id = e.id
      WHERE e.username = $1 AND e.active`,
    [username],
  );
  return rows.map((r) => ({ employeeId: r.employee_id, username: r.username, id: r.id, hash: r.hash }));
}

/** Usernames of the active employees, in order; `only` narrows to that one. */
export async function activeUsernames(db: Queryable, only: string | null): Promise<string[]> {
  const { rows } = await db.query<{ username: string }>(
    'SELECT username FROM brokerstar.employee WHERE active AND ($1::text IS NULL OR username = $1) ORDER BY username',
    [only],
  );
  return rows.map((r) => r.username);
}
