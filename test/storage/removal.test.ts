// The "Removing it" SQL of docs/change-tracking.md leaves BrokerStar's schema exactly as the
// customer's schema file creates it: no trigger, index, function or constraint of the server remains.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrokerstarSchema } from '../../src/db/migrate.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { builders } from '../support/builders.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** The first sql block after the "## Removing it" heading of docs/change-tracking.md. */
function removalSql(): string {
  const doc = readFileSync(path.join(PROJECT_ROOT, 'docs', 'change-tracking.md'), 'utf8');
  const at = doc.indexOf('\n## Removing it\n');
  if (at === -1) throw new Error('no "## Removing it" in docs/change-tracking.md');
  const m = /```sql\n([\s\S]*?)```/.exec(doc.slice(at));
  if (!m?.[1]) throw new Error('no SQL under "Removing it" in docs/change-tracking.md');
  return m[1];
}

/** Everything that makes up schema brokerstar, as text rows. */
async function shape(db: TestDatabase): Promise<string[]> {
  const { rows } = await db.query<{ item: string }>(`
    SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type AS item
      FROM information_schema.columns WHERE table_schema = 'brokerstar'
    UNION ALL SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = 'brokerstar'
    UNION ALL SELECT 'trigger ' || tgname || ' on ' || tgrelid::regclass::text
      FROM pg_trigger WHERE NOT tgisinternal AND tgrelid::regclass::text LIKE 'brokerstar.%'
    UNION ALL SELECT 'constraint ' || conname || ' on ' || conrelid::regclass::text || ' ' || pg_get_constraintdef(oid)
      FROM pg_constraint WHERE connamespace = 'brokerstar'::regnamespace OR confrelid::regclass::text LIKE 'brokerstar.%'
    UNION ALL SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname = 'dav'
    ORDER BY 1`);
  return rows.map((r) => r.item);
}

describe('removing brokerstar-dav from BrokerStar’s database (docs/change-tracking.md “Removing it”)', () => {
  let installed: TestDatabase;
  let pristine: TestDatabase;
  beforeAll(async () => {
    [installed, pristine] = await Promise.all([createTestDatabase(), createTestDatabase({ template: false })]);
    await createBrokerstarSchema(pristine.pool);
    const b = builders(installed.pool);
    const anna = await b.addEmployee({ username: 'anna.meier' });
    await b.addContact({ lastName: 'Frei', phones: ['+41 44 000 00 00'] });
    await b.addTask({ assigneeId: anna, subject: 'Rückruf' });
  });
  afterAll(async () => {
    await Promise.all([installed?.drop(), pristine?.drop()]);
  });

  it('leaves exactly the customer’s schema, and keeps BrokerStar’s data', async () => {
    expect(await shape(installed)).not.toEqual(await shape(pristine)); // installed: triggers, indexes, dav
    await installed.query(removalSql());
    expect(await shape(installed)).toEqual(await shape(pristine));
    const { rows } = await installed.query(`SELECT (SELECT count(*) FROM brokerstar.contact)::int AS contacts,
                                                   (SELECT count(*) FROM brokerstar.task)::int AS tasks`);
    expect(rows[0]).toEqual({ contacts: 1, tasks: 1 });
    // BrokerStar keeps writing without the server.
    await installed.query(`UPDATE brokerstar.contact SET notes = 'ohne Server'`);
  });
});
