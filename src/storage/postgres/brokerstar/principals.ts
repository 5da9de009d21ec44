// BrokerStar employees as DAV principals, and whose calendars an employee may see (calendar_share).
import type { Principal } from '../../types.js';
import type { Queryable } from '../queryable.js';

const COLUMNS = `e.id::text AS id, e.username, e.first_name, e.last_name, e.email, e.language, e.time_zone`;

function principalOf(r: Record<string, string>): Principal {
  return {
    id: r.id!,
    username: r.username!,
    displayName: `${r.first_name} ${r.last_name}`.trim(),
    email: r.email!,
    language: r.language as Principal['language'],
    timeZone: r.time_zone!,
  };
}

/** Active employees only: an inactive employee neither logs in nor appears as a principal. */
export async function principalById(db: Queryable, id: string): Promise<Principal | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  // Prepared once per connection: this runs on every request.
  const { rows } = await db.query({ name: 'dav-principal-by-id', text: `SELECT ${COLUMNS} FROM brokerstar.employee e WHERE e.id = $1 AND e.active`, values: [id] });
  return rows[0] ? principalOf(rows[0]) : undefined;
}

export async function principalByUsername(db: Queryable, username: string): Promise<Principal | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM brokerstar.employee e WHERE e.username = $1 AND e.active`, [username]);
  return rows[0] ? principalOf(rows[0]) : undefined;
}

export interface SharedCalendarOwner {
  readonly owner: Principal;
  /** False when the share was revoked: the collection is kept, empty, for clients still syncing it. */
  readonly listed: boolean;
}

/**
 * Colleagues whose calendar the viewer may see, plus recently revoked shares whose collection the
 * server still answers (empty) so that every client removes the items through a normal sync.
 */
export async function sharedCalendarOwners(db: Queryable, viewerId: string, retentionDays: number): Promise<SharedCalendarOwner[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS}, (s.owner_id IS NOT NULL AND e.active) AS listed
       FROM brokerstar.employee e
       LEFT JOIN brokerstar.calendar_share s ON s.owner_id = e.id AND s.viewer_id = $1
      WHERE e.id <> $1
        AND ((s.owner_id IS NOT NULL AND e.active)
             OR EXISTS (SELECT 1 FROM dav.collection dc
                         WHERE dc.key = 'shared:' || $1::text || ':' || e.id::text
                           AND (dc.served > 0 OR dc.changed_at > now() - make_interval(days => $2))))
      ORDER BY e.last_name, e.first_name, e.id`,
    [viewerId, retentionDays],
  );
  return rows.map((r) => ({ owner: principalOf(r), listed: r.listed }));
}
