import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrokerstarSchema, migrate } from '../../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ template: false });
  });
  afterAll(() => db.drop());

  it('refuse to run without BrokerStar tables, and never create them', async () => {
    await expect(migrate(db.pool)).rejects.toThrow(/BrokerStar's tables/);
    const { rows } = await db.query(`SELECT to_regclass('brokerstar.employee') AS t`);
    expect(rows[0]?.t).toBeNull();
  });

  it('apply once, record each migration, and apply nothing the second time', async () => {
    expect(await createBrokerstarSchema(db.pool)).toBe(true);
    const first = await migrate(db.pool);
    expect(first.applied.length).toBeGreaterThan(0);
    expect(first.applied[0]).toBe('001_dav_core');
    const schemaBefore = await db.query(
      `SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
       WHERE table_schema IN ('dav', 'brokerstar') ORDER BY 1, 2, 3`,
    );
    const second = await migrate(db.pool);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(first.applied.length);
    const schemaAfter = await db.query(
      `SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
       WHERE table_schema IN ('dav', 'brokerstar') ORDER BY 1, 2, 3`,
    );
    expect(schemaAfter.rows).toEqual(schemaBefore.rows);
    const { rows } = await db.query<{ name: string }>('SELECT name FROM dav.schema_migration ORDER BY version');
    expect(rows.map((r) => r.name)).toEqual(first.applied);
    expect(await createBrokerstarSchema(db.pool)).toBe(false);
  });

  it('refuse a migration that was edited after it was applied', async () => {
    await db.query(`UPDATE dav.schema_migration SET checksum = 'edited' WHERE version = 1`);
    await expect(migrate(db.pool)).rejects.toThrow(/changed after it was applied/);
  });
});
