// calendar-query filters (RFC 4791 §9.7): the typed model, its parser, what SQL can pre-filter,
// and the reference matcher that decides for one calendar object.
import ICAL from 'ical.js';
import { validFilter, supportedCollation } from '../dav-error.js';
import { CALDAV, NS, splitClark } from '../xml/names.js';
import type { XmlElement } from '../xml/parse.js';
import { parseTextMatch, textMatches, type TextMatch, type TextMatchSyntax } from './collation.js';
import { TimeContext } from '../../calendar/time-model.js';
import { alarmOverlaps, componentOverlaps, parseTimeRange, propertyOverlaps, spanOf, type TimeRange } from './time-range.js';
import { parameterValues, propertyText } from './values.js';
import { Clock } from '../../calendar/clock.js';

export type { TextMatch } from './collation.js';
export type { TimeRange } from './time-range.js';

export interface ParamFilter {
  /** Upper-case parameter name. */
  readonly name: string;
  readonly isNotDefined: boolean;
  readonly textMatch: TextMatch | null;
}

export interface PropFilter {
  /** Upper-case property name. */
  readonly name: string;
  readonly isNotDefined: boolean;
  readonly timeRange: TimeRange | null;
  readonly textMatch: TextMatch | null;
  readonly paramFilters: readonly ParamFilter[];
}

export interface CompFilter {
  /** Upper-case component name. */
  readonly name: string;
  readonly isNotDefined: boolean;
  readonly timeRange: TimeRange | null;
  readonly propFilters: readonly PropFilter[];
  readonly compFilters: readonly CompFilter[];
}

/** A CALDAV:filter: one comp-filter for VCALENDAR, the rest nested in it (all conditions AND). */
export interface CalendarFilter {
  readonly vcalendar: CompFilter;
}

// ---------------------------------------------------------------------------------------------
// Parsing

const TEXT_MATCH: TextMatchSyntax = {
  defaultCollation: 'i;ascii-casemap',
  invalid: validFilter,
  unsupportedCollation: (c) => supportedCollation(c),
};

/** Where a known component may appear (RFC 5545 §3.6, RFC 4791 §7.8 "valid-filter"). */
const PARENTS: Readonly<Record<string, readonly string[]>> = {
  VCALENDAR: [],
  VEVENT: ['VCALENDAR'],
  VTODO: ['VCALENDAR'],
  VJOURNAL: ['VCALENDAR'],
  VFREEBUSY: ['VCALENDAR'],
  VTIMEZONE: ['VCALENDAR'],
  VAVAILABILITY: ['VCALENDAR'],
  VALARM: ['VEVENT', 'VTODO'],
  STANDARD: ['VTIMEZONE'],
  DAYLIGHT: ['VTIMEZONE'],
  AVAILABLE: ['VAVAILABILITY'],
};

/** Components a time-range may be evaluated on (RFC 4791 §9.9). */
const TIMED_COMPONENTS = new Set(['VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY', 'VALARM']);

/** Properties whose values are DATE, DATE-TIME or PERIOD (RFC 5545 §3.8.2, §3.8.5, §3.8.7). */
const TIMED_PROPERTIES = new Set([
  'DTSTART', 'DTEND', 'DUE', 'COMPLETED', 'CREATED', 'DTSTAMP', 'LAST-MODIFIED', 'RECURRENCE-ID',
  'EXDATE', 'RDATE', 'FREEBUSY', 'TRIGGER', 'ACKNOWLEDGED',
]);

const nameOf = (el: XmlElement, what: string): string => {
  const name = el.attrs.get('name')?.trim();
  if (!name) throw validFilter(`${what} needs a name`);
  return name.toUpperCase();
};

/**
 * The CALDAV children of a filter element; elements of other namespaces are ignored (RFC 4918
 * §17 extensibility), unknown CALDAV ones are refused.
 */
function caldavChildren(el: XmlElement, allowed: readonly string[], where: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) {
    const { ns, local } = splitClark(c.name);
    if (ns !== NS.CALDAV) continue;
    if (!allowed.includes(local)) throw validFilter(`CALDAV:${local} is not allowed in ${where}`);
    out.push(c);
  }
  return out;
}

function single(children: XmlElement[], local: string, where: string): XmlElement | undefined {
  const found = children.filter((c) => splitClark(c.name).local === local);
  if (found.length > 1) throw validFilter(`${where} has more than one CALDAV:${local}`);
  return found[0];
}

function parseParamFilter(el: XmlElement, prop: string): ParamFilter {
  const name = nameOf(el, 'param-filter');
  const where = `param-filter ${name} of ${prop}`;
  const kids = caldavChildren(el, ['is-not-defined', 'text-match'], where);
  const isNotDefined = single(kids, 'is-not-defined', where) !== undefined;
  const tm = single(kids, 'text-match', where);
  if (isNotDefined && tm) throw validFilter(`${where}: is-not-defined excludes text-match`);
  return { name, isNotDefined, textMatch: tm ? parseTextMatch(tm, TEXT_MATCH) : null };
}

function parsePropFilter(el: XmlElement, comp: string): PropFilter {
  const name = nameOf(el, 'prop-filter');
  const where = `prop-filter ${name} in ${comp}`;
  const kids = caldavChildren(el, ['is-not-defined', 'time-range', 'text-match', 'param-filter'], where);
  const isNotDefined = single(kids, 'is-not-defined', where) !== undefined;
  const tr = single(kids, 'time-range', where);
  const tm = single(kids, 'text-match', where);
  const params = kids.filter((k) => k.name === CALDAV.paramFilter);
  if (isNotDefined && kids.length > 1) throw validFilter(`${where}: is-not-defined excludes other conditions`);
  if (tr && tm) throw validFilter(`${where}: time-range and text-match exclude each other`);
  // "a CALDAV:filter cannot nest a <C:time-range> element in a <C:prop name="SUMMARY"> element"
  if (tr && !TIMED_PROPERTIES.has(name) && !name.startsWith('X-')) throw validFilter(`${where}: ${name} has no date or time value`);
  return {
    name,
    isNotDefined,
    timeRange: tr ? parseTimeRange(tr, validFilter) : null,
    textMatch: tm ? parseTextMatch(tm, TEXT_MATCH) : null,
    paramFilters: params.map((p) => parseParamFilter(p, name)),
  };
}

function parseCompFilter(el: XmlElement, parent: string | null): CompFilter {
  const name = nameOf(el, 'comp-filter');
  const where = `comp-filter ${name}`;
  const allowedParents = PARENTS[name];
  if (parent === null && name !== 'VCALENDAR') throw validFilter(`the top comp-filter must be VCALENDAR, not ${name}`);
  if (parent !== null && (name === 'VCALENDAR' || (allowedParents && !allowedParents.includes(parent)))) {
    throw validFilter(`${name} cannot be nested in ${parent}`);
  }
  const kids = caldavChildren(el, ['is-not-defined', 'time-range', 'prop-filter', 'comp-filter'], where);
  const isNotDefined = single(kids, 'is-not-defined', where) !== undefined;
  const tr = single(kids, 'time-range', where);
  if (isNotDefined && kids.length > 1) throw validFilter(`${where}: is-not-defined excludes other conditions`);
  if (tr && !TIMED_COMPONENTS.has(name)) throw validFilter(`${where}: a time-range applies to VEVENT, VTODO, VJOURNAL, VFREEBUSY or VALARM`);
  return {
    name,
    isNotDefined,
    timeRange: tr ? parseTimeRange(tr, validFilter) : null,
    propFilters: kids.filter((k) => k.name === CALDAV.propFilter).map((k) => parsePropFilter(k, name)),
    compFilters: kids.filter((k) => k.name === CALDAV.compFilter).map((k) => parseCompFilter(k, name)),
  };
}

/**
 * Parses CALDAV:filter (RFC 4791 §9.7). Malformed filters throw DavError 400 CALDAV:valid-filter,
 * unknown collations 403 CALDAV:supported-collation.
 */
export function parseCalendarFilter(filterEl: XmlElement): CalendarFilter {
  const kids = caldavChildren(filterEl, ['comp-filter'], 'CALDAV:filter');
  if (kids.length !== 1) throw validFilter('CALDAV:filter needs exactly one comp-filter (VCALENDAR)');
  return { vcalendar: parseCompFilter(kids[0]!, null) };
}

// ---------------------------------------------------------------------------------------------
// Push-down

export interface CalendarPushdown {
  readonly component: 'VEVENT' | 'VTODO' | 'VJOURNAL' | null;
  /** A VEVENT time-range the store narrows by (through the occurrence span). */
  readonly timeRange: TimeRange | null;
  /** True when component alone decides: no matcher pass needed. */
  readonly exact: boolean;
  /**
   * True when the filter is the component plus its VEVENT time-range and nothing else: objects the
   * store marks `timeRangeExact` then need no matcher pass either.
   */
  readonly rangeOnly: boolean;
}

const PUSHABLE = new Set(['VEVENT', 'VTODO', 'VJOURNAL']);

/**
 * What the store can pre-filter: the component type that must exist (from the first positive
 * VEVENT/VTODO/VJOURNAL comp-filter under VCALENDAR, which every match needs since comp-filters
 * are ANDed) and that component's time-range when it is a VEVENT. Exact only for a bare
 * "VCALENDAR > one component" filter; time ranges are never exact, because the store only
 * compares the series' overall span and the matcher must look at the instances.
 */
export function pushdownOf(f: CalendarFilter): CalendarPushdown {
  const root = f.vcalendar;
  if (root.isNotDefined) return { component: null, timeRange: null, exact: false, rangeOnly: false };
  const main = root.compFilters.find((c) => !c.isNotDefined && PUSHABLE.has(c.name));
  const component = (main?.name ?? null) as CalendarPushdown['component'];
  const timeRange = main && main.name === 'VEVENT' ? main.timeRange : null;
  const bare = (c: CompFilter) => !c.isNotDefined && !c.timeRange && c.propFilters.length === 0 && c.compFilters.length === 0;
  const exact =
    root.propFilters.length === 0 &&
    (root.compFilters.length === 0 || (root.compFilters.length === 1 && main !== undefined && bare(main)));
  const rangeOnly =
    root.propFilters.length === 0 &&
    root.compFilters.length === 1 &&
    main !== undefined &&
    timeRange !== null &&
    !main.isNotDefined &&
    main.propFilters.length === 0 &&
    main.compFilters.length === 0;
  return { component, timeRange, exact, rangeOnly };
}

// ---------------------------------------------------------------------------------------------
// Matching

function matchesParamFilter(pf: ParamFilter, p: ICAL.Property): boolean {
  const values = parameterValues(p, pf.name);
  if (pf.isNotDefined) return values.length === 0;
  if (values.length === 0) return false;
  const tm = pf.textMatch;
  return tm ? values.some((v) => textMatches(tm, v)) : true;
}

/** RFC 4791 §9.7.2: some instance of the property satisfies every condition. */
function matchesPropFilter(pf: PropFilter, c: ICAL.Component, ctx: TimeContext): boolean {
  const props = c.getAllProperties(pf.name.toLowerCase());
  if (pf.isNotDefined) return props.length === 0;
  return props.some(
    (p) =>
      (!pf.timeRange || propertyOverlaps(p, spanOf(pf.timeRange), ctx.clock)) &&
      (!pf.textMatch || textMatches(pf.textMatch, propertyText(p))) &&
      pf.paramFilters.every((q) => matchesParamFilter(q, p)),
  );
}

/** RFC 4791 §9.7.1 for one component of the filter's type. */
function matchesComponent(cf: CompFilter, c: ICAL.Component, parent: ICAL.Component | null, ctx: TimeContext): boolean {
  if (!cf.propFilters.every((pf) => matchesPropFilter(pf, c, ctx))) return false;
  if (cf.timeRange) {
    const span = spanOf(cf.timeRange);
    let overlaps: boolean;
    try {
      overlaps = cf.name === 'VALARM' ? parent !== null && alarmOverlaps(c, parent, span, ctx) : componentOverlaps(c, span, ctx);
    } catch {
      overlaps = true; // undecodable times: return the object rather than lose it silently
    }
    if (!overlaps) return false;
  }
  return cf.compFilters.every((sub) => matchesCompFilterIn(sub, c, ctx));
}

/** A comp-filter evaluated in the scope of `scope`'s sub-components. */
function matchesCompFilterIn(cf: CompFilter, scope: ICAL.Component, ctx: TimeContext): boolean {
  const name = cf.name.toLowerCase();
  const candidates = scope.getAllSubcomponents().filter((s) => s.name.toLowerCase() === name);
  if (cf.isNotDefined) return candidates.length === 0;
  return candidates.some((c) => matchesComponent(cf, c, scope, ctx));
}

/**
 * The reference matcher (RFC 4791 §9.7, time ranges per §9.9). DATE and floating values are
 * read in `defaultTimezone` (the calendar's IANA zone, e.g. Europe/Zurich); TZIDs resolve through
 * the object's VTIMEZONEs. Recurring components match through their instances, overrides
 * (RECURRENCE-ID) at their own times instead of the instances they replace.
 */
export function matchesCalendarFilter(f: CalendarFilter, vcalendar: ICAL.Component, defaultTimezone: string): boolean {
  if (vcalendar.name.toUpperCase() !== 'VCALENDAR' || f.vcalendar.isNotDefined) return false;
  const ctx = new TimeContext(new Clock(defaultTimezone));
  try {
    return matchesComponent(f.vcalendar, vcalendar, null, ctx);
  } catch {
    return false; // a value ical.js cannot decode; the caller streams a 207 and must not throw
  }
}
