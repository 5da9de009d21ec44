// The DavStore over PostgreSQL: BrokerStar's tables (read through brokerstar/), the change pump
// and the per-collection member lists the server keeps in its own schema.
import type pg from 'pg';
import type { RenderOptions } from '../../ical/index.js';
import type { Logger } from '../../logger.js';
import { formatSyncToken, parseSyncToken } from '../sync-token.js';
import type {
  CalendarPrefilter,
  ChangeEntry,
  ChangeSet,
  Collection,
  CollectionPreference,
  PreferenceUpdate,
  CollectionState,
  CollectionStatus,
  DavObject,
  DavStore,
  ObjectOptions,
  Principal,
  PushAdvertisement,
  PushRegisterOutcome,
  PushRegistration,
  UpdateOutcome,
  UpdateRequest,
} from '../types.js';
import { isAddressBook } from '../types.js';
import { principalById, principalByUsername, sharedCalendarOwners } from './brokerstar/principals.js';
import { ownCollections, sharedCollection } from './catalog.js';
import { CollectionSync, type RefreshCounts, type SyncSettings } from './collection-sync.js';
import { bodyCacheOf, type BodyCache } from './body-cache.js';
import { objectsWithCache, rowsWithCachedBodies } from './cached-bodies.js';
import { CURSOR_BATCH, objectSql, streamRows, toObject, type ObjectRow } from './objects.js';
import { ChangePump } from './pump/change-pump.js';
import { updateObject } from './client-edits.js';
import { loadCollectionPreferences, updateCollectionPreference } from './collection-preferences.js';
import { deleteSubscription, loadOrCreatePushKey, saveSubscription, type PushKeyRow } from './push-subscriptions.js';
import { MAX_SUBSCRIPTIONS_PER_EMPLOYEE } from '../../push/limits.js';
import { topicOf } from '../../push/topic.js';
import webpush from 'web-push';
import { unusableRecurrenceRules, type UnusableRule } from './unusable-rules.js';

export interface PostgresStoreOptions extends SyncSettings {
  readonly pool: pg.Pool;
  readonly log: Logger;
  readonly retentionDays: number;
  /** Days audit rows are kept (AUDIT_RETENTION_DAYS); unset = kept for ever. */
  readonly auditRetentionDays?: number;
  readonly photoMaxPixels: number;
  readonly renderOptions: RenderOptions;
  /** Seconds between two re-announcements of one item (a looping client cannot flood the log). */
  readonly reannounceMinIntervalSeconds?: number;
  /** MY_CUSTOMERS_BOOK: the "Meine Kunden" address book is offered. */
  readonly myCustomersBook: boolean;
  /** BODY_CACHE_MB: megabytes of rendered bodies kept in memory for every employee; 0 or unset = off. */
  readonly bodyCacheMb?: number;
}

const COMPONENT_OF: Record<Collection['type'], CalendarPrefilter['component']> = {
  contacts: null,
  'my-customers': null,
  events: 'VEVENT',
  birthdays: 'VEVENT',
  'shared-events': 'VEVENT',
  tasks: 'VTODO',
};

export class PostgresStore implements DavStore {
  readonly pump: ChangePump;
  private readonly sync: CollectionSync;
  private readonly pool: pg.Pool;
  /** Rendered bodies by ETag, shared by all employees (undefined: BODY_CACHE_MB=0). */
  readonly bodyCache: BodyCache | undefined;

  constructor(private readonly opts: PostgresStoreOptions) {
    this.pool = opts.pool;
    this.bodyCache = bodyCacheOf(opts.bodyCacheMb ?? 0);
    this.pump = new ChangePump({
      pool: opts.pool,
      renderOptions: opts.renderOptions,
      photoMaxPixels: opts.photoMaxPixels,
      retentionDays: opts.retentionDays,
      auditRetentionDays: opts.auditRetentionDays,
      log: opts.log,
    });
    this.sync = new CollectionSync(opts.pool, this.pump, opts, opts.log);
  }

  principalByUsername(username: string): Promise<Principal | undefined> {
    return principalByUsername(this.pool, username);
  }

  /** Read on every request (not cached): an employee made inactive in BrokerStar is refused at once. */
  principalById(id: string): Promise<Principal | undefined> {
    return principalById(this.pool, id);
  }

  async collections(home: Principal): Promise<Collection[]> {
    const shared = await sharedCalendarOwners(this.pool, home.id, this.opts.retentionDays);
    return [...ownCollections(home, this.opts), ...shared.map((s) => sharedCollection(home, s))];
  }

  async findCollection(home: Principal, area: 'calendar' | 'addressbook', slug: string): Promise<Collection | undefined> {
    const own = ownCollections(home, this.opts).find((c) => c.slug === slug && isAddressBook(c.type) === (area === 'addressbook'));
    if (own || area === 'addressbook') return own;
    return (await this.collections(home)).find((c) => c.slug === slug && c.type === 'shared-events');
  }

  /** How many collection refreshes recomputed in full or caught up incrementally (for /metrics). */
  get refreshes(): Readonly<RefreshCounts> {
    return this.sync.refreshes;
  }

  /** Work the store started in the background and has not finished (an ANALYZE), if any. */
  get backgroundWork(): Promise<void> | undefined {
    return this.sync.analyzing;
  }

  async refreshState(c: Collection): Promise<CollectionState> {
    const s = await this.sync.refreshPosition(c);
    return { syncToken: s.syncToken, count: s.served };
  }

  listObjects(c: Collection, opts: ObjectOptions): AsyncIterable<DavObject> {
    return objectsWithCache(this.pool, this.bodyCache, c, opts);
  }

  async getObjects(c: Collection, names: readonly string[], opts: ObjectOptions): Promise<Map<string, DavObject>> {
    const out = new Map<string, DavObject>();
    if (names.length === 0) return out;
    for await (const o of objectsWithCache(this.pool, this.bodyCache, c, opts, { where: 'm.name = ANY(:names::text[])', params: { names } }, true)) {
      out.set(o.name, o);
    }
    return out;
  }

  queryCalendar(c: Collection, f: CalendarPrefilter, opts: ObjectOptions): AsyncIterable<DavObject> {
    const component = COMPONENT_OF[c.type];
    if (f.component !== null && f.component !== component) return (async function* () {})();
    const range = component === 'VEVENT' ? f.timeRange : null;
    if (!range || (range.start === null && range.end === null)) return objectsWithCache(this.pool, this.bodyCache, c, opts);
    // Decided in SQL from the stored instances (dav.occurrence) when they cover the range and were
    // read in this calendar's zone: RFC 4791 §9.9 per instance, a zero-length one overlapping when
    // it starts inside. Otherwise a superset by the occurrence span widened by two days, which the
    // report re-checks with the reference matcher.
    const exact = `((e.date_zone IS NULL OR e.date_zone = :tz::text)
          AND (e.occ_from IS NULL OR (:start::timestamptz IS NOT NULL AND :start::timestamptz >= e.occ_from))
          AND (e.occ_until IS NULL OR (:end::timestamptz IS NOT NULL AND :end::timestamptz <= e.occ_until)
               OR (:end::timestamptz IS NULL AND :start::timestamptz IS NOT NULL AND :start::timestamptz <= e.occ_until)))`;
    // An open-ended range over a series that goes on past the stored instances always overlaps.
    const hit = `((:end::timestamptz IS NULL AND e.occ_until IS NOT NULL)
          OR EXISTS (SELECT 1 FROM dav.occurrence o WHERE o.entity_id = e.id
               AND (:end::timestamptz IS NULL OR o.starts_at < :end::timestamptz)
               AND (:start::timestamptz IS NULL OR CASE WHEN o.ends_at > o.starts_at THEN o.ends_at > :start::timestamptz
                                                       ELSE o.starts_at >= :start::timestamptz END)))`;
    return objectsWithCache(this.pool, this.bodyCache, c, opts, {
      where: `((${exact} AND ${hit}) OR (NOT ${exact}
          AND (:start::timestamptz IS NULL OR coalesce(e.range_end, 'infinity') + interval '2 days' >= :start::timestamptz)
          AND (:end::timestamptz IS NULL OR e.range_start - interval '2 days' <= :end::timestamptz)))`,
      exactColumn: exact,
      ...(f.bodiesOnlyWhenInexact ? { bodyUnless: exact } : {}),
      params: { start: range.start, end: range.end, tz: c.owner.timeZone },
    });
  }

  async reannounce(c: Collection, name: string, opts: { delaySeconds: number; reason: string }): Promise<boolean> {
    const interval = this.opts.reannounceMinIntervalSeconds ?? 60;
    // Within the interval the announcement is deferred to its end, not dropped: the client that
    // deleted locally still gets the item back, but at most once per interval.
    const { rows } = await this.pool.query<{ immediate: boolean }>(
      `UPDATE dav.entity e
          SET reannounce_due = least(coalesce(e.reannounce_due, 'infinity'),
                                     greatest(now() + make_interval(secs => $3),
                                              coalesce(e.reannounced_at + make_interval(secs => $4), '-infinity')))
         FROM dav.member m
        WHERE m.collection = $1 AND m.name = $2 AND m.etag IS NOT NULL
          AND e.kind = m.entity_kind AND e.id = m.entity_id
        RETURNING (e.reannounced_at IS NULL OR e.reannounced_at <= now() - make_interval(secs => $4)) AS immediate`,
      [c.key, name, opts.delaySeconds, interval],
    );
    const immediate = rows[0]?.immediate ?? false;
    this.opts.log.info({ collection: c.key, name, reason: opts.reason, immediate }, 'item re-announced');
    return immediate;
  }

  async changesSince(c: Collection, token: string | null, opts: ObjectOptions & { limit?: number }): Promise<ChangeSet | 'invalid'> {
    const s = await this.sync.refreshPosition(c);
    const current = BigInt(s.seq);
    let from = 0n;
    // Where the initial sync this request continues started (undefined: an incremental sync).
    let initialAt: bigint | undefined = token === null ? current : undefined;
    if (token !== null) {
      const p = parseSyncToken(token, s.epoch);
      if (p === undefined || p.seq > current || (p.initialAt ?? 0n) > current) return 'invalid';
      // Too old when removals the client needs were pruned: for a continuation of an initial sync
      // only those after its start count (earlier ones concern items it never received).
      if ((p.initialAt ?? p.seq) < BigInt(s.minSeq)) return 'invalid';
      from = p.seq;
      initialAt = p.initialAt;
    }
    // The token names the current position (the common poll): nothing can lie after it.
    if (token !== null && from === current) return { syncToken: s.syncToken, truncated: false, entries: entriesOf([]) };
    // Initial sync: present members only; later: every member touched after the token, removed
    // ones included. Bounded above by the position read, so nothing is skipped by a concurrent refresh.
    const q = {
      where: `m.seq > :from::bigint AND m.seq <= :to::bigint`,
      params: { from: from.toString(), to: s.seq },
      orderBy: 'm.seq',
      limit: opts.limit !== undefined ? opts.limit + 1 : undefined,
      includeRemoved: token !== null,
    };
    const { text, values } = objectSql(c, opts, q);
    const pool = this.pool;
    // Bodies asked for and the cache on: names and ETags from PostgreSQL, bodies from memory.
    const cached = opts.withBody && this.bodyCache ? rowsWithCachedBodies(pool, this.bodyCache, c, opts, q) : undefined;
    if (opts.limit !== undefined) {
      // Streamed like the unlimited answer: a limit of 100,000 must not read 100,000 bodies into memory.
      const rows = cached ?? streamRows<ObjectRow>(pool, text, values, opts.withBody ? CURSOR_BATCH.withBody : CURSOR_BATCH.withoutBody);
      return limitedChanges(rows, opts.limit, s.syncToken, (seq) => formatSyncToken(s.epoch, seq, initialAt));
    }
    return {
      syncToken: s.syncToken,
      truncated: false,
      // An initial sync (or one with bodies) can be the whole collection: streamed. An incremental
      // one without bodies is what every poll asks, usually for nothing: one plain query.
      entries: entriesOf(
        cached ??
        (token === null || opts.withBody
          ? streamRows<ObjectRow>(pool, text, values, opts.withBody ? CURSOR_BATCH.withBody : CURSOR_BATCH.withoutBody)
          : (await pool.query<ObjectRow>(text, values)).rows),
      ),
    };
  }

  updateObject(c: Collection, name: string, req: UpdateRequest): Promise<UpdateOutcome> {
    return updateObject(
      {
        pool: this.pool,
        log: this.opts.log,
        renderOptions: this.opts.renderOptions,
        catchUp: () => this.pump.catchUp(),
      },
      c,
      name,
      req,
    );
  }

  collectionPreferences(home: Principal): Promise<ReadonlyMap<string, CollectionPreference>> {
    return loadCollectionPreferences(this.pool, home);
  }

  updateCollectionPreference(c: Collection, req: PreferenceUpdate): Promise<void> {
    return updateCollectionPreference({ pool: this.pool, log: this.opts.log }, c, req);
  }

  async status(home: Principal): Promise<CollectionStatus[]> {
    const out: CollectionStatus[] = [];
    for (const c of await this.collections(home)) {
      const s = await this.sync.report(c);
      out.push({
        collection: c,
        eligible: s.eligible,
        served: s.served,
        capped: s.capped,
        lastChanged: s.changedAt,
        syncToken: s.syncToken,
        ...(s.storedSettings !== undefined ? { storedSettings: s.storedSettings } : { outsideWindow: await this.sync.outsideWindow(c) }),
      });
    }
    return out;
  }

  private pushKeyRow: Promise<PushKeyRow> | undefined;

  /** WebDAV-Push's VAPID key pair and topic secret, made once in the database (push-subscriptions.ts). */
  pushKeys(): Promise<PushKeyRow> {
    this.pushKeyRow ??= loadOrCreatePushKey(this.pool, () => webpush.generateVAPIDKeys()).catch((e: unknown) => {
      this.pushKeyRow = undefined; // a database hiccup is not remembered
      throw e;
    });
    return this.pushKeyRow;
  }

  async pushAdvertisement(c: Collection): Promise<PushAdvertisement> {
    const keys = await this.pushKeys();
    return { vapidPublicKey: keys.vapidPublic, topic: topicOf(keys.topicSecret, c.key) };
  }

  async registerPush(req: PushRegistration): Promise<PushRegisterOutcome> {
    // Only changes after the registration are sent: the subscriber starts at today's token.
    const { syncToken } = await this.refreshState(req.collection);
    const saved = await saveSubscription(
      this.pool,
      {
        employeeId: req.user.id,
        appPasswordId: req.appPasswordId,
        collectionKey: req.collection.key,
        endpoint: req.endpoint,
        p256dh: req.p256dh,
        authSecret: req.authSecret,
        expiresAt: req.expiresAt,
        currentToken: syncToken,
      },
      MAX_SUBSCRIPTIONS_PER_EMPLOYEE,
    );
    return saved.kind === 'saved' ? { kind: 'registered', id: saved.id, expiresAt: saved.expiresAt, created: saved.created } : saved;
  }

  unregisterPush(user: Principal, id: string): Promise<boolean> {
    return deleteSubscription(this.pool, user.id, id);
  }

  /** Appointments served as single ones because their rule is unusable (for `brokerstar-dav status`). */
  unusableRecurrenceRules(): Promise<UnusableRule[]> {
    return unusableRecurrenceRules(this.pool);
  }
}

/**
 * A limited sync as it streams: at most `limit` entries go out; whether there were more (the
 * query reads one beyond the limit), and so the token that continues the sync, is known once the
 * entries are consumed, which is when the multistatus writes the token.
 */
function limitedChanges(rows: AsyncIterable<ObjectRow>, limit: number, fullToken: string, tokenAt: (seq: string) => string): ChangeSet {
  let truncated = false;
  let syncToken = fullToken;
  async function* entries(): AsyncGenerator<ChangeEntry> {
    let sent = 0;
    let lastSeq: string | undefined;
    for await (const r of rows) {
      if (sent === limit) {
        truncated = true;
        if (lastSeq !== undefined) syncToken = tokenAt(lastSeq);
        break; // returns the cursor at once
      }
      sent++;
      lastSeq = r.seq;
      yield { name: r.name, object: toObject(r) ?? null };
    }
  }
  return {
    get syncToken() {
      return syncToken;
    },
    get truncated() {
      return truncated;
    },
    entries: entries(),
  };
}

async function* entriesOf(rows: AsyncIterable<ObjectRow> | Iterable<ObjectRow>): AsyncGenerator<ChangeEntry> {
  for await (const r of rows) {
    // A member whose entity vanished after the refresh is reported as removed; the next refresh
    // tombstones it anyway.
    yield { name: r.name, object: toObject(r) ?? null };
  }
}
