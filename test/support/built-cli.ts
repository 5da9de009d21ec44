// Runs the built command line (dist/src/cli.js, as `npm test` builds it) in a child process with a
// clean environment and a DATA_DIR that must never be created; bounded by a timeout.
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths.js';

export const BUILT_CLI = path.join(PROJECT_ROOT, 'dist', 'src', 'cli.js');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A DATA_DIR for `name`'s tests that no command may create (checked by the tests that use it). */
export const neverCreatedDataDir = (name: string): string => path.join(os.tmpdir(), `brokerstar-dav-${name}-${process.pid}-never-created`);

export function runBuiltCli(args: string[], dataDir: string, env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BUILT_CLI, ...args],
      { env: { PATH: process.env.PATH, DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}
