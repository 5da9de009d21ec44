// BrokerStar appointments whose recurrence rule the server cannot use (src/ical/recurrence-rule.ts):
// they are served as single appointments, and `brokerstar-dav status` names them so someone can fix
// the rule in BrokerStar. Checked on demand from BrokerStar's rows, so the command needs no server.
import { ruleProblem, ruleValue } from '../../ical/recurrence-rule.js';
import type { Queryable } from './queryable.js';

export interface UnusableRule {
  readonly id: string;
  readonly rule: string;
  readonly problem: string;
}

/** Live appointments with a rule that is served as a single appointment, by id. */
export async function unusableRecurrenceRules(db: Queryable): Promise<UnusableRule[]> {
  const { rows } = await db.query<{ id: string; rule: string }>(
    `SELECT id::text AS id, recurrence_rule AS rule FROM brokerstar.appointment
      WHERE deleted_at IS NULL AND recurrence_rule IS NOT NULL AND btrim(recurrence_rule) <> '' ORDER BY id`,
  );
  const out: UnusableRule[] = [];
  for (const r of rows) {
    const problem = ruleProblem(ruleValue(r.rule));
    if (problem !== undefined) out.push({ id: r.id, rule: r.rule, problem });
  }
  return out;
}

/** Ids named on the status line; the rest are counted. */
const LISTED = 20;

/** The status line: how many, and which (the first LISTED ids). */
export function unusableRulesLine(list: readonly UnusableRule[]): string {
  const ids = list.slice(0, LISTED).map((u) => u.id);
  const more = list.length > LISTED ? `, and ${list.length - LISTED} more` : '';
  return `${list.length} appointments with unusable recurrence rules served as single appointments${list.length ? `: ids ${ids.join(', ')}${more}` : ''}`;
}
