// Fills the XML-escaped form of bodies stored before it was kept (migration 006); part of the
// hourly upkeep.
import type pg from 'pg';
import { escapeXml } from '../../../text/xml-escape.js';

const BACKFILL_BATCH = 500;

export async function escapeStoredBodies(pool: pg.Pool): Promise<number> {
  let done = 0;
  for (;;) {
    const { rows } = await pool.query<{ kind: string; id: string; body: string }>(
      `SELECT kind, id::text AS id, body FROM dav.entity_body WHERE body_xml IS NULL LIMIT ${BACKFILL_BATCH}`,
    );
    if (rows.length === 0) return done;
    // Only where the body is still the one escaped: a pass may have rendered it anew meanwhile.
    const { rowCount } = await pool.query(
      `UPDATE dav.entity_body b SET body_xml = t.body_xml
           FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS t(kind, id, body, body_xml)
          WHERE b.kind = t.kind AND b.id = t.id AND b.body = t.body`,
      [rows.map((r) => r.kind), rows.map((r) => r.id), rows.map((r) => r.body), rows.map((r) => escapeXml(r.body))],
    );
    if (!rowCount) return done; // all rendered anew meanwhile (with their escaped form)
    done += rowCount;
  }
}
