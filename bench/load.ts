// Runs the polling load (bench/load-worker.ts) in a separate Node process and collects its outcome.
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadOutcome, LoadParams } from './load-worker.js';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load-worker.js');

export function runLoadProcess(params: LoadParams): Promise<LoadOutcome> {
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    child.once('message', (m: { ok: boolean; outcome?: LoadOutcome; error?: string }) => {
      settled = true;
      if (m.ok && m.outcome) resolve(m.outcome);
      else reject(new Error(`load generator failed: ${m.error}`));
    });
    child.once('exit', (code) => {
      if (!settled) reject(new Error(`load generator exited with ${code} without a result`));
    });
    child.send(params);
  });
}
