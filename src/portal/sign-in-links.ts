// One-time sign-in links (dav.sign_in_link): a random 256-bit token goes out (mail, `invite`),
// only its SHA-256 is stored; using a link marks it used in the same statement that checks it, so
// two requests racing with one link cannot both sign in.
import type { Queryable } from '../storage/postgres/queryable.js';
import { randomToken, sha256, TOKEN_PATTERN } from './session.js';

export type LinkPurpose = 'email' | 'enrolment';

/** Creates a link for the employee, valid `ttlSeconds`; returns the token (never stored). */
export async function createSignInLink(db: Queryable, employeeId: string, purpose: LinkPurpose, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken();
  const { rows } = await db.query<{ expires_at: Date }>(
    `INSERT INTO dav.sign_in_link (token_hash, employee_id, purpose, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4)) RETURNING expires_at`,
    [sha256(token), employeeId, purpose, ttlSeconds],
  );
  return { token, expiresAt: rows[0]!.expires_at };
}

export type LinkState = { readonly ok: true; readonly employeeId: string } | { readonly ok: false; readonly problem: 'unknown' | 'used' | 'expired' };

/** What a link is now, without using it (the confirmation page). */
export async function peekSignInLink(db: Queryable, token: string, purpose: LinkPurpose): Promise<LinkState> {
  if (!TOKEN_PATTERN.test(token)) return { ok: false, problem: 'unknown' };
  const { rows } = await db.query<{ employee_id: string; used: boolean; expired: boolean }>(
    `SELECT employee_id::text, used_at IS NOT NULL AS used, expires_at <= now() AS expired
       FROM dav.sign_in_link WHERE token_hash = $1 AND purpose = $2`,
    [sha256(token), purpose],
  );
  const row = rows[0];
  if (!row) return { ok: false, problem: 'unknown' };
  if (row.used) return { ok: false, problem: 'used' };
  if (row.expired) return { ok: false, problem: 'expired' };
  return { ok: true, employeeId: row.employee_id };
}

/** Uses the link: its employee when it was unused and unexpired, and from now on used. */
export async function useSignInLink(db: Queryable, token: string, purpose: LinkPurpose): Promise<LinkState> {
  if (!TOKEN_PATTERN.test(token)) return { ok: false, problem: 'unknown' };
  const { rows } = await db.query<{ employee_id: string }>(
    `UPDATE dav.sign_in_link SET used_at = now()
      WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
      RETURNING employee_id::text`,
    [sha256(token), purpose],
  );
  if (rows[0]) return { ok: true, employeeId: rows[0].employee_id };
  return peekSignInLink(db, token, purpose);
}
