// Where the audit log (dav.audit_log) stands, so a test can read the rows its own requests add.
import type pg from 'pg';
import type { TestServer } from './server.js';

/** The id of the newest audit row ('0' while there is none). */
export async function lastAuditId(dav: TestServer): Promise<string> {
  const { rows } = await dav.db.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM dav.audit_log');
  return rows[0]!.id;
}

/** The audit rows after `id`, once there are at least `count` (refusals are written after the answer). */
export async function auditSince<Row extends pg.QueryResultRow>(dav: TestServer, id: string, count: number): Promise<Row[]> {
  // Refusals are written after the answer: wait briefly for them.
  for (let i = 0; i < 80; i++) {
    const { rows } = await dav.db.query<Row>('SELECT * FROM dav.audit_log WHERE id > $1 ORDER BY id', [id]);
    if (rows.length >= count) return rows;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`expected ${count} audit rows after ${id}`);
}
