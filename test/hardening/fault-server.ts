// A server for the fault tests: the real app in the real HTTP server of src/http/server.ts (its
// timeouts and write watchdog), on a pool with the production timeouts, over a fresh test
// database; plus raw-socket helpers for clients that misbehave.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { createAppPassword } from '../../src/auth/app-passwords.js';
import { createApp } from '../../src/compose.js';
import { testConfig, type Config } from '../../src/config.js';
import { closePool, createPool, poolTimeoutsOf } from '../../src/db/database.js';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import type { PostgresStore } from '../../src/storage/postgres/store.js';
import { basicAuth } from '../support/basic-auth.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

export interface FaultServer {
  readonly port: number;
  readonly url: string;
  readonly db: TestDatabase;
  /** The server's own pool (not the test database's). */
  readonly pool: pg.Pool;
  readonly config: Config;
  readonly store: PostgresStore;
  authorization(username: string): Promise<string>;
  /** Connections checked out of the server's pool, and requests waiting for one. */
  busy(): { checkedOut: number; waiting: number };
  close(): Promise<void>;
}

export async function startFaultServer(opts: { config?: Partial<Config>; seed?: (db: TestDatabase) => Promise<void>; db?: TestDatabase } = {}): Promise<FaultServer> {
  const db = opts.db ?? (await createTestDatabase());
  if (opts.seed) await opts.seed(db);
  const config = testConfig({ authCacheSeconds: 600, ...opts.config });
  const log = createLogger(config.logLevel);
  const pool = createPool(db.url, config.dbPoolSize, log, poolTimeoutsOf(config));
  const { app, store } = createApp(config, pool, log);
  const { server, shutdown } = createHttpServer(app, config, log);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const passwords = new Map<string, Promise<string>>();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    db,
    pool,
    config,
    store,
    async authorization(username) {
      let p = passwords.get(username);
      if (!p) passwords.set(username, (p = createAppPassword(db.pool, username, 'faults')));
      return basicAuth(username, await p);
    },
    busy: () => ({ checkedOut: pool.totalCount - pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      await shutdown(0);
      await closePool(pool, 2000);
      if (!opts.db) await db.drop();
    },
  };
}

/** A raw HTTP/1.1 request text with a Content-Length body. */
export function rawRequest(method: string, path: string, headers: Record<string, string>, body = ''): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  if (body !== '' || method === 'PUT' || method === 'REPORT' || method === 'PROPFIND') lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

export function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves when `socket` closes (from either side). */
export const closed = (socket: net.Socket): Promise<void> =>
  new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

/** Polls `probe` every 20 ms until it is true; the milliseconds it took, or Infinity after `limitMs`. */
export async function waitUntil(probe: () => boolean | Promise<boolean>, limitMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if (await probe()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Infinity;
}

/** Backends of the database doing something other than waiting idle for a query (this probe excluded). */
export async function busyBackends(db: TestDatabase): Promise<{ state: string; query: string }[]> {
  const { rows } = await db.query<{ state: string; query: string }>(
    `SELECT state, left(query, 80) AS query FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'brokerstar-dav'
        AND state IS DISTINCT FROM 'idle'`,
  );
  return rows;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Reads HTTP/1.1 responses off a raw socket one after another (Content-Length or chunked bodies,
 * 1xx interim answers returned like any other), so a test sees exactly what one connection carries.
 */
export class ResponseReader {
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  ended = false;

  constructor(socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private more(): Promise<void> {
    if (this.ended) return Promise.reject(new Error('the server closed the connection'));
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The next response; rejects when the connection closes first or after `timeoutMs`. */
  async next(timeoutMs = 10_000): Promise<RawResponse> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no complete response within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.parse(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async parse(): Promise<RawResponse> {
    let end: number;
    while ((end = this.buffer.indexOf('\r\n\r\n')) < 0) await this.more();
    const [statusLine = '', ...lines] = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    this.buffer = this.buffer.subarray(end + 4);
    if (status < 200) return { status, headers, body: '' };
    if (headers['transfer-encoding'] === 'chunked') {
      const parts: Buffer[] = [];
      for (;;) {
        let lineEnd: number;
        while ((lineEnd = this.buffer.indexOf('\r\n')) < 0) await this.more();
        const size = parseInt(this.buffer.subarray(0, lineEnd).toString('latin1'), 16);
        while (this.buffer.length < lineEnd + 2 + size + 2) await this.more();
        parts.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
        this.buffer = this.buffer.subarray(lineEnd + 2 + size + 2);
        if (size === 0) return { status, headers, body: Buffer.concat(parts).toString('utf8') };
      }
    }
    const length = Number(headers['content-length'] ?? 0);
    while (this.buffer.length < length) await this.more();
    const body = this.buffer.subarray(0, length).toString('utf8');
    this.buffer = this.buffer.subarray(length);
    return { status, headers, body };
  }
}

/** The built `brokerstar-dav serve` as a child process; resolves once it printed where it listens. */
export async function spawnServe(env: Record<string, string>): Promise<{ child: ChildProcess; origin: string; output(): string }> {
  const cli = path.join(PROJECT_ROOT, 'dist', 'src', 'cli.js');
  const child = spawn(process.execPath, [cli, 'serve'], {
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const m = /running at (http:\/\/\S+?)\/?\s/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
  });
  return { child, origin, output: () => out };
}
