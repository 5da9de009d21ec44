// Xandikos beside our server and Radicale: the Debian package (installed when missing), a temp
// folder holding exactly the objects our server served, one git repository per collection as
// Xandikos stores them, listening on loopback only.
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from '../src/db/embedded.js';
import { ensureDebianPackage } from './debian-package.js';
import type { ExportedCollection } from './export.js';
import { stopOnce, waitForPort } from './radicale.js';

const XANDIKOS = '/usr/bin/xandikos';

export interface XandikosProcess {
  readonly pid: number;
  readonly origin: string;
  readonly version: string;
  /** Folder (a git work tree) of a collection. */
  collectionDir(slug: string): string;
  /** Commits changed files of a collection, as Xandikos itself does on a PUT. */
  commit(slug: string, message: string): void;
  stop(): Promise<void>;
}

export function ensureXandikos(log: (line: string) => void): void {
  ensureDebianPackage('xandikos', XANDIKOS, '--no-xandikos', log);
}

export function xandikosVersion(): string {
  try {
    return execFileSync(XANDIKOS, ['--version'], { encoding: 'utf8' }).trim().split(/\s+/).pop() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', '-c', 'commit.gpgsign=false', ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });

/** Where Xandikos's principal keeps its home sets: contacts/ for address books, calendars/ for calendars. */
const homeOf = (c: { kind: 'addressbook' | 'calendar' }) => (c.kind === 'addressbook' ? 'contacts' : 'calendars');

/**
 * Xandikos's layout: ROOT/<user>/{contacts,calendars}/<slug>/, each collection a git repository
 * whose index holds the items and a `.xandikos` file with the collection type and display name.
 * Xandikos reads the index (the ETag is the blob id), so the files are added and committed.
 */
export async function writeXandikosStorage(root: string, user: string, collections: readonly ExportedCollection[]): Promise<void> {
  for (const c of collections) {
    const dir = path.join(root, user, homeOf(c), c.slug);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, '.xandikos'), `[DEFAULT]\ntype = ${c.kind}\ndisplayname = ${c.displayName}\n`);
    for (const o of c.objects) await writeFile(path.join(dir, o.name), o.body);
    git(dir, 'init', '-q', '-b', 'master');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', `Import ${c.objects.length} items`);
  }
}

/** The packaged server with its defaults except: loopback, a free port, the user's principal. */
export async function startXandikos(root: string, user: string, collections: readonly ExportedCollection[], logFile: string): Promise<XandikosProcess> {
  const port = await freePort();
  const child = spawn(XANDIKOS, ['-d', root, '-l', '127.0.0.1', '-p', String(port), '--current-user-principal', `/${user}/`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([
    waitForPort(port, 30_000, 'Xandikos'),
    exited.then(async () => {
      throw new Error(`Xandikos exited at start: ${(await readFile(logFile, 'utf8').catch(() => '')).slice(-2000)}`);
    }),
  ]);
  const dirOf = (slug: string) => {
    const c = collections.find((x) => x.slug === slug);
    if (!c) throw new Error(`no collection ${slug}`);
    return path.join(root, user, homeOf(c), slug);
  };
  return {
    pid: child.pid!,
    origin: `http://127.0.0.1:${port}`,
    version: xandikosVersion(),
    collectionDir: dirOf,
    commit(slug, message) {
      const dir = dirOf(slug);
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', message);
    },
    stop: stopOnce(child, exited, log),
  };
}
