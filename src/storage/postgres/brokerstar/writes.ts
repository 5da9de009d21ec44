// The only writes the server makes to BrokerStar's tables (design.md §4): an owner's appointment
// times and texts (moved occurrences as appointment_exception rows), a participant's answer
// (appointment_participant.response), and an assignee's task status and completion. Each runs inside the caller's transaction, after lockRow.
import type { AppointmentPatch, TaskPatch } from '../../../policy/edit-rules.js';
import type { Queryable } from '../queryable.js';

export type EditableKind = 'appointment' | 'task';

/**
 * Locks the live row for the rest of the transaction; undefined when it no longer exists. Returns
 * the contact the row names (also one the rendering leaves out, e.g. a restricted one): a write
 * to it can change what is served for the item.
 */
export async function lockRow(db: Queryable, kind: EditableKind, id: string): Promise<{ contactId: string | null } | undefined> {
  const table = kind === 'appointment' ? 'brokerstar.appointment' : 'brokerstar.task';
  const { rows } = await db.query<{ contact_id: string | null }>(
    `SELECT contact_id::text AS contact_id FROM ${table} WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`,
    [id],
  );
  return rows[0] && { contactId: rows[0].contact_id };
}

/** Builds "col = $n" assignments for the fields a patch sets (undefined = untouched). */
function assignments(fields: Record<string, unknown>, offset: number): { set: string[]; values: unknown[] } {
  const set: string[] = [];
  const values: unknown[] = [];
  for (const [column, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    values.push(value);
    set.push(`${column} = $${offset + values.length}`);
  }
  return { set, values };
}

export async function updateAppointment(db: Queryable, id: string, patch: AppointmentPatch): Promise<void> {
  if (patch.startsAt) {
    // Moving a whole series moves the rule's occurrences: exceptions keep naming the same
    // occurrences (cancelled ones stay cancelled, moved ones stay where they were moved to).
    // The rule repeats on the wall clock, so the shift is too (a day across a DST switch is 23 or
    // 25 hours), in the appointment's zone (UTC when PostgreSQL does not know it, as the renderer).
    // Delete and re-insert: shifting in place could collide with the next row's key mid-update.
    await db.query(
      `WITH a AS (SELECT ap.id, z.tz, ($2::timestamptz AT TIME ZONE z.tz) - (ap.starts_at AT TIME ZONE z.tz) AS delta
                    FROM brokerstar.appointment ap,
                         LATERAL (SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = ap.time_zone)
                                              THEN ap.time_zone ELSE 'UTC' END AS tz) z
                   WHERE ap.id = $1 AND ap.recurrence_rule IS NOT NULL AND ap.starts_at <> $2::timestamptz),
            old AS (DELETE FROM brokerstar.appointment_exception x USING a WHERE x.appointment_id = a.id
                    RETURNING x.appointment_id, x.original_start, x.is_cancelled, x.starts_at, x.ends_at)
       INSERT INTO brokerstar.appointment_exception (appointment_id, original_start, is_cancelled, starts_at, ends_at)
       SELECT old.appointment_id, ((old.original_start AT TIME ZONE a.tz) + a.delta) AT TIME ZONE a.tz,
              old.is_cancelled, old.starts_at, old.ends_at
         FROM old, a`,
      [id, patch.startsAt],
    );
  }
  const { set, values } = assignments(
    {
      subject: patch.subject,
      location: patch.location,
      description: patch.description,
      starts_at: patch.startsAt,
      ends_at: patch.endsAt,
      all_day: patch.allDay,
    },
    1,
  );
  if (set.length) {
    await db.query(`UPDATE brokerstar.appointment SET ${set.join(', ')}, updated_at = now() WHERE id = $1`, [id, ...values]);
  }
  for (const x of patch.exceptions) {
    await db.query(
      `INSERT INTO brokerstar.appointment_exception (appointment_id, original_start, is_cancelled, starts_at, ends_at)
       VALUES ($1, $2, false, $3, $4)
       ON CONFLICT (appointment_id, original_start)
       DO UPDATE SET is_cancelled = false, starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at`,
      [id, x.originalStart, x.startsAt, x.endsAt],
    );
  }
  if (patch.exceptions.length && !set.length) {
    await db.query('UPDATE brokerstar.appointment SET updated_at = now() WHERE id = $1', [id]);
  }
  if (patch.answer) {
    // A participant's answer: his row only; the appointment itself is the owner's and stays as is
    // (the change-tracking trigger on appointment_participant re-renders it for everyone).
    await db.query('UPDATE brokerstar.appointment_participant SET response = $3 WHERE appointment_id = $1 AND employee_id = $2', [
      id,
      patch.answer.employeeId,
      patch.answer.response,
    ]);
  }
}

export async function updateTask(db: Queryable, id: string, patch: TaskPatch): Promise<void> {
  const { set, values } = assignments(
    { status: patch.status, percent_complete: patch.percentComplete, completed_at: patch.completedAt },
    1,
  );
  if (set.length) {
    await db.query(`UPDATE brokerstar.task SET ${set.join(', ')}, updated_at = now() WHERE id = $1`, [id, ...values]);
  }
}
