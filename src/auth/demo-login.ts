// Demo mode only: an app password for the demo employee, kept in DATA_DIR so every `npm start`
// can print a login that works. A real deployment (DATABASE_URL) never has one.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { createAppPassword, revokeAppPassword, verifyLogin } from './app-passwords.js';

const FILE = 'demo-login.json';
const LABEL = 'demo';

export interface DemoLogin {
  readonly username: string;
  readonly password: string;
}

export async function ensureDemoLogin(db: pg.Pool, dataDir: string, username: string): Promise<DemoLogin> {
  const file = path.join(dataDir, FILE);
  if (existsSync(file)) {
    const saved = JSON.parse(await readFile(file, 'utf8')) as DemoLogin;
    if (saved.username === username && (await verifyLogin(db, saved.username, saved.password))) return saved;
  }
  await revokeAppPassword(db, username, LABEL).catch(() => undefined);
  const login = { username, password: await createAppPassword(db, username, LABEL) };
  await writeFile(file, JSON.stringify(login), { mode: 0o600 });
  return login;
}
