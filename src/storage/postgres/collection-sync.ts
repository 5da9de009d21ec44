// Keeps each collection's member list (dav.member) equal to what BrokerStar says it holds now:
// when the data it depends on changed (or the day turned, for the appointment cap), one SQL
// statement recomputes the eligible set, diffs it against the stored members and records every
// addition, change and removal with a new sequence number. Sync tokens and getctag name that
// number, so they move exactly when membership or a member changed.
import { randomBytes } from 'node:crypto';
import { inTransaction } from '../../db/transaction.js';
import { zonedToUtc } from '../../dav/filters/zones.js';
import type pg from 'pg';
import type { Logger } from '../../logger.js';
import { formatSyncToken } from '../sync-token.js';
import type { Collection } from '../types.js';
import { MEMBERSHIP_SCOPES, MEMBERSHIP_SQL } from './brokerstar/membership.js';
import type { ChangePump } from './pump.js';
import { named, type Queryable } from './queryable.js';

export interface SyncSettings {
  /** The per-collection cap (MAX_RECORDS). */
  readonly maxRecords: number;
  readonly privateAppointments: 'busy' | 'hidden';
}

/** A collection's sync position after it was brought up to date. */
export interface SyncPosition {
  readonly key: string;
  readonly epoch: string;
  /** Current position (string: int8). */
  readonly seq: string;
  /** Oldest position a token may name. */
  readonly minSeq: string;
  readonly eligible: number;
  readonly served: number;
  readonly capped: boolean;
  readonly changedAt: Date;
  readonly syncToken: string;
}

interface Row {
  key: string | null;
  epoch: string;
  seq: string;
  min_seq: string;
  seen_generation: string;
  settings: string;
  refreshed_on: string | null;
  eligible: number;
  served: number;
  capped: boolean;
  changed_at: Date;
  generation: string;
  pending: boolean;
}

const dependsOnToday = (c: Collection) => c.type === 'events' || c.type === 'shared-events';

export class CollectionSync {
  constructor(
    private readonly pool: pg.Pool,
    private readonly pump: ChangePump,
    private readonly settings: SyncSettings,
    private readonly log: Logger,
  ) {}

  private settingsOf(c: Collection): string {
    // The viewer's language is in here because busy blocks are rendered in it.
    return `cap=${this.settings.maxRecords};private=${this.settings.privateAppointments};lang=${c.home.language}`;
  }

  /**
   * The collection's state, up to date with BrokerStar. A poll on an unchanged collection costs
   * one query (pending changes, generation and position together).
   */
  async state(c: Collection): Promise<SyncPosition> {
    let row = await this.poll(c);
    if (row.pending) {
      await this.pump.catchUp();
      row = await this.poll(c);
    }
    if (this.needsRefresh(c, row)) row = await this.refresh(c);
    return stateOf(row);
  }

  /**
   * For `brokerstar-dav status`: the state brought up to date, unless it was computed with other
   * settings (the server runs with another MAX_RECORDS or PRIVATE_APPOINTMENTS than this command):
   * then the stored state is reported untouched, so a status call never changes what clients see.
   */
  async report(c: Collection): Promise<SyncPosition & { readonly storedSettings: string | undefined }> {
    const row = await this.poll(c);
    if (row.key !== null && row.settings !== this.settingsOf(c)) return { ...stateOf(row), storedSettings: row.settings };
    return { ...(await this.state(c)), storedSettings: undefined };
  }

  /**
   * The hot path of every poll: one prepared statement (parsed and planned once per connection)
   * that says whether anything is pending and where the collection stands.
   */
  private async poll(c: Collection): Promise<Row> {
    const { rows } = await this.pool.query<Row>({
      name: 'dav-collection-poll',
      text: `SELECT c.key, c.epoch, c.seq, c.min_seq, c.seen_generation, c.settings, c.refreshed_on::text AS refreshed_on,
                    c.eligible, c.served, c.capped, c.changed_at,
                    (SELECT max(value) FROM dav.generation WHERE scope = ANY($2)) AS generation,
                    (EXISTS (SELECT 1 FROM dav.change_log)
                     OR EXISTS (SELECT 1 FROM dav.entity WHERE reannounce_due <= now())) AS pending
               FROM (SELECT $1::text AS k) k LEFT JOIN dav.collection c ON c.key = k.k`,
      values: [c.key, MEMBERSHIP_SCOPES[c.type]],
    });
    return rows[0]!;
  }

  /** The collection's row locked for a refresh (serialises refreshes across requests and instances). */
  private async lockRow(db: Queryable, c: Collection): Promise<Row> {
    const { rows } = await db.query<Row>(
      `SELECT c.key, c.epoch, c.seq, c.min_seq, c.seen_generation, c.settings, c.refreshed_on::text AS refreshed_on,
              c.eligible, c.served, c.capped, c.changed_at,
              (SELECT max(value) FROM dav.generation WHERE scope = ANY($2)) AS generation, false AS pending
         FROM dav.collection c WHERE c.key = $1 FOR UPDATE`,
      [c.key, MEMBERSHIP_SCOPES[c.type]],
    );
    return rows[0]!;
  }

  private needsRefresh(c: Collection, row: Row): boolean {
    return (
      row.key === null ||
      BigInt(row.generation) > BigInt(row.seen_generation) ||
      row.settings !== this.settingsOf(c) ||
      (dependsOnToday(c) && row.refreshed_on !== localToday(c.home.timeZone))
    );
  }

  private async refresh(c: Collection): Promise<Row> {
    const done = await inTransaction(this.pool, async (client) => {
      await client.query(`INSERT INTO dav.collection (key, epoch) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, [
        c.key,
        randomBytes(8).toString('hex'),
      ]);
      // Serialises refreshes of one collection across requests and server instances; the
      // generation is read before the members, so a change landing meanwhile triggers another.
      const before = await this.lockRow(client, c);
      if (!this.needsRefresh(c, before)) return { row: before };
      const { text, values } = named(DIFF_SQL(MEMBERSHIP_SQL[c.type]), {
        key: c.key,
        viewer: c.home.id,
        owner: c.owner.id,
        cap: this.settings.maxRecords,
        today: startOfToday(c.home.timeZone),
        lang: c.home.language,
        mode: this.settings.privateAppointments,
      });
      const { rows } = await client.query<{ last_seq: string | null; served: number; eligible: number; changes: number }>(text, values);
      const diff = rows[0]!;
      const capped = diff.eligible > diff.served;
      const { rows: after } = await client.query<Row>(
        `UPDATE dav.collection SET seq = coalesce($2::bigint, seq), seen_generation = $3, settings = $4,
                refreshed_on = $8::date, eligible = $5, served = $6, capped = $7, refreshed_at = now(),
                changed_at = CASE WHEN $2::bigint IS NULL THEN changed_at ELSE now() END
          WHERE key = $1
          RETURNING key, epoch, seq, min_seq, seen_generation, settings, refreshed_on::text AS refreshed_on, eligible, served, capped,
                    changed_at, seen_generation AS generation, false AS pending`,
        [c.key, diff.last_seq, before.generation, this.settingsOf(c), diff.eligible, diff.served, capped, localToday(c.home.timeZone)],
      );
      return { row: after[0]!, diff, newlyCapped: capped && !before.capped };
    });
    const { diff } = done;
    if (diff && done.newlyCapped) {
      this.log.warn(
        { collection: c.key, user: c.home.username, eligible: diff.eligible, served: diff.served, cap: this.settings.maxRecords },
        'collection reached MAX_RECORDS: only the first items by priority are served',
      );
    }
    if (diff && diff.changes > 0) this.log.debug({ collection: c.key, changes: diff.changes }, 'collection changed');
    return done.row;
  }
}

/** Today's date (YYYY-MM-DD) where the employee is: the appointment cap turns with his day. */
function localToday(timeZone: string): string {
  const f = dayFormat(timeZone);
  return f ? f.format(new Date()) : new Date().toISOString().slice(0, 10);
}

// One formatter per zone: building an Intl.DateTimeFormat costs more than the rest of a poll's
// own work, and every poll of a calendar asks for the employee's day.
const dayFormats = new Map<string, Intl.DateTimeFormat | null>();
function dayFormat(timeZone: string): Intl.DateTimeFormat | null {
  let f = dayFormats.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short' });
    } catch {
      f = null; // not a zone Intl knows: UTC
    }
    dayFormats.set(timeZone, f);
  }
  return f;
}

/** The instant today began in the employee's zone (the appointment cap's "today"). */
function startOfToday(timeZone: string): Date {
  const [y, m, d] = localToday(timeZone).split('-').map(Number) as [number, number, number];
  return new Date(zonedToUtc(timeZone, y, m, d));
}

function stateOf(row: Row): SyncPosition {
  return {
    key: row.key!,
    epoch: row.epoch,
    seq: row.seq,
    minSeq: row.min_seq,
    eligible: row.eligible,
    served: row.served,
    capped: row.capped,
    changedAt: row.changed_at,
    syncToken: formatSyncToken(row.epoch, row.seq),
  };
}

/**
 * The eligible set (membership SQL) against the stored members: upsert what is new or has another
 * ETag, tombstone what left, each with a fresh sequence number. One statement, nothing shipped to
 * Node.
 */
const DIFF_SQL = (membership: string) => `
  WITH fresh AS MATERIALIZED (${membership}),
  served AS (SELECT * FROM fresh WHERE etag IS NOT NULL),
  upserted AS (
    INSERT INTO dav.member AS m (collection, name, entity_kind, entity_id, view, etag, seq, changed_at)
    SELECT :key::text, f.name, f.entity_kind, f.entity_id, f.view, f.etag, nextval('dav.member_seq'), now()
      FROM served f
      LEFT JOIN dav.member old ON old.collection = :key::text AND old.name = f.name
     WHERE old.etag IS DISTINCT FROM f.etag
    ON CONFLICT (collection, name) DO UPDATE SET
      entity_kind = EXCLUDED.entity_kind, entity_id = EXCLUDED.entity_id, view = EXCLUDED.view,
      etag = EXCLUDED.etag, seq = EXCLUDED.seq, changed_at = EXCLUDED.changed_at
    RETURNING m.seq),
  removed AS (
    UPDATE dav.member m SET etag = NULL, seq = nextval('dav.member_seq'), changed_at = now()
     WHERE m.collection = :key::text AND m.etag IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM served f WHERE f.name = m.name)
    RETURNING m.seq)
  SELECT (SELECT max(seq) FROM (SELECT seq FROM upserted UNION ALL SELECT seq FROM removed) s)::text AS last_seq,
         (SELECT count(*) FROM served)::int AS served,
         coalesce((SELECT max(eligible) FROM fresh), 0)::int AS eligible,
         ((SELECT count(*) FROM upserted) + (SELECT count(*) FROM removed))::int AS changes`;
