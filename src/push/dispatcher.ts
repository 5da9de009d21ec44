// The WebDAV-Push dispatcher: a background loop that notices when a subscribed collection's sync
// token moves (BrokerStar wrote, a client edit, a membership change) and sends every subscriber
// one encrypted message with the collection's topic and new token.
//
// - No client request is needed: each pass runs the change pump itself and then brings the
//   subscribed collections up to date (tokens move lazily, on refresh: collection-sync.ts).
// - One instance at a time: a pass holds an advisory lock (push-subscriptions.ts); what was sent is
//   in the database (last_token), so whichever instance runs next sends nothing twice.
// - One message per burst: a new token is sent once it has stayed the same for SETTLE_MS, or at
//   the latest MAX_HOLD_MS after it was first seen.
// - Bounded: collections per pass, subscribers per collection, deliveries in flight, a timeout on
//   every request; 404/410 drops a subscription, other failures are retried a few times.
import os from 'node:os';
import type pg from 'pg';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { countPushDelivery } from '../metrics.js';
import {
  anyLiveSubscription,
  collectionsWithRetries,
  deleteExpiredSubscriptions,
  dropSubscription,
  dueSubscriptions,
  generationMark,
  markFailed,
  markSent,
  releasePushLock,
  subscribedCollections,
  tryPushLock,
  type DueSubscription,
  type SubscribedCollection,
} from '../storage/postgres/push-subscriptions.js';
import type { PostgresStore } from '../storage/postgres/store.js';
import type { Collection } from '../storage/types.js';
import {
  ATTEMPTS_PER_CHANGE,
  DROP_AFTER_FAILURES,
  FULL_CHECK_MS,
  MAX_COLLECTIONS_PER_PASS,
  MAX_HOLD_MS,
  MAX_SUBSCRIBERS_PER_COLLECTION,
  SEND_CONCURRENCY,
  SETTLE_MS,
  TICK_MS,
  UPKEEP_MS,
} from './limits.js';
import { pushMessageXml } from './message.js';
import { deliver, vapidSubjectOf, type VapidKeys } from './sender.js';
import { topicOf } from './topic.js';

export interface DispatcherDeps {
  readonly pool: pg.Pool;
  readonly store: PostgresStore;
  readonly config: Pick<Config, 'vapidSubject' | 'publicUrl'>;
  readonly log: Logger;
  /** Tests: a shorter request timeout towards push services. */
  readonly sendTimeoutMs?: number;
}

/** A token seen but not sent yet, waiting for its burst to end. */
interface Pending {
  readonly token: string;
  readonly changedAt: number;
  readonly firstSeen: number;
  readonly employeeId: string;
}

/** A collection to look at in this pass; `retry`: a subscriber waits for a failed delivery to be tried again. */
interface Work extends SubscribedCollection {
  readonly retry: boolean;
}

// An employee's collections are looked up again after this long (a share granted or revoked).
const COLLECTIONS_TTL_MS = 60_000;

export class PushDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private lastMark: string | undefined;
  private lastFullCheck = 0;
  private lastUpkeep = 0;
  /** The token this instance last saw sent (or found nothing to send for), per collection key. */
  private readonly settled = new Map<string, string>();
  private readonly pending = new Map<string, Pending>();
  private readonly collections = new Map<string, { readonly at: number; readonly list: Promise<Collection[] | undefined> }>();

  constructor(private readonly deps: DispatcherDeps) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Stops the loop and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => this.schedule());
    }, TICK_MS);
    this.timer.unref();
  }

  /** One pass, if no other instance is in one; never throws (logged, tried again next tick). */
  async tick(now = Date.now()): Promise<void> {
    let client: pg.PoolClient | undefined;
    let locked = false;
    try {
      // Nobody subscribed: one cheap query a tick, no lock, no pump pass (the requests run it).
      const upkeepDue = now - this.lastUpkeep >= UPKEEP_MS;
      if (!upkeepDue && this.pending.size === 0 && !(await anyLiveSubscription(this.deps.pool))) return;
      client = await this.deps.pool.connect();
      locked = await tryPushLock(client);
      if (locked) await this.pass(now);
    } catch (err) {
      this.deps.log.error({ err }, 'push dispatch failed');
    } finally {
      if (client && locked) {
        await releasePushLock(client).then(
          () => client!.release(),
          (e: unknown) => client!.release(e as Error), // a connection that cannot unlock is not reused
        );
      } else client?.release();
    }
  }

  private async pass(now: number): Promise<void> {
    const { pool, store, log } = this.deps;
    if (now - this.lastUpkeep >= UPKEEP_MS) {
      this.lastUpkeep = now;
      const expired = await deleteExpiredSubscriptions(pool);
      if (expired > 0) log.info({ expired }, 'expired push subscriptions deleted');
    }
    // BrokerStar's writes are rendered here even when no phone asks (docs/change-tracking.md).
    await store.pump.catchUp();
    const mark = await generationMark(pool);
    const work = new Map<string, Work>();
    if (mark !== this.lastMark || now - this.lastFullCheck >= FULL_CHECK_MS) {
      this.lastMark = mark;
      this.lastFullCheck = now;
      for (const s of await subscribedCollections(pool, MAX_COLLECTIONS_PER_PASS)) work.set(s.collectionKey, { ...s, retry: false });
      // What is no longer subscribed is forgotten, so the memory stays as small as the subscriptions.
      for (const key of this.settled.keys()) if (!work.has(key)) this.settled.delete(key);
      for (const [id, cached] of this.collections) if (now - cached.at >= COLLECTIONS_TTL_MS) this.collections.delete(id);
    }
    for (const [key, p] of this.pending) if (!work.has(key)) work.set(key, { collectionKey: key, employeeId: p.employeeId, retry: false });
    for (const s of await collectionsWithRetries(pool, ATTEMPTS_PER_CHANGE, MAX_COLLECTIONS_PER_PASS)) work.set(s.collectionKey, { ...s, retry: true });
    if (work.size === 0) return;
    const keys = await store.pushKeys();
    const vapid: VapidKeys = { publicKey: keys.vapidPublic, privateKey: keys.vapidPrivate, subject: vapidSubjectOf(this.deps.config, os.hostname()) };
    for (const item of work.values()) {
      if (this.stopped) return;
      const c = await this.collectionOf(item, now);
      if (!c) {
        this.pending.delete(item.collectionKey);
        continue;
      }
      const { syncToken } = await store.refreshState(c);
      if (!this.ready(item, syncToken, now)) continue;
      await this.sendAll(c.key, syncToken, topicOf(keys.topicSecret, c.key), vapid);
    }
  }

  /**
   * Whether the collection's token should go out now: it differs from what was last handled and
   * has settled (or waited long enough). Otherwise it stays pending for the next tick.
   */
  private ready(item: Work, token: string, now: number): boolean {
    const key = item.collectionKey;
    const p = this.pending.get(key);
    if (p === undefined && this.settled.get(key) === token) return item.retry; // the database says who still waits
    if (p === undefined || p.token !== token) {
      const firstSeen = p?.firstSeen ?? now;
      if (now - firstSeen < MAX_HOLD_MS) {
        this.pending.set(key, { token, changedAt: now, firstSeen, employeeId: item.employeeId });
        return false;
      }
    } else if (now - p.changedAt < SETTLE_MS && now - p.firstSeen < MAX_HOLD_MS) {
      return false;
    }
    this.pending.delete(key);
    this.settled.set(key, token);
    return true;
  }

  private async sendAll(key: string, token: string, topic: string, vapid: VapidKeys): Promise<void> {
    const { pool, log } = this.deps;
    const due = await dueSubscriptions(pool, key, token, MAX_SUBSCRIBERS_PER_COLLECTION);
    const payload = pushMessageXml(topic, token);
    await inParallel(due, SEND_CONCURRENCY, log, async (s: DueSubscription) => {
      const d = await deliver(s, payload, vapid, { topic, ...(this.deps.sendTimeoutMs ? { timeoutMs: this.deps.sendTimeoutMs } : {}) });
      if (d.kind === 'sent') {
        await markSent(pool, s.id, token);
        countPushDelivery('sent');
      } else if (d.kind === 'gone') {
        if (await dropSubscription(pool, s.id)) countPushDelivery('dropped');
        log.info({ subscription: s.id, status: d.status }, 'push subscription gone at the push service: dropped');
      } else {
        countPushDelivery('failed');
        const dropped = await markFailed(pool, s.id, token, ATTEMPTS_PER_CHANGE, DROP_AFTER_FAILURES);
        if (dropped) countPushDelivery('dropped');
        log.warn({ subscription: s.id, why: d.why, dropped }, 'push delivery failed');
      }
    });
  }

  /** The collection a subscription names, as its employee sees it now (undefined: gone, or he left). */
  private async collectionOf(item: SubscribedCollection, now: number): Promise<Collection | undefined> {
    const cached = this.collections.get(item.employeeId);
    const fresh = cached && now - cached.at < COLLECTIONS_TTL_MS ? cached : this.loadCollections(item.employeeId, now);
    const found = (await fresh.list)?.find((c) => c.key === item.collectionKey);
    // A calendar shared a moment ago is not in a list loaded before: looked up again, once a pass.
    if (found || fresh.at === now) return found;
    return (await this.loadCollections(item.employeeId, now).list)?.find((c) => c.key === item.collectionKey);
  }

  private loadCollections(employeeId: string, now: number) {
    const { store } = this.deps;
    const list = (async () => {
      const p = await store.principalById(employeeId);
      return p ? store.collections(p) : undefined;
    })();
    const entry = { at: now, list };
    this.collections.set(employeeId, entry);
    list.catch(() => this.collections.delete(employeeId));
    return entry;
  }
}

/**
 * Runs `fn` over `items` with at most `limit` at once, and returns only when every one has ended:
 * a failure (logged) must not leave deliveries running after the pass released its lock.
 */
async function inParallel<T>(items: readonly T[], limit: number, log: Logger, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      await fn(items[next++]!).catch((err: unknown) => log.error({ err }, 'push delivery bookkeeping failed'));
    }
  });
  await Promise.all(workers);
}

/** Starts the dispatcher (main.ts, when WEBDAV_PUSH is on); `stop()` ends it. */
export function startPushDispatcher(deps: DispatcherDeps): PushDispatcher {
  const d = new PushDispatcher(deps);
  d.start();
  return d;
}
