// Bumps the generation of each kind of data a pass touched, so collections know to recompute their
// members; address books also get the contacts it touched (incremental-refresh.ts).
import { INCREMENTAL_MAX_IDS } from '../incremental-refresh.js';
import type { Queryable } from '../queryable.js';
import type { EntityKind } from '../render-entity.js';
import type { TouchedItems } from './change-log.js';

export async function bumpGenerations(db: Queryable, touched: TouchedItems): Promise<void> {
  const everything = touched.all || touched.employees.size > 0;
  const scopes = (['contact', 'task', 'appointment'] as const).filter(
    (k) => everything || touched.ids[k].size > 0 || (k === 'appointment' && touched.shares),
  );
  if (!scopes.length) return;
  // Address books catch up from the contacts each generation touched: those are logged with it,
  // NULL meaning everything or too many to matter. Other kinds are not logged: their generations
  // move without logged_value, which marks them unlogged.
  const logged = (k: EntityKind) => k === 'contact';
  const ids = scopes.map((k) =>
    !logged(k) ? null : everything || touched.ids[k].size > INCREMENTAL_MAX_IDS ? null : `{${[...touched.ids[k]].join(',')}}`,
  );
  await db.query(
    `WITH bumped AS (
           UPDATE dav.generation g SET value = n.value, logged_value = CASE WHEN n.logged THEN n.value END
             FROM (SELECT s.scope, s.logged, nextval('dav.generation_seq') AS value
                     FROM unnest($1::text[], $3::boolean[]) AS s(scope, logged)) n
            WHERE g.scope = n.scope
           RETURNING g.scope, g.value)
         INSERT INTO dav.generation_log (scope, generation, ids)
         SELECT b.scope, b.value, t.ids::bigint[]
           FROM bumped b JOIN unnest($1::text[], $2::text[], $3::boolean[]) AS t(scope, ids, logged) ON t.scope = b.scope
          WHERE t.logged`,
    [scopes, ids, scopes.map(logged)],
  );
}
