// Members with their bodies, the bodies from the body cache where it has them: PostgreSQL is asked
// once for names and ETags (no body, so nothing is read out of TOAST), then once more, only when
// the cache lacks some, for those bodies by name (through a cursor when there are many). Two
// statements at most, however many members: a warm cache answers a 5,000-card sync with one.
//
// The listing is read whole before any body is fetched: its rows are a few dozen bytes each, and
// reading it through a cursor would hold one pool connection while asking for a second (a full
// pool of such requests would wait on itself). A member changed between the two reads is served as
// the second read found it (its new ETag with its new body); one gone by then is left out (the
// next sync reports it).
import type pg from 'pg';
import { countBodyCache } from '../../metrics.js';
import type { Collection, DavObject, ObjectOptions } from '../types.js';
import { BodyCache, type CachedBody } from './body-cache.js';
import { CURSOR_BATCH, objectSql, queryObjects, servesEscapedXml, streamRows, toObject, type ObjectQuery, type ObjectRow } from './objects.js';

/** Up to this many misses are read with one plain query; more stream through a cursor. */
const PLAIN_READ_MAX = CURSOR_BATCH.withBody;

const wantsBody = (r: ObjectRow): r is ObjectRow & { etag: string } => !r.removed && !!r.etag && !r.no_body;

export async function* rowsWithCachedBodies(pool: pg.Pool, cache: BodyCache, c: Collection, opts: ObjectOptions, q: ObjectQuery): AsyncGenerator<ObjectRow> {
  const xml = servesEscapedXml(opts, q.bodyUnless);
  const listing = objectSql(c, { ...opts, withBody: false }, { ...q, ...(q.bodyUnless ? { noBodyColumn: q.bodyUnless } : {}) });
  const rows = (await pool.query<ObjectRow>(listing.text, listing.values)).rows;
  const cached: (CachedBody | undefined)[] = rows.map((r) => (wantsBody(r) ? cache.get(BodyCache.keyOf(r.etag, xml)) : undefined));
  const missing = rows.filter((r, i) => wantsBody(r) && !cached[i]).map((r) => r.name);
  countBodyCache(rows.length - missing.length - rows.filter((r) => !wantsBody(r)).length, missing.length);
  // The misses in the listing's order (same ORDER BY); a member moved by a concurrent change is
  // found by name in `ahead` when the stream reaches it.
  const where = `${q.where ? `(${q.where}) AND ` : ''}m.name = ANY(:cache_misses::text[])`;
  const read = objectSql(c, opts, { ...q, where, params: { ...q.params, cache_misses: missing }, limit: undefined, includeRemoved: false });
  const fetched: AsyncIterator<ObjectRow> | undefined =
    missing.length === 0
      ? undefined
      : missing.length <= PLAIN_READ_MAX
        ? (async function* () {
            yield* (await pool.query<ObjectRow>(read.text, read.values)).rows;
          })()
        : streamRows<ObjectRow>(pool, read.text, read.values, CURSOR_BATCH.withBody);
  const ahead = new Map<string, ObjectRow>();
  let exhausted = false;
  async function fetchedRow(name: string): Promise<ObjectRow | undefined> {
    while (!ahead.has(name) && !exhausted && fetched) {
      const next = await fetched.next();
      if (next.done) exhausted = true;
      else {
        const r = next.value;
        if (r.etag && (r.body != null || r.body_xml != null)) {
          cache.set(BodyCache.keyOf(r.etag, xml), { ...(r.body != null ? { body: r.body } : {}), ...(r.body_xml != null ? { bodyXml: r.body_xml } : {}) });
        }
        ahead.set(r.name, r);
      }
    }
    const r = ahead.get(name);
    ahead.delete(name);
    return r;
  }
  try {
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const hit = cached[i];
      if (!wantsBody(r)) yield r;
      else if (hit) yield { ...r, ...(hit.body !== undefined ? { body: hit.body } : {}), ...(hit.bodyXml !== undefined ? { body_xml: hit.bodyXml } : {}) };
      else {
        const full = await fetchedRow(r.name);
        if (full) yield { ...full, seq: r.seq };
      }
    }
  } finally {
    // A consumer that stops early (a client gone, a limit reached) closes the cursor with it.
    await fetched?.return?.();
  }
}

/** queryObjects, with bodies from the cache when there is one and bodies are asked for. */
export async function* objectsWithCache(
  pool: pg.Pool,
  cache: BodyCache | undefined,
  c: Collection,
  opts: ObjectOptions,
  q: ObjectQuery = {},
  bounded = false,
): AsyncGenerator<DavObject> {
  if (!cache || !opts.withBody) {
    yield* queryObjects(pool, c, opts, q, bounded);
    return;
  }
  for await (const r of rowsWithCachedBodies(pool, cache, c, opts, q)) {
    const o = toObject(r);
    if (o) yield o;
  }
}
