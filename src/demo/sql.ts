// Batch inserts for the demo generator: ~1000 rows per statement through unnest(arrays), photos by size.
import type pg from 'pg';

/** A column of `R` and the PostgreSQL type its values are sent as. */
export type Column<R> = readonly [name: keyof R & string, type: string];

export const BATCH_ROWS = 1000;

/**
 * Inserts rows into brokerstar.`table` with one `INSERT … SELECT * FROM unnest($1::t[], …)` per
 * batch: a handful of parameters per statement whatever the batch size.
 */
export async function insertRows<R>(
  client: pg.PoolClient,
  table: string,
  columns: readonly Column<R>[],
  rows: readonly R[],
  onBatch: (count: number) => void,
): Promise<void> {
  const names = columns.map(([name]) => name).join(', ');
  const params = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  const sql = `INSERT INTO brokerstar.${table} (${names}) SELECT * FROM unnest(${params})`;
  for (let from = 0; from < rows.length; from += BATCH_ROWS) {
    const batch = rows.slice(from, from + BATCH_ROWS);
    await client.query(
      sql,
      columns.map(([name]) => batch.map((row) => row[name] ?? null)),
    );
    onBatch(batch.length);
  }
}

export interface PhotoInsert {
  readonly contact_id: number;
  readonly mime_type: string;
  readonly data: Buffer;
  readonly updated_at: Date;
}

/** Photos go as binary parameters (not hex inside an array literal): a few rows per statement. */
export async function insertPhotos(client: pg.PoolClient, photos: readonly PhotoInsert[]): Promise<void> {
  if (!photos.length) return;
  const values: string[] = [];
  const params: unknown[] = [];
  for (const p of photos) {
    const n = params.length;
    values.push(`($${n + 1}::bigint, $${n + 2}, $${n + 3}::bytea, $${n + 4}::timestamptz)`);
    params.push(p.contact_id, p.mime_type, p.data, p.updated_at);
  }
  await client.query(
    `INSERT INTO brokerstar.contact_photo (contact_id, mime_type, data, updated_at) VALUES ${values.join(', ')}`,
    params,
  );
}

/** After inserting explicit ids, moves each identity sequence past them so BrokerStar's inserts keep working. */
export async function syncIdentity(client: pg.PoolClient, tables: readonly string[]): Promise<void> {
  for (const table of tables) {
    await client.query(
      `SELECT setval(pg_get_serial_sequence($1, 'id'), m) FROM (SELECT max(id) AS m FROM brokerstar.${table}) s WHERE m IS NOT NULL`,
      [`brokerstar.${table}`],
    );
  }
}
