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
// Requests process pending BrokerStar changes themselves; this background pass only keeps a bulk
// import in BrokerStar from making the next client request wait for its rendering.
const BACKGROUND_PUMP_MS = 2_000;

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
    const background = setInterval(() => {
      store.pump
        .catchUp()
        .then(() => store.pump.maintainIfDue())
        .catch((err: unknown) => log.error({ err }, 'background change processing failed'));
    }, BACKGROUND_PUMP_MS);
    background.unref();
    const { app } = createApp(config, db.pool, log, store);
    let stopping = false;
    const server = http.createServer((req, res) => {
      // A request that arrives on an open connection while stopping is answered, then the
      // connection closes.
      if (stopping) res.setHeader('Connection', 'close');
      app(req, res);
    });
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
          clearInterval(background);
          stopping = true;
          const drained = new Promise<void>((resolve) => server.close(() => resolve()));
          // server.close() ends only the connections idle right now; a keep-alive connection whose
          // request is in flight would stay open after its answer until the client hangs up. Sweep
          // them as they fall idle, so the process ends as soon as the last answer is out.
          server.closeIdleConnections();
          const sweep = setInterval(() => server.closeIdleConnections(), 100);
          const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
          await drained;
          clearInterval(sweep);
          clearTimeout(timer);
          await store.pump.idle();
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
