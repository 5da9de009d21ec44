// The stored instances' window (dav.occurrence), moved along by the hourly upkeep.
import type pg from 'pg';
import { loadAppointments } from '../brokerstar/record-loading.js';
import { dateZoneOf, instancesOf } from '../render-entity.js';
import { storeInstances } from './entity-rows.js';
import { inPumpTransaction } from './lock.js';

const WINDOW_CHUNK = 500;

/**
 * Series rendered long ago keep their instances for the window of that day; move the window
 * along (without touching ETags) so time-range queries around today stay answerable in SQL.
 * Also fills in the instances of appointments rendered before they were stored (migration 005
 * marks those with an empty date_zone).
 */
export async function moveInstanceWindows(pool: pg.Pool, now: Date): Promise<number> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id::text AS id FROM dav.entity
        WHERE kind = 'appointment'
          AND ((occ_until IS NOT NULL AND occ_until < $1::timestamptz + interval '600 days')
            OR (occ_from IS NOT NULL AND occ_from > $1::timestamptz - interval '300 days')
            OR date_zone = '')`,
    [now],
  );
  for (let i = 0; i < rows.length; i += WINDOW_CHUNK) {
    const ids = rows.slice(i, i + WINDOW_CHUNK).map((r) => r.id);
    // Under the pump's lock: a pass re-rendering one of these meanwhile cannot interleave.
    await inPumpTransaction(pool, async (client) => {
      const { rows: bodies } = await client.query<{ id: string; body: string }>(
        `SELECT id::text AS id, body FROM dav.entity_body WHERE kind = 'appointment' AND id = ANY($1::bigint[])`,
        [ids],
      );
      const bodyOf = new Map(bodies.map((r) => [r.id, r.body]));
      const records = (await loadAppointments(client, ids)).filter((a) => bodyOf.has(a.id));
      const items = records.map((a) => ({ id: a.id, zone: a.timeZone, instances: instancesOf(a, bodyOf.get(a.id)!, now) }));
      await storeInstances(client, items);
      await client.query(
        `UPDATE dav.entity e SET occ_from = t.occ_from, occ_until = t.occ_until, date_zone = t.date_zone
             FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[], $4::text[]) AS t(id, occ_from, occ_until, date_zone)
            WHERE e.kind = 'appointment' AND e.id = t.id`,
        [
          items.map((i) => i.id),
          items.map((i) => (i.instances.from !== null ? new Date(i.instances.from) : null)),
          items.map((i) => (i.instances.until !== null ? new Date(i.instances.until) : null)),
          items.map((i) => dateZoneOf(i.instances, i.zone)),
        ],
      );
    });
  }
  return rows.length;
}
