// What the administrators' pages read and change beyond the employee's own views: any employee's
// device revoked by id, and each employee's latest refusals out of the audit log (as `brokerstar-dav
// audit --user` reads it).
import { AuditLog, type AuditRow } from '../audit/audit-log.js';
import type { Logger } from '../logger.js';
import type { Queryable } from '../storage/postgres/queryable.js';

/** Deletes the app password with this id, whoever's it is; its owner and label, or undefined. */
export async function revokeAnyDevice(db: Queryable, id: string): Promise<{ employeeId: string; label: string } | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const { rows } = await db.query<{ employeeId: string; label: string }>(
    'DELETE FROM dav.app_password WHERE id = $1 RETURNING employee_id::text AS "employeeId", label',
    [id],
  );
  return rows[0];
}

/** Refusals shown per employee. */
export const REFUSALS_SHOWN = 20;
/** Audit rows read per employee to find them (accepted writes are interleaved): bounded. */
const AUDIT_ROWS_READ = 500;

/** The employee's latest refusals, newest first, at most REFUSALS_SHOWN. */
export async function latestRefusals(db: Queryable, log: Logger, username: string): Promise<AuditRow[]> {
  const rows = await new AuditLog(db, log).list({ username, limit: AUDIT_ROWS_READ });
  return rows.filter((r) => r.outcome === 'refused').slice(0, REFUSALS_SHOWN);
}
