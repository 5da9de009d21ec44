// A fresh embedded PostgreSQL in a temp folder, BrokerStar's schema, the server's migrations, the
// demo firm at benchmark scale, and an app password for the employee whose collections are measured.
import { createWriteStream } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createAppPassword } from '../src/auth/app-passwords.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/db/embedded.js';
import { createBrokerstarSchema, loadMigrations, migrate } from '../src/db/migrate.js';
import { generateDemoData, type DemoOptions, type DemoSummary } from '../src/demo/generate.js';

export interface BenchDatabase {
  readonly dir: string;
  readonly embedded: EmbeddedServer;
  readonly url: string;
  readonly pool: pg.Pool;
  readonly summary: DemoSummary;
  readonly postgresVersion: string;
  readonly username: string;
  readonly password: string;
  readonly seconds: { readonly postgres: number; readonly data: number };
  close(): Promise<void>;
}

const DATABASE = 'bench';

export interface SetupOptions {
  /** Folder of the migrations to apply (the snapshot the server runs from). */
  readonly migrationsDir: string;
  /** pg_stat_statements and auto_explain (plans of statements over 20 ms, with ANALYZE) into `postgresLog`. */
  readonly diagnose: boolean;
  readonly postgresLog: string;
}

async function startPostgres(dir: string, opts: SetupOptions): Promise<EmbeddedServer> {
  const dataDir = path.join(dir, 'postgres');
  const logStream = opts.diagnose ? createWriteStream(opts.postgresLog, { flags: 'a' }) : undefined;
  const onLog = logStream ? (line: string) => logStream.write(`${line}\n`) : undefined;
  const first = await startEmbeddedPostgres({ dataDir, port: 0, persistent: true, fast: true, onLog });
  if (!opts.diagnose) return first;
  const admin = new pg.Client({ connectionString: first.url() });
  await admin.connect();
  await admin.query(`ALTER SYSTEM SET shared_preload_libraries = pg_stat_statements, auto_explain`);
  await admin.query(`ALTER SYSTEM SET auto_explain.log_min_duration = '20ms'`);
  await admin.query(`ALTER SYSTEM SET auto_explain.log_analyze = on`);
  await admin.query(`ALTER SYSTEM SET auto_explain.log_buffers = on`);
  await admin.query(`ALTER SYSTEM SET pg_stat_statements.track = 'all'`);
  await admin.end();
  await first.stop();
  return startEmbeddedPostgres({ dataDir, port: 0, persistent: true, fast: true, onLog });
}

export async function createBenchDatabase(
  demo: DemoOptions & { focusUser: string },
  opts: SetupOptions,
  log: (line: string) => void,
): Promise<BenchDatabase> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'brokerstar-bench-'));
  // Run as root, PostgreSQL runs as the postgres user and must reach its folder inside.
  await chmod(dir, 0o755);
  let t = performance.now();
  const embedded = await startPostgres(dir, opts);
  const admin = new pg.Client({ connectionString: embedded.url() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();
  const url = embedded.url(DATABASE);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // Stopping PostgreSQL ends idle connections; that is not an error of the bench.
  pool.on('error', () => undefined);
  const postgresSeconds = (performance.now() - t) / 1000;
  try {
    if (opts.diagnose) await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await createBrokerstarSchema(pool);
    await migrate(pool, await loadMigrations(opts.migrationsDir));
    const { rows } = await pool.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    t = performance.now();
    let lastDecile = -1;
    const summary = await generateDemoData(pool, demo, (done, total, phase) => {
      const decile = Math.floor((done / total) * 10);
      if (decile > lastDecile) {
        lastDecile = decile;
        log(`  demo data ${decile * 10}% (${phase})`);
      }
    });
    const dataSeconds = (performance.now() - t) / 1000;
    const password = await createAppPassword(pool, demo.focusUser, 'bench');
    return {
      dir,
      embedded,
      url,
      pool,
      summary,
      postgresVersion: rows[0]?.v ?? 'unknown',
      username: demo.focusUser,
      password,
      seconds: { postgres: postgresSeconds, data: dataSeconds },
      async close() {
        await pool.end().catch(() => undefined);
        await embedded.stop().catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await pool.end().catch(() => undefined);
    await embedded.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
