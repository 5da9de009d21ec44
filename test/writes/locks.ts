// Interleaving a client's PUT with BrokerStar's own writes: wait until a statement of the server
// blocks on a lock the test holds, then let BrokerStar write, then release.
import type { TestServer } from '../support/server.js';

/** Resolves once a session of the test database waits for a lock in a statement containing `query`. */
export async function waitingOnLock(dav: TestServer, query: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const { rows } = await dav.db.query(
      `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`,
      [`%${query}%`],
    );
    if (rows.length) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never saw a session waiting in ${query}`);
}
