// Bounded expansion of a recurrence set (RFC 5545 §3.8.5: DTSTART + RRULE + RDATE − EXDATE) in
// start order, with RECURRENCE-ID overrides left to their own components (RFC 4791 §9.9).
import ICAL from 'ical.js';
import { boundedIterator, TimeBudget } from './bounded-recurrence.js';
import { isKnownTimeZone, localDateTime, type LocalDateTime } from './wall-clock.js';
import { DAY, type Clock } from './clock.js';

/** One instance of a recurrence set, before any override replaces it. */
export interface Occurrence {
  /** The instance's start (DTSTART, or DUE for a VTODO anchored on DUE), in the anchor's zone. */
  readonly start: ICAL.Time;
  readonly startMs: number;
  /** RDATE;VALUE=PERIOD: the period's own end, which replaces the component's duration. */
  readonly periodEndMs?: number;
}

export interface ExpandOptions {
  /** Instances starting before this instant may be skipped (a hint that lets long series fast-forward). */
  readonly skipBefore?: number;
  /** Instants of RECURRENCE-IDs whose instances an override component replaces. */
  readonly overridden?: ReadonlySet<number>;
  /** Time this expansion may take (shared when one decision expands several rules); default DEFAULT_BUDGET_MS. */
  readonly budget?: TimeBudget;
}

/**
 * complete: every instance was visited; stopped: the visitor asked to stop; capped: the
 * expansion gave up (MAX_STEPS reached, the time budget spent, a rule that stops matching, or
 * one ical.js cannot iterate), so nothing is known about later instances.
 */
export type ExpandResult = 'complete' | 'stopped' | 'capped';

/** Instances looked at per expansion. An open-ended DAVx5/iOS time-range over a daily series
 * from years ago fast-forwards instead (see fastForward), so this only bites on odd rules. */
export const MAX_STEPS = 10_000;

export const isRecurrenceMaster = (c: ICAL.Component): boolean =>
  !c.hasProperty('recurrence-id') && (c.hasProperty('rrule') || c.hasProperty('rdate'));

export const tzidOf = (p: ICAL.Property): string | null => {
  const tzid = p.getParameter('tzid');
  return typeof tzid === 'string' ? tzid : null;
};

interface Source {
  head: Occurrence | null;
  advance(): void;
}

function listSource(items: Occurrence[]): Source {
  let i = 0;
  const s: Source = {
    head: items[0] ?? null,
    advance() {
      s.head = items[++i] ?? null;
    },
  };
  return s;
}

/** The same wall-clock reading without a zone (ical.js then needs no zone look-up to compare it). */
function floating(t: ICAL.Time | LocalDateTime, isDate: boolean): ICAL.Time {
  return ICAL.Time.fromData({ year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second, isDate });
}

/**
 * The rule and start as ical.js should step through them. A rule repeats on the wall clock of its
 * zone (RFC 5545 §3.3.10), so a start in a real zone is walked as floating time, with UTC UNTIL
 * read on that wall clock: ical.js otherwise converts every candidate it compares through the
 * zone's observances (some 30 µs each), which made a 5,000-instance comparison take 100 ms.
 */
function onWallClock(rule: ICAL.Recur, start: ICAL.Time, wallZone: string | null): { rule: ICAL.Recur; start: ICAL.Time } {
  const zone = start.zone;
  if (wallZone === null || start.isDate || !zone || zone.tzid === 'UTC' || zone === ICAL.Timezone.localTimezone || zone.tzid === 'floating') {
    return { rule, start };
  }
  let walked = rule;
  if (rule.until && !rule.until.isDate && rule.until.zone?.tzid === 'UTC') {
    walked = rule.clone();
    const wall = localDateTime(rule.until.toUnixTime() * 1000, wallZone);
    // ical.js writes (and clones through) four-digit years only: 9999-12-31T23:59:59Z is in 10000 in Zurich.
    walked.until = floating(wall.year > 9999 ? { year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59 } : wall, false);
  }
  return { rule: walked, start: floating(start, false) };
}

function ruleSource(rule: ICAL.Recur, start: ICAL.Time, toMs: (t: ICAL.Time) => number, budget: TimeBudget, wallZone: string | null): Source {
  const walk = onWallClock(rule, start, wallZone);
  const it = boundedIterator(walk.rule, walk.start, budget);
  const s: Source = {
    head: null,
    advance() {
      const next = it.next();
      if (!next) {
        s.head = null;
        return;
      }
      s.head = { start: next, startMs: toMs(next) };
    },
  };
  s.advance();
  return s;
}

/**
 * A later start for the rule's iterator that generates the same instances from there on, or
 * null when that is not certain. Only shapes where shifting DTSTART by whole periods keeps the
 * set: no COUNT (it counts from the real DTSTART), and no BYxxx part that DTSTART's month day
 * or leap day would distort.
 */
function fastForward(rule: ICAL.Recur, start: ICAL.Time, startMs: number, target: number): ICAL.Time | null {
  if (rule.count || target - startMs < 60 * DAY) return null;
  const interval = rule.interval || 1;
  const parts = Object.entries(rule.parts).filter(([, v]) => Array.isArray(v) && v.length > 0).map(([k]) => k);
  const only = (...allowed: string[]) => parts.every((p) => allowed.includes(p));
  const shifted = start.clone();
  switch (rule.freq) {
    case 'DAILY':
    case 'WEEKLY': {
      if (rule.freq === 'DAILY' && !only()) return null;
      if (rule.freq === 'WEEKLY' && (!only('BYDAY') || !(rule.parts.BYDAY ?? []).every((d) => /^[A-Z]{2}$/.test(d)))) return null;
      const periodDays = rule.freq === 'DAILY' ? interval : 7 * interval;
      const periods = Math.floor((target - startMs) / (periodDays * DAY)) - 1;
      if (periods <= 0) return null;
      shifted.adjust(periods * periodDays, 0, 0, 0);
      return shifted;
    }
    case 'MONTHLY':
    case 'YEARLY': {
      if (start.day > 28) return null;
      if (rule.freq === 'MONTHLY' && !only('BYDAY', 'BYMONTHDAY', 'BYSETPOS')) return null;
      if (rule.freq === 'YEARLY' && !only()) return null;
      const t = new Date(target);
      const months = (t.getUTCFullYear() - start.year) * 12 + (t.getUTCMonth() + 1 - start.month);
      const periodMonths = rule.freq === 'MONTHLY' ? interval : 12 * interval;
      const periods = Math.floor(months / periodMonths) - 1;
      if (periods <= 0) return null;
      const total = start.year * 12 + (start.month - 1) + periods * periodMonths;
      shifted.year = Math.floor(total / 12);
      shifted.month = (total % 12) + 1;
      return shifted;
    }
    default:
      return null;
  }
}

const dateKey = (t: ICAL.Time) => `${t.year}-${t.month}-${t.day}`;

/**
 * Visits the instances of `c` anchored on `anchor` (its DTSTART, or DUE) in start order; a
 * component without RRULE/RDATE (or with a RECURRENCE-ID) has exactly one. `visit` returns true
 * to stop. DTSTART always counts as an instance (RFC 5545 §3.8.5.3), also where ical.js would
 * skip it. Never throws on bad rules: it reports 'capped' instead (src/calendar/bounded-recurrence.ts
 * bounds every rule in rejected candidates and time).
 */
export function forEachOccurrence(
  c: ICAL.Component,
  anchor: ICAL.Property,
  clock: Clock,
  opts: ExpandOptions,
  visit: (o: Occurrence) => boolean,
): ExpandResult {
  const tzid = tzidOf(anchor);
  const toMs = (t: ICAL.Time) => clock.ms(t, tzid);
  const budget = opts.budget ?? new TimeBudget();
  // Floating instances are read in this zone by toMs, as the anchor's TZID says.
  const wallZone = tzid !== null && isKnownTimeZone(tzid) ? tzid : null;
  try {
    const first = anchor.getFirstValue();
    if (!(first instanceof ICAL.Time)) return 'complete';
    const firstOcc: Occurrence = { start: first, startMs: toMs(first) };
    if (!isRecurrenceMaster(c)) return visit(firstOcc) ? 'stopped' : 'complete';

    const rdates: Occurrence[] = [];
    for (const p of c.getAllProperties('rdate')) {
      const ptz = tzidOf(p);
      for (const v of p.getValues()) {
        if (v instanceof ICAL.Time) rdates.push({ start: v, startMs: clock.ms(v, ptz) });
        else if (v instanceof ICAL.Period) {
          const start = v.start;
          const end = v.getEnd();
          rdates.push({ start, startMs: clock.ms(start, ptz), periodEndMs: clock.ms(end, ptz) });
        }
      }
    }
    rdates.sort((a, b) => a.startMs - b.startMs);

    const exMs = new Set<number>();
    const exDates = new Set<string>();
    for (const p of c.getAllProperties('exdate')) {
      const ptz = tzidOf(p);
      for (const v of p.getValues()) {
        if (!(v instanceof ICAL.Time)) continue;
        if (v.isDate) exDates.add(dateKey(v));
        else exMs.add(clock.ms(v, ptz));
      }
    }

    const sources: Source[] = [listSource([firstOcc]), listSource(rdates)];
    for (const p of c.getAllProperties('rrule')) {
      const rule = p.getFirstValue();
      if (!(rule instanceof ICAL.Recur)) continue;
      const from = opts.skipBefore !== undefined ? fastForward(rule, first, firstOcc.startMs, opts.skipBefore - 2 * DAY) : null;
      sources.push(ruleSource(rule, from ?? first, toMs, budget, wallZone));
    }

    let last = Number.NaN;
    for (let steps = 0; ; steps++) {
      if (steps >= MAX_STEPS) return 'capped';
      let next: Source | undefined;
      for (const s of sources) if (s.head && (!next?.head || s.head.startMs < next.head.startMs)) next = s;
      const occ = next?.head;
      if (!next || !occ) return 'complete';
      next.advance();
      if (occ.startMs === last) continue; // DTSTART repeated by the rule, or RDATE = rule instance
      last = occ.startMs;
      if (exMs.has(occ.startMs) || (exDates.size > 0 && exDates.has(dateKey(occ.start)))) continue;
      if (opts.overridden?.has(occ.startMs)) continue;
      if (visit(occ)) return 'stopped';
    }
  } catch {
    return 'capped';
  }
}
