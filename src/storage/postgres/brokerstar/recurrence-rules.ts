// The recurrence rules of BrokerStar's live appointments, read for `brokerstar-dav status`.
import type { Queryable } from '../queryable.js';

/** Live appointments with a non-blank rule, by id. */
export async function appointmentRules(db: Queryable): Promise<{ id: string; rule: string }[]> {
  const { rows } = await db.query<{ id: string; rule: string }>(
    `SELECT id::text AS id, recurrence_rule AS rule FROM brokerstar.appointment
      WHERE deleted_at IS NULL AND recurrence_rule IS NOT NULL AND btrim(recurrence_rule) <> '' ORDER BY id`,
  );
  return rows;
}
