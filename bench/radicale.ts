// Radicale beside our server: the Debian package (installed when missing), a temp config and
// storage folder holding exactly the objects our server served, listening on loopback only.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../src/db/embedded.js';
import { ensureDebianPackage } from './debian-package.js';
import type { ExportedCollection } from './export.js';

const RADICALE = '/usr/bin/radicale';

export interface RadicaleProcess {
  readonly pid: number;
  readonly origin: string;
  readonly version: string;
  readonly storage: string;
  /** Folder of a collection in Radicale's storage. */
  collectionDir(slug: string): string;
  stop(): Promise<void>;
}

export function ensureRadicale(log: (line: string) => void): void {
  ensureDebianPackage('radicale', RADICALE, '--no-radicale', log);
}

export function radicaleVersion(): string {
  try {
    return execFileSync(RADICALE, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function props(c: ExportedCollection): Record<string, string> {
  return c.kind === 'addressbook'
    ? { tag: 'VADDRESSBOOK', 'D:displayname': c.displayName }
    : { tag: 'VCALENDAR', 'D:displayname': c.displayName, 'C:supported-calendar-component-set': c.component ?? 'VEVENT' };
}

/** Radicale's multifilesystem layout: collection-root/USER/<slug>/{.Radicale.props, items}. */
export async function writeRadicaleStorage(storage: string, user: string, collections: readonly ExportedCollection[]): Promise<void> {
  const home = path.join(storage, 'collection-root', user);
  await mkdir(home, { recursive: true });
  for (const c of collections) {
    const dir = path.join(home, c.slug);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, '.Radicale.props'), JSON.stringify(props(c)));
    for (const o of c.objects) await writeFile(path.join(dir, o.name), o.body);
  }
}

/** Resolves once something accepts connections on 127.0.0.1:port. */
export async function waitForPort(port: number, timeoutMs: number, name = 'Radicale'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name} did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Packaged defaults except: loopback, no authentication (any Basic credentials), owner-only
 * rights, logging at warning (our server does not log successful requests either), no web UI.
 */
export async function startRadicale(dir: string, user: string, logFile: string): Promise<RadicaleProcess> {
  const port = await freePort();
  const storage = path.join(dir, 'storage');
  await mkdir(storage, { recursive: true });
  const config = path.join(dir, 'config');
  await writeFile(
    config,
    [
      '[server]',
      `hosts = 127.0.0.1:${port}`,
      '[auth]',
      'type = none',
      '[rights]',
      'type = owner_only',
      '[storage]',
      `filesystem_folder = ${storage}`,
      '[web]',
      'type = none',
      '[logging]',
      'level = warning',
      '',
    ].join('\n'),
  );
  const child = spawn(RADICALE, ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([
    waitForPort(port, 30_000),
    exited.then(async () => {
      throw new Error(`Radicale exited at start: ${(await readFile(logFile, 'utf8').catch(() => '')).slice(-2000)}`);
    }),
  ]);
  return {
    pid: child.pid!,
    origin: `http://127.0.0.1:${port}`,
    version: radicaleVersion(),
    storage,
    collectionDir: (slug) => path.join(storage, 'collection-root', user, slug),
    stop: stopOnce(child, exited, log),
  };
}

/** SIGTERM (SIGKILL after 10 s), wait for the exit, close the log; every call gets the same stop. */
export function stopOnce(child: ChildProcess, exited: Promise<void>, log: WriteStream): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      log.end();
    })());
}
