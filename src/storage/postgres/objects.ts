// Reads a collection's members with their stored representation (dav.member joined to
// dav.entity): one query per listing, multiget or sync answer, bodies streamed through a cursor so
// a 5,000-card answer never sits in memory.
import Cursor from 'pg-cursor';
import { settleWithin } from '../../time-limit.js';
import type pg from 'pg';
import type { Collection, DavObject, ObjectOptions } from '../types.js';
import { named } from './queryable.js';

export interface ObjectQuery {
  /** Extra conditions on m (member) and e (entity), with :named parameters. */
  readonly where?: string;
  readonly params?: Record<string, unknown>;
  readonly orderBy?: string;
  readonly limit?: number;
  /** Include removed members (tombstones) as rows with `removed` true: sync answers need them. */
  readonly includeRemoved?: boolean;
  /** An extra boolean column `exact` (SQL expression over m and e). */
  readonly exactColumn?: string;
  /** With a body requested: leave it out where this SQL condition holds. */
  readonly bodyUnless?: string;
  /** An extra boolean column `no_body` (SQL expression): the body cache's listing says which bodies are not wanted. */
  readonly noBodyColumn?: string;
}

/** The vCard 4.0 form is served: the client asked for it and the contact has one (b.body_v4). */
const wantsV4 = (opts: ObjectOptions) => opts.vcardVersion === '4.0';

/**
 * The strong ETag of a contact's vCard 4.0 form, derived from the stored (3.0) one: another
 * representation needs another ETag (RFC 9110 §8.8.3), and both change together since they are
 * rendered from the same record at the same time. SQL over the stored ETag column.
 */
const VCARD4_ETAG = (etag: string) => `left(${etag}, -1) || '-v4"'`;

/** The escaped form exists for the default (3.0) representation of the full view only. */
export const servesEscapedXml = (opts: ObjectOptions, bodyUnless?: string): boolean =>
  opts.xmlOnly === true && !wantsV4(opts) && !bodyUnless;

/** Busy blocks come from the entity's busy views in the viewer's language. */
function columns(opts: ObjectOptions, bodyUnless?: string): string {
  const v4 = wantsV4(opts);
  const xml = opts.withBody === true && servesEscapedXml(opts, bodyUnless);
  const stored = v4 ? `coalesce(b.body_v4, b.body)` : 'b.body';
  const body = bodyUnless ? `CASE WHEN ${bodyUnless} THEN NULL ELSE ${stored} END` : stored;
  // ETag and size belong to the representation served, 4.0 included (getcontentlength, 304s).
  const etag = v4 ? `CASE WHEN b.body_v4 IS NULL THEN e.etag ELSE ${VCARD4_ETAG('e.etag')} END` : 'e.etag';
  const size = v4 ? `CASE WHEN b.body_v4 IS NULL THEN e.size ELSE octet_length(b.body_v4) END` : 'e.size';
  // A private appointment has a busy view (e.busy) whoever reads it; a subscription link serves that.
  const busy = opts.privateAsBusy ? `(m.view = 'busy' OR e.busy IS NOT NULL)` : `m.view = 'busy'`;
  return `m.name, m.seq, m.etag IS NULL AS removed,
    CASE WHEN ${busy} THEN e.busy -> 'views' -> :lang::text ->> 'etag' ELSE ${etag} END AS etag,
    -- epoch milliseconds: a number is far cheaper to read than a timestamp text, 5,000 times over
    extract(epoch FROM CASE WHEN ${busy} THEN (e.busy ->> 'changedAt')::timestamptz ELSE e.changed_at END)::float8 * 1000
      AS last_modified,
    CASE WHEN ${busy} THEN (e.busy -> 'views' -> :lang::text ->> 'size')::int ELSE ${size} END AS size
    ${opts.withBody ? `, CASE WHEN ${busy} THEN b.busy_bodies ->> :lang::text ${xml ? 'WHEN b.body_xml IS NOT NULL THEN NULL ' : ''}ELSE ${body} END AS body` : ''}
    ${xml ? `, CASE WHEN NOT ${busy} THEN b.body_xml END AS body_xml` : ''}`;
}

export function objectSql(c: Collection, opts: ObjectOptions, q: ObjectQuery): { text: string; values: unknown[] } {
  const sql = `SELECT ${columns(opts, q.bodyUnless)}${q.exactColumn ? `, ${q.exactColumn} AS exact` : ''}${q.noBodyColumn ? `, ${q.noBodyColumn} AS no_body` : ''}
      FROM dav.member m
      ${q.includeRemoved ? 'LEFT ' : ''}JOIN dav.entity e ON e.kind = m.entity_kind AND e.id = m.entity_id
      ${opts.withBody || wantsV4(opts) ? 'LEFT JOIN dav.entity_body b ON b.kind = e.kind AND b.id = e.id' : ''}
     WHERE m.collection = :collection ${q.includeRemoved ? '' : 'AND m.etag IS NOT NULL'} ${q.where ? `AND ${q.where}` : ''}
     ORDER BY ${q.orderBy ?? 'm.entity_id'}
     ${q.limit !== undefined ? `LIMIT ${Math.floor(q.limit)}` : ''}`;
  return named(sql, { collection: c.key, lang: c.home.language, ...q.params });
}

export interface ObjectRow {
  readonly name: string;
  readonly seq: string;
  readonly removed: boolean;
  readonly etag: string | null;
  /** Epoch milliseconds. */
  readonly last_modified: number;
  readonly size: number | null;
  readonly body?: string | null;
  readonly body_xml?: string | null;
  readonly exact?: boolean;
  readonly no_body?: boolean;
}

export function toObject(r: ObjectRow): DavObject | undefined {
  if (r.removed || !r.etag) return undefined; // removed, or a busy view that could not be rendered
  return {
    name: r.name,
    etag: r.etag,
    lastModified: new Date(r.last_modified),
    size: r.size ?? 0,
    ...(r.body != null ? { body: r.body } : {}),
    ...(r.body_xml != null ? { bodyXml: r.body_xml } : {}),
    ...(r.exact ? { timeRangeExact: true } : {}),
  };
}

/** Rows per cursor read: bodies are kilobytes (photos tens of them), listing rows a few dozen bytes. */
export const CURSOR_BATCH = { withBody: 200, withoutBody: 2000 } as const;

/** Longest wait for a cursor to close; a connection that cannot answer that is broken anyway. */
const CURSOR_CLOSE_TIMEOUT_MS = 2_000;

/** Closes the cursor; an Error when that failed or timed out (the connection must then be discarded). */
async function closeCursor(cursor: Cursor): Promise<Error | undefined> {
  const closed = await settleWithin(cursor.close(), CURSOR_CLOSE_TIMEOUT_MS);
  if (!closed) return new Error('cursor did not close in time');
  return closed.status === 'rejected' ? (closed.reason as Error) : undefined;
}

/**
 * Rows through a server-side cursor; the client is released as soon as the consumer stops (a
 * `break`, or a streaming writer whose client went away returning the iterator). A cursor whose
 * connection failed is not closed (pg-cursor never answers on a dead connection): the connection
 * is discarded instead, so a restart of PostgreSQL never leaves a connection checked out.
 */
export async function* streamRows<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  text: string,
  values: unknown[],
  batch: number = CURSOR_BATCH.withBody,
): AsyncGenerator<R> {
  const client = await pool.connect();
  const cursor = client.query(new Cursor<R>(text, values));
  let failed: Error | undefined;
  try {
    for (;;) {
      const rows = await cursor.read(batch);
      if (rows.length === 0) break;
      yield* rows;
    }
  } catch (e) {
    failed = e as Error;
    throw e;
  } finally {
    failed ??= await closeCursor(cursor);
    client.release(failed);
  }
}

/**
 * A listing streams through a cursor, so memory stays flat however large the collection (an
 * 18,000-member listing read at once raised the server's memory by about 20 MB). `bounded` says
 * the caller names its members (a multiget), so one plain query is cheaper than a cursor.
 */
export async function* queryObjects(
  pool: pg.Pool,
  c: Collection,
  opts: ObjectOptions,
  q: ObjectQuery = {},
  bounded = false,
): AsyncGenerator<DavObject> {
  const { text, values } = objectSql(c, opts, q);
  const rows: AsyncIterable<ObjectRow> | ObjectRow[] = bounded
    ? (await pool.query<ObjectRow & pg.QueryResultRow>(text, values)).rows
    : streamRows<ObjectRow & pg.QueryResultRow>(pool, text, values, opts.withBody ? CURSOR_BATCH.withBody : CURSOR_BATCH.withoutBody);
  for await (const r of rows) {
    const o = toObject(r);
    if (o) yield o;
  }
}
