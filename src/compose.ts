// Wires the server's parts from a Config and a database pool; main.ts, the CLI and the tests all
// build the same graph through here.
import type pg from 'pg';
import { buildApp } from './app.js';
import { AuditLog } from './audit/audit-log.js';
import { Lockout } from './auth/lockout.js';
import type { Config } from './config.js';
import type { Notifications } from './db/notifications.js';
import { Metrics } from './http/metrics.js';
import type { RenderOptions } from './ical/index.js';
import type { Logger } from './logger.js';
import { readMostlyPolicy } from './policy/read-mostly.js';
import { PostgresStore } from './storage/postgres/store.js';
import type { ContactRef } from './domain/records.js';

export function renderOptionsOf(config: Config): RenderOptions {
  return {
    contactUrl: (c: ContactRef) =>
      config.contactUrlTemplate.replaceAll('{id}', encodeURIComponent(c.id)).replaceAll('{customerNo}', encodeURIComponent(c.customerNo ?? c.id)),
  };
}

/** `now`: the clock the employees' days are read from (tests move it to age items out of the sync windows). */
export function createStore(config: Config, pool: pg.Pool, log: Logger, clock: { readonly now?: () => Date } = {}): PostgresStore {
  return new PostgresStore({
    pool,
    log,
    maxRecords: config.maxRecords,
    privateAppointments: config.privateAppointments,
    syncPastDays: config.syncPastDays,
    syncDoneTasksDays: config.syncDoneTasksDays,
    ...(clock.now ? { now: clock.now } : {}),
    birthdayCalendar: config.birthdayCalendar,
    myCustomersBook: config.myCustomersBook,
    retentionDays: config.syncRetentionDays,
    auditRetentionDays: config.auditRetentionDays,
    photoMaxPixels: config.photoMaxPixels,
    renderOptions: renderOptionsOf(config),
    reannounceMinIntervalSeconds: config.reannounceMinIntervalSeconds,
    bodyCacheMb: config.bodyCacheMb,
  });
}

export interface AppExtras {
  /** Cross-instance cache invalidation (main.ts starts it for `serve`); tests may go without. */
  readonly notifications?: Pick<Notifications, 'subscribe'>;
}

export function createApp(config: Config, pool: pg.Pool, log: Logger, store = createStore(config, pool, log), extras: AppExtras = {}) {
  const lockout = new Lockout(pool, {
    addressThreshold: config.authLockoutThreshold,
    userThreshold: config.authLockoutUserThreshold,
    seconds: config.authLockoutSeconds,
  });
  const audit = new AuditLog(pool, log);
  const app = buildApp({
    config,
    log,
    pool,
    store,
    policy: readMostlyPolicy({ clientEdits: config.clientEdits }),
    lockout,
    metrics: new Metrics(),
    ...(extras.notifications ? { notifications: extras.notifications } : {}),
    onRefusal: (req, err) => audit.refused(req, { status: err.status, reason: err.messageKey ?? err.message, detail: err.auditDetail }),
  });
  return { app, store, audit };
}
