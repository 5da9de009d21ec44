// App passwords: one random password per device, stored only as an argon2id hash.
//
// A login costs exactly one argon2 computation whoever asks: all app passwords of one employee
// share a salt, so one hash of the offered password is compared with each of them, and an unknown,
// inactive or password-less username is hashed once against a dummy. (Verifying each stored hash
// in turn made a wrong password cost N computations for an employee with N devices, which tells an
// attacker the username exists.)
import { hash, hashRaw, parseOptions, verify, type Options } from '@node-rs/argon2';
import { randomInt, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import { revokedNotify } from '../db/notifications.js';
import { appPasswordsOfActiveEmployee, findEmployee, type EmployeeAccount } from '../storage/postgres/brokerstar/employees.js';

export { findEmployee };
export type Employee = EmployeeAccount;

export interface AppPasswordInfo {
  readonly label: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
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

async function requireEmployee(db: pg.Pool, username: string): Promise<Employee> {
  const e = await findEmployee(db, username);
  if (!e) throw new AccountError(`no BrokerStar employee with username "${username}"`);
  return e;
}

/** The kinds of device the setup portal sets up (dav.app_password.kind); the CLI's passwords are 'other'. */
export const DEVICE_KINDS = ['iphone', 'android', 'outlook', 'thunderbird', 'other'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** Creates an app password; the clear text is returned once and never stored. */
export async function createAppPassword(db: pg.Pool, username: string, label: string, kind: DeviceKind = 'other'): Promise<string> {
  const e = await requireEmployee(db, username);
  if (!e.active) throw new AccountError(`employee "${username}" is inactive in BrokerStar and cannot sync`);
  const cleanLabel = label.trim();
  if (!cleanLabel || cleanLabel.length > 100) throw new AccountError('the label must be 1 to 100 characters');
  const password = generateAppPassword();
  const { rows: siblings } = await db.query<{ hash: string }>(
    'SELECT hash FROM dav.app_password WHERE employee_id = $1 ORDER BY id DESC LIMIT 1',
    [e.id],
  );
  const salt = siblings[0] ? parsePhc(siblings[0].hash)?.options.salt : undefined;
  const hashed = await hash(password, salt ? { salt } : undefined);
  try {
    await db.query('INSERT INTO dav.app_password (employee_id, label, hash, kind) VALUES ($1, $2, $3, $4)', [e.id, cleanLabel, hashed, kind]);
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
  // The NOTIFY is part of the DELETE's statement: every instance drops the login from its cache
  // when (and only if) the revoke commits (db/notifications.ts).
  const { rowCount } = await db.query(
    `WITH revoked AS (DELETE FROM dav.app_password WHERE employee_id = $1 AND label = $2 RETURNING id)
     SELECT ${revokedNotify('revoked.id')} FROM revoked`,
    [e.id, label],
  );
  if (!rowCount) throw new AccountError(`"${username}" has no app password labelled "${label}"`);
}

/** An argon2 PHC string split into what recomputing it needs. */
interface Phc {
  /** Algorithm, version and cost parameters plus salt: hashes sharing it need one computation. */
  readonly group: string;
  readonly options: Options & { salt: Buffer };
  readonly digest: Buffer;
}

function parsePhc(phc: string): Phc | undefined {
  const parts = phc.split('$'); // ['', 'argon2id', 'v=19', 'm=…,t=…,p=…', salt, digest]
  if (parts.length !== 6 || !parts[4] || !parts[5]) return undefined;
  try {
    const o = parseOptions(phc);
    return {
      group: parts.slice(0, 5).join('$'),
      options: {
        algorithm: o.algorithm,
        version: o.version,
        memoryCost: o.memoryCost,
        timeCost: o.timeCost,
        parallelism: o.parallelism,
        outputLen: o.outputLen,
        salt: Buffer.from(parts[4], 'base64'),
      },
      digest: Buffer.from(parts[5], 'base64'),
    };
  } catch {
    return undefined;
  }
}

// Hashed against when the username is unknown, so both failures cost the same time.
let dummyHash: Promise<string> | undefined;

/** Starts computing the dummy hash, so the first failed login is not slower than later ones. */
export function prepareLoginCheck(): void {
  dummyHash ??= hash(generateAppPassword());
}

let argon2Count = 0;

/** Argon2 computations made to check logins since the process started (tests bound the work). */
export function loginArgon2Runs(): number {
  return argon2Count;
}

/** Indexes of `hashes` that `password` matches, with one argon2 computation per salt. */
async function matching(hashes: readonly string[], password: string): Promise<number[]> {
  const groups = new Map<string, { phc: Phc; members: { i: number; digest: Buffer }[] }>();
  const found: number[] = [];
  for (const [i, h] of hashes.entries()) {
    const phc = parsePhc(h);
    if (!phc) {
      argon2Count++;
      if (await verify(h, password).catch(() => false)) found.push(i);
      continue;
    }
    const g = groups.get(phc.group) ?? { phc, members: [] };
    g.members.push({ i, digest: phc.digest });
    groups.set(phc.group, g);
  }
  for (const { phc, members } of groups.values()) {
    argon2Count++;
    const digest = await hashRaw(password, phc.options);
    for (const m of members) if (m.digest.length === digest.length && timingSafeEqual(m.digest, digest)) found.push(m.i);
  }
  return found;
}

export interface VerifiedLogin {
  readonly employeeId: string;
  readonly username: string;
  readonly appPasswordId: string;
}

/**
 * Checks username + app password; undefined for unknown, inactive or wrong, alike in time. A match
 * records when and (given `address`) from where the password was last used.
 */
export async function verifyLogin(db: pg.Pool, username: string, password: string, address?: string): Promise<VerifiedLogin | undefined> {
  const rows = await appPasswordsOfActiveEmployee(db, username);
  if (rows.length === 0) {
    prepareLoginCheck();
    await matching([await (dummyHash as Promise<string>)], password);
    return undefined;
  }
  const [i] = await matching(
    rows.map((r) => r.hash),
    password,
  );
  const row = i === undefined ? undefined : rows[i];
  if (!row) return undefined;
  await db.query('UPDATE dav.app_password SET last_used_at = now(), last_address = COALESCE($2, last_address) WHERE id = $1', [row.id, address ?? null]);
  return { employeeId: row.employeeId, username: row.username, appPasswordId: row.id };
}
