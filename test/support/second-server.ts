// Another server process over a test server's database: a restart, or a second instance with other settings.
import { createApp } from '../../src/compose.js';
import type { Config } from '../../src/config.js';
import { createPool } from '../../src/db/database.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { basicAuth } from './basic-auth.js';
import { listenOnLoopback } from './listen.js';
import type { TestServer } from './server.js';

export interface SecondServerOptions {
  /** Settings that differ from the test server's. */
  readonly config?: Partial<Config>;
  readonly log?: Logger;
  readonly poolSize?: number;
}

export async function startSecondServer(dav: TestServer, opts: SecondServerOptions = {}) {
  const pool = createPool(dav.db.url, opts.poolSize ?? 5);
  const { app, store } = createApp({ ...dav.config, ...opts.config }, pool, opts.log ?? createLogger('silent'));
  const server = await listenOnLoopback(app);
  return {
    url: server.url,
    store,
    /** The Authorization header for `user`, with the app password the test server made. */
    async authorization(user: string): Promise<string> {
      return basicAuth(user, await dav.passwordOf(user));
    },
    async close(): Promise<void> {
      await server.close();
      await pool.end();
    },
  };
}
