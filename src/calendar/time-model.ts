// The time model of a VEVENT, VTODO or VJOURNAL (RFC 5545 §3.6, RFC 4791 §9.9): where its instances
// start and end, and its instances in start order with overridden ones left to their overrides.
import ICAL from 'ical.js';
import { forEachOccurrence, isRecurrenceMaster, tzidOf, type Occurrence } from './recurrence.js';
import { daysBetween, DAY, type Clock } from './clock.js';

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

export const timeValue = (c: ICAL.Component, name: string): { prop: ICAL.Property; time: ICAL.Time } | null => {
  const prop = c.getFirstProperty(name);
  const time = prop?.getFirstValue();
  return prop && time instanceof ICAL.Time ? { prop, time } : null;
};

export const durationValue = (c: ICAL.Component): ICAL.Duration | null => {
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
