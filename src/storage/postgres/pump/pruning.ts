// The hourly pruning: sync history past SYNC_RETENTION_DAYS, the generation log, audit rows past
// AUDIT_RETENTION_DAYS (docs/change-tracking.md "Retention").
import type pg from 'pg';
import { AuditLog } from '../../../audit/audit-log.js';
import type { Logger } from '../../../logger.js';

// How long the items each generation touched are kept (a collection idle for longer recomputes in full).
const GENERATION_LOG_DAYS = 7;

/** Drops tombstones older than the retention; tokens from before them become invalid. */
export async function pruneSyncHistory(pool: pg.Pool, retentionDays: number, log: Logger): Promise<void> {
  const { rowCount } = await pool.query(
    `WITH gone AS (
         DELETE FROM dav.member WHERE etag IS NULL AND changed_at < now() - make_interval(days => $1)
         RETURNING collection, seq)
       UPDATE dav.collection c SET min_seq = greatest(c.min_seq, g.max_seq)
         FROM (SELECT collection, max(seq) AS max_seq FROM gone GROUP BY collection) g
        WHERE c.key = g.collection`,
    [retentionDays],
  );
  if (rowCount) log.info({ collections: rowCount, retentionDays }, 'old sync history pruned');
  // Collections that saw nothing newer than the pruned log recompute in full.
  await pool.query(
    `WITH gone AS (DELETE FROM dav.generation_log WHERE logged_at < now() - interval '${GENERATION_LOG_DAYS} days' RETURNING scope, generation)
       UPDATE dav.generation g SET logged_since = greatest(g.logged_since, x.last)
         FROM (SELECT scope, max(generation) AS last FROM gone GROUP BY scope) x
        WHERE g.scope = x.scope`,
  );
}

/** Deletes audit rows past AUDIT_RETENTION_DAYS (unset: kept for ever). */
export async function pruneAuditLog(pool: pg.Pool, days: number | undefined, log: Logger): Promise<number> {
  if (days === undefined) return 0;
  const deleted = await new AuditLog(pool, log).prune(days);
  if (deleted) log.info({ deleted, auditRetentionDays: days }, 'old audit log rows pruned');
  return deleted;
}
