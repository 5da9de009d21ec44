// The one shape of database access the storage layer needs: a pg Pool or a checked-out client.
import type pg from 'pg';

export interface Queryable {
  // A QueryConfig with a `name` is a prepared statement (parsed and planned once per connection).
  query<R extends pg.QueryResultRow = any>(text: string | pg.QueryConfig, params?: readonly unknown[]): Promise<pg.QueryResult<R>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * Turns `:name` placeholders into $1, $2 … for the values actually used, so one SQL text can take
 * only the parameters it needs (PostgreSQL refuses parameters it cannot type). `::type` casts stay.
 */
export function named(sql: string, values: Readonly<Record<string, unknown>>): { text: string; values: unknown[] } {
  const order: string[] = [];
  const text = sql.replace(/(?<!:):([a-z][a-z0-9_]*)/g, (_m, name: string) => {
    if (!(name in values)) throw new Error(`no value for :${name}`);
    let i = order.indexOf(name);
    if (i < 0) i = order.push(name) - 1;
    return `$${i + 1}`;
  });
  return { text, values: order.map((n) => values[n]) };
}
