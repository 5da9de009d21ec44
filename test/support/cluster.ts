// Several real `brokerstar-dav serve` processes (the built CLI) on one test database, behind a real
// haproxy (Debian's package, started here with a generated config): round-robin, health checks on
// /healthz, and retries of connection failures and empty answers on another instance, as an
// operator would run them. Every process is stopped by its id in `stop()` (SIGTERM, then SIGKILL).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths.js';

const CLI = path.join(PROJECT_ROOT, 'dist', 'src', 'cli.js');
const HAPROXY = process.env.HAPROXY_BIN ?? 'haproxy';

export interface ClusterOptions {
  /** How many `serve` processes. */
  readonly instances: number;
  /** The database they share (DATABASE_URL); each gets its own application_name in it. */
  readonly databaseUrl: string;
  /** Extra environment for every instance (AUTH_CACHE_SECONDS, …). */
  readonly env?: Record<string, string>;
  /** Longest wait for an instance or haproxy to become ready. */
  readonly readyTimeoutMs?: number;
}

export interface Instance {
  readonly index: number;
  readonly port: number;
  /** `http://127.0.0.1:PORT`, asked directly (bypassing haproxy). */
  readonly url: string;
  /** Its application_name in pg_stat_activity: `brokerstar-dav-<index>`. */
  readonly applicationName: string;
  /** The running process, undefined while stopped. */
  readonly pid: number | undefined;
  /** What it printed on stderr (and stdout), for failure messages. */
  output(): string;
}

export interface Cluster {
  /** haproxy's address: `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly instances: readonly Instance[];
  /** Starts instance `i` again (on its port) and waits until it and haproxy see it ready. */
  start(i: number): Promise<void>;
  /** SIGTERM (graceful; SIGKILL after `timeoutMs`) and waits for the exit. */
  stop(i: number, timeoutMs?: number): Promise<void>;
  /** SIGKILL and waits for the exit. */
  kill(i: number): Promise<void>;
  /** haproxy's view of each server: 'UP', 'DOWN', 'MAINT', … by instance index. */
  serverStates(): Promise<string[]>;
  /** Waits until haproxy sees every running instance UP. */
  waitAllUp(timeoutMs?: number): Promise<void>;
  /** Stops every process (instances, then haproxy) and removes the temp folder. */
  close(): Promise<void>;
}

/** A free loopback port (bound and released; the instances then keep it across restarts). */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true, or throws `what` after `timeoutMs`. */
export async function waitUntil(what: string | (() => string), timeoutMs: number, check: () => Promise<boolean>, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(everyMs);
  }
}

async function healthy(url: string): Promise<boolean> {
  const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
  await res.arrayBuffer();
  return res.status === 200;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the process is gone. */
async function terminate(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const gone = exited(child);
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, timeoutMs);
  await gone;
  clearTimeout(timer);
}

function haproxyConfig(frontendPort: number, ports: readonly number[], socket: string): string {
  return `global
  maxconn 1000
  stats socket ${socket} mode 600 level admin

defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  timeout check 1s
  timeout http-keep-alive 2s
  option forwardfor
  # A request that found an instance going away is sent again, to another instance.
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response 503

frontend dav
  bind 127.0.0.1:${frontendPort}
  default_backend instances

backend instances
  balance roundrobin
  option httpchk GET /healthz
  http-check expect status 200
  default-server inter 200ms fastinter 100ms downinter 200ms fall 2 rise 1
${ports.map((p, i) => `  server i${i} 127.0.0.1:${p} check`).join('\n')}
`;
}

/** One command on haproxy's admin socket; its whole answer. */
function haproxyCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(socket);
    let out = '';
    c.setTimeout(2000, () => c.destroy(new Error('haproxy admin socket timed out')));
    c.on('connect', () => c.end(`${command}\n`));
    c.on('data', (d: Buffer) => (out += d.toString('utf8')));
    c.on('error', reject);
    c.on('close', () => resolve(out));
  });
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'brokerstar-dav-cluster-'));
  const ports = await Promise.all(Array.from({ length: opts.instances }, () => freePort()));
  const frontendPort = await freePort();
  const socket = path.join(dir, 'admin.sock');
  const children: (ChildProcess | undefined)[] = ports.map(() => undefined);
  const outputs: string[] = ports.map(() => '');
  let haproxy: ChildProcess | undefined;
  let haproxyOutput = '';

  const instanceUrl = (i: number) => `http://127.0.0.1:${ports[i]}`;
  const applicationName = (i: number) => `brokerstar-dav-${i}`;

  const spawnInstance = (i: number): ChildProcess => {
    const db = new URL(opts.databaseUrl);
    db.searchParams.set('application_name', applicationName(i));
    const child = spawn(process.execPath, [CLI, 'serve'], {
      env: {
        PATH: process.env.PATH,
        HOST: '127.0.0.1',
        PORT: String(ports[i]),
        DATABASE_URL: db.toString(),
        LOG_LEVEL: 'warn',
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (c: Buffer) => {
      outputs[i] = (outputs[i] + c.toString('utf8')).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    children[i] = child;
    return child;
  };

  const waitInstance = async (i: number) => {
    const child = children[i] as ChildProcess;
    await waitUntil(`instance ${i} on port ${ports[i]} to answer /healthz\n${outputs[i]}`, readyTimeoutMs, async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`instance ${i} exited: ${outputs[i]}`);
      return healthy(instanceUrl(i));
    });
  };

  const serverStates = async (): Promise<string[]> => {
    const csv = await haproxyCommand(socket, 'show stat');
    const states: string[] = ports.map(() => 'UNKNOWN');
    for (const line of csv.split('\n')) {
      const f = line.split(',');
      const m = f[0] === 'instances' ? /^i(\d+)$/.exec(f[1] ?? '') : null;
      if (m) states[Number(m[1])] = (f[17] ?? '').split(' ')[0] as string; // column 17: status
    }
    return states;
  };

  const waitAllUp = async (timeoutMs = readyTimeoutMs) => {
    let last: string[] = [];
    await waitUntil(() => `haproxy to see every running instance UP (${last.join(',')})`, timeoutMs, async () => {
      last = await serverStates();
      return last.every((s, i) => s === 'UP' || children[i] === undefined);
    });
  };

  const cluster: Cluster = {
    url: `http://127.0.0.1:${frontendPort}`,
    instances: ports.map((port, index) => ({
      index,
      port,
      url: instanceUrl(index),
      applicationName: applicationName(index),
      get pid() {
        const c = children[index];
        return c && c.exitCode === null && c.signalCode === null ? c.pid : undefined;
      },
      output: () => outputs[index] as string,
    })),
    async start(i) {
      const c = children[i];
      if (c && c.exitCode === null && c.signalCode === null) throw new Error(`instance ${i} is running`);
      spawnInstance(i);
      await waitInstance(i);
      await waitAllUp();
    },
    async stop(i, timeoutMs = 10_000) {
      const c = children[i];
      if (c) await terminate(c, timeoutMs);
      children[i] = undefined;
    },
    async kill(i) {
      const c = children[i];
      if (c?.pid !== undefined && c.exitCode === null && c.signalCode === null) {
        const gone = exited(c);
        process.kill(c.pid, 'SIGKILL');
        await gone;
      }
      children[i] = undefined;
    },
    serverStates,
    waitAllUp,
    async close() {
      await Promise.all(children.map((c) => (c ? terminate(c, 10_000) : undefined)));
      if (haproxy) await terminate(haproxy, 5_000);
      await rm(dir, { recursive: true, force: true });
    },
  };

  try {
    for (let i = 0; i < ports.length; i++) spawnInstance(i);
    await Promise.all(ports.map((_, i) => waitInstance(i)));
    const config = path.join(dir, 'haproxy.cfg');
    await writeFile(config, haproxyConfig(frontendPort, ports, socket));
    // -db: in the foreground, so that this process's id is haproxy's.
    haproxy = spawn(HAPROXY, ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    const proxy = haproxy;
    proxy.stdout?.on('data', (c: Buffer) => (haproxyOutput += c.toString('utf8')));
    proxy.stderr?.on('data', (c: Buffer) => (haproxyOutput += c.toString('utf8')));
    const spawned = new Promise<void>((resolve, reject) => {
      proxy.once('spawn', resolve);
      proxy.once('error', (err) => reject(new Error(`cannot start haproxy (apt-get install haproxy): ${err.message}`)));
    });
    await spawned;
    await waitUntil(`haproxy on port ${frontendPort}\n${haproxyOutput}`, readyTimeoutMs, async () => {
      if (proxy.exitCode !== null) throw new Error(`haproxy exited: ${haproxyOutput}`);
      return healthy(cluster.url);
    });
    await waitAllUp();
    return cluster;
  } catch (err) {
    await cluster.close();
    throw err;
  }
}
