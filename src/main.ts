// Composition root of `brokerstar-dav serve`: config → logger → database (+ migrations, demo data)
// → store (first render of everything BrokerStar holds) → HTTP server; and the graceful shutdown.
import net, { type AddressInfo } from 'node:net';
import { ensureDemoLogin, type DemoLogin } from './auth/demo-login.js';
import { createApp, createStore } from './compose.js';
import type { Config } from './config.js';
import { closePool, createPool, openDatabase } from './db/database.js';
import { migrate } from './db/migrate.js';
import { Notifications } from './db/notifications.js';
import { DEMO_USERNAME, generateDemoData } from './demo/generate.js';
import { createHttpServer } from './http/server.js';
import type { Logger } from './logger.js';
import { startPushDispatcher } from './push/dispatcher.js';
import { brokerstarIsEmpty } from './storage/postgres/brokerstar/presence.js';
import { settleWithin } from './time-limit.js';

export interface RunningServer {
  readonly url: string;
  readonly demoLogin: DemoLogin | undefined;
  /** The setup portal's address, when it is on. */
  readonly portalUrl: string | undefined;
  /** Stops accepting, lets requests in flight finish, closes the pool and the embedded PostgreSQL. */
  close(): Promise<void>;
}

// After the grace period, what is still running (a background pass) gets this long to finish.
const SHUTDOWN_FINISH_MS = 5_000;
// Requests process pending BrokerStar changes themselves; this background pass only keeps a bulk
// import in BrokerStar from making the next client request wait for its rendering.
const BACKGROUND_PUMP_MS = 2_000;

/** The server cannot start for a reason the operator fixes (a taken port): the CLI prints one line. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** One line for a failed listen(). */
export function listenProblem(err: unknown, host: string, port: number): Error {
  const code = (err as { code?: unknown } | null)?.code;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (code === 'EADDRINUSE') return new StartupError(`cannot listen on ${where}: the port is in use by another program (another brokerstar-dav?); stop it or set PORT`);
  if (code === 'EACCES') return new StartupError(`cannot listen on ${where}: permission denied (ports below 1024 need privileges); set PORT, e.g. 8008 behind a reverse proxy`);
  if (code === 'EADDRNOTAVAIL') return new StartupError(`cannot listen on ${where}: ${host} is not an address of this machine; set HOST`);
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Tries the port before anything else starts: a taken port is reported at once, not after the
 * migrations and the first render, and never after taking over (and then stopping) the embedded
 * PostgreSQL of the server that holds the port.
 */
async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err) => reject(listenProblem(err, host, port)));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  await checkPortFree(config.host, config.port);
  const db = await openDatabase(config, log, 'server');
  // Migrations and demo data may run statements longer than the server's statement timeout.
  const setup = createPool(db.url, 4, log);
  try {
    const { applied } = await migrate(setup);
    if (applied.length) log.info({ applied }, 'migrations applied');
    let demoLogin: DemoLogin | undefined;
    if (db.demo) {
      if (await brokerstarIsEmpty(setup)) {
        log.info('empty demo database: creating a demo broker firm');
        const summary = await generateDemoData(setup, {});
        log.info({ summary }, 'demo data created');
      }
      demoLogin = await ensureDemoLogin(db.pool, config.dataDir, DEMO_USERNAME).catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, `no demo login: ${DEMO_USERNAME} is not an active employee here`);
        return undefined;
      });
    }
    await closePool(setup);
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
    // Revokes and employee changes reach this instance's login cache from every other one.
    const notifications = new Notifications(db.url, log);
    await notifications.start();
    const { app } = createApp(config, db.pool, log, store, { notifications });
    const { server, shutdown } = createHttpServer(app, config, log);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(listenProblem(err, config.host, config.port)));
      server.listen(config.port, config.host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/`;
    log.info({ url }, 'listening');
    // WebDAV-Push: phones hear of changes within seconds, BrokerStar's own writes included.
    const push = config.webdavPush ? startPushDispatcher({ pool: db.pool, store, config, log }) : undefined;
    let closing: Promise<void> | undefined;
    return {
      url,
      demoLogin,
      portalUrl: config.setupPortal ? `${config.publicUrl ?? url.replace(/\/$/, '')}/setup/` : undefined,
      close() {
        closing ??= (async () => {
          log.info('shutting down');
          clearInterval(background);
          await shutdown(config.shutdownGraceMs);
          await push?.stop();
          // A background pass still running must not hold the stop beyond the grace either.
          const finished = await settleWithin(store.pump.idle(), SHUTDOWN_FINISH_MS);
          if (finished?.status === 'rejected') throw finished.reason;
          await notifications.stop();
          await db.close();
          log.info('stopped');
        })();
        return closing;
      },
    };
  } catch (e) {
    await closePool(setup).catch(() => undefined);
    await db.close().catch(() => undefined);
    throw e;
  }
}
