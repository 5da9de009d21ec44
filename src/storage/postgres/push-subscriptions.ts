// WebDAV-Push in PostgreSQL (migration 009): the VAPID key pair and topic secret (one row, made
// once), and the subscriptions the dispatcher (push/dispatcher.ts) sends to.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from '../../db/transaction.js';
import type { Queryable } from './queryable.js';

export interface PushKeyRow {
  readonly vapidPublic: string;
  readonly vapidPrivate: string;
  readonly topicSecret: Buffer;
}

/**
 * The key pair and topic secret, made by whichever instance asks first: the INSERT of a second
 * instance starting at the same moment does nothing, and both read the one row that won.
 */
export async function loadOrCreatePushKey(db: Queryable, generate: () => { publicKey: string; privateKey: string }): Promise<PushKeyRow> {
  const read = async () =>
    (
      await db.query<PushKeyRow>(
        `SELECT vapid_public AS "vapidPublic", vapid_private AS "vapidPrivate", topic_secret AS "topicSecret" FROM dav.push_key`,
      )
    ).rows[0];
  const found = await read();
  if (found) return found;
  const keys = generate();
  await db.query(
    `INSERT INTO dav.push_key (vapid_public, vapid_private, topic_secret) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
    [keys.publicKey, keys.privateKey, randomBytes(32)],
  );
  const made = await read();
  if (!made) throw new Error('the push key row vanished');
  return made;
}

export interface NewSubscription {
  readonly employeeId: string;
  readonly appPasswordId: string;
  readonly collectionKey: string;
  readonly endpoint: string;
  readonly p256dh: string;
  readonly authSecret: string;
  readonly expiresAt: Date;
  /** The collection's token now: only later changes are sent. */
  readonly currentToken: string;
}

export type SaveOutcome = { readonly kind: 'saved'; readonly id: string; readonly expiresAt: Date; readonly created: boolean } | { readonly kind: 'limit-reached' };

/**
 * Registers or updates (same collection and endpoint) a subscription. At most `maxPerEmployee`
 * live ones per employee; the count and the insert are serialised per employee.
 */
export function saveSubscription(pool: pg.Pool, s: NewSubscription, maxPerEmployee: number): Promise<SaveOutcome> {
  return inTransaction(pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('push-subscription:' || $1::text))`, [s.employeeId]);
    const updated = await client.query<{ id: string; expires_at: Date }>(
      `UPDATE dav.push_subscription
          SET employee_id = $1, app_password_id = $2, p256dh = $5, auth_secret = $6, expires_at = $7, failures = 0
        WHERE collection_key = $3 AND endpoint = $4
        RETURNING id, expires_at`,
      [s.employeeId, s.appPasswordId, s.collectionKey, s.endpoint, s.p256dh, s.authSecret, s.expiresAt],
    );
    if (updated.rows[0]) return { kind: 'saved', id: updated.rows[0].id, expiresAt: updated.rows[0].expires_at, created: false };
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM dav.push_subscription WHERE employee_id = $1 AND expires_at > now()`,
      [s.employeeId],
    );
    if ((rows[0]?.n ?? 0) >= maxPerEmployee) return { kind: 'limit-reached' };
    const id = randomBytes(16).toString('base64url');
    const inserted = await client.query<{ expires_at: Date }>(
      `INSERT INTO dav.push_subscription (id, employee_id, app_password_id, collection_key, endpoint, p256dh, auth_secret, expires_at, last_token)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING expires_at`,
      [id, s.employeeId, s.appPasswordId, s.collectionKey, s.endpoint, s.p256dh, s.authSecret, s.expiresAt, s.currentToken],
    );
    return { kind: 'saved', id, expiresAt: inserted.rows[0]!.expires_at, created: true };
  });
}

/** Removes an employee's own registration; false when there is none by that id for him. */
export async function deleteSubscription(db: Queryable, employeeId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM dav.push_subscription WHERE id = $1 AND employee_id = $2`, [id, employeeId]);
  return (rowCount ?? 0) > 0;
}

/** Hourly upkeep: expired subscriptions are never sent to and are deleted. */
export async function deleteExpiredSubscriptions(db: Queryable): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM dav.push_subscription WHERE expires_at <= now()`);
  return rowCount ?? 0;
}

export interface SubscribedCollection {
  readonly employeeId: string;
  readonly collectionKey: string;
}

/** Collections with a live subscription, at most `limit` (one pass of the dispatcher). */
export async function subscribedCollections(db: Queryable, limit: number): Promise<SubscribedCollection[]> {
  const { rows } = await db.query<SubscribedCollection>(
    `SELECT DISTINCT employee_id::text AS "employeeId", collection_key AS "collectionKey"
       FROM dav.push_subscription WHERE expires_at > now() ORDER BY 2 LIMIT $1`,
    [limit],
  );
  return rows;
}

/**
 * Collections whose subscribers have a failed delivery to retry (not one whose change was given up
 * after `attemptsPerChange` failures: markFailed; the next change is tried again).
 */
export async function collectionsWithRetries(db: Queryable, attemptsPerChange: number, limit: number): Promise<SubscribedCollection[]> {
  const { rows } = await db.query<SubscribedCollection>(
    `SELECT DISTINCT employee_id::text AS "employeeId", collection_key AS "collectionKey"
       FROM dav.push_subscription WHERE expires_at > now() AND failures % $1 <> 0 ORDER BY 2 LIMIT $2`,
    [attemptsPerChange, limit],
  );
  return rows;
}

export interface DueSubscription {
  readonly id: string;
  readonly endpoint: string;
  readonly p256dh: string;
  readonly authSecret: string;
  readonly failures: number;
}

/**
 * The live subscribers of a collection that have not been sent `token` yet; one that failed is
 * due again only after a backoff (2^failures seconds, at most a minute).
 */
export async function dueSubscriptions(db: Queryable, collectionKey: string, token: string, limit: number): Promise<DueSubscription[]> {
  const { rows } = await db.query<DueSubscription>(
    `SELECT id, endpoint, p256dh, auth_secret AS "authSecret", failures
       FROM dav.push_subscription
      WHERE collection_key = $1 AND expires_at > now() AND last_token IS DISTINCT FROM $2
        AND (failures = 0 OR last_sent_at IS NULL
             OR last_sent_at <= now() - make_interval(secs => least(60, power(2, failures))))
      ORDER BY id LIMIT $3`,
    [collectionKey, token, limit],
  );
  return rows;
}

/** Delivered: the subscriber has `token`. */
export async function markSent(db: Queryable, id: string, token: string): Promise<void> {
  await db.query(`UPDATE dav.push_subscription SET last_token = $2, last_sent_at = now(), failures = 0 WHERE id = $1`, [id, token]);
}

/**
 * A failed delivery: counted, retried after a backoff; after `attemptsPerChange` failures in a row
 * this change is given up (the next one is tried again), after `dropAfter` the subscription goes.
 * Returns whether it was dropped.
 */
export async function markFailed(db: Queryable, id: string, token: string, attemptsPerChange: number, dropAfter: number): Promise<boolean> {
  const { rows } = await db.query<{ failures: number }>(
    `UPDATE dav.push_subscription
        SET failures = failures + 1, last_sent_at = now(),
            last_token = CASE WHEN (failures + 1) % $3 = 0 THEN $2 ELSE last_token END
      WHERE id = $1 RETURNING failures`,
    [id, token, attemptsPerChange],
  );
  const failures = rows[0]?.failures;
  if (failures === undefined || failures < dropAfter) return false;
  return dropSubscription(db, id);
}

/** The push service says the subscription is gone (404/410), or it failed too often. */
export async function dropSubscription(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM dav.push_subscription WHERE id = $1`, [id]);
  return (rowCount ?? 0) > 0;
}

/** Whether anyone is subscribed at all (an idle server's dispatcher does nothing else). */
export async function anyLiveSubscription(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM dav.push_subscription WHERE expires_at > now()) AS any`);
  return rows[0]?.any === true;
}

/** Changes whenever any collection may have to be refreshed (the pump bumped a generation). */
export async function generationMark(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ mark: string | null }>(`SELECT max(value)::text AS mark FROM dav.generation`);
  return rows[0]?.mark ?? '';
}

// Any constant works; it only has to be the same for every instance (pump/lock.ts uses another).
const PUSH_LOCK = 0x62726b73; // 'brks'

/**
 * One dispatcher pass at a time across all instances: a session lock on a connection the caller
 * holds for the pass (false: another instance is in its pass). Released by `releasePushLock`, or
 * by PostgreSQL when the connection dies.
 */
export async function tryPushLock(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [PUSH_LOCK]);
  return rows[0]?.got === true;
}

export async function releasePushLock(client: pg.ClientBase): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1)', [PUSH_LOCK]);
}
