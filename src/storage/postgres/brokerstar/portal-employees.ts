// Employees as the setup portal finds them: by what they type (username or e-mail address, any
// case), by the e-mail an identity provider vouches for, or by id. Only active employees sign in.
import type { EmployeeRef } from '../../../domain/records.js';
import type { Queryable } from '../queryable.js';

/** An employee as the portal needs him: the record without his time zone. */
export type PortalEmployee = Omit<EmployeeRef, 'timeZone'>;

const COLUMNS = `id::text AS id, username, first_name AS "firstName", last_name AS "lastName", email, language`;

/** Exactly one match, or none: two employees whose names differ only in case are ambiguous. */
function single(rows: PortalEmployee[]): PortalEmployee | undefined {
  return rows.length === 1 ? rows[0] : undefined;
}

/** The active employee with this username or e-mail address (case-insensitive). */
export async function activeEmployeeByLogin(db: Queryable, typed: string): Promise<PortalEmployee | undefined> {
  const login = typed.trim().toLowerCase();
  if (!login || login.length > 320) return undefined;
  const { rows } = await db.query<PortalEmployee>(
    `SELECT ${COLUMNS} FROM brokerstar.employee
      WHERE active AND (lower(username) = $1 OR lower(email) = $1) LIMIT 2`,
    [login],
  );
  return single(rows);
}

/** The active employee whose e-mail address is this one (case-insensitive). */
export async function activeEmployeeByEmail(db: Queryable, email: string): Promise<PortalEmployee | undefined> {
  const address = email.trim().toLowerCase();
  if (!address || address.length > 320) return undefined;
  const { rows } = await db.query<PortalEmployee>(`SELECT ${COLUMNS} FROM brokerstar.employee WHERE active AND lower(email) = $1 LIMIT 2`, [address]);
  return single(rows);
}

/** The active employee with this id (a session's or a link's employee may have left meanwhile). */
export async function activeEmployeeById(db: Queryable, id: string): Promise<PortalEmployee | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const { rows } = await db.query<PortalEmployee>(`SELECT ${COLUMNS} FROM brokerstar.employee WHERE active AND id = $1`, [id]);
  return rows[0];
}

/** Every active employee, by username (the administrators' pages, `invite --all`). */
export async function activeEmployees(db: Queryable): Promise<PortalEmployee[]> {
  const { rows } = await db.query<PortalEmployee>(`SELECT ${COLUMNS} FROM brokerstar.employee WHERE active ORDER BY username LIMIT 100000`);
  return rows;
}
