// Applies the numbered SQL migrations in migrations/ (the server's own `dav` schema) once each,
// in order, recorded in dav.schema_migration; safe to run from several instances at once.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { BROKERSTAR_SCHEMA_FILE, MIGRATIONS_DIR } from '../paths.js';
import { hasBrokerstarTables } from '../storage/postgres/brokerstar/presence.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export interface MigrationResult {
  readonly applied: string[];
  readonly alreadyApplied: number;
}

// Any constant works; it only has to be the same for every instance.
const MIGRATION_LOCK = 0x62726b64; // 'brkd'

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(path.join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 3)),
        name: file.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    }),
  );
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

export async function migrate(pool: pg.Pool, migrations?: Migration[]): Promise<MigrationResult> {
  const all = migrations ?? (await loadMigrations());
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    if (!(await hasBrokerstarTables(client))) {
      throw new MigrationError("BrokerStar's tables (schema brokerstar) are missing in this database");
    }
    await client.query(`CREATE SCHEMA IF NOT EXISTS dav`);
    await client.query(`CREATE TABLE IF NOT EXISTS dav.schema_migration (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number; checksum: string; name: string }>(
      'SELECT version, name, checksum FROM dav.schema_migration',
    );
    const done = new Map(rows.map((r) => [r.version, r]));
    const applied: string[] = [];
    for (const m of all) {
      const prior = done.get(m.version);
      if (prior) {
        if (prior.checksum !== m.checksum) {
          throw new MigrationError(`migration ${m.name} was changed after it was applied; add a new migration instead`);
        }
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO dav.schema_migration (version, name, checksum) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          m.checksum,
        ]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new MigrationError(`migration ${m.name} failed: ${(e as Error).message}`, { cause: e });
      }
      applied.push(m.name);
    }
    return { applied, alreadyApplied: all.length - applied.length };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}

/**
 * Refuses to go on when migrations are missing: commands other than `serve`, `migrate` and
 * `demo-data` read the server's state and must not change the schema as a side effect.
 */
export async function requireMigrated(pool: pg.Pool, migrations?: Migration[]): Promise<void> {
  const all = migrations ?? (await loadMigrations());
  const { rows: table } = await pool.query(`SELECT to_regclass('dav.schema_migration') IS NOT NULL AS ok`);
  const applied = table[0]?.ok ? (await pool.query<{ version: number }>('SELECT version FROM dav.schema_migration')).rows : [];
  const done = new Set(applied.map((r) => r.version));
  const missing = all.filter((m) => !done.has(m.version)).map((m) => m.name);
  if (missing.length) {
    throw new MigrationError(
      `this database is not set up for this version of brokerstar-dav (missing: ${missing.join(', ')}); run "brokerstar-dav migrate" or start the server first`,
    );
  }
}

/** Demo mode only: creates BrokerStar's own tables from the customer's schema file. */
export async function createBrokerstarSchema(pool: pg.Pool): Promise<boolean> {
  if (await hasBrokerstarTables(pool)) return false;
  await pool.query(await readFile(BROKERSTAR_SCHEMA_FILE, 'utf8'));
  return true;
}
