// An employee's devices as the portal shows them: his rows of dav.app_password. Every query names
// the employee, so a device id of someone else is simply not found.
import type { Queryable } from '../storage/postgres/queryable.js';
import { DEVICE_KINDS, type DeviceKind } from '../auth/app-passwords.js';
import { revokedNotify } from '../db/notifications.js';

export interface Device {
  readonly id: string;
  readonly label: string;
  readonly kind: DeviceKind;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly lastAddress: string | null;
}

const COLUMNS = `id::text AS id, label, kind, created_at AS "createdAt", last_used_at AS "lastUsedAt", last_address AS "lastAddress"`;

export function isDeviceKind(v: unknown): v is DeviceKind {
  return typeof v === 'string' && (DEVICE_KINDS as readonly string[]).includes(v);
}

function normalised(d: Device): Device {
  return isDeviceKind(d.kind) ? d : { ...d, kind: 'other' };
}

export async function devicesOf(db: Queryable, employeeId: string): Promise<Device[]> {
  const { rows } = await db.query<Device>(`SELECT ${COLUMNS} FROM dav.app_password WHERE employee_id = $1 ORDER BY created_at, label LIMIT 1000`, [employeeId]);
  return rows.map(normalised);
}

/** The device with this id when it is the employee's. */
export async function deviceOf(db: Queryable, employeeId: string, id: string): Promise<(Device & { readonly hash: string; readonly ageSeconds: number }) | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const { rows } = await db.query<Device & { hash: string; ageSeconds: number }>(
    `SELECT ${COLUMNS}, hash, extract(epoch FROM now() - created_at)::float8 AS "ageSeconds"
       FROM dav.app_password WHERE employee_id = $1 AND id = $2`,
    [employeeId, id],
  );
  return rows[0] ? { ...normalised(rows[0]), hash: rows[0].hash, ageSeconds: rows[0].ageSeconds } : undefined;
}

export async function deviceByLabel(db: Queryable, employeeId: string, label: string): Promise<Device | undefined> {
  const { rows } = await db.query<Device>(`SELECT ${COLUMNS} FROM dav.app_password WHERE employee_id = $1 AND label = $2`, [employeeId, label]);
  return rows[0] ? normalised(rows[0]) : undefined;
}

/** Deletes the employee's device; its label, or undefined when he has no device with this id. */
export async function revokeDevice(db: Queryable, employeeId: string, id: string): Promise<string | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  // The NOTIFY is part of the statement: every instance forgets the login once the revoke commits.
  const { rows } = await db.query<{ label: string }>(
    `WITH revoked AS (DELETE FROM dav.app_password WHERE employee_id = $1 AND id = $2 RETURNING id, label)
     SELECT label, ${revokedNotify('revoked.id')} FROM revoked`,
    [employeeId, id],
  );
  return rows[0]?.label;
}
