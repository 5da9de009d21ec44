// The change pump: renders what BrokerStar touched into dav.entity, applies due re-announcements
// and bumps the generation of each kind of data so collections know to recompute their members
// (docs/change-tracking.md). Runs before a request reads collection state, so a BrokerStar write
// is visible to the next client request; one pass at a time across all server instances (lock.ts).
import type pg from 'pg';
import { publish } from '../../../db/notifications.js';
import type { RenderOptions } from '../../../ical/index.js';
import type { Logger } from '../../../logger.js';
import { countPumpPass } from '../../../metrics.js';
import type { Queryable } from '../queryable.js';
import { changesWaiting, LOG_BATCH, takeChanges } from './change-log.js';
import { escapeStoredBodies } from './escaped-bodies.js';
import { moveInstanceWindows } from './instance-windows.js';
import { inPumpTransaction } from './lock.js';
import { pruneAuditLog, pruneSyncHistory } from './pruning.js';
import type { RenderContext } from './render-chunk.js';
import { renderTouched } from './render-touched.js';
import { PlannerStatistics } from './statistics.js';

export interface PumpDeps {
  readonly pool: pg.Pool;
  readonly renderOptions: RenderOptions;
  readonly photoMaxPixels: number;
  readonly retentionDays: number;
  /** Days audit rows are kept (AUDIT_RETENTION_DAYS); unset = kept for ever. */
  readonly auditRetentionDays?: number;
  readonly log: Logger;
}

const MAINTAIN_EVERY_MS = 3600_000;

export class ChangePump {
  private queue: Promise<unknown> = Promise.resolve();
  private lastMaintenance = 0;
  private readonly statistics = new PlannerStatistics();
  private readonly render: RenderContext;

  constructor(private readonly deps: PumpDeps) {
    const { renderOptions, photoMaxPixels, log } = deps;
    this.render = { renderOptions, photoMaxPixels, log, statistics: this.statistics };
  }

  /** One cheap query: do BrokerStar changes or due re-announcements wait? */
  async pending(db: Queryable = this.deps.pool): Promise<boolean> {
    return changesWaiting(db);
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
      const taken = await this.runPass();
      if (taken === 0) break;
      countPumpPass(taken);
      passes++;
      more = taken >= LOG_BATCH;
    }
    if (passes > 1) this.deps.log.info({ passes, ms: Date.now() - started }, 'change log processed');
    await this.statistics.refreshAfterBulk(this.deps.pool);
  }

  /**
   * One transaction: take a batch of the log, render, store, bump generations. Returns how many
   * log rows or due re-announcements it took (the larger), 0 when idle.
   */
  private async runPass(): Promise<number> {
    return inPumpTransaction(this.deps.pool, async (client) => {
      const { touched, taken } = await takeChanges(client);
      if (taken > 0) await renderTouched(client, touched, this.render);
      // Every instance drops the changed employees' cached logins when this pass commits (many: all).
      if (touched.all || touched.employees.size > 50) await publish(client, { kind: 'employee-changed', employeeId: undefined });
      else for (const employeeId of touched.employees) await publish(client, { kind: 'employee-changed', employeeId });
      return taken;
    });
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
  pruneAuditLog(): Promise<number> {
    return pruneAuditLog(this.deps.pool, this.deps.auditRetentionDays, this.deps.log);
  }

  /** Fills the XML-escaped form of bodies stored before it was kept (migration 006). */
  escapeStoredBodies(): Promise<number> {
    return escapeStoredBodies(this.deps.pool);
  }

  /** Moves the stored instance windows along to `now` (instance-windows.ts). */
  moveInstanceWindows(now = new Date()): Promise<number> {
    return moveInstanceWindows(this.deps.pool, now);
  }

  /** Drops tombstones older than the retention; tokens from before them become invalid. */
  prune(): Promise<void> {
    return pruneSyncHistory(this.deps.pool, this.deps.retentionDays, this.deps.log);
  }
}
