// Locates files shipped with the project (migrations, fixtures), from src/ under vitest/tsx and
// from dist/src/ after the build.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package.json not found above ${start}`);
    dir = up;
  }
  return dir;
}

export const PROJECT_ROOT = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));
export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'migrations');
/** The customer's BrokerStar schema, created by demo mode only. */
export const BROKERSTAR_SCHEMA_FILE = path.join(MIGRATIONS_DIR, 'brokerstar-schema.sql');
