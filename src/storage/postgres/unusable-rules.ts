// BrokerStar appointments whose recurrence rule the server cannot use (src/calendar/rule-text.ts):
// they are served as single appointments, and `brokerstar-dav status` names them so someone can fix
// the rule in BrokerStar. Checked on demand from BrokerStar's rows, so the command needs no server.
import { ruleProblem, ruleValue } from '../../calendar/rule-text.js';
import { appointmentRules } from './brokerstar/recurrence-rules.js';
import type { Queryable } from './queryable.js';

export interface UnusableRule {
  readonly id: string;
  readonly rule: string;
  readonly problem: string;
}

/** Live appointments with a rule that is served as a single appointment, by id. */
export async function unusableRecurrenceRules(db: Queryable): Promise<UnusableRule[]> {
  const out: UnusableRule[] = [];
  for (const r of await appointmentRules(db)) {
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
