// Health and metrics endpoints, answered without authentication: /livez (the process answers),
// /readyz (PostgreSQL answers and every migration of this version is applied), /healthz (kept as
// it was: the database answers), /metrics.
import type { Request, Response } from 'express';
import type pg from 'pg';
import { loadMigrations } from '../db/migrate.js';
import type { DavStore } from '../storage/types.js';
import { settleWithin } from '../time-limit.js';
import { readBacklog, type Metrics } from './metrics.js';

/** How long /healthz and /readyz wait for PostgreSQL. */
export const HEALTH_TIMEOUT_MS = 1000;

/** 200 when the process is up and the database answers within a second, else 503. */
export function healthHandler(db: pg.Pool) {
  return async (_req: Request, res: Response) => {
    const started = Date.now();
    const answered = await settleWithin(db.query('SELECT 1'), HEALTH_TIMEOUT_MS);
    if (answered?.status === 'fulfilled') {
      res.status(200).json({ status: 'ok', database: 'ok', latencyMs: Date.now() - started });
    } else {
      res.status(503).json({ status: 'unavailable', database: answered ? (answered.reason as Error).message : 'database timeout' });
    }
  };
}

/** Liveness: the process answers HTTP. Never touches the database (restarting does not fix it). */
export function livenessHandler() {
  return (_req: Request, res: Response) => {
    res.status(200).json({ status: 'ok' });
  };
}

export interface ReadinessOptions {
  /** The migrations this version needs (default: the files in migrations/, read once). */
  readonly migrations?: () => Promise<readonly { version: number; name: string }[]>;
  readonly timeoutMs?: number;
}

/**
 * Readiness: 200 when PostgreSQL answers within the timeout and every migration file of this
 * version is recorded in dav.schema_migration; 503 with a short reason otherwise. Migrations of a
 * newer version (applied by instance N+1 during a rolling upgrade) do not make it unready.
 */
export function readinessHandler(db: pg.Pool, options: ReadinessOptions = {}) {
  let expected: Promise<readonly { version: number; name: string }[]> | undefined;
  const needed = () => (expected ??= (options.migrations ?? loadMigrations)().catch((e: unknown) => {
    expected = undefined; // read again next time
    throw e;
  }));
  const timeoutMs = options.timeoutMs ?? HEALTH_TIMEOUT_MS;
  return async (_req: Request, res: Response) => {
    const started = Date.now();
    const unready = (reason: string, database: string) => res.status(503).json({ status: 'unavailable', reason, database });
    const answered = await settleWithin(db.query<{ version: number }>('SELECT version FROM dav.schema_migration'), timeoutMs);
    if (!answered) return unready(`database did not answer within ${timeoutMs} ms`, 'database timeout');
    if (answered.status === 'rejected') {
      const err = answered.reason as Error & { code?: string };
      // 42P01: the table does not exist, so no migration ran on this database.
      if (err.code === '42P01') return unready('migrations not applied: run "brokerstar-dav migrate"', 'ok');
      return unready(`database unreachable: ${err.message}`, err.message);
    }
    let files: readonly { version: number; name: string }[];
    try {
      files = await needed();
    } catch (e) {
      return unready(`migration files unreadable: ${(e as Error).message}`, 'ok');
    }
    const applied = new Set(answered.value.rows.map((r) => Number(r.version)));
    const missing = files.filter((m) => !applied.has(m.version)).map((m) => m.name);
    if (missing.length) return unready(`migrations not applied: ${missing.join(', ')}; run "brokerstar-dav migrate"`, 'ok');
    res.status(200).json({ status: 'ok', database: 'ok', migrations: 'ok', latencyMs: Date.now() - started });
  };
}

export function metricsHandler(metrics: Metrics, db: pg.Pool, store: Pick<DavStore, 'refreshes'>) {
  return async (_req: Request, res: Response) => {
    const pool = { totalCount: db.totalCount, idleCount: db.idleCount, waitingCount: db.waitingCount };
    const text = await metrics.render(pool, store.refreshes, await readBacklog(db));
    res.type(metrics.contentType).send(text);
  };
}
