// Brings dav.entity up to date with what a pass took: adds the items whose rendering shows what
// changed (the tasks and appointments naming a touched contact or employee), renders, bumps generations.
import type pg from 'pg';
import { allIds, dependents } from '../brokerstar/record-loading.js';
import { dropPhotosGoneFromBrokerstar } from '../brokerstar/photos.js';
import type { TouchedItems } from './change-log.js';
import { bumpGenerations } from './generations.js';
import { forgetPhotos } from './photos.js';
import { renderChunk, type RenderContext } from './render-chunk.js';

const RENDER_CHUNK = 500;

export async function renderTouched(db: pg.PoolClient, touched: TouchedItems, ctx: RenderContext): Promise<void> {
  if (touched.all) {
    for (const kind of ['contact', 'task', 'appointment'] as const) {
      const known = await db.query<{ id: string }>('SELECT id::text AS id FROM dav.entity WHERE kind = $1', [kind]);
      for (const id of [...(await allIds(db, kind)), ...known.rows.map((r) => r.id)]) touched.ids[kind].add(id);
    }
    // Photos that BrokerStar no longer has leave the cache; changed ones arrive as 'photo'.
    await dropPhotosGoneFromBrokerstar(db);
  } else {
    const deps = await dependents(db, [...touched.ids.contact], [...touched.employees]);
    for (const id of deps.tasks) touched.ids.task.add(id);
    for (const id of deps.appointments) touched.ids.appointment.add(id);
  }
  // A birthday event is rendered with its contact (a due re-announcement of one renders both).
  for (const id of touched.ids.birthday) touched.ids.contact.add(id);
  if (touched.photos.size) await forgetPhotos(db, [...touched.photos]);
  const now = new Date();
  for (const kind of ['contact', 'task', 'appointment'] as const) {
    const ids = [...touched.ids[kind]];
    for (let i = 0; i < ids.length; i += RENDER_CHUNK) {
      await renderChunk(db, kind, ids.slice(i, i + RENDER_CHUNK), touched.forced[kind], now, ctx, touched.forced.birthday);
    }
  }
  await bumpGenerations(db, touched);
}
