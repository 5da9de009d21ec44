// A series' recurrence is BrokerStar's (design.md §4: times, not structure): a PUT that changes the
// RRULE, or moves the series' start off the days or hours its rule names, is refused rather than
// stored as a rule that contradicts its own start and exceptions.
import ICAL from 'ical.js';
import type { Component } from './ical-input.js';

const DATE_PARTS = ['BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYYEARDAY', 'BYWEEKNO', 'BYSETPOS'];
const TIME_PARTS = ['BYHOUR', 'BYMINUTE', 'BYSECOND'];
const DAY_MS = 86_400_000;

interface RuleShape {
  readonly freq: string;
  readonly interval: number;
  readonly count: number | null;
  readonly until: number | null;
  readonly parts: Record<string, string>;
  readonly wkst: number;
}

function shape(r: ICAL.Recur): RuleShape {
  const parts: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.parts ?? {})) {
    parts[k.toUpperCase()] = (Array.isArray(v) ? [...v] : [v]).map(String).sort().join(',');
  }
  return {
    freq: r.freq,
    interval: r.interval || 1,
    count: r.count ?? null,
    until: r.until ? r.until.toJSDate().getTime() : null,
    parts,
    wkst: r.wkst ?? ICAL.Time.MONDAY,
  };
}

/** Same rule, whatever the spelling: part order, defaults, and UNTIL as a date or a UTC time. */
export function sameRule(stored: string, sent: ICAL.Recur): boolean {
  let a: RuleShape;
  try {
    a = shape(ICAL.Recur.fromString(stored));
  } catch {
    return false;
  }
  const b = shape(sent);
  const untilSame = a.until === b.until || (a.until !== null && b.until !== null && Math.abs(a.until - b.until) < DAY_MS);
  return (
    a.freq === b.freq &&
    a.interval === b.interval &&
    a.count === b.count &&
    untilSame &&
    a.wkst === b.wkst &&
    JSON.stringify(a.parts) === JSON.stringify(b.parts)
  );
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
