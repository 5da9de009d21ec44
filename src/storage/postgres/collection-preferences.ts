// Display settings an employee's clients set per collection (PROPPATCH of Apple's calendar-color
// and calendar-order, docs/writes.md "Colours and order"): dav.collection_preference, keyed by the
// collection key, so every kind of collection has them. Never BrokerStar's data, never content:
// nothing here moves a sync token or an ETag.
import { inTransaction } from '../../db/transaction.js';
import type pg from 'pg';
import { AuditLog } from '../../audit/audit-log.js';
import type { Logger } from '../../logger.js';
import type { Collection, CollectionPreference, PreferenceUpdate, Principal } from '../types.js';
import type { Queryable } from './queryable.js';

export async function loadCollectionPreferences(db: Queryable, home: Principal): Promise<Map<string, CollectionPreference>> {
  const { rows } = await db.query<{ collection_key: string; color: string | null; sort_order: number | null }>(
    'SELECT collection_key, color, sort_order FROM dav.collection_preference WHERE employee_id = $1',
    [home.id],
  );
  return new Map(rows.map((r) => [r.collection_key, { color: r.color, order: r.sort_order }]));
}

/** One statement: the settings a PROPPATCH sent, all or none (RFC 4918 §9.2 atomicity). */
export async function saveCollectionPreference(db: Queryable, home: Principal, c: Collection, change: CollectionPreference): Promise<void> {
  const hasColor = change.color !== undefined;
  const hasOrder = change.order !== undefined;
  if (!hasColor && !hasOrder) return;
  await db.query(
    `INSERT INTO dav.collection_preference AS p (employee_id, collection_key, color, sort_order)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (employee_id, collection_key) DO UPDATE
        SET color = CASE WHEN $5 THEN EXCLUDED.color ELSE p.color END,
            sort_order = CASE WHEN $6 THEN EXCLUDED.sort_order ELSE p.sort_order END,
            updated_at = now()`,
    [home.id, c.key, change.color ?? null, change.order ?? null, hasColor, hasOrder],
  );
}

export interface PreferenceDeps {
  readonly pool: pg.Pool;
  readonly log: Logger;
}

const FIELDS = [
  ['color', 'calendar-color'],
  ['order', 'calendar-order'],
] as const;

/** Stores the change and its audit row in one transaction; a refusal is audited, nothing stored. */
export async function updateCollectionPreference(deps: PreferenceDeps, c: Collection, req: PreferenceUpdate): Promise<void> {
  const subject = { employeeId: req.user.id, username: req.user.username, userAgent: req.userAgent, method: 'PROPPATCH', resource: req.href };
  await inTransaction(deps.pool, async (client) => {
    const audit = new AuditLog(client, deps.log);
    if (req.refusal) {
      await audit.propertyUpdate(subject, {
        outcome: 'refused',
        status: req.refusal.status,
        reason: `${req.refusal.reason}: ${req.refusal.detail}`,
      });
    } else {
      const before = (await loadCollectionPreferences(client, req.user)).get(c.key) ?? {};
      await saveCollectionPreference(client, req.user, c, req.change);
      const changes = FIELDS.filter(([f]) => req.change[f] !== undefined).map(([f, field]) => ({ field, old: before[f] ?? null, new: req.change[f] }));
      await audit.propertyUpdate(subject, { outcome: 'accepted', status: 207, reason: 'display settings', changes });
    }
  });
}
