// Consumes the change log the triggers write (migrations/002): re-renders what BrokerStar touched,
// applies due re-announcements, and bumps the generation of each kind of data so collections know
// to recompute their members. Runs before a request reads collection state, so a BrokerStar write
// is visible to the next client request; one pass at a time across all server instances.
import type pg from 'pg';
import { downscalePhoto, type RenderOptions } from '../../ical/index.js';
import type { Logger } from '../../logger.js';
import type { ContactRecord } from '../records.js';
import {
  allIds,
  dependents,
  loadAppointments,
  loadContacts,
  loadPhotoOriginals,
  loadTasks,
} from './brokerstar/records.js';
import type { Queryable } from './queryable.js';
import {
  renderAppointmentEntity,
  renderContactEntity,
  renderTaskEntity,
  type EntityKind,
  type EntityRow,
  type EntityStamps,
} from './render-entity.js';

export interface PumpDeps {
  readonly pool: pg.Pool;
  readonly renderOptions: RenderOptions;
  readonly photoMaxPixels: number;
  readonly retentionDays: number;
  readonly log: Logger;
}

// Any constant works; it only has to be the same for every instance.
const PUMP_LOCK = 0x62726b70; // 'brkp'
const LOG_BATCH = 5000;
const RENDER_CHUNK = 500;
const PRUNE_EVERY_MS = 3600_000;

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
  private lastPrune = 0;

  constructor(private readonly deps: PumpDeps) {}

  /** One cheap query: do BrokerStar changes or due re-announcements wait? */
  async pending(db: Queryable = this.deps.pool): Promise<boolean> {
    const { rows } = await db.query<{ p: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM dav.change_log)
           OR EXISTS (SELECT 1 FROM dav.entity WHERE reannounce_due <= now()) AS p`,
    );
    return rows[0]?.p === true;
  }

  /** Processes everything pending; when it returns, every change committed before the call is in. */
  async catchUp(): Promise<void> {
    if (!(await this.pending())) return;
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
    while (await this.pass()) passes++;
    if (passes > 1) this.deps.log.info({ passes, ms: Date.now() - started }, 'change log processed');
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await this.prune();
    }
  }

  /** One transaction: take a batch of the log, render, store, bump generations. False when idle. */
  private async pass(): Promise<boolean> {
    const client = await this.deps.pool.connect();
    try {
      await client.query('BEGIN');
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
      if (logged.rows.length === 0 && due.rows.length === 0) {
        await client.query('COMMIT');
        return false;
      }
      const work = emptyWork();
      for (const r of logged.rows) this.note(work, r.kind, r.id);
      for (const r of due.rows) {
        work.ids[r.kind].add(r.id);
        work.forced[r.kind].add(r.id);
      }
      await this.apply(client, work);
      await client.query('COMMIT');
      return true;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
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
      await db.query(`UPDATE dav.generation SET value = nextval('dav.generation_seq') WHERE scope = ANY($1)`, [scopes]);
    }
  }

  private async renderChunk(db: pg.PoolClient, kind: EntityKind, ids: string[], forced: ReadonlySet<string>, now: Date): Promise<void> {
    const prior = await loadStamps(db, kind, ids);
    const opts = this.deps.renderOptions;
    const rows: EntityRow[] = [];
    const seen = new Set<string>();
    const add = (id: string, r: EntityRow | undefined) => {
      seen.add(id);
      if (r) rows.push(r);
    };
    if (kind === 'contact') {
      const loaded = await loadContacts(db, ids);
      const photos = await this.photos(db, loaded.filter((c) => c.hasPhoto).map((c) => c.record.id));
      for (const c of loaded) {
        const jpeg = photos.get(c.record.id);
        const record: ContactRecord = { ...c.record, photo: jpeg ? { mimeType: 'image/jpeg', data: jpeg } : null };
        add(c.record.id, renderContactEntity(record, prior.get(c.record.id), forced.has(c.record.id), now, opts, c.updatedAt));
      }
    } else if (kind === 'task') {
      for (const t of await loadTasks(db, ids)) add(t.id, renderTaskEntity(t, prior.get(t.id), forced.has(t.id), now, opts));
    } else {
      for (const a of await loadAppointments(db, ids)) {
        add(a.id, renderAppointmentEntity(a, prior.get(a.id), forced.has(a.id), now, opts));
      }
    }
    await storeEntities(db, kind, rows);
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
  }
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
    `INSERT INTO dav.entity (kind, id, content_hash, sequence, changed_at, content_changed_at, etag, body, size,
                             body_v4, busy, range_start, range_end, span_exact)
     SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::int[], $5::timestamptz[], $6::timestamptz[], $7::text[],
                              $8::text[], $9::int[], $10::text[], $11::jsonb[], $12::timestamptz[], $13::timestamptz[],
                              $14::boolean[])
     ON CONFLICT (kind, id) DO UPDATE SET
       content_hash = EXCLUDED.content_hash, sequence = EXCLUDED.sequence, changed_at = EXCLUDED.changed_at,
       content_changed_at = EXCLUDED.content_changed_at, etag = EXCLUDED.etag, body = EXCLUDED.body,
       size = EXCLUDED.size, body_v4 = EXCLUDED.body_v4, busy = EXCLUDED.busy,
       range_start = EXCLUDED.range_start, range_end = EXCLUDED.range_end, span_exact = EXCLUDED.span_exact`,
    [
      kind,
      col((r) => r.id),
      col((r) => r.contentHash),
      col((r) => r.sequence),
      col((r) => r.changedAt),
      col((r) => r.contentChangedAt),
      col((r) => r.etag),
      col((r) => r.body),
      col((r) => r.size),
      col((r) => r.bodyV4),
      col((r) => (r.busy ? JSON.stringify(r.busy) : null)),
      col((r) => r.rangeStart),
      col((r) => r.rangeEnd),
      col((r) => r.spanExact),
    ],
  );
}
