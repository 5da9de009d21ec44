// The test server most tests start: a fresh database with the employee anna.meier, who sends the
// requests, plus whatever rows the test adds.
import { builders } from './builders.js';
import type { TestDatabase } from './database.js';
import { startTestServer, type TestServer, type TestServerOptions } from './server.js';

export const ANNA = 'anna.meier';

export type Builders = ReturnType<typeof builders>;

export interface AnnaSeed {
  /** The builders bound to the test database. */
  readonly b: Builders;
  /** anna.meier's employee id. */
  readonly anna: string;
  readonly db: TestDatabase;
}

/**
 * startTestServer with anna.meier added first and as the default user; `seed` adds the rest of
 * BrokerStar's rows before the server starts. `opts` may set another default user (or none).
 */
export function startAnnaServer(seed?: (s: AnnaSeed) => Promise<void>, opts: Omit<TestServerOptions, 'seed'> = {}): Promise<TestServer> {
  return startTestServer({
    user: ANNA,
    ...opts,
    seed: async (db) => {
      const b = builders(db.pool);
      const anna = await b.addEmployee({ username: ANNA });
      await seed?.({ b, anna, db });
    },
  });
}
