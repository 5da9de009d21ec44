// The competitors come from Debian's packages: installed by the bench when missing and it runs as
// root (apt-get update, then install), otherwise a clear message naming the option that skips them.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';

export function ensureDebianPackage(pkg: string, binary: string, skipOption: string, log: (line: string) => void): void {
  if (existsSync(binary)) return;
  const name = pkg[0]!.toUpperCase() + pkg.slice(1);
  if (os.userInfo().uid !== 0) {
    throw new Error(`${name} is not installed and the bench is not root: run "apt-get install ${pkg}", or pass ${skipOption}`);
  }
  log(`${name} is missing: apt-get update && apt-get install -y ${pkg}`);
  execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('apt-get', ['install', '-y', pkg], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (!existsSync(binary)) throw new Error(`apt-get install ${pkg} did not provide ${binary}`);
}
