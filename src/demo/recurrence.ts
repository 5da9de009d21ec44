// The few RRULE shapes the demo generator writes, and their occurrences computed in the local zone.
import { formatUtcDateTime } from '../ical/timezone.js';
import { type Day, dayOf, daysInMonth, weekdayOf, ymdOf, zonedToUtc } from './time.js';

export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A deliberately small subset of RFC 5545 RRULE: enough for believable series, easy to expand exactly. */
export interface RuleSpec {
  readonly freq: 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';
  readonly interval: number;
  /** WEEKLY only. */
  readonly byDay?: readonly Weekday[];
  /** MONTHLY only, 1–28 so every month has it. */
  readonly byMonthDay?: number;
  readonly count?: number;
  /** UTC; only for timed series (an all-day series would need a DATE value). */
  readonly until?: Date;
}

export function formatRule(rule: RuleSpec): string {
  const parts = [`FREQ=${rule.freq}`];
  if (rule.interval > 1) parts.push(`INTERVAL=${rule.interval}`);
  if (rule.byDay?.length) parts.push(`BYDAY=${rule.byDay.join(',')}`);
  if (rule.byMonthDay !== undefined) parts.push(`BYMONTHDAY=${rule.byMonthDay}`);
  if (rule.count !== undefined) parts.push(`COUNT=${rule.count}`);
  if (rule.until !== undefined) parts.push(`UNTIL=${formatUtcDateTime(rule.until)}`);
  return parts.join(';');
}

/** Parses what formatRule writes (and nothing more); throws on anything else. */
export function parseRule(text: string): RuleSpec {
  const fields = new Map(text.split(';').map((p) => p.split('=') as [string, string]));
  const freq = fields.get('FREQ');
  if (freq !== 'DAILY' && freq !== 'WEEKLY' && freq !== 'MONTHLY' && freq !== 'YEARLY') throw new Error(`unsupported RRULE ${text}`);
  const until = fields.get('UNTIL');
  const m = until && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(until);
  if (until && !m) throw new Error(`unsupported UNTIL in ${text}`);
  return {
    freq,
    interval: Number(fields.get('INTERVAL') ?? 1),
    byDay: fields.get('BYDAY')?.split(',') as Weekday[] | undefined,
    byMonthDay: fields.has('BYMONTHDAY') ? Number(fields.get('BYMONTHDAY')) : undefined,
    count: fields.has('COUNT') ? Number(fields.get('COUNT')) : undefined,
    until: m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined,
  };
}

export interface Occurrence {
  readonly day: Day;
  readonly start: Date;
}

/**
 * Occurrence starts of a series whose first instance is `startDay` at `startMinutes` local time in
 * `timeZone` (DTSTART must match the rule, which the generator guarantees). Stops at COUNT, UNTIL,
 * `lastDay` or `limit`, whichever comes first. Wall-clock time stays fixed across DST changes.
 */
export function occurrences(
  rule: RuleSpec,
  startDay: Day,
  startMinutes: number,
  timeZone: string,
  opts: { lastDay: Day; limit?: number },
): Occurrence[] {
  const out: Occurrence[] = [];
  const limit = Math.min(rule.count ?? Infinity, opts.limit ?? Infinity);
  const emit = (day: Day): boolean => {
    if (day < startDay) return true;
    if (day > opts.lastDay || out.length >= limit) return false;
    const start = zonedToUtc(day, startMinutes, timeZone);
    if (rule.until && start.getTime() > rule.until.getTime()) return false;
    out.push({ day, start });
    return true;
  };
  const interval = Math.max(1, rule.interval);
  const first = ymdOf(startDay);
  switch (rule.freq) {
    case 'DAILY':
      for (let day = startDay; emit(day); day += interval);
      break;
    case 'WEEKLY': {
      const byDay = (rule.byDay?.length ? rule.byDay.map((d) => WEEKDAYS.indexOf(d)) : [weekdayOf(startDay)]).sort((a, b) => a - b);
      const monday = startDay - weekdayOf(startDay);
      for (let week = monday; ; week += 7 * interval) {
        if (!byDay.every((wd) => emit(week + wd))) break;
      }
      break;
    }
    case 'MONTHLY': {
      const md = rule.byMonthDay ?? first.date;
      for (let k = 0; ; k += interval) {
        const month0 = first.month - 1 + k;
        const year = first.year + Math.floor(month0 / 12);
        const month = (month0 % 12) + 1;
        if (md > daysInMonth(year, month)) continue;
        if (!emit(dayOf(year, month, md))) break;
      }
      break;
    }
    case 'YEARLY':
      for (let k = 0; ; k += interval) {
        const year = first.year + k;
        if (first.date > daysInMonth(year, first.month)) continue;
        if (!emit(dayOf(year, first.month, first.date))) break;
      }
      break;
  }
  return out;
}
