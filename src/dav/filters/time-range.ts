// CALDAV:time-range (RFC 4791 §9.9): parsing the UTC bounds and deciding whether a component's
// instances, an alarm's triggers or a property's values overlap the range.
import ICAL from 'ical.js';
import type { DavError } from '../errors.js';
import type { XmlElement } from '../xml/parse.js';
import { forEachOccurrence, isRecurrenceMaster, tzidOf, type Occurrence } from './recurrence.js';
import { daysBetween, DAY, type Clock } from './zones.js';

/** A time range as requested; null = unbounded on that side. */
export interface TimeRange {
  readonly start: Date | null;
  readonly end: Date | null;
}

/** The range as instants: [start, end) with ±Infinity for a missing bound. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export const spanOf = (r: TimeRange): Span => ({
  start: r.start ? r.start.getTime() : Number.NEGATIVE_INFINITY,
  end: r.end ? r.end.getTime() : Number.POSITIVE_INFINITY,
});

const UTC_BASIC = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** An iCalendar "date with UTC time" (`20260101T000000Z`), or undefined when it is not one. */
export function parseUtcDateTime(s: string): Date | undefined {
  const m = UTC_BASIC.exec(s.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 60) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, Math.min(se, 59), 0);
  if (date.getUTCDate() !== d) return undefined; // 20260230
  return date;
}

/**
 * The start/end attributes of a time-range, expand or limit-*-set element. At least one bound
 * is required (both when `requireBoth`), and end must lie after start.
 */
export function parseTimeRange(el: XmlElement, fail: (why: string) => DavError, requireBoth = false): TimeRange {
  const bound = (attr: 'start' | 'end'): Date | null => {
    const raw = el.attrs.get(attr);
    if (raw === undefined) {
      if (requireBoth) throw fail(`${attr} is required`);
      return null;
    }
    const d = parseUtcDateTime(raw);
    if (!d) throw fail(`${attr}="${raw}" is not a UTC date-time like 20260101T000000Z`);
    return d;
  };
  const start = bound('start');
  const end = bound('end');
  if (!start && !end) throw fail('a time-range needs start or end');
  if (start && end && end.getTime() <= start.getTime()) throw fail('time-range end must be after start');
  return { start, end };
}

/** The instants of one instance of a VEVENT, VTODO or VJOURNAL. */
export interface Instance {
  readonly occurrence: Occurrence;
  /** DTSTART of the instance; null for a VTODO without DTSTART. */
  readonly startMs: number | null;
  /**
   * VEVENT: the effective end (DTEND, DTSTART+DURATION, +1 day for a DATE, else = start).
   * VTODO: DTSTART+DURATION when it has both. VJOURNAL: +1 day for a DATE. Else null.
   */
  readonly endMs: number | null;
  /** VTODO: DUE, moved along with the instance. */
  readonly dueMs: number | null;
}

/** How a component's instances get their times. */
export interface TimeModel {
  readonly kind: 'VEVENT' | 'VTODO' | 'VJOURNAL';
  /** The property recurrence is anchored on: DTSTART, or DUE for a VTODO without DTSTART. */
  readonly anchor: ICAL.Property | null;
  /** Upper bound of an instance's length, for fast-forwarding. */
  readonly maxLengthMs: number;
  instance(o: Occurrence): Instance;
}

const timeValue = (c: ICAL.Component, name: string): { prop: ICAL.Property; time: ICAL.Time } | null => {
  const prop = c.getFirstProperty(name);
  const time = prop?.getFirstValue();
  return prop && time instanceof ICAL.Time ? { prop, time } : null;
};

const durationValue = (c: ICAL.Component): ICAL.Duration | null => {
  const d = c.getFirstPropertyValue('duration');
  return d instanceof ICAL.Duration ? d : null;
};

function plus(clock: Clock, t: ICAL.Time, d: ICAL.Duration, tzid: string | null): number {
  const end = t.clone();
  end.addDuration(d);
  return clock.ms(end, tzid);
}

export function timeModel(c: ICAL.Component, clock: Clock): TimeModel | null {
  const kind = c.name.toUpperCase();
  if (kind !== 'VEVENT' && kind !== 'VTODO' && kind !== 'VJOURNAL') return null;
  const dtstart = timeValue(c, 'dtstart');
  const duration = durationValue(c);
  const startTz = dtstart ? tzidOf(dtstart.prop) : null;
  const startMs0 = dtstart ? clock.ms(dtstart.time, startTz) : null;

  if (kind === 'VEVENT') {
    const dtend = timeValue(c, 'dtend');
    const endMs0 = dtend ? clock.ms(dtend.time, tzidOf(dtend.prop)) : null;
    const isDate = dtstart?.time.isDate ?? false;
    const dateDays = dtstart && dtend && isDate && dtend.time.isDate ? daysBetween(dtstart.time, dtend.time) : null;
    const lengthMs = startMs0 !== null && endMs0 !== null ? endMs0 - startMs0 : duration ? duration.toSeconds() * 1000 : DAY;
    return {
      kind,
      anchor: dtstart?.prop ?? null,
      maxLengthMs: Math.max(0, lengthMs) + DAY,
      instance(o) {
        let endMs: number;
        if (o.periodEndMs !== undefined) endMs = o.periodEndMs;
        else if (dateDays !== null) endMs = clock.dateMsPlusDays(o.start, dateDays);
        else if (startMs0 !== null && endMs0 !== null) endMs = o.startMs + (endMs0 - startMs0);
        else if (duration) endMs = plus(clock, o.start, duration, startTz);
        else endMs = o.start.isDate ? clock.dateMsPlusDays(o.start, 1) : o.startMs;
        return { occurrence: o, startMs: o.startMs, endMs, dueMs: null };
      },
    };
  }

  if (kind === 'VTODO') {
    const due = timeValue(c, 'due');
    const dueMs0 = due ? clock.ms(due.time, tzidOf(due.prop)) : null;
    const anchor = dtstart?.prop ?? due?.prop ?? null;
    const lengthMs = startMs0 !== null && dueMs0 !== null ? dueMs0 - startMs0 : duration ? duration.toSeconds() * 1000 : 0;
    return {
      kind,
      anchor,
      maxLengthMs: Math.max(0, lengthMs) + DAY,
      instance(o) {
        if (!dtstart) return { occurrence: o, startMs: null, endMs: null, dueMs: o.startMs };
        const endMs = o.periodEndMs ?? (duration ? plus(clock, o.start, duration, startTz) : null);
        const dueMs = dueMs0 !== null && startMs0 !== null ? o.startMs + (dueMs0 - startMs0) : null;
        return { occurrence: o, startMs: o.startMs, endMs, dueMs };
      },
    };
  }

  return {
    kind,
    anchor: dtstart?.prop ?? null,
    maxLengthMs: DAY,
    instance(o) {
      return { occurrence: o, startMs: o.startMs, endMs: o.start.isDate ? clock.dateMsPlusDays(o.start, 1) : null, dueMs: null };
    },
  };
}

/**
 * RFC 4791 §9.9 for a VEVENT instance. A zero-length instance (no DTEND/DURATION on a DATE-TIME,
 * DURATION:PT0S, or DTEND = DTSTART) overlaps when it lies in [start, end).
 */
export function eventOverlaps(i: Instance, span: Span): boolean {
  const s = i.startMs;
  const e = i.endMs;
  if (s === null || e === null) return false;
  return e > s ? span.start < e && span.end > s : span.start <= s && span.end > s;
}

/** RFC 4791 §9.9, the VTODO table, row by row. */
export function todoOverlaps(i: Instance | null, completedMs: number | null, createdMs: number | null, span: Span): boolean {
  const { start, end } = span;
  const s = i?.startMs ?? null;
  const due = i?.dueMs ?? null;
  if (s !== null && i?.endMs != null && due === null) {
    const e = i.endMs; // DTSTART + DURATION
    return start <= e && (end > s || end >= e);
  }
  if (s !== null && due !== null) return (start < due || start <= s) && (end > s || end >= due);
  if (s !== null) return start <= s && end > s;
  if (due !== null) return start < due && end >= due;
  if (completedMs !== null && createdMs !== null) {
    return (start <= createdMs || start <= completedMs) && (end >= createdMs || end >= completedMs);
  }
  if (completedMs !== null) return start <= completedMs && end >= completedMs;
  if (createdMs !== null) return end > createdMs;
  return true;
}

/** RFC 4791 §9.9 for a VJOURNAL instance: a DATE covers its day, a DATE-TIME is a point. */
export function journalOverlaps(i: Instance, span: Span): boolean {
  const s = i.startMs;
  if (s === null) return false;
  if (i.endMs !== null) return span.start < i.endMs && span.end > s;
  return span.start <= s && span.end > s;
}

/** Per-match state: the clock and, per recurrence master, the instants its overrides replace. */
export class TimeContext {
  private readonly overrides = new WeakMap<ICAL.Component, ReadonlySet<number>>();
  constructor(readonly clock: Clock) {}

  /** RECURRENCE-ID instants of the components that override instances of `master`. */
  overriddenBy(master: ICAL.Component): ReadonlySet<number> {
    let set = this.overrides.get(master);
    if (!set) {
      const ids = new Set<number>();
      const uid = master.getFirstPropertyValue('uid');
      for (const sib of master.parent?.getAllSubcomponents(master.name) ?? []) {
        const rid = sib.getFirstProperty('recurrence-id');
        const value = rid?.getFirstValue();
        if (!rid || !(value instanceof ICAL.Time) || sib.getFirstPropertyValue('uid') !== uid) continue;
        ids.add(this.clock.ms(value, tzidOf(rid)));
      }
      set = ids;
      this.overrides.set(master, set);
    }
    return set;
  }

  /**
   * Visits the instances of a VEVENT/VTODO/VJOURNAL that are not replaced by an override, in
   * start order, until `visit` returns true. Returns true when it stopped that way, false when
   * the instances ran out, and 'capped' when the expansion gave up undecided.
   */
  forEachInstance(c: ICAL.Component, model: TimeModel, skipBefore: number | undefined, visit: (i: Instance) => boolean): boolean | 'capped' {
    if (!model.anchor) return false;
    const overridden = isRecurrenceMaster(c) ? this.overriddenBy(c) : undefined;
    const result = forEachOccurrence(c, model.anchor, this.clock, { skipBefore, overridden }, (o) => visit(model.instance(o)));
    return result === 'capped' ? 'capped' : result === 'stopped';
  }
}

const msOf = (ctx: TimeContext, c: ICAL.Component, name: string): number | null => {
  const v = timeValue(c, name);
  return v ? ctx.clock.ms(v.time, tzidOf(v.prop)) : null;
};

/**
 * Whether a component overlaps the span (RFC 4791 §9.9): VEVENT, VTODO and VJOURNAL through
 * their instances (a master's overridden instances count for the override instead), VFREEBUSY
 * through DTSTART/DTEND or its FREEBUSY periods. An expansion that gives up counts as a match:
 * the object is returned rather than silently lost.
 */
export function componentOverlaps(c: ICAL.Component, span: Span, ctx: TimeContext): boolean {
  if (c.name.toUpperCase() === 'VFREEBUSY') return freebusyOverlaps(c, span, ctx);
  const model = timeModel(c, ctx.clock);
  if (!model) return false;
  const test = instanceTest(c, model, span, ctx);
  if (!model.anchor) return model.kind === 'VTODO' && test(null);
  const skipBefore = Number.isFinite(span.start) ? span.start - model.maxLengthMs : undefined;
  let hit = false;
  const result = ctx.forEachInstance(c, model, skipBefore, (i) => {
    if (test(i)) {
      hit = true;
      return true;
    }
    return i.occurrence.startMs > span.end; // later instances start later still
  });
  return hit || result === 'capped';
}

/** The §9.9 condition for one instance of `c` (null: a VTODO without DTSTART and DUE). */
export function instanceTest(c: ICAL.Component, model: TimeModel, span: Span, ctx: TimeContext): (i: Instance | null) => boolean {
  if (model.kind === 'VEVENT') return (i) => i !== null && eventOverlaps(i, span);
  if (model.kind === 'VJOURNAL') return (i) => i !== null && journalOverlaps(i, span);
  const completed = msOf(ctx, c, 'completed');
  const created = msOf(ctx, c, 'created');
  return (i) => todoOverlaps(i, completed, created, span);
}

function freebusyOverlaps(c: ICAL.Component, span: Span, ctx: TimeContext): boolean {
  const s = msOf(ctx, c, 'dtstart');
  const e = msOf(ctx, c, 'dtend');
  if (s !== null && e !== null) return span.start <= e && span.end > s;
  for (const p of c.getAllProperties('freebusy')) {
    const tz = tzidOf(p);
    for (const v of p.getValues()) {
      if (v instanceof ICAL.Period && span.start < ctx.clock.ms(v.getEnd(), tz) && span.end > ctx.clock.ms(v.start, tz)) return true;
    }
  }
  return false;
}

/**
 * RFC 4791 §9.9 for a VALARM: some trigger (with its REPEATs) lies in [start, end). Relative
 * triggers are evaluated for every instance of the parent the alarm belongs to.
 */
export function alarmOverlaps(alarm: ICAL.Component, parent: ICAL.Component, span: Span, ctx: TimeContext): boolean {
  const trigger = alarm.getFirstProperty('trigger');
  const value = trigger?.getFirstValue();
  if (!trigger || !value) return false;
  const repeat = Math.max(0, Number(alarm.getFirstPropertyValue('repeat') ?? 0) || 0);
  const every = durationValue(alarm);
  const everyMs = every && repeat > 0 ? every.toSeconds() * 1000 : 0;
  const fires = (base: number) => {
    for (let k = 0; k <= (everyMs > 0 ? repeat : 0); k++) {
      const t = base + k * everyMs;
      if (span.start <= t && span.end > t) return true;
    }
    return false;
  };
  if (value instanceof ICAL.Time) return fires(ctx.clock.ms(value, tzidOf(trigger)));
  if (!(value instanceof ICAL.Duration)) return false;
  const offset = value.toSeconds() * 1000;
  const related = String(trigger.getParameter('related') ?? 'START').toUpperCase();
  const model = timeModel(parent, ctx.clock);
  if (!model) return false;
  const reach = Math.abs(offset) + repeat * Math.abs(everyMs);
  const skipBefore = Number.isFinite(span.start) ? span.start - model.maxLengthMs - reach : undefined;
  let hit = false;
  const result = ctx.forEachInstance(parent, model, skipBefore, (i) => {
    const base = related === 'END' ? (i.dueMs ?? i.endMs) : (i.startMs ?? i.dueMs);
    if (base !== null && fires(base + offset)) {
      hit = true;
      return true;
    }
    return i.occurrence.startMs - reach > span.end;
  });
  return hit || result === 'capped';
}

/** RFC 4791 §9.9 for a property (prop-filter time-range): some DATE, DATE-TIME or PERIOD value overlaps. */
export function propertyOverlaps(p: ICAL.Property, span: Span, clock: Clock): boolean {
  const tz = tzidOf(p);
  for (const v of p.getValues()) {
    if (v instanceof ICAL.Time) {
      const t = clock.ms(v, tz);
      if (v.isDate ? span.start < clock.dateMsPlusDays(v, 1) && span.end > t : span.start <= t && span.end > t) return true;
    } else if (v instanceof ICAL.Period) {
      if (span.start < clock.ms(v.getEnd(), tz) && span.end > clock.ms(v.start, tz)) return true;
    }
  }
  return false;
}
