// Health and metrics endpoints, answered without authentication.
import type { Request, Response } from 'express';
import type pg from 'pg';
import type { DavStore } from '../storage/types.js';
import { settleWithin } from '../time-limit.js';
import type { Metrics } from './metrics.js';

/** 200 when the process is up and the database answers within a second, else 503. */
export function healthHandler(db: pg.Pool) {
  return async (_req: Request, res: Response) => {
    const started = Date.now();
    const answered = await settleWithin(db.query('SELECT 1'), 1000);
    if (answered?.status === 'fulfilled') {
      res.status(200).json({ status: 'ok', database: 'ok', latencyMs: Date.now() - started });
    } else {
      res.status(503).json({ status: 'unavailable', database: answered ? (answered.reason as Error).message : 'database timeout' });
    }
  };
}

export function metricsHandler(metrics: Metrics, db: pg.Pool, store: Pick<DavStore, 'refreshes'>) {
  return (_req: Request, res: Response) => {
    const pool = { totalCount: db.totalCount, idleCount: db.idleCount, waitingCount: db.waitingCount };
    res.type('text/plain; version=0.0.4').send(metrics.render(pool, store.refreshes));
  };
}
