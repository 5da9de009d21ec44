// Opens the database the server runs on: BrokerStar's (DATABASE_URL) or, in demo mode, an embedded
// PostgreSQL in DATA_DIR holding BrokerStar's schema.
import pg from 'pg';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { settleWithin } from '../time-limit.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './embedded.js';
import { createBrokerstarSchema } from './migrate.js';

export interface Database {
  readonly pool: pg.Pool;
  /** Connection string of the database (for a pool of other settings, e.g. migrations). */
  readonly url: string;
  /** True when the server runs on its own embedded demo database. */
  readonly demo: boolean;
  /** True when demo mode just created BrokerStar's (empty) tables. */
  readonly fresh: boolean;
  readonly embedded: EmbeddedServer | undefined;
  close(): Promise<void>;
}

const DEMO_DATABASE = 'brokerstar';

// bigint ids stay strings (they are opaque ids to us); numeric counts are cast in SQL.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

/** Bounds on every wait for the database; 0 = no bound (commands such as migrations and demo data). */
export interface PoolTimeouts {
  /** Longest wait for a free connection (a full pool answers 503 instead of hanging). */
  readonly acquireMs: number;
  /** PostgreSQL's statement_timeout; the client gives up a little later (query_timeout). */
  readonly statementMs: number;
  /** PostgreSQL's idle_in_transaction_session_timeout: a transaction left open is ended. */
  readonly idleInTransactionMs: number;
}

/** Timeouts of the server's pool, from the configuration. */
export const poolTimeoutsOf = (config: Config): PoolTimeouts => ({
  acquireMs: config.pgAcquireTimeoutMs,
  statementMs: config.pgStatementTimeoutMs,
  idleInTransactionMs: config.pgIdleInTransactionTimeoutMs,
});

/** Extra time the client waits for an answer beyond the server's own statement timeout. */
const QUERY_TIMEOUT_MARGIN_MS = 5_000;

export function createPool(url: string, max: number, log?: Logger, timeouts?: PoolTimeouts): pg.Pool {
  const bounded: pg.PoolConfig = timeouts
    ? {
        ...(timeouts.acquireMs > 0 ? { connectionTimeoutMillis: timeouts.acquireMs } : {}),
        ...(timeouts.statementMs > 0
          ? { statement_timeout: timeouts.statementMs, query_timeout: timeouts.statementMs + QUERY_TIMEOUT_MARGIN_MS }
          : {}),
        ...(timeouts.idleInTransactionMs > 0 ? { idle_in_transaction_session_timeout: timeouts.idleInTransactionMs } : {}),
      }
    : {};
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000, application_name: 'brokerstar-dav', ...bounded });
  // Not the error object itself: pg-pool hangs the whole client (connection settings, buffers) on it.
  pool.on('error', (err) => log?.warn({ error: err.message, code: (err as { code?: string }).code }, 'idle database connection failed'));
  // A checked-out connection whose backend goes away (PostgreSQL restarting, a timeout ending the
  // session) emits 'error' with nobody listening, which would end the process; the query in flight
  // fails on its own, and the broken client is discarded when it is released.
  pool.on('connect', (client) => {
    client.on('error', (err) => log?.warn({ error: err.message, code: (err as { code?: string }).code }, 'database connection failed'));
  });
  return pool;
}

/**
 * Ends the pool and waits until every connection has really closed. pg-pool's end() resolves once
 * its clients are told to end, before their sockets close; stopping the embedded PostgreSQL right
 * then kills those backends, and each client reports "terminating connection due to administrator
 * command" as an error.
 */
export async function closePool(pool: pg.Pool, timeoutMs = 5000): Promise<void> {
  let open = pool.totalCount;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) return resolve();
    pool.on('remove', () => {
      if (--open <= 0) resolve();
    });
  });
  // pool.end() waits for checked-out connections to come back; one held by a request that never
  // ends (or a stuck query) must not keep the process alive, so the wait is bounded too.
  const ended = await settleWithin(pool.end().then(() => closed), timeoutMs);
  if (ended?.status === 'rejected') throw ended.reason;
}

/** The database cannot be reached or refuses the login: an operator's mistake, told in one line. */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
}

/** Waiting for the first connection of a command or a starting server (a host that drops packets). */
const CONNECT_TIMEOUT_MS = 15_000;

/** host:port/database of a connection string, never its user or password. */
function whereOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/** One line for why the first connection failed (no stack: the operator fixes a setting). */
export function connectionProblem(err: unknown, url: string): DatabaseUnavailableError | undefined {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const where = whereOf(url);
  let user = '';
  let password = '';
  try {
    const u = new URL(url);
    user = decodeURIComponent(u.username);
    password = u.password;
  } catch {
    // whereOf says DATABASE_URL
  }
  const says = (text: string) => new DatabaseUnavailableError(`${text} (check DATABASE_URL)`);
  switch (code) {
    case 'ECONNREFUSED':
      return says(`cannot connect to the database at ${where}: connection refused; is PostgreSQL running there?`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return says(`cannot connect to the database at ${where}: the host name is unknown`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return says(`cannot connect to the database at ${where}: ${code === 'ETIMEDOUT' ? 'timed out' : 'no route to the host'}`);
    case '28P01':
      return says(`the database at ${where} refused the login of "${user}": ${password ? 'wrong password' : 'no password given'}`);
    case '28000':
      return says(`the database at ${where} refused the login of "${user}": ${message}`);
    case '3D000':
      return says(`the database at ${where} does not exist`);
    default:
  }
  if (/connection timeout|timeout expired/i.test(message)) return says(`cannot connect to the database at ${where}: no answer within ${CONNECT_TIMEOUT_MS / 1000} s`);
  // pg's own words when the server asks for a password the URL does not hold.
  if (/empty password returned by client|client password must be a string/i.test(message)) {
    return says(`the database at ${where} asks for a password and none is given`);
  }
  if (/self[- ]signed certificate|does not support SSL|SSL/i.test(message)) return says(`cannot connect to the database at ${where}: ${message}`);
  return undefined;
}

/**
 * One connection before the pool is made, bounded in time (commands' pools have no bound: demo
 * data and migrations may wait long for a connection); a connection problem becomes
 * DatabaseUnavailableError.
 */
export async function checkConnection(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'brokerstar-dav' });
  client.on('error', () => undefined); // a failed connect rejects below
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw connectionProblem(err, url) ?? err;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * `role: 'server'` takes over an embedded cluster left running by a killed server; `'command'`
 * (CLI commands) uses a running one and leaves it running for the server that owns it.
 */
export async function openDatabase(config: Config, log: Logger, role: 'server' | 'command' = 'server'): Promise<Database> {
  // Commands (migrations, demo data for benchmarks) may run long statements on purpose.
  const timeouts = role === 'server' ? poolTimeoutsOf(config) : undefined;
  if (config.databaseUrl) {
    await checkConnection(config.databaseUrl);
    const pool = createPool(config.databaseUrl, config.dbPoolSize, log, timeouts);
    await pool.query('SELECT 1');
    return { pool, url: config.databaseUrl, demo: false, fresh: false, embedded: undefined, close: () => closePool(pool) };
  }
  log.info({ dataDir: config.dataDir }, 'no DATABASE_URL: starting the embedded PostgreSQL (demo mode)');
  const embedded = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.embeddedPgPort,
    persistent: true,
    takeOver: role === 'server',
    // Only the server creates the demo database; a command on an empty DATA_DIR names the folder.
    create: role === 'server',
    onLog: (line) => log.trace({ pg: line }, 'embedded postgres'),
  });
  try {
    const admin = new pg.Client({ connectionString: embedded.url() });
    await admin.connect();
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DEMO_DATABASE]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${DEMO_DATABASE}`);
    await admin.end();
    const pool = createPool(embedded.url(DEMO_DATABASE), config.dbPoolSize, log, timeouts);
    const fresh = await createBrokerstarSchema(pool);
    return {
      pool,
      url: embedded.url(DEMO_DATABASE),
      demo: true,
      fresh,
      embedded,
      async close() {
        await closePool(pool);
        await embedded.stop();
      },
    };
  } catch (e) {
    await embedded.stop();
    throw e;
  }
}
