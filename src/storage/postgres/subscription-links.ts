// Private subscription links (dav.subscription_link, docs/subscription-links.md): made, listed and
// revoked by the portal and the command line, looked up by the .ics route. The URL's token is 128
// random bits and never stored: only its SHA-256, so the database cannot give a link back. Every
// query that names a link by id also names its employee, so someone else's link is simply not found.
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from './queryable.js';

export interface SubscriptionLink {
  readonly id: string;
  /** The calendar's path segment: 'termine' or 'termine-<colleague>'. */
  readonly calendar: string;
  readonly label: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly lastAddress: string | null;
}

/** What the .ics route needs of a link: whose it is and which calendar, and when it was last counted. */
export interface LinkTarget {
  readonly id: string;
  readonly employeeId: string;
  readonly calendar: string;
  /** True when the last recorded use is an hour old or there is none: this use is audited. */
  readonly useDue: boolean;
}

/** 128 random bits, URL-safe: 22 characters. */
export const LINK_TOKEN = /^[A-Za-z0-9_-]{22}$/;

export function linkTokenHash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Longest label; no control characters (it is printed by the command line and the portal). */
export const MAX_LINK_LABEL = 100;

export function isLinkLabel(label: string): boolean {
  return label.length > 0 && label.length <= MAX_LINK_LABEL && !/[\u0000-\u001f\u007f]/.test(label);
}

const COLUMNS = `id::text AS id, calendar, label, created_at AS "createdAt", last_used_at AS "lastUsedAt", last_address AS "lastAddress"`;

export async function linksOf(db: Queryable, employeeId: string): Promise<SubscriptionLink[]> {
  const { rows } = await db.query<SubscriptionLink>(
    `SELECT ${COLUMNS} FROM dav.subscription_link WHERE employee_id = $1 ORDER BY created_at, id LIMIT 1000`,
    [employeeId],
  );
  return rows;
}

/**
 * A new link; its token is returned once and exists nowhere else afterwards. Undefined when the
 * employee already has a link with this label (labels name links for `subscription revoke`).
 */
export async function createLink(db: Queryable, employeeId: string, calendar: string, label: string): Promise<{ link: SubscriptionLink; token: string } | undefined> {
  const token = randomBytes(16).toString('base64url');
  const { rows } = await db.query<SubscriptionLink>(
    `INSERT INTO dav.subscription_link (token_hash, employee_id, calendar, label) VALUES ($1, $2, $3, $4)
     ON CONFLICT (employee_id, label) DO NOTHING
     RETURNING ${COLUMNS}`,
    [linkTokenHash(token), employeeId, calendar, label],
  );
  return rows[0] ? { link: rows[0], token } : undefined;
}

/** Deletes the employee's link with this id; its label, or undefined when he has none with it. */
export async function revokeLinkById(db: Queryable, employeeId: string, id: string): Promise<string | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const { rows } = await db.query<{ label: string }>(`DELETE FROM dav.subscription_link WHERE employee_id = $1 AND id = $2 RETURNING label`, [employeeId, id]);
  return rows[0]?.label;
}

/** Deletes the employee's link with this label; false when he has none with it. */
export async function revokeLinkByLabel(db: Queryable, employeeId: string, label: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM dav.subscription_link WHERE employee_id = $1 AND label = $2`, [employeeId, label]);
  return (rowCount ?? 0) > 0;
}

/**
 * The link whose token hashes to this: an index lookup on the hash, an equality on 32 bytes of
 * SHA-256 output, so neither the timing nor the answer tells how close a guess came.
 */
export async function linkByToken(db: Queryable, token: string): Promise<LinkTarget | undefined> {
  const { rows } = await db.query<LinkTarget>(
    `SELECT id::text AS id, employee_id::text AS "employeeId", calendar,
            (last_used_at IS NULL OR last_used_at <= now() - interval '1 hour') AS "useDue"
       FROM dav.subscription_link WHERE token_hash = $1`,
    [linkTokenHash(token)],
  );
  return rows[0];
}

/**
 * Records a use when the last recorded one is an hour old: true for the one request (of all
 * instances) that moved it on, which writes the audit row, so a link polled every five minutes
 * leaves one row an hour, not one per poll.
 */
export async function recordLinkUse(db: Queryable, id: string, address: string | undefined): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE dav.subscription_link SET last_used_at = now(), last_address = $2
      WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= now() - interval '1 hour')`,
    [id, address ?? null],
  );
  return (rowCount ?? 0) > 0;
}
