// Reading what a client PUT (RFC 5545): parse with ical.js, resolve TZIDs (§3.2.19, §3.6.5), turn
// DTSTART/DTEND/DURATION into instants (§3.6.1, §3.3.6) and normalise calendar-user addresses.
import ICAL from 'ical.js';
import { Clock } from '../dav/filters/zones.js';
import { isKnownTimeZone, vtimezone } from '../ical/timezone.js';

export type Component = ICAL.Component;
export type Property = ICAL.Property;

/** The body is not one iCalendar object ical.js can read, or a value in it is malformed. */
export class InvalidCalendarData extends Error {
  override readonly name = 'InvalidCalendarData';
}

const DAY_MS = 86_400_000;

/** Parsed VTIMEZONEs of the server's own generator, as jCal, per IANA id (cloned on every use). */
const generatedZones = new Map<string, unknown[]>();

function generatedZone(tzid: string): Component {
  let jcal = generatedZones.get(tzid);
  if (!jcal) {
    jcal = ICAL.parse(vtimezone(tzid)) as unknown[];
    generatedZones.set(tzid, jcal);
  }
  return new ICAL.Component(structuredClone(jcal));
}

function* allComponents(c: Component): Generator<Component> {
  yield c;
  for (const sub of c.getAllSubcomponents()) yield* allComponents(sub);
}

/**
 * Adds a VTIMEZONE from `vtimezone()` for every TZID the body uses without defining it, when it is
 * an IANA id Node knows (RFC 5545 wants the definition, some clients leave it out). The zone goes
 * into this calendar only, never into ical.js's process-wide TimezoneService.
 */
function addMissingZones(cal: Component): void {
  const defined = new Set(cal.getAllSubcomponents('vtimezone').map((z) => String(z.getFirstPropertyValue('tzid'))));
  for (const c of allComponents(cal)) {
    if (c.name === 'vtimezone') continue;
    for (const p of c.getAllProperties()) {
      const tzid = p.getParameter('tzid');
      if (typeof tzid !== 'string' || defined.has(tzid)) continue;
      // RFC 5545 §3.2.19: a TZID needs its VTIMEZONE. Guessing a zone would move the time by hours.
      if (!isKnownTimeZone(tzid)) throw new Error(`TZID ${JSON.stringify(tzid)} has no VTIMEZONE and is no IANA time zone`);
      cal.addSubcomponent(generatedZone(tzid));
      defined.add(tzid);
    }
  }
}

/** Decodes every value once, so a malformed one fails here rather than half-way through a decision. */
function checkValues(cal: Component): void {
  for (const c of allComponents(cal)) for (const p of c.getAllProperties()) p.getValues();
}

/**
 * One VCALENDAR with its TZIDs resolvable. Throws InvalidCalendarData for anything else (not
 * iCalendar, several objects, an unreadable value).
 */
export function parseCalendar(body: string): Component {
  let cal: Component;
  try {
    const jcal: unknown = ICAL.parse(body);
    if (!Array.isArray(jcal) || typeof jcal[0] !== 'string') throw new Error('expected exactly one iCalendar object');
    cal = new ICAL.Component(jcal);
    if (cal.name !== 'vcalendar') throw new Error(`expected VCALENDAR, got ${cal.name.toUpperCase()}`);
    addMissingZones(cal);
    checkValues(cal);
  } catch (err) {
    throw new InvalidCalendarData(err instanceof Error ? err.message : String(err), { cause: err });
  }
  return cal;
}

/**
 * Instants of a client's times: UTC as is, TZID through the body's VTIMEZONE (or the generated one),
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
    return { rule: 'uid-mismatch', detail: `UID ${JSON.stringify(got)} is not this resource's ${JSON.stringify(uid)}` };
  }
  const masters = comps.filter((c) => !c.hasProperty('recurrence-id'));
  const master = masters[0];
  if (!master || masters.length > 1) {
    return { rule: 'invalid-data', detail: `expected one ${kind.toUpperCase()} without RECURRENCE-ID, got ${masters.length}` };
  }
  return { master, overrides: comps.filter((c) => c !== master) };
}
