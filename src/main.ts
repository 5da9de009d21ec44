// Composition root of `brokerstar-dav serve`: config → logger → database (+ migrations, demo data)
// → store (first render of everything BrokerStar holds) → HTTP server; and the graceful shutdown.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ensureDemoLogin, type DemoLogin } from './auth/demo-login.js';
import { createApp, createStore } from './compose.js';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { migrate } from './db/migrate.js';
import { DEMO_USERNAME, generateDemoData } from './demo/generate.js';
import type { Logger } from './logger.js';

export interface RunningServer {
  readonly url: string;
  readonly demoLogin: DemoLogin | undefined;
  /** Stops accepting, lets requests in flight finish, closes the pool and the embedded PostgreSQL. */
  close(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 10_000;

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const db = await openDatabase(config, log, 'server');
  try {
    const { applied } = await migrate(db.pool);
    if (applied.length) log.info({ applied }, 'migrations applied');
    let demoLogin: DemoLogin | undefined;
    if (db.demo) {
      const { rows } = await db.pool.query<{ empty: boolean }>(
        `SELECT NOT EXISTS (SELECT 1 FROM brokerstar.employee) AND NOT EXISTS (SELECT 1 FROM brokerstar.contact)
            AND NOT EXISTS (SELECT 1 FROM brokerstar.task) AND NOT EXISTS (SELECT 1 FROM brokerstar.appointment) AS empty`,
      );
      if (rows[0]?.empty) {
        log.info('empty demo database: creating a demo broker firm');
        const summary = await generateDemoData(db.pool, {});
        log.info({ summary }, 'demo data created');
      }
      demoLogin = await ensureDemoLogin(db.pool, config.dataDir, DEMO_USERNAME).catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, `no demo login: ${DEMO_USERNAME} is not an active employee here`);
        return undefined;
      });
    }
    const store = createStore(config, db.pool, log);
    const started = Date.now();
    await store.pump.catchUp();
    log.info({ ms: Date.now() - started }, 'BrokerStar data rendered');
    const { app } = createApp(config, db.pool, log, store);
    const server = http.createServer(app);
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/`;
    log.info({ url }, 'listening');
    let closing: Promise<void> | undefined;
    return {
      url,
      demoLogin,
      close() {
        closing ??= (async () => {
          log.info('shutting down');
          const drained = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
          await drained;
          clearTimeout(timer);
          await db.close();
          log.info('stopped');
        })();
        return closing;
      },
    };
  } catch (e) {
    await db.close().catch(() => undefined);
    throw e;
  }
}
