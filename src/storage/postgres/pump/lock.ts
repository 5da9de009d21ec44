// One pump pass at a time across all server instances: every transaction that renders into
// dav.entity holds this advisory lock until it commits.
import type pg from 'pg';
import { inTransaction } from '../../../db/transaction.js';

// Any constant works; it only has to be the same for every instance.
const PUMP_LOCK = 0x62726b70; // 'brkp'

/** Runs `fn` in a transaction of its own, after every other instance's pump transaction. */
export function inPumpTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [PUMP_LOCK]);
    return fn(client);
  });
}
