// What the administrators' pages read and change beyond the employee's own views: any employee's
// device revoked by id, and each employee's latest refusals out of the audit log (as `brokerstar-dav
// audit --user` reads it).
import { AuditLog, type AuditRow } from '../audit/audit-log.js';
import { revokedNotify } from '../db/notifications.js';
import type { Logger } from '../logger.js';
import type { Queryable } from '../storage/postgres/queryable.js';

/** Deletes the app password with this id, whoever's it is; its owner and label, or undefined. */
export async function revokeAnyDevice(db: Queryable, id: string): Promise<{ employeeId: string; label: string } | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const { rows } = await db.query<{ employeeId: string; label: string }>(
    // The NOTIFY is part of the statement: every instance forgets the login once the revoke commits.
    `WITH revoked AS (DELETE FROM dav.app_password WHERE id = $1 RETURNING id, employee_id, label)
     SELECT employee_id::text AS "employeeId", label, ${revokedNotify('revoked.id')} FROM revoked`,
    [id],
  );
  const r = rows[0];
  return r && { employeeId: r.employeeId, label: r.label };
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
