// Consumes the change log the triggers write (migrations/002): re-renders what BrokerStar touched,
// applies due re-announcements, and bumps the generation of each kind of data so collections know
// to recompute their members. Runs before a request reads collection state, so a BrokerStar write
// is visible to the next client request; one pass at a time across all server instances.
import type pg from 'pg';
import { downscalePhoto, type RenderOptions } from '../../ical/index.js';
import type { Logger } from '../../logger.js';
import { AuditLog } from '../../audit/audit-log.js';
import type { ContactRecord } from '../records.js';
import {
  allIds,
  dependents,
  loadAppointments,
  loadContacts,
  loadPhotoOriginals,
  loadTasks,
} from './brokerstar/records.js';
import type { EventInstances } from '../../dav/filters/instances.js';
import { inTransaction } from '../../db/transaction.js';
import { INCREMENTAL_MAX_IDS } from './incremental-refresh.js';
// The XML text form of each body is stored beside it (served as is in big REPORT answers).
import { escapeXml } from '../../dav/xml/write.js';
import type { Queryable } from './queryable.js';
import {
  renderAppointmentEntity,
  dateZoneOf,
  instancesOf,
  renderContactEntity,
  renderTaskEntity,
  type BusyState,
  type EntityKind,
  type EntityRow,
  type EntityStamps,
} from './render-entity.js';
import { firstSightingOfUnusableRule, ruleProblem, ruleValue } from '../../ical/recurrence-rule.js';

export interface PumpDeps {
  readonly pool: pg.Pool;
  readonly renderOptions: RenderOptions;
  readonly photoMaxPixels: number;
  readonly retentionDays: number;
  /** Days audit rows are kept (AUDIT_RETENTION_DAYS); unset = kept for ever. */
  readonly auditRetentionDays?: number;
  readonly log: Logger;
}

// Any constant works; it only has to be the same for every instance.
const PUMP_LOCK = 0x62726b70; // 'brkp'
const LOG_BATCH = 5000;
const RENDER_CHUNK = 500;
const MAINTAIN_EVERY_MS = 3600_000;
// How long the items each generation touched are kept (a collection idle for longer recomputes in full).
const GENERATION_LOG_DAYS = 7;

interface Work {
  all: boolean;
  readonly ids: Record<EntityKind, Set<string>>;
  readonly forced: Record<EntityKind, Set<string>>;
  readonly photos: Set<string>;
  readonly employees: Set<string>;
  shares: boolean;
}

const emptyWork = (): Work => ({
  all: false,
  ids: { contact: new Set(), task: new Set(), appointment: new Set() },
  forced: { contact: new Set(), task: new Set(), appointment: new Set() },
  photos: new Set(),
  employees: new Set(),
  shares: false,
});

export class ChangePump {
  private queue: Promise<unknown> = Promise.resolve();
  private lastMaintenance = 0;
  /** Rows written since the planner statistics were last refreshed. */
  private written = 0;

  constructor(private readonly deps: PumpDeps) {}

  /** One cheap query: do BrokerStar changes or due re-announcements wait? */
  async pending(db: Queryable = this.deps.pool): Promise<boolean> {
    const { rows } = await db.query<{ p: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM dav.change_log)
           OR EXISTS (SELECT 1 FROM dav.entity WHERE reannounce_due <= now()) AS p`,
    );
    return rows[0]?.p === true;
  }

  /**
   * Processes everything pending; when it returns, every change committed before the call is in.
   * `knownPending`: the caller has just seen that something waits (no need to ask again).
   */
  async catchUp(knownPending = false): Promise<void> {
    if (!knownPending && !(await this.pending())) return;
    await this.exclusive(() => this.drain());
  }

  /** Resolves when the passes this process started have finished (graceful shutdown). */
  async idle(): Promise<void> {
    await this.queue;
  }

  /** Runs `fn` after every pump pass this process started before it. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async drain(): Promise<void> {
    let passes = 0;
    const started = Date.now();
    // A pass that took less than a full batch took everything committed before it began, so
    // everything committed before the call: no empty pass to make sure (five statements saved).
    for (let more = true; more; ) {
      const taken = await this.pass();
      if (taken === 0) break;
      passes++;
      more = taken >= LOG_BATCH;
    }
    if (passes > 1) this.deps.log.info({ passes, ms: Date.now() - started }, 'change log processed');
    if (this.written > 1000) {
      // After a bulk render (first start, an import) the planner must know the tables' new size,
      // or it picks nested loops over thousands of rows until autovacuum gets round to it.
      this.written = 0;
      await this.deps.pool.query('ANALYZE dav.entity, dav.entity_body, dav.occurrence, dav.member');
    }
  }

  /**
   * Hourly upkeep, whether or not BrokerStar wrote anything: prunes old sync history and moves the
   * stored instance windows along as the days pass. The server's background timer calls it.
   */
  async maintainIfDue(now = new Date()): Promise<void> {
    if (now.getTime() - this.lastMaintenance < MAINTAIN_EVERY_MS) return;
    this.lastMaintenance = now.getTime();
    await this.exclusive(async () => {
      await this.prune();
      await this.moveInstanceWindows(now);
      await this.escapeStoredBodies();
      await this.pruneAuditLog();
    });
  }

  /** Deletes audit rows past AUDIT_RETENTION_DAYS. */
  async pruneAuditLog(): Promise<number> {
    const days = this.deps.auditRetentionDays;
    if (days === undefined) return 0;
    const deleted = await new AuditLog(this.deps.pool, this.deps.log).prune(days);
    if (deleted) this.deps.log.info({ deleted, auditRetentionDays: days }, 'old audit log rows pruned');
    return deleted;
  }

  /** Fills the XML-escaped form of bodies stored before it was kept (migration 006). */
  async escapeStoredBodies(): Promise<number> {
    let done = 0;
    for (;;) {
      const { rows } = await this.deps.pool.query<{ kind: string; id: string; body: string }>(
        `SELECT kind, id::text AS id, body FROM dav.entity_body WHERE body_xml IS NULL LIMIT ${RENDER_CHUNK}`,
      );
      if (rows.length === 0) return done;
      // Only where the body is still the one escaped: a pass may have rendered it anew meanwhile.
      const { rowCount } = await this.deps.pool.query(
        `UPDATE dav.entity_body b SET body_xml = t.body_xml
           FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS t(kind, id, body, body_xml)
          WHERE b.kind = t.kind AND b.id = t.id AND b.body = t.body`,
        [rows.map((r) => r.kind), rows.map((r) => r.id), rows.map((r) => r.body), rows.map((r) => escapeXml(r.body))],
      );
      if (!rowCount) return done; // all rendered anew meanwhile (with their escaped form)
      done += rowCount;
    }
  }

  /**
   * One transaction: take a batch of the log, render, store, bump generations. Returns how many
   * log rows or due re-announcements it took (the larger), 0 when idle.
   */
  private async pass(): Promise<number> {
    return inTransaction(this.deps.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [PUMP_LOCK]);
      const logged = await client.query<{ kind: string; id: string }>(
        `DELETE FROM dav.change_log WHERE id IN (SELECT id FROM dav.change_log ORDER BY id LIMIT ${LOG_BATCH})
         RETURNING kind, entity_id::text AS id`,
      );
      const due = await client.query<{ kind: EntityKind; id: string }>(
        `UPDATE dav.entity SET reannounce_due = NULL, reannounced_at = now()
          WHERE (kind, id) IN (SELECT kind, id FROM dav.entity WHERE reannounce_due <= now()
                                ORDER BY reannounce_due LIMIT ${LOG_BATCH})
          RETURNING kind, id::text AS id`,
      );
      if (logged.rows.length === 0 && due.rows.length === 0) return 0;
      const work = emptyWork();
      for (const r of logged.rows) this.note(work, r.kind, r.id);
      if (work.all) {
        // Everything is rendered from scratch in this pass, so the rest of the log (a bulk import,
        // the demo data) is covered too: rows committed until now go; later ones are seen later.
        // Changed photos among them must still be scaled anew (once, in this pass).
        const rest = await client.query<{ kind: string; id: string }>(
          `DELETE FROM dav.change_log RETURNING kind, entity_id::text AS id`,
        );
        for (const r of rest.rows) if (r.kind === 'photo') work.photos.add(r.id);
      }
      for (const r of due.rows) {
        work.ids[r.kind].add(r.id);
        work.forced[r.kind].add(r.id);
      }
      await this.apply(client, work);
      return Math.max(logged.rows.length, due.rows.length);
    });
  }

  private note(work: Work, kind: string, id: string): void {
    switch (kind) {
      case 'contact':
      case 'task':
      case 'appointment':
        work.ids[kind].add(id);
        return;
      case 'photo':
        work.photos.add(id);
        work.ids.contact.add(id);
        return;
      case 'employee':
        work.employees.add(id);
        return;
      case 'share':
        work.shares = true;
        return;
      default:
        work.all = true; // 'all' after TRUNCATE, or anything unknown: re-render everything
    }
  }

  private async apply(db: pg.PoolClient, work: Work): Promise<void> {
    if (work.all) {
      for (const kind of ['contact', 'task', 'appointment'] as const) {
        const known = await db.query<{ id: string }>('SELECT id::text AS id FROM dav.entity WHERE kind = $1', [kind]);
        for (const id of [...(await allIds(db, kind)), ...known.rows.map((r) => r.id)]) work.ids[kind].add(id);
      }
      // Photos that BrokerStar no longer has leave the cache; changed ones arrive as 'photo'.
      await db.query('DELETE FROM dav.photo p WHERE NOT EXISTS (SELECT 1 FROM brokerstar.contact_photo o WHERE o.contact_id = p.contact_id)');
    } else {
      const deps = await dependents(db, [...work.ids.contact], [...work.employees]);
      for (const id of deps.tasks) work.ids.task.add(id);
      for (const id of deps.appointments) work.ids.appointment.add(id);
    }
    if (work.photos.size) await db.query('DELETE FROM dav.photo WHERE contact_id = ANY($1::bigint[])', [[...work.photos]]);
    const now = new Date();
    for (const kind of ['contact', 'task', 'appointment'] as const) {
      const ids = [...work.ids[kind]];
      for (let i = 0; i < ids.length; i += RENDER_CHUNK) {
        await this.renderChunk(db, kind, ids.slice(i, i + RENDER_CHUNK), work.forced[kind], now);
      }
    }
    const everything = work.all || work.employees.size > 0;
    const scopes = (['contact', 'task', 'appointment'] as const).filter(
      (k) => everything || work.ids[k].size > 0 || (k === 'appointment' && work.shares),
    );
    if (scopes.length) {
      // Address books catch up from the contacts each generation touched (incremental-refresh.ts):
      // those are logged with it, NULL meaning everything or too many to matter. Other kinds are
      // not logged: their generations move without logged_value, which marks them unlogged.
      const logged = (k: EntityKind) => k === 'contact';
      const touched = scopes.map((k) =>
        !logged(k) ? null : everything || work.ids[k].size > INCREMENTAL_MAX_IDS ? null : `{${[...work.ids[k]].join(',')}}`,
      );
      await db.query(
        `WITH bumped AS (
           UPDATE dav.generation g SET value = n.value, logged_value = CASE WHEN n.logged THEN n.value END
             FROM (SELECT s.scope, s.logged, nextval('dav.generation_seq') AS value
                     FROM unnest($1::text[], $3::boolean[]) AS s(scope, logged)) n
            WHERE g.scope = n.scope
           RETURNING g.scope, g.value)
         INSERT INTO dav.generation_log (scope, generation, ids)
         SELECT b.scope, b.value, t.ids::bigint[]
           FROM bumped b JOIN unnest($1::text[], $2::text[], $3::boolean[]) AS t(scope, ids, logged) ON t.scope = b.scope
          WHERE t.logged`,
        [scopes, touched, scopes.map(logged)],
      );
    }
  }

  private async renderChunk(db: pg.PoolClient, kind: EntityKind, ids: string[], forced: ReadonlySet<string>, now: Date): Promise<void> {
    const prior = await loadStamps(db, kind, ids);
    const opts = this.deps.renderOptions;
    const rows: EntityRow[] = [];
    const seen = new Set<string>();
    /**
     * One item that cannot be rendered (data no renderer foresaw) must not hold up the others:
     * it keeps its stored version (or stays unserved) and the error is logged.
     */
    const add = (id: string, render: () => EntityRow | undefined) => {
      seen.add(id);
      try {
        const r = render();
        if (r) rows.push(storable(r));
      } catch (err) {
        this.deps.log.error({ kind, id, err }, 'item could not be rendered; its last served version stays');
      }
    };
    if (kind === 'contact') {
      const loaded = await loadContacts(db, ids);
      const photos = await this.photos(db, loaded.filter((c) => c.hasPhoto).map((c) => c.record.id));
      for (const c of loaded) {
        const jpeg = photos.get(c.record.id);
        const record: ContactRecord = { ...c.record, photo: jpeg ? { mimeType: 'image/jpeg', data: jpeg } : null };
        add(c.record.id, () => renderContactEntity(record, prior.get(c.record.id), forced.has(c.record.id), now, opts));
      }
    } else if (kind === 'task') {
      for (const t of await loadTasks(db, ids)) add(t.id, () => renderTaskEntity(t, prior.get(t.id), forced.has(t.id), now, opts));
    } else {
      for (const a of await loadAppointments(db, ids)) {
        if (a.unreadableRule !== undefined && firstSightingOfUnusableRule(a.id, a.unreadableRule)) {
          this.deps.log.warn(
            { id: a.id, rule: a.unreadableRule.slice(0, 200), problem: ruleProblem(ruleValue(a.unreadableRule)) },
            'appointment has an unusable recurrence rule; served as a single appointment',
          );
        }
        add(a.id, () => renderAppointmentEntity(a, prior.get(a.id), forced.has(a.id), now, opts));
      }
    }
    await storeEntities(db, kind, rows);
    this.written += rows.length;
    // Deleted, archived or gone in BrokerStar: no longer rendered; collections drop it on refresh.
    const gone = ids.filter((id) => !seen.has(id));
    if (gone.length) await db.query('DELETE FROM dav.entity WHERE kind = $1 AND id = ANY($2::bigint[])', [kind, gone]);
  }

  /** Downscaled photos by contact id, scaling (once) the originals not yet in the cache. */
  private async photos(db: pg.PoolClient, contactIds: string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    if (contactIds.length === 0) return out;
    const cached = await db.query<{ id: string; jpeg: Buffer | null }>(
      'SELECT contact_id::text AS id, jpeg FROM dav.photo WHERE contact_id = ANY($1::bigint[])',
      [contactIds],
    );
    const have = new Set<string>();
    for (const r of cached.rows) {
      have.add(r.id);
      if (r.jpeg) out.set(r.id, r.jpeg);
    }
    const missing = contactIds.filter((id) => !have.has(id));
    // A few originals at a time: they are megabytes each.
    for (let i = 0; i < missing.length; i += 20) {
      for (const o of await loadPhotoOriginals(db, missing.slice(i, i + 20))) {
        let jpeg: Buffer | null = null;
        try {
          const scaled = await downscalePhoto(o.data, o.mimeType, this.deps.photoMaxPixels);
          out.set(o.contactId, scaled);
          jpeg = scaled;
        } catch (err) {
          this.deps.log.warn({ contactId: o.contactId, err: (err as Error).message }, 'contact photo could not be decoded; served without photo');
        }
        await db.query(
          `INSERT INTO dav.photo (contact_id, source_hash, jpeg) VALUES ($1, $2, $3)
           ON CONFLICT (contact_id) DO UPDATE SET source_hash = EXCLUDED.source_hash, jpeg = EXCLUDED.jpeg`,
          [o.contactId, o.hash, jpeg],
        );
      }
    }
    return out;
  }

  /**
   * Series rendered long ago keep their instances for the window of that day; move the window
   * along (without touching ETags) so time-range queries around today stay answerable in SQL.
   * Also fills in the instances of appointments rendered before they were stored (migration 005
   * marks those with an empty date_zone).
   */
  async moveInstanceWindows(now = new Date()): Promise<number> {
    const { rows } = await this.deps.pool.query<{ id: string }>(
      `SELECT id::text AS id FROM dav.entity
        WHERE kind = 'appointment'
          AND ((occ_until IS NOT NULL AND occ_until < $1::timestamptz + interval '600 days')
            OR (occ_from IS NOT NULL AND occ_from > $1::timestamptz - interval '300 days')
            OR date_zone = '')`,
      [now],
    );
    for (let i = 0; i < rows.length; i += RENDER_CHUNK) {
      const ids = rows.slice(i, i + RENDER_CHUNK).map((r) => r.id);
      await inTransaction(this.deps.pool, async (client) => {
        // Under the pump's lock: a pass re-rendering one of these meanwhile cannot interleave.
        await client.query('SELECT pg_advisory_xact_lock($1)', [PUMP_LOCK]);
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

  /** Drops tombstones older than the retention; tokens from before them become invalid. */
  async prune(): Promise<void> {
    const { rowCount } = await this.deps.pool.query(
      `WITH gone AS (
         DELETE FROM dav.member WHERE etag IS NULL AND changed_at < now() - make_interval(days => $1)
         RETURNING collection, seq)
       UPDATE dav.collection c SET min_seq = greatest(c.min_seq, g.max_seq)
         FROM (SELECT collection, max(seq) AS max_seq FROM gone GROUP BY collection) g
        WHERE c.key = g.collection`,
      [this.deps.retentionDays],
    );
    if (rowCount) this.deps.log.info({ collections: rowCount, retentionDays: this.deps.retentionDays }, 'old sync history pruned');
    // Collections that saw nothing newer than the pruned log recompute in full.
    await this.deps.pool.query(
      `WITH gone AS (DELETE FROM dav.generation_log WHERE logged_at < now() - interval '${GENERATION_LOG_DAYS} days' RETURNING scope, generation)
       UPDATE dav.generation g SET logged_since = greatest(g.logged_since, x.last)
         FROM (SELECT scope, max(generation) AS last FROM gone GROUP BY scope) x
        WHERE g.scope = x.scope`,
    );
  }
}

// PostgreSQL's timestamptz starts at 4714 BC (JavaScript's Date reaches further back).
const PG_MIN_INSTANT = Date.UTC(-4713, 10, 24);
const storableInstant = (ms: number | null | undefined) => ms === null || ms === undefined || (Number.isFinite(ms) && ms >= PG_MIN_INSTANT);

/**
 * The row, or an error naming the first instant PostgreSQL cannot store: a date BrokerStar holds
 * as 'infinity' (or one a renderer computed from it) would otherwise fail the whole pass's INSERT,
 * and with it every collection, instead of this one item.
 */
function storable(r: EntityRow): EntityRow {
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

async function loadStamps(db: Queryable, kind: EntityKind, ids: string[]): Promise<Map<string, EntityStamps>> {
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

async function storeEntities(db: Queryable, kind: EntityKind, rows: readonly EntityRow[]): Promise<void> {
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
