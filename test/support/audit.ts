// Where the audit log (dav.audit_log) stands, so a test can read the rows its own requests add.
import type { TestServer } from './server.js';

/** The id of the newest audit row ('0' while there is none). */
export async function lastAuditId(dav: TestServer): Promise<string> {
  const { rows } = await dav.db.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM dav.audit_log');
  return rows[0]!.id;
}
