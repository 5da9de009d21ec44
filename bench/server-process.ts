// Runs `node dist/src/cli.js serve` as a child process over the bench database, so its memory can
// be read alone from /proc and a CPU profile taken with --cpu-prof.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { cp, mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from '../src/db/embedded.js';
import { PROJECT_ROOT } from '../src/paths.js';

export interface ServerProcess {
  readonly pid: number;
  readonly origin: string;
  /** Seconds from spawn to listening (includes rendering everything BrokerStar holds). */
  readonly startSeconds: number;
  stop(): Promise<void>;
}

/**
 * Copies the built server (dist/src, migrations, package.json; node_modules linked) so that edits
 * and rebuilds in the work tree during a run do not change the server under measurement.
 */
export async function snapshotServerCode(into: string): Promise<string> {
  await mkdir(path.join(into, 'dist'), { recursive: true });
  await cp(path.join(PROJECT_ROOT, 'dist', 'src'), path.join(into, 'dist', 'src'), { recursive: true });
  await cp(path.join(PROJECT_ROOT, 'migrations'), path.join(into, 'migrations'), { recursive: true });
  await cp(path.join(PROJECT_ROOT, 'package.json'), path.join(into, 'package.json'));
  await symlink(path.join(PROJECT_ROOT, 'node_modules'), path.join(into, 'node_modules'), 'dir');
  return into;
}

export interface ServerProcessOptions {
  /** Project root to run from (a snapshot from snapshotServerCode). */
  readonly root: string;
  readonly databaseUrl: string;
  readonly maxRecords: number;
  readonly logFile: string;
  /** Folder for a V8 CPU profile written at exit; undefined = no profiling. */
  readonly cpuProfileDir?: string;
  readonly env?: Record<string, string>;
  readonly startTimeoutMs?: number;
}

export async function startServerProcess(opts: ServerProcessOptions): Promise<ServerProcess> {
  const port = await freePort();
  const args = [
    ...(opts.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`] : []),
    path.join(opts.root, 'dist', 'src', 'cli.js'),
    'serve',
  ];
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: opts.root,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      DATABASE_URL: opts.databaseUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      MAX_RECORDS: String(opts.maxRecords),
      LOG_LEVEL: 'info',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const origin = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`server did not start within ${opts.startTimeoutMs ?? 1_800_000} ms; see ${opts.logFile}`)), opts.startTimeoutMs ?? 1_800_000);
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString('utf8');
      const m = /brokerstar-dav is running at (http:\/\/[^\s/]+)/.exec(seen);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
      if (seen.length > 100_000) seen = seen.slice(-1000);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening; see ${opts.logFile}`));
    });
  });
  const startSeconds = (performance.now() - started) / 1000;
  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid!,
    origin,
    startSeconds,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
        log.end();
      })();
      return stopping;
    },
  };
}
