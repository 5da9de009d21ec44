// The instances of a calendar object's VEVENTs within a window, with the semantics of the
// reference matcher (RFC 4791 §9.9: overrides replace the instances they name, EXDATEs drop
// theirs): stored per appointment, they let the store answer a time-range query in SQL.
import type ICAL from 'ical.js';
import { timeModel, TimeContext } from './time-model.js';
import { Clock } from './clock.js';

export interface EventInstances {
  /** Instances with end > window.from and start < window.until, in no particular order. */
  readonly spans: readonly { readonly start: number; readonly end: number }[];
  /** Instances ending at or before this were left out (null: none were). */
  readonly from: number | null;
  /** Instances starting at or after this were left out (null: none were: the set is complete). */
  readonly until: number | null;
  /** True when a DATE or floating time was read in `zone` (the instants depend on the reader's zone). */
  readonly zoneDependent: boolean;
}

const MAX_INSTANCES = 2_000;

function hasZoneDependentTime(c: ICAL.Component): boolean {
  for (const name of ['dtstart', 'dtend', 'recurrence-id', 'exdate', 'rdate']) {
    for (const p of c.getAllProperties(name)) {
      const v = p.getFirstValue() as { isDate?: boolean; zone?: { tzid?: string } } | null;
      if (!v || typeof v !== 'object') continue;
      if (v.isDate) return true;
      if (!p.getParameter('tzid') && v.zone?.tzid !== 'UTC') return true;
    }
  }
  return false;
}

/**
 * Every VEVENT instance overlapping [window.from, window.until). `until` in the result is set when
 * instances beyond the window exist (or the expansion gave up), `from` when some may lie before it.
 */
export function eventInstances(vcalendar: ICAL.Component, zone: string, window: { from: number; until: number }): EventInstances {
  const ctx = new TimeContext(new Clock(zone));
  const spans: { start: number; end: number }[] = [];
  let from: number | null = null;
  let until = Infinity;
  let zoneDependent = false;
  for (const c of vcalendar.getAllSubcomponents('vevent')) {
    zoneDependent ||= hasZoneDependentTime(c);
    const model = timeModel(c, ctx.clock);
    if (!model?.anchor) continue;
    const anchor = model.anchor.getFirstValue() as ICAL.Time;
    if (ctx.clock.ms(anchor, tzid(model.anchor)) < window.from) from = window.from;
    let kept = 0;
    let lastStart = window.from;
    const result = ctx.forEachInstance(c, model, window.from - model.maxLengthMs, (i) => {
      if (i.startMs === null || i.endMs === null) return false;
      if (i.startMs >= window.until || kept >= MAX_INSTANCES) {
        until = Math.min(until, i.startMs);
        return true; // later instances start later still
      }
      lastStart = i.startMs;
      if (i.endMs < window.from) return false; // before the window (a query there is not exact)
      spans.push({ start: i.startMs, end: i.endMs });
      kept++;
      return false;
    });
    if (result === 'capped') until = Math.min(until, lastStart);
  }
  return { spans, from, until: Number.isFinite(until) ? until : null, zoneDependent };
}

function tzid(p: ICAL.Property): string | null {
  const v = p.getParameter('tzid');
  return typeof v === 'string' ? v : null;
}
