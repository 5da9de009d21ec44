// Renders a chunk of items of one kind from BrokerStar's rows and stores them; items BrokerStar
// no longer serves (deleted, archived, gone) leave dav.entity.
import type pg from 'pg';
import { birthdaySeries, type RenderOptions } from '../../../ical/index.js';
import type { Logger } from '../../../logger.js';
import type { ContactRecord } from '../../../domain/records.js';
import { firstSightingOfUnusableRule, ruleProblem, ruleValue } from '../../../calendar/rule-text.js';
import { loadAppointments, loadContacts, loadTasks } from '../brokerstar/record-loading.js';
import {
  renderAppointmentEntity,
  renderBirthdayEntity,
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
  /** Contacts: birthday events to re-announce (a refused edit of one), even when unchanged. */
  forcedBirthdays: ReadonlySet<string> = new Set(),
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
    await renderBirthdays(db, ids, loaded.map((c) => ({ ...c.record, photo: null })), forcedBirthdays, now, ctx);
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

/**
 * The birthday events of a chunk of contacts (the birthdays calendar): rendered with the contact,
 * dropped when the contact has no birthday any more or is no longer served.
 */
async function renderBirthdays(
  db: pg.PoolClient,
  ids: string[],
  contacts: readonly ContactRecord[],
  forced: ReadonlySet<string>,
  now: Date,
  ctx: RenderContext,
): Promise<void> {
  const prior = await loadStamps(db, 'birthday', ids);
  const rows: EntityRow[] = [];
  const kept = new Set<string>();
  for (const c of contacts) {
    if (c.birthday === null || !birthdaySeries(c.birthday)) continue;
    kept.add(c.id);
    try {
      const r = renderBirthdayEntity(c, prior.get(c.id), forced.has(c.id), now, ctx.renderOptions);
      if (r) rows.push(storable(r));
    } catch (err) {
      ctx.log.error({ kind: 'birthday', id: c.id, err }, 'item could not be rendered; its last served version stays');
    }
  }
  await storeEntities(db, 'birthday', rows);
  ctx.statistics.wrote(rows.length);
  await deleteEntities(db, 'birthday', ids.filter((id) => !kept.has(id) && prior.has(id)));
}
