// Reading what a client PUT (RFC 5545): parse with ical.js, resolve TZIDs (§3.2.19, §3.6.5), turn
// DTSTART/DTEND/DURATION into instants (§3.6.1, §3.3.6) and normalise calendar-user addresses.
import ICAL from 'ical.js';
import { Clock } from '../calendar/clock.js';
import { serverZone, zoneCacheOf } from '../ical/parse-rendered.js';
import { ianaZoneOf } from '../calendar/zone-names.js';
import { zoneMatchingObservances, type ObservanceText } from '../calendar/zone-match.js';
import { clip } from '../audit/clip.js';

export type Component = ICAL.Component;
export type Property = ICAL.Property;

/** The body is not one iCalendar object ical.js can read, or a value in it is malformed. */
export class InvalidCalendarData extends Error {
  override readonly name = 'InvalidCalendarData';
}

const DAY_MS = 86_400_000;

function* allComponents(c: Component): Generator<Component> {
  yield c;
  for (const sub of c.getAllSubcomponents()) if (sub.name !== 'vtimezone') yield* allComponents(sub);
}

/**
 * Distinct TZIDs one body may use (clients use one, or two for a flight). The first use of a zone
 * builds its definition (some 50 ms), so a body naming hundreds would block the event loop.
 */
const MAX_ZONES = 4;

/** A client's text in a message: short enough for a log line and an audit row. */
const quoted = (text: string) => JSON.stringify(clip(text, 81));

/** A VTIMEZONE's observances as text: read, never expanded (src/calendar/zone-match.ts). */
function observancesOf(z: Component): ObservanceText[] {
  const text = (c: Component, name: string) => {
    try {
      const line = c.getFirstProperty(name)?.toICALString();
      return line === undefined ? undefined : line.slice(line.indexOf(':') + 1);
    } catch {
      return undefined; // an unreadable value matches nothing
    }
  };
  return z
    .getAllSubcomponents()
    .filter((o) => o.name === 'standard' || o.name === 'daylight')
    .map((o) => ({
      kind: o.name as 'standard' | 'daylight',
      dtstart: text(o, 'dtstart'),
      offsetFrom: text(o, 'tzoffsetfrom'),
      offsetTo: text(o, 'tzoffsetto'),
      rrule: text(o, 'rrule'),
    }));
}

/**
 * Puts the server's own zones in place of the body's time-zone definitions: every TZID is resolved
 * by its name (src/calendar/zone-names.ts; else by the X-LIC-LOCATION of its VTIMEZONE, else by its
 * observances, read but never expanded: src/calendar/zone-match.ts) and rewritten
 * to the IANA id, the VTIMEZONEs are dropped, and the id resolves to the server's VTIMEZONE of that
 * zone (shared, bounded rules). So ical.js never expands a client's observance rules: a rule that
 * never matches, or one repeating every minute since 1970, blocked the event loop until the heap
 * ran out. A TZID that names no known zone is InvalidCalendarData: guessing would move the time
 * by hours.
 */
function resolveZones(cal: Component): void {
  const locations = new Map<string, string>();
  const definitions = new Map<string, ObservanceText[]>();
  for (const z of cal.getAllSubcomponents('vtimezone')) {
    const tzid = z.getFirstPropertyValue('tzid');
    const location = z.getFirstPropertyValue('x-lic-location');
    if (typeof tzid === 'string' && typeof location === 'string') locations.set(tzid, location);
    if (typeof tzid === 'string') definitions.set(tzid, observancesOf(z));
    cal.removeSubcomponent(z);
  }
  const resolved = new Map<string, string>();
  for (const c of allComponents(cal)) {
    for (const p of c.getAllProperties()) {
      const tzid = p.getParameter('tzid');
      if (tzid === undefined || tzid === null) continue;
      if (typeof tzid !== 'string') throw new Error(`${p.name.toUpperCase()} has several TZIDs`);
      let iana = resolved.get(tzid);
      if (iana === undefined) {
        const location = locations.get(tzid);
        const definition = definitions.get(tzid);
        iana =
          ianaZoneOf(tzid) ??
          (location !== undefined ? ianaZoneOf(location) : undefined) ??
          (definition !== undefined ? zoneMatchingObservances(definition) : undefined);
        if (iana === undefined) {
          throw new Error(`TZID ${quoted(tzid)} is no time zone this server knows; name an IANA zone such as Europe/Zurich`);
        }
        resolved.set(tzid, iana);
        if (resolved.size > MAX_ZONES) throw new Error(`more than ${MAX_ZONES} time zones in one object`);
        const zone = serverZone(iana);
        if (zone) zoneCacheOf(cal)?.set(iana, zone);
      }
      if (iana !== tzid) p.setParameter('tzid', iana);
    }
  }
}

/** Decodes every value once, so a malformed one fails here rather than half-way through a decision. */
function checkValues(cal: Component): void {
  for (const c of allComponents(cal)) for (const p of c.getAllProperties()) p.getValues();
}

/**
 * One VCALENDAR with every TZID an IANA zone (its VTIMEZONEs dropped). Throws InvalidCalendarData
 * for anything else (not iCalendar, several objects, an unknown TZID, an unreadable value).
 */
export function parseCalendar(body: string): Component {
  let cal: Component;
  try {
    const jcal: unknown = ICAL.parse(body);
    if (!Array.isArray(jcal) || typeof jcal[0] !== 'string') throw new Error('expected exactly one iCalendar object');
    cal = new ICAL.Component(jcal);
    if (cal.name !== 'vcalendar') throw new Error(`expected VCALENDAR, got ${cal.name.toUpperCase()}`);
    resolveZones(cal);
    checkValues(cal);
  } catch (err) {
    throw new InvalidCalendarData(err instanceof Error ? err.message : String(err), { cause: err });
  }
  return cal;
}

/**
 * Instants of a client's times: UTC as is, TZID through the IANA zone of that name (Intl),
 * floating and DATE values in `zone` (the appointment's or the assignee's), DATE as local midnight.
 */
export class TimeReader {
  readonly clock: Clock;

  constructor(readonly zone: string) {
    this.clock = new Clock(zone);
  }

  ms(t: ICAL.Time, tzid?: string | null): number {
    return this.clock.ms(t, tzid);
  }

  /** The first value of a DATE or DATE-TIME property; undefined when absent. */
  time(c: Component, name: string): { readonly t: ICAL.Time; readonly ms: number } | undefined {
    const p = c.getFirstProperty(name);
    if (!p) return undefined;
    const t = p.getFirstValue();
    if (!(t instanceof ICAL.Time)) throw new InvalidCalendarData(`${name.toUpperCase()} is not a date or date-time`);
    const tzid = p.getParameter('tzid');
    return { t, ms: this.ms(t, typeof tzid === 'string' ? tzid : null) };
  }

  /** Local midnight `days` calendar days after a DATE. */
  datePlusDays(t: ICAL.Time, days: number): number {
    return this.clock.dateMsPlusDays(t, days);
  }
}

export interface Span {
  readonly start: Date;
  readonly end: Date;
  /** DTSTART is a DATE. */
  readonly allDay: boolean;
}

/** Nominal days and weeks move the wall clock, hours to seconds are exact (RFC 5545 §3.3.6). */
function endAfter(reader: TimeReader, start: { t: ICAL.Time; ms: number }, tzid: string | null, d: ICAL.Duration): number {
  const days = d.weeks * 7 + d.days;
  const exact = ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000;
  const sign = d.isNegative ? -1 : 1;
  if (start.t.isDate) return reader.datePlusDays(start.t, sign * days);
  const shifted = start.t.clone();
  shifted.adjust(sign * days, 0, 0, 0);
  return reader.ms(shifted, tzid) + sign * exact;
}

/**
 * DTSTART and its end: DTEND, else DURATION, else one day after a DATE and zero after a
 * DATE-TIME (RFC 5545 §3.6.1). Missing DTSTART or an end before the start is InvalidCalendarData.
 */
export function readSpan(c: Component, reader: TimeReader): Span {
  const start = reader.time(c, 'dtstart');
  if (!start) throw new InvalidCalendarData('VEVENT without DTSTART');
  const end = reader.time(c, 'dtend');
  let endMs: number;
  if (end) endMs = end.ms;
  else {
    const duration = c.getFirstPropertyValue('duration');
    const tzid = c.getFirstProperty('dtstart')?.getParameter('tzid');
    if (duration instanceof ICAL.Duration) endMs = endAfter(reader, start, typeof tzid === 'string' ? tzid : null, duration);
    else endMs = start.t.isDate ? reader.datePlusDays(start.t, 1) : start.ms;
  }
  if (endMs < start.ms) throw new InvalidCalendarData('the end lies before DTSTART');
  return { start: new Date(start.ms), end: new Date(endMs), allDay: start.t.isDate };
}

export function sameSpan(a: Span, b: Span): boolean {
  return a.allDay === b.allDay && a.start.getTime() === b.start.getTime() && a.end.getTime() === b.end.getTime();
}

/** Whole days of an all-day span (for the end of another occurrence of the same series). */
export function spanDays(s: Span): number {
  return Math.max(1, Math.round((s.end.getTime() - s.start.getTime()) / DAY_MS));
}

/** `MAILTO:Anna.Mueller@X.ch ` → `anna.mueller@x.ch` (RFC 6068 scheme names are case-insensitive). */
export function normalizeAddress(value: unknown): string {
  return String(value ?? '')
    .trim()
    .replace(/^mailto:/i, '')
    .trim()
    .toLowerCase();
}

/** Normalised addresses of every `name` property (ORGANIZER, ATTENDEE) of a component. */
export function addressesOf(c: Component, name: 'organizer' | 'attendee'): string[] {
  return c.getAllProperties(name).map((p) => normalizeAddress(p.getFirstValue()));
}

/** A TEXT property with line breaks as LF; undefined when absent. */
export function textOf(c: Component, name: string): string | undefined {
  const p = c.getFirstProperty(name);
  if (!p) return undefined;
  const v = p.getFirstValue();
  return typeof v === 'string' ? v.replace(/\r\n?/g, '\n') : v == null ? '' : String(v);
}

/** Upper-cased value of an enumerated property (STATUS, CLASS); undefined when absent. */
export function keywordOf(c: Component, name: string): string | undefined {
  const v = c.getFirstPropertyValue(name);
  return v == null ? undefined : String(v).trim().toUpperCase();
}

/** The components of one calendar object resource (RFC 4791 §4.1): one master plus overrides. */
export interface ObjectParts {
  readonly master: Component;
  /** Components with RECURRENCE-ID. */
  readonly overrides: readonly Component[];
}

/**
 * Splits a body into master and overrides after checking RFC 4791 §4.1: only `kind` components
 * (besides VTIMEZONE), all with the expected UID, exactly one without RECURRENCE-ID.
 */
export function objectParts(
  cal: Component,
  kind: 'vevent' | 'vtodo',
  uid: string,
): ObjectParts | { readonly rule: 'wrong-component' | 'uid-mismatch' | 'invalid-data'; readonly detail: string } {
  const comps = cal.getAllSubcomponents().filter((c) => c.name !== 'vtimezone');
  const wrong = comps.find((c) => c.name !== kind);
  if (wrong) return { rule: 'wrong-component', detail: `${wrong.name.toUpperCase()} where only ${kind.toUpperCase()} belongs` };
  if (comps.length === 0) return { rule: 'wrong-component', detail: `no ${kind.toUpperCase()} in the body` };
  const foreign = comps.find((c) => String(c.getFirstPropertyValue('uid') ?? '').trim() !== uid);
  if (foreign) {
    const got = String(foreign.getFirstPropertyValue('uid') ?? '');
    return { rule: 'uid-mismatch', detail: `UID ${JSON.stringify(clip(got))} is not this resource's ${JSON.stringify(uid)}` };
  }
  const masters = comps.filter((c) => !c.hasProperty('recurrence-id'));
  const master = masters[0];
  if (!master || masters.length > 1) {
    return { rule: 'invalid-data', detail: `expected one ${kind.toUpperCase()} without RECURRENCE-ID, got ${masters.length}` };
  }
  return { master, overrides: comps.filter((c) => c !== master) };
}
