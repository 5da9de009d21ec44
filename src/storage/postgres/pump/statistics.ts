// After a bulk render (first start, an import) the planner must know the tables' new size, or it
// picks nested loops over thousands of rows until autovacuum gets round to it.
import type { Queryable } from '../queryable.js';

const BULK_ROWS = 1000;

export class PlannerStatistics {
  /** Rows written since the planner statistics were last refreshed. */
  private written = 0;

  wrote(rows: number): void {
    this.written += rows;
  }

  /** ANALYZE once more than BULK_ROWS rows were written since the last time. */
  async refreshAfterBulk(db: Queryable): Promise<void> {
    if (this.written <= BULK_ROWS) return;
    this.written = 0;
    await db.query('ANALYZE dav.entity, dav.entity_body, dav.occurrence, dav.member');
  }
}
