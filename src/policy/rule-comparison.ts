// A series' recurrence is BrokerStar's (design.md §4: times, not structure): a PUT that changes the
// RRULE, or moves the series' start off the days or hours its rule names, is refused rather than
// stored as a rule that contradicts its own start and exceptions. "Changes" means other occurrences,
// not another spelling: Outlook CalDav Synchronizer rebuilds every RRULE from Outlook's pattern
// (EventEntityMapper.MapRecurrance1To2: WEEKLY always with BYDAY, MONTHLY with BYMONTHDAY, YEARLY
// with BYMONTHDAY and BYMONTH, an end as COUNT), so rules are compared by what they produce.
import ICAL from 'ical.js';
import { forEachOccurrence } from '../calendar/recurrence.js';
import { TimeBudget } from '../calendar/bounded-recurrence.js';
import { DAY } from '../calendar/clock.js';
import { canonicalRecur } from './canonical.js';
import type { Component, Property, TimeReader } from './ical-input.js';

const DATE_PARTS = ['BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYYEARDAY', 'BYWEEKNO', 'BYSETPOS'];
const TIME_PARTS = ['BYHOUR', 'BYMINUTE', 'BYSECOND'];

/** An unbounded rule is compared up to this many instances or years, whichever comes first. */
const OPEN_INSTANCES = 1_000;
const OPEN_YEARS = 10;
/** A bounded one (COUNT or UNTIL) to its end, up to this many instances (below the expansion's cap). */
const BOUNDED_INSTANCES = 5_000;

const bounded = (r: ICAL.Recur) => Boolean(r.count || r.until);

/**
 * CPU time the recurrence checks of one PUT may take (src/calendar/bounded-recurrence.ts): they run
 * inside the transaction that holds BrokerStar's row lock, on the event loop. A real rule in
 * another spelling takes a few ms; the longest comparison there is, two walks of 5,000 daily
 * instances, 60 to 170 ms on the 2-core test machine. A crafted rule that agrees with the stored
 * one in a slow spelling (11 to 30 s unbounded) is cut off here and the PUT refused.
 */
export const RULE_CHECK_BUDGET_MS = 250;

/**
 * Walks the rule's instances from `dtstart` (DTSTART included, RFC 5545 §3.8.5.3) up to the
 * comparison horizon, handing each instant to `visit` until it returns false. 'capped' when the
 * expansion gave up (a rule ical.js cannot iterate, or the budget is spent).
 */
function walk(rule: ICAL.Recur, dtstart: Property, reader: TimeReader, budget: TimeBudget, visit: (ms: number) => boolean): 'done' | 'capped' {
  const max = bounded(rule) ? BOUNDED_INSTANCES : OPEN_INSTANCES;
  const series = new ICAL.Component('vevent');
  series.addPropertyWithValue('rrule', rule.clone()); // the iterator must not touch the caller's rule
  let seen = 0;
  let until = Number.POSITIVE_INFINITY;
  const result = forEachOccurrence(series, dtstart, reader.clock, { budget }, (o) => {
    if (seen === 0 && !bounded(rule)) until = o.startMs + OPEN_YEARS * 365.25 * DAY;
    if (seen >= max || o.startMs > until) return true;
    seen++;
    return !visit(o.startMs);
  });
  return result === 'capped' ? 'capped' : 'done';
}

/**
 * Same series, whatever the spelling: both rules produce the same instances from the stored
 * DTSTART (`dtstart`, as served, so in the appointment's zone), and both end or neither does.
 * Unbounded rules are compared over a horizon (OPEN_INSTANCES / OPEN_YEARS), bounded ones to
 * their end. The sent rule is walked only as long as it agrees with the stored one, and both
 * walks share one time budget, so a crafted rule costs at most RULE_CHECK_BUDGET_MS. A stored
 * rule that does not parse, or a walk that gives up, is never the same as a different spelling.
 */
export function sameRule(
  stored: string,
  sent: ICAL.Recur,
  dtstart: Property,
  reader: TimeReader,
  budget: TimeBudget = new TimeBudget(RULE_CHECK_BUDGET_MS),
): boolean {
  let rule: ICAL.Recur;
  try {
    rule = ICAL.Recur.fromString(stored);
  } catch {
    return false;
  }
  if (canonicalRecur(rule) === canonicalRecur(sent)) return true;
  if (bounded(rule) !== bounded(sent)) return false;
  const expected: number[] = [];
  if (walk(rule, dtstart, reader, budget, (ms) => expected.push(ms) > 0) === 'capped') return false;
  let i = 0;
  let agrees = true;
  const result = walk(sent, dtstart, reader, budget, (ms) => {
    agrees = i < expected.length && expected[i] === ms;
    i++;
    return agrees;
  });
  return result === 'done' && agrees && i === expected.length;
}

/** The RRULE a client sent on the master, if any (a client that drops it changes nothing). */
export function sentRule(master: Component): ICAL.Recur | undefined {
  const value = master.getFirstPropertyValue('rrule');
  return value instanceof ICAL.Recur ? value : undefined;
}

/**
 * Whether moving the series start keeps it on its rule: a rule with BYDAY (etc.) fixes the days,
 * one with BYHOUR (etc.) the hours, so only a move within them is consistent.
 */
export function moveKeepsRule(rule: string, from: Date, to: Date, zone: string): boolean {
  let parts: string[];
  try {
    parts = Object.keys(ICAL.Recur.fromString(rule).parts ?? {}).map((k) => k.toUpperCase());
  } catch {
    return false;
  }
  const local = (d: Date) => new Intl.DateTimeFormat('sv-SE', { timeZone: zone, dateStyle: 'short', timeStyle: 'medium' }).format(d);
  const [fromDate, fromTime] = local(from).split(' ');
  const [toDate, toTime] = local(to).split(' ');
  if (fromDate !== toDate && parts.some((p) => DATE_PARTS.includes(p))) return false;
  if (fromTime !== toTime && parts.some((p) => TIME_PARTS.includes(p))) return false;
  return true;
}
