// The photo cache (dav.photo) against BrokerStar's originals (contact_photo).
import type { Queryable } from '../queryable.js';

/** Drops cached photos whose contact no longer has one in BrokerStar. */
export async function dropPhotosGoneFromBrokerstar(db: Queryable): Promise<void> {
  await db.query('DELETE FROM dav.photo p WHERE NOT EXISTS (SELECT 1 FROM brokerstar.contact_photo o WHERE o.contact_id = p.contact_id)');
}
