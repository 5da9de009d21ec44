// Starts the real app (buildApp through compose) on port 0 over a fresh test database, and sends
// raw HTTP requests to it the way clients do.
import { createAppPassword } from '../../src/auth/app-passwords.js';
import { createApp, createStore } from '../../src/compose.js';
import { testConfig, type Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { PostgresStore } from '../../src/storage/postgres/store.js';
import { basicAuth } from './basic-auth.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { listenOnLoopback } from './listen.js';
import { parseMultistatus, type Multistatus } from './multistatus.js';

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export interface RequestOptions {
  /** Username to log in as (an app password is created on first use); null = no credentials. */
  readonly user?: string | null;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

export interface TestServer {
  readonly url: string;
  readonly db: TestDatabase;
  readonly store: PostgresStore;
  readonly config: Config;
  /** The user requests go out as unless `user` says otherwise. */
  defaultUser: string | undefined;
  /** Creates (once per user) and returns an app password. */
  passwordOf(username: string): Promise<string>;
  request(method: string, path: string, opts?: RequestOptions): Promise<Reply>;
  propfind(path: string, body: string, depth: '0' | '1' | 'infinity', opts?: RequestOptions): Promise<Reply & { ms: Multistatus }>;
  report(path: string, body: string, opts?: RequestOptions & { depth?: '0' | '1' }): Promise<Reply & { ms: Multistatus }>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  readonly config?: Partial<Config>;
  /** Fills BrokerStar's tables before the server starts. */
  readonly seed?: (db: TestDatabase) => Promise<void>;
  readonly user?: string;
  /** Where the server logs (e.g. a test reading the lines); default: config.logLevel to stdout. */
  readonly log?: Logger;
  /** The clock the employees' days are read from (a test moves it to age items out of the sync windows). */
  readonly now?: () => Date;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const db = await createTestDatabase();
  if (opts.seed) await opts.seed(db);
  // No sync windows unless a test asks for them: fixtures have fixed dates and real time moves on
  // (test/sync/windows.test.ts and the sync model set SYNC_PAST_DAYS and SYNC_DONE_TASKS_DAYS).
  const config = testConfig({ authCacheSeconds: 0, syncPastDays: 0, syncDoneTasksDays: 0, ...opts.config });
  const log = opts.log ?? createLogger(config.logLevel);
  const { app, store } = createApp(config, db.pool, log, opts.now ? createStore(config, db.pool, log, { now: opts.now }) : undefined);
  // Tests pause for seconds under load; a client must not reuse a connection the server just closed.
  const server = await listenOnLoopback(app, { keepAliveTimeout: 60_000 });
  const url = server.url;
  const passwords = new Map<string, Promise<string>>();

  const ts: TestServer = {
    url,
    db,
    store,
    config,
    defaultUser: opts.user,
    passwordOf(username) {
      let p = passwords.get(username);
      if (!p) {
        p = createAppPassword(db.pool, username, 'tests');
        passwords.set(username, p);
      }
      return p;
    },
    async request(method, path, ro = {}) {
      const headers: Record<string, string> = { ...ro.headers };
      const user = ro.user === undefined ? ts.defaultUser : ro.user;
      if (user) headers.Authorization = basicAuth(user, await ts.passwordOf(user));
      if (ro.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
        headers['Content-Type'] = 'application/xml; charset=utf-8';
      }
      const res = await fetch(url + path, { method, headers, body: ro.body, redirect: 'manual' });
      return { status: res.status, headers: res.headers, text: await res.text() };
    },
    async propfind(path, body, depth, ro = {}) {
      const r = await ts.request('PROPFIND', path, { ...ro, body, headers: { Depth: depth, ...ro.headers } });
      return { ...r, ms: r.status === 207 ? await parseMultistatus(r.text) : { responses: new Map(), hrefs: [] } };
    },
    async report(path, body, ro = {}) {
      const headers = { ...(ro.depth ? { Depth: ro.depth } : {}), ...ro.headers };
      const r = await ts.request('REPORT', path, { ...ro, body, headers });
      return { ...r, ms: r.status === 207 ? await parseMultistatus(r.text) : { responses: new Map(), hrefs: [] } };
    },
    async close() {
      await server.close();
      await db.drop();
    },
  };
  return ts;
}
