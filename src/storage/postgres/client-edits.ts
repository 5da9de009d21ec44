// A client's PUT on an existing appointment or task (design.md §4): one transaction that locks
// BrokerStar's row, checks If-Match against the current version (and against BrokerStar writes
// the server has not rendered yet: the row itself, its contact and employees, or a TRUNCATE),
// lets the edit rules decide, applies the allowed fields and writes the audit entry. Nothing is
// written when a rule refuses. An ETag is answered only for a version the pump rendered and that
// says what the body says; when BrokerStar stores something else, the PUT handler re-announces it.
import type pg from 'pg';
import { AuditLog } from '../../audit/audit-log.js';
import type { RenderOptions } from '../../ical/index.js';
import type { Logger } from '../../logger.js';
import {
  appointmentMatchesBody,
  decideAppointmentEdit,
  decideTaskEdit,
  taskMatchesBody,
  type EditDecision,
} from '../../policy/edit-rules.js';
import type { AppointmentRecord, TaskRecord } from '../../domain/records.js';
import type { Collection, UpdateOutcome, UpdateRequest } from '../types.js';
import { loadAppointments, loadTasks } from './brokerstar/record-loading.js';
import { lockRow, updateAppointment, updateTask, type EditableKind } from './brokerstar/writes.js';
import type { Queryable } from './queryable.js';

export interface ClientEditDeps {
  readonly pool: pg.Pool;
  readonly log: Logger;
  readonly renderOptions: RenderOptions;
  /** Brings dav.entity up to date after the write (the change pump). */
  catchUp(): Promise<void>;
}

/** RFC 7232 §3.1: a list of entity tags or '*'; weak tags never match a strong comparison. */
export function ifMatchAccepts(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === '*' || t === etag);
}

/** The item a client edits, read under its row lock, as the edit rules see it. */
type EditedItem =
  | { readonly kind: 'appointment'; readonly record: AppointmentRecord }
  | { readonly kind: 'task'; readonly record: TaskRecord };

async function loadItem(db: Queryable, kind: EditableKind, id: string): Promise<EditedItem | undefined> {
  if (kind === 'appointment') {
    const [record] = await loadAppointments(db, [id]);
    return record && { kind, record };
  }
  const [record] = await loadTasks(db, [id]);
  return record && { kind, record };
}

/** The employees the item's rendering reads (organizer and participants, assignee and creator). */
function employeesOf(item: EditedItem): string[] {
  if (item.kind === 'appointment') return [item.record.owner.id, ...item.record.participants.map((p) => p.employee.id)];
  return [item.record.assignee.id, ...(item.record.createdBy ? [item.record.createdBy.id] : [])];
}

/**
 * With the row locked: the stored ETag, and whether BrokerStar wrote anything the rendered
 * version depends on since the pump last ran (the row, its contact, its employees, or a TRUNCATE:
 * then the client's If-Match names an outdated version even when it equals the stored ETag). The
 * log is consumed before every request, so this reads a handful of rows.
 */
async function currentVersion(
  db: Queryable,
  item: EditedItem,
  id: string,
  contactId: string | null,
): Promise<{ etag: string | null; pending: boolean }> {
  const { rows } = await db.query<{ etag: string | null; pending: boolean }>(
    `SELECT (SELECT etag FROM dav.entity WHERE kind = $1 AND id = $2) AS etag,
            EXISTS (SELECT 1 FROM dav.change_log l
                     WHERE (l.kind = $1 AND l.entity_id = $2)
                        OR (l.kind = 'contact' AND l.entity_id = $3)
                        OR (l.kind = 'employee' AND l.entity_id = ANY($4::bigint[]))
                        -- 'all' (a TRUNCATE) and unknown kinds: the pump re-renders everything
                        OR l.kind NOT IN ('contact', 'photo', 'task', 'appointment', 'employee', 'share')) AS pending`,
    [item.kind, id, contactId, employeesOf(item)],
  );
  return rows[0]!;
}

/** The ETag and full text the change pump rendered for the item. */
async function renderedVersion(db: Queryable, kind: EditableKind, id: string): Promise<{ etag: string; body: string } | undefined> {
  const { rows } = await db.query<{ etag: string; body: string }>(
    `SELECT e.etag, b.body FROM dav.entity e JOIN dav.entity_body b ON b.kind = e.kind AND b.id = e.id
      WHERE e.kind = $1 AND e.id = $2`,
    [kind, id],
  );
  return rows[0];
}

/** The edit rules' decision; the allowed fields are written inside the caller's transaction. */
async function decideAndApply(
  db: Queryable,
  item: EditedItem,
  id: string,
  req: UpdateRequest,
  deps: ClientEditDeps,
): Promise<EditDecision<unknown>> {
  const user = { id: req.user.id, email: req.user.email };
  const now = new Date();
  if (item.kind === 'appointment') {
    const d = decideAppointmentEdit(item.record, req.body, user, deps.renderOptions, now);
    if (d.ok && d.changes.length) await updateAppointment(db, id, d.patch);
    return d;
  }
  const d = decideTaskEdit(item.record, req.body, user, deps.renderOptions, now);
  if (d.ok && d.changes.length) await updateTask(db, id, d.patch);
  return d;
}

/** Whether a rendered version says what the client's body says (the rules' own comparison). */
function matchesBody(item: EditedItem, rendered: string, body: string): boolean {
  return item.kind === 'appointment' ? appointmentMatchesBody(item.record, rendered, body) : taskMatchesBody(item.record, rendered, body);
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
  const snapshot = async (db: Queryable) => JSON.stringify((await loadItem(db, kind, id))?.record);
  const client = await deps.pool.connect();
  let item: EditedItem | undefined;
  let storedDiffers = false;
  /** What this transaction left in BrokerStar (as loaded), to tell it from a later BrokerStar write. */
  let written = '';
  try {
    await client.query('BEGIN');
    const locked = await lockRow(client, kind, id);
    if (!locked) {
      await client.query('ROLLBACK');
      return { kind: 'not-found' };
    }
    item = await loadItem(client, kind, id);
    if (!item) throw new Error(`${kind} ${id} locked but not loaded`);
    const current = await currentVersion(client, item, id, locked.contactId);
    if (req.ifMatch !== undefined && (current.pending || !current.etag || !ifMatchAccepts(req.ifMatch, current.etag))) {
      await client.query('ROLLBACK');
      return { kind: 'precondition-failed', detail: current.pending ? 'changed in BrokerStar meanwhile' : 'stale If-Match' };
    }
    const decision = await decideAndApply(client, item, id, req, deps);
    if (!decision.ok) {
      await client.query('ROLLBACK');
      return { kind: 'refused', rule: decision.rule, detail: decision.detail };
    }
    await new AuditLog(client, deps.log).accepted(
      { employeeId: req.user.id, username: req.user.username, userAgent: req.userAgent, method: req.method, resource: req.href },
      decision,
    );
    storedDiffers = decision.storedDiffers;
    if (!storedDiffers) written = await snapshot(client);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
  await deps.catchUp();
  const differs = { kind: 'updated', etag: undefined, storedDiffers: true } as const;
  if (storedDiffers) return differs;
  const rendered = await renderedVersion(deps.pool, kind, id);
  // BrokerStar may write the row the moment the lock is released, before the pump renders it: an
  // ETag of that version would tell the client it holds BrokerStar's edit, which it never saw.
  // Read after the ETag, so an unchanged record proves the ETag is of this write's version.
  if (!rendered || (await snapshot(deps.pool)) !== written) return { kind: 'updated', etag: undefined, storedDiffers: false };
  // "Equal" was a prediction from the renderer; only what the pump actually rendered counts.
  if (!matchesBody(item, rendered.body, req.body)) return differs;
  return { kind: 'updated', etag: rendered.etag, storedDiffers: false };
}
