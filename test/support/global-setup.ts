// Starts one throwaway embedded PostgreSQL for the whole test run and prepares a template database
// (BrokerStar's schema + the server's migrations) that each test file clones.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { createBrokerstarSchema, migrate } from '../../src/db/migrate.js';

export const TEMPLATE_DB = 'brokerstar_template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'brokerstar-dav-test-'));
  const server = await startEmbeddedPostgres({ dataDir: dir, port: 0, persistent: false, fast: true });
  const admin = new pg.Client({ connectionString: server.url() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: server.url(TEMPLATE_DB), max: 2 });
  await createBrokerstarSchema(pool);
  await migrate(pool);
  await pool.end();
  project.provide('pgAdminUrl', server.url());
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
