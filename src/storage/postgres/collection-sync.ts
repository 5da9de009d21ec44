// Keeps each collection's member list (dav.member) equal to what BrokerStar says it holds now:
// when the data it depends on changed (or the day turned, for the appointment cap), one SQL
// statement recomputes the eligible set, diffs it against the stored members and records every
// addition, change and removal with a new sequence number. Sync tokens and getctag name that
// number, so they move exactly when membership or a member changed.
import { randomBytes } from 'node:crypto';
import { inTransaction } from '../../db/transaction.js';
import { localToday, startOfToday } from '../../calendar/employee-day.js';
import { windowStart } from '../../calendar/sync-window.js';
import type pg from 'pg';
import type { Logger } from '../../logger.js';
import { formatSyncToken } from '../sync-token.js';
import type { Collection } from '../types.js';
import { MEMBERSHIP_SCOPES, MEMBERSHIP_SQL, OUTSIDE_WINDOW_SQL } from './brokerstar/membership.js';
import { refreshAddressBookIncrementally, touchedSince } from './incremental-refresh.js';
import { MEMBER_DIFF_SQL, NOT_IN_FRESH, type DiffResult, type RefreshResult } from './member-diff.js';
import type { ChangePump } from './pump/change-pump.js';
import { named, type Queryable } from './queryable.js';

export interface SyncSettings {
  /** The per-collection cap (MAX_RECORDS). */
  readonly maxRecords: number;
  readonly privateAppointments: 'busy' | 'hidden';
  /** SYNC_PAST_DAYS: appointments that ended before the window's first day are not served (0: all are). */
  readonly syncPastDays: number;
  /** SYNC_DONE_TASKS_DAYS: done or cancelled tasks closed before the window's first day are not served (0: all are). */
  readonly syncDoneTasksDays: number;
  /** The clock the employee's day is read from (tests move it to age items out); default: the system clock. */
  readonly now?: () => Date;
  /** BIRTHDAY_CALENDAR: which contacts' birthdays the birthdays calendar holds ('off': no calendar). */
  readonly birthdayCalendar: 'all' | 'mine' | 'off';
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
  /** False after incremental refreshes of a capped address book: `eligible` is a lower bound. */
  readonly eligibleExact: boolean;
  readonly served: number;
  readonly capped: boolean;
  readonly changedAt: Date;
  readonly syncToken: string;
}

/** A row of dav.collection with the generation of changes it has seen and whether more are pending. */
interface CollectionRow {
  key: string | null;
  epoch: string;
  seq: string;
  min_seq: string;
  seen_generation: string;
  settings: string;
  refreshed_on: string | null;
  eligible: number;
  eligible_exact: boolean;
  served: number;
  capped: boolean;
  changed_at: Date;
  generation: string;
  pending: boolean;
}

/** How collections were brought up to date since the start (for /metrics and tests). */
export interface RefreshCounts {
  full: number;
  incremental: number;
}

const ANALYZE_AFTER_CHANGES = 1000;

/** Appointments: the cap order and the past window; tasks: the done window, when there is one. */
const dependsOnToday = (c: Collection, s: SyncSettings) =>
  c.type === 'events' || c.type === 'shared-events' || (c.type === 'tasks' && s.syncDoneTasksDays > 0);

export class CollectionSync {
  constructor(
    private readonly pool: pg.Pool,
    private readonly pump: ChangePump,
    private readonly settings: SyncSettings,
    private readonly log: Logger,
  ) {}

  readonly refreshes: RefreshCounts = { full: 0, incremental: 0 };

  private now(): Date {
    return this.settings.now?.() ?? new Date();
  }

  /** For `status`: items the collection leaves out because of its sync window (0 for kinds without one). */
  async outsideWindow(c: Collection): Promise<number> {
    const sql = OUTSIDE_WINDOW_SQL[c.type];
    if (!sql) return 0;
    const { text, values } = named(sql, { viewer: c.home.id, owner: c.owner.id, mode: this.settings.privateAppointments, ...windowParams(c, this.settings, this.now()) });
    const { rows } = await this.pool.query<{ outside: number }>(text, values);
    return rows[0]!.outside;
  }

  private settingsOf(c: Collection): string {
    // The viewer's language is in here because busy blocks are rendered in it; `rank` names the
    // cap order's encoding in dav.member.rank (another one: every collection recomputes in full).
    const birthdays = c.type === 'birthdays' ? `;birthdays=${this.settings.birthdayCalendar}` : '';
    return `cap=${this.settings.maxRecords};private=${this.settings.privateAppointments};lang=${c.home.language};rank=1${birthdays}${windowSetting(c, this.settings)}`;
  }

  /**
   * The collection's state, up to date with BrokerStar. A poll on an unchanged collection costs
   * one query (pending changes, generation and position together).
   */
  async refreshPosition(c: Collection): Promise<SyncPosition> {
    let row = await this.poll(c);
    if (row.pending) {
      await this.pump.catchUp(true);
      row = await this.poll(c);
    }
    if (this.needsRefresh(c, row)) row = await this.refresh(c, false, row.key !== null);
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
    const s = await this.refreshPosition(c);
    // After incremental refreshes the number of eligible items may be a lower bound: count it.
    if (!s.eligibleExact) return { ...stateOf(await this.refresh(c, true)), storedSettings: undefined };
    return { ...s, storedSettings: undefined };
  }

  /**
   * The hot path of every poll: one prepared statement (parsed and planned once per connection)
   * that says whether anything is pending and where the collection stands.
   */
  private async poll(c: Collection): Promise<CollectionRow> {
    const { rows } = await this.pool.query<CollectionRow>({
      name: 'dav-collection-poll',
      text: `SELECT c.key, c.epoch, c.seq, c.min_seq, c.seen_generation, c.settings, c.refreshed_on::text AS refreshed_on,
                    c.eligible, c.eligible_exact, c.served, c.capped, c.changed_at,
                    (SELECT max(value) FROM dav.generation WHERE scope = ANY($2)) AS generation,
                    (EXISTS (SELECT 1 FROM dav.change_log)
                     OR EXISTS (SELECT 1 FROM dav.entity WHERE reannounce_due <= now())) AS pending
               FROM (SELECT $1::text AS k) k LEFT JOIN dav.collection c ON c.key = k.k`,
      values: [c.key, MEMBERSHIP_SCOPES[c.type]],
    });
    return rows[0]!;
  }

  /** The collection's row locked for a refresh (serialises refreshes across requests and instances). */
  private async lockRow(db: Queryable, c: Collection): Promise<CollectionRow | undefined> {
    const { rows } = await db.query<CollectionRow>(
      `SELECT c.key, c.epoch, c.seq, c.min_seq, c.seen_generation, c.settings, c.refreshed_on::text AS refreshed_on,
              c.eligible, c.eligible_exact, c.served, c.capped, c.changed_at,
              (SELECT max(value) FROM dav.generation WHERE scope = ANY($2)) AS generation, false AS pending
         FROM dav.collection c WHERE c.key = $1 FOR UPDATE`,
      [c.key, MEMBERSHIP_SCOPES[c.type]],
    );
    return rows[0];
  }

  private needsRefresh(c: Collection, row: CollectionRow): boolean {
    return (
      row.key === null ||
      BigInt(row.generation) > BigInt(row.seen_generation) ||
      row.settings !== this.settingsOf(c) ||
      (dependsOnToday(c, this.settings) && row.refreshed_on !== localToday(c.home.timeZone, this.now()))
    );
  }

  /**
   * `full`: recompute even when nothing changed (the exact count for `status`); `exists`: the
   * poll saw the collection's row (then it is only created here if it vanished meanwhile).
   */
  private async refresh(c: Collection, full = false, exists = false): Promise<CollectionRow> {
    const done = await inTransaction(this.pool, async (client) => {
      // Serialises refreshes of one collection across requests and server instances; the
      // generation is read before the members, so a change landing meanwhile triggers another.
      let before = exists ? await this.lockRow(client, c) : undefined;
      if (!before) {
        await client.query(`INSERT INTO dav.collection (key, epoch) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, [
          c.key,
          randomBytes(8).toString('hex'),
        ]);
        before = (await this.lockRow(client, c))!;
      }
      if (!full && !this.needsRefresh(c, before)) return { row: before };
      const diff = (!full && (await this.incremental(client, c, before))) || (await this.recompute(client, c));
      const capped = diff.eligible > diff.served;
      const { rows: after } = await client.query<CollectionRow>(
        `UPDATE dav.collection SET seq = coalesce($2::bigint, seq), seen_generation = $3, settings = $4,
                refreshed_on = $8::date, eligible = $5, served = $6, capped = $7, eligible_exact = $9, refreshed_at = now(),
                changed_at = CASE WHEN $2::bigint IS NULL THEN changed_at ELSE now() END
          WHERE key = $1
          RETURNING key, epoch, seq, min_seq, seen_generation, settings, refreshed_on::text AS refreshed_on, eligible, eligible_exact,
                    served, capped, changed_at, seen_generation AS generation, false AS pending`,
        [c.key, diff.last_seq, before.generation, this.settingsOf(c), diff.eligible, diff.served, capped, localToday(c.home.timeZone, this.now()), diff.eligibleExact],
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
    if (diff && diff.changes >= ANALYZE_AFTER_CHANGES) this.analyzeMembers();
    return done.row;
  }

  /** The running ANALYZE of dav.member, if any (tests wait for it). */
  analyzing: Promise<void> | undefined;

  /**
   * A collection filled for the first time (or changed in bulk) is news to the planner, which
   * then walks all its members for a lookup by name (an incremental refresh took 12 ms instead
   * of 1) until autovacuum analyses the table. In the background, one at a time per process, and
   * skipped while another session analyses it: requests never wait for it.
   */
  private analyzeMembers(): void {
    if (this.analyzing) return;
    this.analyzing = this.pool
      .query('ANALYZE (SKIP_LOCKED) dav.member')
      .then(() => undefined)
      .catch((err: Error) => this.log.warn({ err: err.message }, 'ANALYZE dav.member failed'))
      .finally(() => {
        this.analyzing = undefined;
      });
  }

  /**
   * An address book whose last refresh had the same settings, when the contacts BrokerStar
   * changed since are known and few: only those are re-checked (incremental-refresh.ts).
   */
  private async incremental(db: Queryable, c: Collection, before: CollectionRow): Promise<RefreshResult | undefined> {
    if (c.type !== 'contacts' || before.key === null || before.settings !== this.settingsOf(c)) return undefined;
    const ids = await touchedSince(db, 'contact', before.seen_generation, before.generation);
    if (!ids) return undefined;
    const diff = await refreshAddressBookIncrementally(db, {
      key: c.key,
      viewer: c.home.id,
      ids,
      state: {
        cap: this.settings.maxRecords,
        served: before.served,
        eligible: before.eligible,
        eligibleExact: before.eligible_exact,
        capped: before.capped,
      },
    });
    if (diff) this.refreshes.incremental++;
    return diff;
  }

  /** Every item the collection may hold, ranked and capped anew (membership SQL). */
  private async recompute(db: Queryable, c: Collection): Promise<RefreshResult> {
    const now = this.now();
    const { text, values } = named(MEMBER_DIFF_SQL(MEMBERSHIP_SQL[c.type], NOT_IN_FRESH), {
      key: c.key,
      viewer: c.home.id,
      owner: c.owner.id,
      cap: this.settings.maxRecords,
      today: startOfToday(c.home.timeZone, now),
      ...windowParams(c, this.settings, now),
      lang: c.home.language,
      mode: this.settings.privateAppointments,
      birthdays: this.settings.birthdayCalendar,
    });
    const { rows } = await db.query<DiffResult>(text, values);
    this.refreshes.full++;
    return { ...rows[0]!, eligibleExact: true };
  }
}

function stateOf(row: CollectionRow): SyncPosition {
  return {
    key: row.key!,
    epoch: row.epoch,
    seq: row.seq,
    minSeq: row.min_seq,
    eligible: row.eligible,
    eligibleExact: row.eligible_exact,
    served: row.served,
    capped: row.capped,
    changedAt: row.changed_at,
    syncToken: formatSyncToken(row.epoch, row.seq),
  };
}

/** The window a collection was computed with, in its settings (another window: a full recompute). */
function windowSetting(c: Collection, s: SyncSettings): string {
  if (c.type === 'events' || c.type === 'shared-events') return `;past=${s.syncPastDays}`;
  if (c.type === 'tasks') return `;done=${s.syncDoneTasksDays}`;
  return '';
}

/**
 * The sync window parameters of the membership SQL, from the viewer's day: null where the kind
 * has no window or it is 0. Every kind gets all three (a query takes only those it names).
 */
function windowParams(c: Collection, s: SyncSettings, now: Date) {
  const past = c.type === 'events' || c.type === 'shared-events' ? windowStart(c.home.timeZone, s.syncPastDays, now) : undefined;
  const done = c.type === 'tasks' ? windowStart(c.home.timeZone, s.syncDoneTasksDays, now) : undefined;
  return { past_from: past?.instant ?? null, past_from_date: past?.date ?? null, done_from: done?.instant ?? null };
}
