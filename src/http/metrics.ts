// The /metrics text: the process's counters and histograms (src/metrics.ts, prom-client) plus this
// application's gauges read at scrape time: pool connections, collection refreshes, uptime, and the
// change backlog (dav.change_log, a bounded query with a time limit).
import type pg from 'pg';
import { Gauge, Registry } from 'prom-client';
import { observeRequest, registry } from '../metrics.js';
import { settleWithin } from '../time-limit.js';

/** The backlog is counted up to this many rows: a scrape never counts a huge table. */
export const BACKLOG_COUNT_LIMIT = 100_000;
/** A scrape waits this long for the backlog query, then leaves the backlog gauges out. */
const BACKLOG_TIMEOUT_MS = 1000;

export interface Backlog {
  /** Rows waiting in dav.change_log, at most BACKLOG_COUNT_LIMIT. */
  readonly rows: number;
  /** Age of the oldest waiting row in seconds, 0 when none waits. */
  readonly oldestSeconds: number;
}

/** The change backlog, or undefined when the database does not answer within a second. */
export async function readBacklog(db: Pick<pg.Pool, 'query'>): Promise<Backlog | undefined> {
  const answered = await settleWithin(
    db.query<{ rows: number; oldest: number | null }>(
      `SELECT (SELECT count(*) FROM (SELECT 1 FROM dav.change_log LIMIT ${BACKLOG_COUNT_LIMIT}) s)::int AS rows,
              extract(epoch FROM now() - (SELECT logged_at FROM dav.change_log ORDER BY id LIMIT 1))::float8 AS oldest`,
    ),
    BACKLOG_TIMEOUT_MS,
  );
  if (answered?.status !== 'fulfilled') return undefined;
  const row = answered.value.rows[0];
  return row ? { rows: row.rows, oldestSeconds: Math.max(0, row.oldest ?? 0) } : undefined;
}

export class Metrics {
  private readonly started = Date.now();

  /** One finished request; `report` is the REPORT's body element (Clark name) when known. */
  observe(method: string, status: number, seconds: number, report?: unknown): void {
    observeRequest(method, status, seconds, report);
  }

  readonly contentType = registry.contentType;

  async render(
    pool: { totalCount: number; idleCount: number; waitingCount: number },
    refreshes?: Readonly<{ full: number; incremental: number }>,
    backlog?: Backlog,
  ): Promise<string> {
    const app = new Registry();
    const registers = [app];
    const connections = new Gauge({ name: 'brokerstar_dav_db_connections', help: 'Database pool connections by state.', labelNames: ['state'] as const, registers });
    connections.set({ state: 'total' }, pool.totalCount);
    connections.set({ state: 'idle' }, pool.idleCount);
    connections.set({ state: 'waiting' }, pool.waitingCount);
    new Gauge({ name: 'brokerstar_dav_uptime_seconds', help: 'Seconds since this application started.', registers }).set(Math.round((Date.now() - this.started) / 1000));
    if (refreshes) {
      // A counter read from the store: a Gauge object here, exposed with the counter type below.
      const c = new Gauge({ name: 'brokerstar_dav_collection_refreshes_total', help: 'Collections brought up to date with BrokerStar, by how.', labelNames: ['mode'] as const, registers });
      c.set({ mode: 'full' }, refreshes.full);
      c.set({ mode: 'incremental' }, refreshes.incremental);
    }
    if (backlog) {
      new Gauge({ name: 'brokerstar_dav_change_backlog', help: `BrokerStar changes waiting for the change pump (dav.change_log rows, counted up to ${BACKLOG_COUNT_LIMIT}).`, registers }).set(backlog.rows);
      new Gauge({ name: 'brokerstar_dav_change_backlog_oldest_seconds', help: 'Age of the oldest change waiting for the change pump (0 when none waits).', registers }).set(backlog.oldestSeconds);
    }
    const own = (await app.metrics()).replace('# TYPE brokerstar_dav_collection_refreshes_total gauge', '# TYPE brokerstar_dav_collection_refreshes_total counter');
    return `${await registry.metrics()}\n${own}`;
  }
}
