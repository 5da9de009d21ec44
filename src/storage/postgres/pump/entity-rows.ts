// Rendered rows in and out of dav.entity and dav.entity_body (and their instances, dav.occurrence).
// The XML text form of each body is stored beside it (served as is in big REPORT answers).
import { escapeXml } from '../../../text/xml-escape.js';
import type { Queryable } from '../queryable.js';
import type { EventInstances } from '../../../calendar/event-instances.js';
import type { BusyState, EntityKind, EntityRow, EntityStamps } from '../render-entity.js';

// PostgreSQL's timestamptz starts at 4714 BC (JavaScript's Date reaches further back).
const PG_MIN_INSTANT = Date.UTC(-4713, 10, 24);
const storableInstant = (ms: number | null | undefined) => ms === null || ms === undefined || (Number.isFinite(ms) && ms >= PG_MIN_INSTANT);

/**
 * The row, or an error naming the first instant PostgreSQL cannot store: a date BrokerStar holds
 * as 'infinity' (or one a renderer computed from it) would otherwise fail the whole pass's INSERT,
 * and with it every collection, instead of this one item.
 */
export function storable(r: EntityRow): EntityRow {
  const instants: [string, number | null | undefined][] = [
    ['changedAt', r.changedAt.getTime()],
    ['contentChangedAt', r.contentChangedAt.getTime()],
    ['rangeStart', r.rangeStart?.getTime()],
    ['rangeEnd', r.rangeEnd?.getTime()],
    ['instances.from', r.instances?.from],
    ['instances.until', r.instances?.until],
  ];
  const bad = instants.find(([, ms]) => !storableInstant(ms));
  if (bad) throw new Error(`${bad[0]} cannot be stored (${String(bad[1])})`);
  const span = r.instances?.spans.find((s) => !storableInstant(s.start) || !storableInstant(s.end));
  if (span) throw new Error(`an instance cannot be stored (${span.start} to ${span.end})`);
  return r;
}

export async function loadStamps(db: Queryable, kind: EntityKind, ids: string[]): Promise<Map<string, EntityStamps>> {
  const { rows } = await db.query(
    `SELECT id::text AS id, content_hash, sequence, changed_at, content_changed_at, busy - 'views' AS busy
       FROM dav.entity WHERE kind = $1 AND id = ANY($2::bigint[])`,
    [kind, ids],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        contentHash: r.content_hash,
        sequence: r.sequence,
        changedAt: r.changed_at,
        contentChangedAt: r.content_changed_at,
        busy: r.busy,
      },
    ]),
  );
}

export async function storeEntities(db: Queryable, kind: EntityKind, rows: readonly EntityRow[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <T>(f: (r: EntityRow) => T) => rows.map(f);
  await db.query(
    `WITH meta AS (
       INSERT INTO dav.entity (kind, id, content_hash, sequence, changed_at, content_changed_at, etag, size,
                               busy, range_start, range_end, occ_from, occ_until, date_zone)
       SELECT $1, id, content_hash, sequence, changed_at, content_changed_at, etag, size, busy, range_start, range_end,
              occ_from, occ_until, date_zone
         FROM unnest($2::bigint[], $3::text[], $4::int[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::int[],
                     $9::jsonb[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::timestamptz[], $14::text[])
              AS t(id, content_hash, sequence, changed_at, content_changed_at, etag, size, busy, range_start, range_end,
                   occ_from, occ_until, date_zone)
       ON CONFLICT (kind, id) DO UPDATE SET
         content_hash = EXCLUDED.content_hash, sequence = EXCLUDED.sequence, changed_at = EXCLUDED.changed_at,
         content_changed_at = EXCLUDED.content_changed_at, etag = EXCLUDED.etag, size = EXCLUDED.size,
         busy = EXCLUDED.busy, range_start = EXCLUDED.range_start, range_end = EXCLUDED.range_end,
         occ_from = EXCLUDED.occ_from, occ_until = EXCLUDED.occ_until, date_zone = EXCLUDED.date_zone
       RETURNING kind, id)
     INSERT INTO dav.entity_body (kind, id, body, body_v4, busy_bodies, body_xml)
     SELECT $1, b.id, b.body, b.body_v4, b.busy_bodies, b.body_xml
       FROM unnest($2::bigint[], $15::text[], $16::text[], $17::jsonb[], $18::text[]) AS b(id, body, body_v4, busy_bodies, body_xml)
       JOIN meta ON meta.id = b.id
     ON CONFLICT (kind, id) DO UPDATE SET
       body = EXCLUDED.body, body_v4 = EXCLUDED.body_v4, busy_bodies = EXCLUDED.busy_bodies, body_xml = EXCLUDED.body_xml`,
    [
      kind,
      col((r) => r.id),
      col((r) => r.contentHash),
      col((r) => r.sequence),
      col((r) => r.changedAt),
      col((r) => r.contentChangedAt),
      col((r) => r.etag),
      col((r) => r.size),
      col((r) => (r.busy ? JSON.stringify(busyMeta(r.busy)) : null)),
      col((r) => r.rangeStart),
      col((r) => r.rangeEnd),
      col((r) => (r.instances?.from != null ? new Date(r.instances.from) : null)),
      col((r) => (r.instances?.until != null ? new Date(r.instances.until) : null)),
      col((r) => r.dateZone),
      col((r) => r.body),
      col((r) => r.bodyV4),
      col((r) => (r.busy ? JSON.stringify(busyTexts(r.busy)) : null)),
      col((r) => escapeXml(r.body)),
    ],
  );
  await storeInstances(db, rows.filter((r) => r.instances !== null).map((r) => ({ id: r.id, instances: r.instances! })));
}

/** The busy views' ETags and sizes (dav.entity.busy: scanned by membership queries). */
function busyMeta(b: BusyState): unknown {
  const views = Object.fromEntries(Object.entries(b.views).map(([lang, v]) => [lang, { etag: v.etag, size: v.size }]));
  return { hash: b.hash, sequence: b.sequence, changedAt: b.changedAt, views };
}

/** The busy views' texts by language (dav.entity_body.busy_bodies). */
function busyTexts(b: BusyState): Record<string, string> {
  return Object.fromEntries(Object.entries(b.views).map(([lang, v]) => [lang, v.body]));
}

/** Deletes these items' rendered rows. */
export async function deleteEntities(db: Queryable, kind: EntityKind, ids: readonly string[]): Promise<void> {
  if (ids.length) await db.query('DELETE FROM dav.entity WHERE kind = $1 AND id = ANY($2::bigint[])', [kind, ids]);
}

/** Replaces the stored instances of these appointments (dav.occurrence). */
export async function storeInstances(db: Queryable, items: readonly { id: string; instances: EventInstances }[]): Promise<void> {
  if (items.length === 0) return;
  await db.query('DELETE FROM dav.occurrence WHERE entity_id = ANY($1::bigint[])', [items.map((i) => i.id)]);
  const ids: string[] = [];
  const starts: Date[] = [];
  const ends: Date[] = [];
  for (const { id, instances } of items) {
    for (const s of instances.spans) {
      ids.push(id);
      starts.push(new Date(s.start));
      ends.push(new Date(s.end));
    }
  }
  if (ids.length === 0) return;
  await db.query(
    `INSERT INTO dav.occurrence (entity_id, starts_at, ends_at)
     SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[])`,
    [ids, starts, ends],
  );
}
