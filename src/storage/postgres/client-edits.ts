// A client's PUT on an existing appointment or task (design.md §4): one transaction that locks
// BrokerStar's row, checks If-Match against the current version (and against a BrokerStar write
// the server has not rendered yet), lets the edit rules decide, applies the allowed fields and
// writes the audit entry. Nothing is written when a rule refuses.
import type pg from 'pg';
import { AuditLog } from '../../audit/audit-log.js';
import type { RenderOptions } from '../../ical/index.js';
import type { Logger } from '../../logger.js';
import { decideAppointmentEdit, decideTaskEdit, type EditDecision } from '../../policy/edit-rules.js';
import type { Collection, UpdateOutcome, UpdateRequest } from '../types.js';
import { loadAppointments, loadTasks } from './brokerstar/records.js';
import { lockRow, updateAppointment, updateTask, type EditableKind } from './brokerstar/writes.js';
import type { Queryable } from './queryable.js';

export interface ClientEditDeps {
  readonly pool: pg.Pool;
  readonly log: Logger;
  readonly renderOptions: RenderOptions;
  /** Brings dav.entity up to date after the write (the change pump). */
  catchUp(): Promise<void>;
  reannounce(c: Collection, name: string, opts: { delaySeconds: number; reason: string }): Promise<boolean>;
}

/** RFC 7232 §3.1: a list of entity tags or '*'; weak tags never match a strong comparison. */
export function ifMatchAccepts(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === '*' || t === etag);
}

export async function updateObject(deps: ClientEditDeps, c: Collection, name: string, req: UpdateRequest): Promise<UpdateOutcome> {
  const { rows: members } = await deps.pool.query<{ entity_kind: string; entity_id: string; view: string }>(
    `SELECT entity_kind, entity_id::text AS entity_id, view FROM dav.member WHERE collection = $1 AND name = $2 AND etag IS NOT NULL`,
    [c.key, name],
  );
  const member = members[0];
  if (!member) return { kind: 'not-found' };
  if (member.view !== 'full' || (member.entity_kind !== 'appointment' && member.entity_kind !== 'task')) {
    return { kind: 'refused', rule: 'not-owner', detail: 'this item cannot be edited from a client' };
  }
  const kind = member.entity_kind as EditableKind;
  const id = member.entity_id;
  const load = async (db: Queryable) =>
    JSON.stringify(kind === 'appointment' ? (await loadAppointments(db, [id]))[0] : (await loadTasks(db, [id]))[0]);
  const client = await deps.pool.connect();
  let storedDiffers = false;
  /** What this transaction left in BrokerStar (as loaded), to tell it from a later BrokerStar write. */
  let written = '';
  try {
    await client.query('BEGIN');
    if (!(await lockRow(client, kind, id))) {
      await client.query('ROLLBACK');
      return { kind: 'not-found' };
    }
    // With the row locked: the version the client read is current only if its ETag is the stored
    // one and BrokerStar has not written the row since the server last rendered it.
    const { rows } = await client.query<{ etag: string | null; pending: boolean }>(
      `SELECT (SELECT etag FROM dav.entity WHERE kind = $1 AND id = $2) AS etag,
              EXISTS (SELECT 1 FROM dav.change_log WHERE kind = $1 AND entity_id = $2) AS pending`,
      [kind, id],
    );
    const current = rows[0]!;
    if (req.ifMatch !== undefined && (current.pending || !current.etag || !ifMatchAccepts(req.ifMatch, current.etag))) {
      await client.query('ROLLBACK');
      return { kind: 'precondition-failed', detail: current.pending ? 'changed in BrokerStar meanwhile' : 'stale If-Match' };
    }
    const now = new Date();
    const user = { id: req.user.id, email: req.user.email };
    let decision: EditDecision<unknown>;
    if (kind === 'appointment') {
      const [record] = await loadAppointments(client, [id]);
      if (!record) throw new Error(`appointment ${id} locked but not loaded`);
      const d = decideAppointmentEdit(record, req.body, user, deps.renderOptions, now);
      if (d.ok && d.changes.length) await updateAppointment(client, id, d.patch);
      decision = d;
    } else {
      const [record] = await loadTasks(client, [id]);
      if (!record) throw new Error(`task ${id} locked but not loaded`);
      const d = decideTaskEdit(record, req.body, user, deps.renderOptions, now);
      if (d.ok && d.changes.length) await updateTask(client, id, d.patch);
      decision = d;
    }
    if (!decision.ok) {
      await client.query('ROLLBACK');
      return { kind: 'refused', rule: decision.rule, detail: decision.detail };
    }
    await new AuditLog(client, deps.log).record({
      employeeId: req.user.id,
      username: req.user.username,
      userAgent: req.userAgent,
      method: req.method,
      resource: req.href,
      outcome: 'accepted',
      status: 204,
      reason: decision.truncated ? 'edit (subject/location cut at 150 characters)' : decision.changes.length ? 'edit' : 'no change',
      changes: decision.changes,
    });
    storedDiffers = decision.storedDiffers;
    if (!storedDiffers) written = await load(client);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
  await deps.catchUp();
  if (storedDiffers) {
    // RFC 4791 §5.3.4: no ETag, so DAVx5 and Thunderbird re-read. Outlook CalDav Synchronizer
    // instead fetches the new ETag and keeps its own text; announcing the item again after a
    // delay (new ETag, no BrokerStar change) makes its next sync download the stored version.
    await deps.reannounce(c, name, { delaySeconds: req.reannounceDelaySeconds, reason: 'stored version differs from the PUT' });
    return { kind: 'updated', etag: undefined };
  }
  const { rows } = await deps.pool.query<{ etag: string }>('SELECT etag FROM dav.entity WHERE kind = $1 AND id = $2', [kind, id]);
  // BrokerStar may write the row the moment the lock is released, before the pump renders it: an
  // ETag of that version would tell the client it holds BrokerStar's edit, which it never saw.
  // Read after the ETag, so an unchanged record proves the ETag is of this write's version.
  if ((await load(deps.pool)) !== written) return { kind: 'updated', etag: undefined };
  return { kind: 'updated', etag: rows[0]?.etag };
}
