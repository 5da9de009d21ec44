// What a pass takes: a batch of the change log the triggers write (migrations/002) and the
// re-announcements that fell due, gathered into the items to render anew.
import type { Queryable } from '../queryable.js';
import type { EntityKind } from '../render-entity.js';

/** Log rows (or due re-announcements) one pass takes at most. */
export const LOG_BATCH = 5000;

/** What BrokerStar touched since the last pass, by what has to be done about it. */
export interface TouchedItems {
  /** Render everything (after a TRUNCATE, or a log kind this version does not know). */
  all: boolean;
  readonly ids: Record<EntityKind, Set<string>>;
  /** Due re-announcements: rendered with a new ETag even when nothing changed. */
  readonly forced: Record<EntityKind, Set<string>>;
  /** Contacts whose photo changed: scaled anew. */
  readonly photos: Set<string>;
  /** Employees changed: the items naming them render anew, and every collection recomputes. */
  readonly employees: Set<string>;
  /** A calendar share changed: shared calendars recompute. */
  shares: boolean;
}

const nothingTouched = (): TouchedItems => ({
  all: false,
  ids: { contact: new Set(), task: new Set(), appointment: new Set(), birthday: new Set() },
  forced: { contact: new Set(), task: new Set(), appointment: new Set(), birthday: new Set() },
  photos: new Set(),
  employees: new Set(),
  shares: false,
});

/** One change log row into `touched`. */
function markTouched(touched: TouchedItems, kind: string, id: string): void {
  switch (kind) {
    case 'contact':
    case 'task':
    case 'appointment':
      touched.ids[kind].add(id);
      return;
    case 'photo':
      touched.photos.add(id);
      touched.ids.contact.add(id);
      return;
    case 'employee':
      touched.employees.add(id);
      return;
    case 'share':
      touched.shares = true;
      return;
    default:
      touched.all = true; // 'all' after TRUNCATE, or anything unknown: re-render everything
  }
}

/** One cheap query: do BrokerStar changes or due re-announcements wait? */
export async function changesWaiting(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ p: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM dav.change_log)
           OR EXISTS (SELECT 1 FROM dav.entity WHERE reannounce_due <= now()) AS p`,
  );
  return rows[0]?.p === true;
}

/**
 * Deletes a batch of the log and clears a batch of due re-announcements (inside the caller's
 * transaction, under the pump's lock). `taken`: how many of either it took (the larger), 0 when idle.
 */
export async function takeChanges(db: Queryable): Promise<{ touched: TouchedItems; taken: number }> {
  const logged = await db.query<{ kind: string; id: string }>(
    `DELETE FROM dav.change_log WHERE id IN (SELECT id FROM dav.change_log ORDER BY id LIMIT ${LOG_BATCH})
         RETURNING kind, entity_id::text AS id`,
  );
  const due = await db.query<{ kind: EntityKind; id: string }>(
    `UPDATE dav.entity SET reannounce_due = NULL, reannounced_at = now()
          WHERE (kind, id) IN (SELECT kind, id FROM dav.entity WHERE reannounce_due <= now()
                                ORDER BY reannounce_due LIMIT ${LOG_BATCH})
          RETURNING kind, id::text AS id`,
  );
  const touched = nothingTouched();
  const taken = Math.max(logged.rows.length, due.rows.length);
  if (taken === 0) return { touched, taken };
  for (const r of logged.rows) markTouched(touched, r.kind, r.id);
  if (touched.all) {
    // Everything is rendered from scratch in this pass, so the rest of the log (a bulk import,
    // the demo data) is covered too: rows committed until now go; later ones are seen later.
    // Changed photos among them must still be scaled anew (once, in this pass).
    const rest = await db.query<{ kind: string; id: string }>(
      `DELETE FROM dav.change_log RETURNING kind, entity_id::text AS id`,
    );
    for (const r of rest.rows) if (r.kind === 'photo') touched.photos.add(r.id);
  }
  for (const r of due.rows) {
    touched.ids[r.kind].add(r.id);
    touched.forced[r.kind].add(r.id);
  }
  return { touched, taken };
}
