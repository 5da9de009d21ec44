// BrokerStar stores recurrence rules as free text. A rule every iCalendar reader understands is
// served; an unusable one must not break the appointment, the change pump, a restart or a
// client's parser, so the appointment is served as a single one. Unusable: a typo (BYDAY=XX, an
// RRULE: prefix, garbage), a rule that stops matching (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30) or
// takes too long to step through, and rules repeating more often than hourly, which no
// calendar's recurrence dialog offers and which would flood every client with instances.
import ICAL from 'ical.js';
import { firstInstances, TimeBudget } from './bounded-recurrence.js';

/** Frequencies no appointment series has (every minute or second). */
const TOO_FREQUENT: ReadonlySet<string> = new Set(['SECONDLY', 'MINUTELY']);
/** Instances walked to see that the rule keeps producing some (mistakes that only show when walked). */
const PROBE_INSTANCES = 3;
/** Wall time the probe may take. */
const PROBE_BUDGET_MS = 250;

/** Verdicts per rule text: a hostile rule costs its probe once, and a verdict near the time limit cannot flip between renders. */
const verdicts = new Map<string, string | undefined>();
const MAX_VERDICTS = 5_000;

/** Why a rule is not served, or undefined when it is usable. */
export function ruleProblem(value: string): string | undefined {
  if (verdicts.has(value)) return verdicts.get(value);
  const problem = probe(value);
  if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
  verdicts.set(value, problem);
  return problem;
}

function probe(value: string): string | undefined {
  let recur: ICAL.Recur;
  try {
    recur = ICAL.Recur.fromString(value);
  } catch (err) {
    return `unreadable (${err instanceof Error ? err.message : String(err)})`;
  }
  if (!recur.freq) return 'no FREQ';
  if (TOO_FREQUENT.has(recur.freq)) return `FREQ=${recur.freq} repeats more often than any appointment`;
  try {
    const start = ICAL.Time.fromData({ year: 2000, month: 1, day: 3, hour: 9, minute: 0, second: 0, isDate: false });
    const found = firstInstances(recur, start, PROBE_INSTANCES, new TimeBudget(PROBE_BUDGET_MS));
    const wanted = Math.min(PROBE_INSTANCES, recur.count || PROBE_INSTANCES);
    // An UNTIL before the probe's start ends the series early on its own: that is not a mistake.
    if (found.length < wanted && !recur.until) return 'yields no instances';
  } catch (err) {
    return `cannot be expanded (${err instanceof Error ? err.message : String(err)})`;
  }
  return undefined;
}

/** BrokerStar's text as an RRULE value: blanks and an `RRULE:` prefix removed. */
export const ruleValue = (raw: string): string => raw.trim().replace(/^RRULE:/i, '');

/** The rule as served (RRULE value, prefix and blanks removed), or null when it cannot be used. */
export function readableRule(raw: string | null): string | null {
  if (raw === null) return null;
  const value = ruleValue(raw);
  if (value === '') return null;
  return ruleProblem(value) === undefined ? value : null;
}

/** Rules already reported per appointment, so a row is logged once per process, not per render. */
const reported = new Map<string, string>();
const MAX_REPORTED = 10_000;

/** True the first time an appointment's unusable rule is seen (again after the rule changed). */
export function firstSightingOfUnusableRule(appointmentId: string, rule: string): boolean {
  if (reported.get(appointmentId) === rule) return false;
  if (reported.size >= MAX_REPORTED) reported.clear();
  reported.set(appointmentId, rule);
  return true;
}
