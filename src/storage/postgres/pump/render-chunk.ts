// Renders a chunk of items of one kind from BrokerStar's rows and stores them; items BrokerStar
// no longer serves (deleted, archived, gone) leave dav.entity.
import type pg from 'pg';
import type { RenderOptions } from '../../../ical/index.js';
import type { Logger } from '../../../logger.js';
import type { ContactRecord } from '../../../domain/records.js';
import { firstSightingOfUnusableRule, ruleProblem, ruleValue } from '../../../calendar/rule-text.js';
import { loadAppointments, loadContacts, loadTasks } from '../brokerstar/record-loading.js';
import {
  renderAppointmentEntity,
  renderContactEntity,
  renderTaskEntity,
  type EntityKind,
  type EntityRow,
} from '../render-entity.js';
import { deleteEntities, loadStamps, storable, storeEntities } from './entity-rows.js';
import { scaledPhotos } from './photos.js';
import type { PlannerStatistics } from './statistics.js';

export interface RenderContext {
  readonly renderOptions: RenderOptions;
  readonly photoMaxPixels: number;
  readonly log: Logger;
  readonly statistics: PlannerStatistics;
}

export async function renderChunk(
  db: pg.PoolClient,
  kind: EntityKind,
  ids: string[],
  forced: ReadonlySet<string>,
  now: Date,
  ctx: RenderContext,
): Promise<void> {
  const prior = await loadStamps(db, kind, ids);
  const { renderOptions: opts, log } = ctx;
  const rows: EntityRow[] = [];
  const seen = new Set<string>();
  /**
   * One item that cannot be rendered (data no renderer foresaw) must not hold up the others:
   * it keeps its stored version (or stays unserved) and the error is logged.
   */
  const add = (id: string, render: () => EntityRow | undefined) => {
    seen.add(id);
    try {
      const r = render();
      if (r) rows.push(storable(r));
    } catch (err) {
      log.error({ kind, id, err }, 'item could not be rendered; its last served version stays');
    }
  };
  if (kind === 'contact') {
    const loaded = await loadContacts(db, ids);
    const photos = await scaledPhotos(db, loaded.filter((c) => c.hasPhoto).map((c) => c.record.id), ctx);
    for (const c of loaded) {
      const jpeg = photos.get(c.record.id);
      const record: ContactRecord = { ...c.record, photo: jpeg ? { mimeType: 'image/jpeg', data: jpeg } : null };
      add(c.record.id, () => renderContactEntity(record, prior.get(c.record.id), forced.has(c.record.id), now, opts));
    }
  } else if (kind === 'task') {
    for (const t of await loadTasks(db, ids)) add(t.id, () => renderTaskEntity(t, prior.get(t.id), forced.has(t.id), now, opts));
  } else {
    for (const a of await loadAppointments(db, ids)) {
      if (a.unreadableRule !== undefined && firstSightingOfUnusableRule(a.id, a.unreadableRule)) {
        log.warn(
          { id: a.id, rule: a.unreadableRule.slice(0, 200), problem: ruleProblem(ruleValue(a.unreadableRule)) },
          'appointment has an unusable recurrence rule; served as a single appointment',
        );
      }
      add(a.id, () => renderAppointmentEntity(a, prior.get(a.id), forced.has(a.id), now, opts));
    }
  }
  await storeEntities(db, kind, rows);
  ctx.statistics.wrote(rows.length);
  // Deleted, archived or gone in BrokerStar: no longer rendered; collections drop it on refresh.
  await deleteEntities(db, kind, ids.filter((id) => !seen.has(id)));
}
