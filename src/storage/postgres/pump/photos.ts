// The photo cache (dav.photo): originals from BrokerStar, downscaled once to a JPEG.
import type pg from 'pg';
import { downscalePhoto } from '../../../ical/index.js';
import type { Logger } from '../../../logger.js';
import { loadPhotoOriginals } from '../brokerstar/record-loading.js';

/** Forgets these contacts' cached photos (BrokerStar changed them). */
export async function forgetPhotos(db: pg.PoolClient, contactIds: readonly string[]): Promise<void> {
  await db.query('DELETE FROM dav.photo WHERE contact_id = ANY($1::bigint[])', [contactIds]);
}

/** Downscaled photos by contact id, scaling (once) the originals not yet in the cache. */
export async function scaledPhotos(
  db: pg.PoolClient,
  contactIds: string[],
  { photoMaxPixels, log }: { readonly photoMaxPixels: number; readonly log: Logger },
): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  if (contactIds.length === 0) return out;
  const cached = await db.query<{ id: string; jpeg: Buffer | null }>(
    'SELECT contact_id::text AS id, jpeg FROM dav.photo WHERE contact_id = ANY($1::bigint[])',
    [contactIds],
  );
  const have = new Set<string>();
  for (const r of cached.rows) {
    have.add(r.id);
    if (r.jpeg) out.set(r.id, r.jpeg);
  }
  const missing = contactIds.filter((id) => !have.has(id));
  // A few originals at a time: they are megabytes each.
  for (let i = 0; i < missing.length; i += 20) {
    for (const o of await loadPhotoOriginals(db, missing.slice(i, i + 20))) {
      let jpeg: Buffer | null = null;
      try {
        const scaled = await downscalePhoto(o.data, o.mimeType, photoMaxPixels);
        out.set(o.contactId, scaled);
        jpeg = scaled;
      } catch (err) {
        log.warn({ contactId: o.contactId, err: (err as Error).message }, 'contact photo could not be decoded; served without photo');
      }
      await db.query(
        `INSERT INTO dav.photo (contact_id, source_hash, jpeg) VALUES ($1, $2, $3)
           ON CONFLICT (contact_id) DO UPDATE SET source_hash = EXCLUDED.source_hash, jpeg = EXCLUDED.jpeg`,
        [o.contactId, o.hash, jpeg],
      );
    }
  }
  return out;
}
