// Every app password with its employee, for administrators (`brokerstar-dav password list --all`,
// the portal's administrators' pages). Never a hash: label, kind, when and from where last used.
import type { Queryable } from '../queryable.js';

export interface OwnedAppPassword {
  /** dav.app_password.id */
  readonly id: string;
  readonly employeeId: string;
  readonly username: string;
  readonly active: boolean;
  readonly label: string;
  /** dav.app_password.kind: iphone, android, outlook, thunderbird, other. */
  readonly kind: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly lastAddress: string | null;
}

/** Bounded: a firm has a few hundred devices; past this the list says it was cut. */
export const APP_PASSWORD_LIST_LIMIT = 100_000;

/** Every app password, by username (as BrokerStar spells it), then creation. */
export async function everyAppPassword(db: Queryable): Promise<OwnedAppPassword[]> {
  const { rows } = await db.query<OwnedAppPassword>(
    `SELECT p.id::text AS id, e.id::text AS "employeeId", e.username, e.active, p.label, p.kind,
            p.created_at AS "createdAt", p.last_used_at AS "lastUsedAt", p.last_address AS "lastAddress"
       FROM dav.app_password p JOIN brokerstar.employee e ON e.id = p.employee_id
      ORDER BY lower(e.username), e.id, p.created_at, p.label
      LIMIT $1`,
    [APP_PASSWORD_LIST_LIMIT],
  );
  return rows;
}
