// Row count and md5 of every BrokerStar table, to prove a request changed nothing (or only what it should).
import type { TestServer } from './server.js';

/** md5 and row count of every BrokerStar table (rows ordered by their text, i.e. deterministically). */
export async function tableChecksums(dav: TestServer): Promise<Record<string, string>> {
  const { rows: tables } = await dav.db.query<{ t: string }>(
    `SELECT c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'brokerstar' AND c.relkind = 'r' ORDER BY 1`,
  );
  // One statement, so all tables are read in one snapshot.
  const { rows } = await dav.db.query<{ t: string; h: string }>(
    tables
      .map(({ t }) => `SELECT '${t}' AS t, count(*) || ':' || md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) AS h FROM brokerstar.${t} x`)
      .join(' UNION ALL '),
  );
  return Object.fromEntries(rows.map((r) => [r.t, r.h]));
}
