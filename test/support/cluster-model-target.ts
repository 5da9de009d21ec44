// The sync model's target "several instances": three real `brokerstar-dav serve` processes (the
// build in dist/) on one test database behind haproxy (test/support/cluster.ts), with the model's
// settings as their environment. The model's clients go through haproxy, round-robin, so one
// client's consecutive requests are answered by different instances; BrokerStar's writes go into
// the shared database as before. Needs `npm run build` and Debian's haproxy.
import http from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { createAppPassword } from '../../src/auth/app-passwords.js';
import { createStore } from '../../src/compose.js';
import { testConfig, VARIABLES, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { basicAuth } from './basic-auth.js';
import { startCluster, type Cluster } from './cluster.js';
import { createTestDatabase } from './database.js';
import { parseMultistatus, type Multistatus } from './multistatus.js';
import type { Reply, RequestOptions } from './server.js';
import type { ModelTarget, TargetOptions } from './sync-model.js';

export const CLUSTER_INSTANCES = 3;

/** What each instance's /metrics said just before the model closed the cluster. */
export interface InstanceCounts {
  /** PROPFIND and REPORT requests it answered. */
  readonly requests: number;
  /** Collection refreshes it made, by how. */
  readonly refreshes: { readonly full: number; readonly incremental: number };
}

/** A model target that tells, once closed, how the work was spread over the instances. */
export interface ClusterModelTarget extends ModelTarget {
  readonly cluster: Cluster;
  /** One entry per instance, read in close(); undefined before, or when an instance could not tell. */
  readonly counts: readonly InstanceCounts[] | undefined;
}

const REQUEST_TIMEOUT_MS = 60_000;

/**
 * One request on a fresh connection: haproxy closes idle keep-alive connections after 2 s, and a
 * pooled connection it has just closed would fail a request for a reason no instance caused.
 */
function send(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const length = body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) };
    const req = http.request(new URL(path, base), { method, headers: { ...headers, ...length }, agent: false, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const h = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) h.append(name, v);
        }
        resolve({ status: res.statusCode ?? 0, headers: h, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The sum of a metric's samples whose one label has one of `values`, in a /metrics text. */
function sampleSum(metrics: string, name: string, values: readonly string[]): number {
  let n = 0;
  for (const line of metrics.split('\n')) {
    const m = /^(\w+)\{\w+="([^"]*)"\} (\d+)/.exec(line);
    if (m && m[1] === name && values.includes(m[2]!)) n += Number(m[3]);
  }
  return n;
}

function countsOf(metrics: string): InstanceCounts {
  return {
    requests: sampleSum(metrics, 'brokerstar_dav_request_seconds_count', ['PROPFIND', 'REPORT']),
    refreshes: {
      full: sampleSum(metrics, 'brokerstar_dav_collection_refreshes_total', ['full']),
      incremental: sampleSum(metrics, 'brokerstar_dav_collection_refreshes_total', ['incremental']),
    },
  };
}

/**
 * The model's settings as the instances' environment, whichever settings the model passes: each
 * variable is read back through the server's own parser, so a value that would arrive changed fails here.
 */
function environmentOf(config: Partial<Config>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(config) as [keyof Config, unknown][]) {
    const spec = VARIABLES[key] as { name: string; parse(raw: string): unknown } | undefined;
    const raw = String(value);
    if (!spec || !isDeepStrictEqual(spec.parse(raw), value)) throw new Error(`the setting ${key} = ${raw} cannot be given to an instance`);
    env[spec.name] = raw;
  }
  return env;
}

export async function clusterOfThree(opts: TargetOptions): Promise<ClusterModelTarget> {
  const db = await createTestDatabase();
  let cluster: Cluster | undefined;
  try {
    await opts.seed(db);
    cluster = await startCluster({
      instances: CLUSTER_INSTANCES,
      databaseUrl: db.url,
      env: {
        // MAX_RECORDS, PRIVATE_APPOINTMENTS, AUTH_CACHE_SECONDS, and whatever else the model sets.
        ...environmentOf(opts.config),
        // haproxy adds X-Forwarded-For; all on loopback.
        TRUST_PROXY: 'loopback',
        DB_POOL_SIZE: '6',
        SHUTDOWN_GRACE_MS: '5000',
      },
    });
  } catch (err) {
    await db.drop();
    throw err;
  }
  const running = cluster;
  // The hourly upkeep runs in whichever instance's timer comes first; the model asks for it "as
  // if days had passed", which no instance's clock can do: a store of this process, on the same
  // database and with the same settings, moves the windows under the pump's lock as they would.
  const upkeepStore = createStore(testConfig(opts.config), db.pool, createLogger('silent'));
  const passwords = new Map<string, Promise<string>>();
  const passwordOf = (user: string) => {
    let p = passwords.get(user);
    if (!p) {
      p = createAppPassword(db.pool, user, 'cluster-model');
      passwords.set(user, p);
    }
    return p;
  };

  const request = async (method: string, path: string, ro: RequestOptions): Promise<Reply> => {
    const headers: Record<string, string> = { ...ro.headers };
    if (ro.user) headers.Authorization = basicAuth(ro.user, await passwordOf(ro.user));
    if (ro.body !== undefined) headers['Content-Type'] = 'application/xml; charset=utf-8';
    return send(running.url, method, path, headers, ro.body);
  };
  const withMultistatus = async (r: Reply): Promise<Reply & { ms: Multistatus }> => ({
    ...r,
    ms: r.status === 207 ? await parseMultistatus(r.text) : { responses: new Map(), hrefs: [] },
  });

  const target: ClusterModelTarget = {
    cluster: running,
    counts: undefined,
    pool: db.pool,
    propfind: async (path, body, depth, ro = {}) => withMultistatus(await request('PROPFIND', path, { ...ro, body, headers: { Depth: depth, ...ro.headers } })),
    report: async (path, body, ro = {}) =>
      withMultistatus(await request('REPORT', path, { ...ro, body, headers: { ...(ro.depth ? { Depth: ro.depth } : {}), ...ro.headers } })),
    upkeep: async (later) => {
      await upkeepStore.pump.moveInstanceWindows(later);
    },
    // Each instance counts its own refreshes; no one process sees them all.
    refreshes: () => undefined,
    async close() {
      try {
        // Unreadable (an instance died): counts stay undefined, and the model's own error, if any, is the one reported.
        const counts = await Promise.all(running.instances.map(async (i) => countsOf((await send(i.url, 'GET', '/metrics', {})).text))).catch(() => undefined);
        Object.assign(target, { counts });
      } finally {
        try {
          await running.close();
        } finally {
          await db.drop();
        }
      }
    },
  };
  return target;
}
