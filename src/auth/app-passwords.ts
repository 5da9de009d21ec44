// App passwords: one random password per device, stored only as an argon2id hash.
import { hash, verify } from '@node-rs/argon2';
import { randomInt } from 'node:crypto';
import type pg from 'pg';

export interface AppPasswordInfo {
  readonly label: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
}

export interface Employee {
  readonly id: string;
  readonly username: string;
  readonly active: boolean;
}

export class AccountError extends Error {
  override readonly name = 'AccountError';
}

// No 0/O, 1/l/I: people type these into phones.
const ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** 4 groups of 5 characters from 57 symbols: about 116 bits. */
export function generateAppPassword(): string {
  const groups: string[] = [];
  for (let g = 0; g < 4; g++) {
    let s = '';
    for (let i = 0; i < 5; i++) s += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(s);
  }
  return groups.join('-');
}

export async function findEmployee(db: pg.Pool, username: string): Promise<Employee | undefined> {
  const { rows } = await db.query<Employee>(
    'SELECT id, username, active FROM brokerstar.employee WHERE username = $1',
    [username],
  );
  return rows[0];
}

async function requireEmployee(db: pg.Pool, username: string): Promise<Employee> {
  const e = await findEmployee(db, username);
  if (!e) throw new AccountError(`no BrokerStar employee with username "${username}"`);
  return e;
}

/** Creates an app password; the clear text is returned once and never stored. */
export async function createAppPassword(db: pg.Pool, username: string, label: string): Promise<string> {
  const e = await requireEmployee(db, username);
  if (!e.active) throw new AccountError(`employee "${username}" is inactive in BrokerStar and cannot sync`);
  const cleanLabel = label.trim();
  if (!cleanLabel || cleanLabel.length > 100) throw new AccountError('the label must be 1 to 100 characters');
  const password = generateAppPassword();
  const hashed = await hash(password);
  try {
    await db.query('INSERT INTO dav.app_password (employee_id, label, hash) VALUES ($1, $2, $3)', [e.id, cleanLabel, hashed]);
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      throw new AccountError(`"${username}" already has an app password labelled "${cleanLabel}"; revoke it first or pick another label`);
    }
    throw err;
  }
  return password;
}

export async function listAppPasswords(db: pg.Pool, username: string): Promise<AppPasswordInfo[]> {
  const e = await requireEmployee(db, username);
  const { rows } = await db.query<AppPasswordInfo>(
    `SELECT label, created_at AS "createdAt", last_used_at AS "lastUsedAt"
       FROM dav.app_password WHERE employee_id = $1 ORDER BY created_at, label`,
    [e.id],
  );
  return rows;
}

export async function revokeAppPassword(db: pg.Pool, username: string, label: string): Promise<void> {
  const e = await requireEmployee(db, username);
  const { rowCount } = await db.query('DELETE FROM dav.app_password WHERE employee_id = $1 AND label = $2', [e.id, label]);
  if (!rowCount) throw new AccountError(`"${username}" has no app password labelled "${label}"`);
}

// Verified against when the username is unknown, so both failures cost the same time.
let dummyHash: Promise<string> | undefined;

export interface VerifiedLogin {
  readonly employeeId: string;
  readonly username: string;
  readonly appPasswordId: string;
}

/** Checks username + app password; undefined for unknown, inactive or wrong, alike in time. */
export async function verifyLogin(db: pg.Pool, username: string, password: string): Promise<VerifiedLogin | undefined> {
  const { rows } = await db.query<{ employee_id: string; username: string; id: string; hash: string }>(
    `SELECT e.id AS employee_id, e.username, p.id, p.hash
       FROM brokerstar.employee e JOIN dav.app_password p ON p.employee_id = e.id
      WHERE e.username = $1 AND e.active`,
    [username],
  );
  if (rows.length === 0) {
    dummyHash ??= hash(generateAppPassword());
    await verify(await dummyHash, password).catch(() => false);
    return undefined;
  }
  const results = await Promise.all(rows.map((r) => verify(r.hash, password).catch(() => false)));
  const i = results.indexOf(true);
  const row = i >= 0 ? rows[i] : undefined;
  if (!row) return undefined;
  await db.query('UPDATE dav.app_password SET last_used_at = now() WHERE id = $1', [row.id]);
  return { employeeId: row.employee_id, username: row.username, appPasswordId: row.id };
}
