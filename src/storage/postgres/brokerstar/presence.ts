// Whether this database holds BrokerStar's tables, and whether they hold anything: checked before
// migrating (the dav schema is added beside BrokerStar's) and before creating demo data.
import type { Queryable } from '../queryable.js';

export async function hasBrokerstarTables(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(`SELECT to_regclass('brokerstar.employee') IS NOT NULL AS ok`);
  return rows[0]?.ok === true;
}

/** No employees, contacts, tasks or appointments: a fresh demo database. */
export async function brokerstarIsEmpty(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ empty: boolean }>(
    `SELECT NOT EXISTS (SELECT 1 FROM brokerstar.employee) AND NOT EXISTS (SELECT 1 FROM brokerstar.contact)
            AND NOT EXISTS (SELECT 1 FROM brokerstar.task) AND NOT EXISTS (SELECT 1 FROM brokerstar.appointment) AS empty`,
  );
  return rows[0]?.empty === true;
}
