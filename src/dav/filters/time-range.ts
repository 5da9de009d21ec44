// CALDAV:time-range (RFC 4791 §9.9): parsing the UTC bounds and deciding whether a component's
// instances, an alarm's triggers or a property's values overlap the range.
import ICAL from 'ical.js';
import type { DavError } from '../dav-error.js';
import type { XmlElement } from '../xml/parse.js';
import { tzidOf } from '../../calendar/recurrence.js';
import type { Clock } from '../../calendar/clock.js';
import { durationValue, timeModel, timeValue, type Instance, type TimeContext, type TimeModel } from '../../calendar/time-model.js';

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
