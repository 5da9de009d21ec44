// CALDAV:calendar-data sub-requests in REPORT answers (RFC 4791 §9.6): component/property
// subsets, expand (§9.6.5), limit-recurrence-set (§9.6.6) and limit-freebusy-set (§9.6.7).
import ICAL from 'ical.js';
import { parseRendered } from '../../ical/parse-rendered.js';
import { badRequest, supportedCalendarData } from '../dav-error.js';
import { NS, splitClark } from '../xml/names.js';
import type { XmlElement } from '../xml/parse.js';
import { isRecurrenceMaster, tzidOf } from '../../calendar/recurrence.js';
import { TimeContext, timeModel } from '../../calendar/time-model.js';
import { componentOverlaps, instanceTest, parseTimeRange, spanOf, type Span, type TimeRange } from './time-range.js';
import { Clock, daysBetween, utcTime } from '../../calendar/clock.js';

export interface CalendarDataProp {
  /** Upper-case property name. */
  readonly name: string;
  /** novalue="yes": name and parameters only, then ':' (RFC 4791 §9.6.4). */
  readonly novalue: boolean;
}

export interface CompSelection {
  /** Upper-case component name. */
  readonly name: string;
  readonly props: 'all' | readonly CalendarDataProp[];
  readonly comps: 'all' | readonly CompSelection[];
}

export interface CalendarDataRequest {
  /** null: the whole object. */
  readonly comp: CompSelection | null;
  /** Both bounds set. */
  readonly expand: TimeRange | null;
  readonly limitRecurrenceSet: TimeRange | null;
  readonly limitFreebusySet: TimeRange | null;
}

// ---------------------------------------------------------------------------------------------
// Parsing

const invalid = (why: string) => badRequest(`CALDAV:calendar-data: ${why}`);

function caldavChildren(el: XmlElement): XmlElement[] {
  return el.children.filter((c) => splitClark(c.name).ns === NS.CALDAV);
}

const localOf = (el: XmlElement) => splitClark(el.name).local;

function requiredName(el: XmlElement): string {
  const name = el.attrs.get('name')?.trim();
  if (!name) throw invalid(`CALDAV:${localOf(el)} needs a name`);
  return name.toUpperCase();
}

/**
 * RFC 4791 §9.6.1: comp ((allprop | prop*), (allcomp | comp*)). An empty comp stands for the
 * whole component, as the example in §7.8.1 returns `<C:comp name="VTIMEZONE"/>` in full;
 * otherwise the grammar is read literally (a comp with only comp children keeps no property).
 */
function parseComp(el: XmlElement): CompSelection {
  const name = requiredName(el);
  const kids = caldavChildren(el);
  const has = (local: string) => kids.some((k) => localOf(k) === local);
  if (has('allprop') && has('prop')) throw invalid(`comp ${name} has both allprop and prop`);
  if (has('allcomp') && has('comp')) throw invalid(`comp ${name} has both allcomp and comp`);
  if (kids.length === 0) return { name, props: 'all', comps: 'all' };
  const props: CalendarDataProp[] = [];
  const comps: CompSelection[] = [];
  for (const k of kids) {
    switch (localOf(k)) {
      case 'prop': {
        const novalue = k.attrs.get('novalue') ?? 'no';
        if (novalue !== 'yes' && novalue !== 'no') throw invalid(`novalue="${novalue}" is neither yes nor no`);
        props.push({ name: requiredName(k), novalue: novalue === 'yes' });
        break;
      }
      case 'comp':
        comps.push(parseComp(k));
        break;
      case 'allprop':
      case 'allcomp':
        break;
      default:
        throw invalid(`CALDAV:${localOf(k)} is not allowed in comp`);
    }
  }
  return { name, props: has('allprop') ? 'all' : props, comps: has('allcomp') ? 'all' : comps };
}

const mediaType = (s: string) => s.split(';')[0]!.trim().toLowerCase();

/**
 * Parses a CALDAV:calendar-data request element. A media type other than text/calendar 2.0 is
 * 403 CALDAV:supported-calendar-data; malformed sub-elements are 400.
 */
export function parseCalendarData(el: XmlElement): CalendarDataRequest {
  const contentType = el.attrs.get('content-type') ?? 'text/calendar';
  const version = (el.attrs.get('version') ?? '2.0').trim();
  if (mediaType(contentType) !== 'text/calendar' || version !== '2.0') {
    throw supportedCalendarData(`${contentType} version ${version}; only text/calendar 2.0 is served`);
  }
  let comp: CompSelection | null = null;
  let expand: TimeRange | null = null;
  let limitRecurrenceSet: TimeRange | null = null;
  let limitFreebusySet: TimeRange | null = null;
  const range = (k: XmlElement) => parseTimeRange(k, (why) => invalid(`CALDAV:${localOf(k)}: ${why}`), true);
  for (const k of caldavChildren(el)) {
    const local = localOf(k);
    const twice = () => invalid(`more than one CALDAV:${local}`);
    switch (local) {
      case 'comp':
        if (comp) throw twice();
        comp = parseComp(k);
        if (comp.name !== 'VCALENDAR') throw invalid(`the outer comp must be VCALENDAR, not ${comp.name}`);
        break;
      case 'expand':
        if (expand) throw twice();
        expand = range(k);
        break;
      case 'limit-recurrence-set':
        if (limitRecurrenceSet) throw twice();
        limitRecurrenceSet = range(k);
        break;
      case 'limit-freebusy-set':
        if (limitFreebusySet) throw twice();
        limitFreebusySet = range(k);
        break;
      default:
        throw invalid(`CALDAV:${local} is not allowed in calendar-data`);
    }
  }
  if (expand && limitRecurrenceSet) throw invalid('expand and limit-recurrence-set exclude each other');
  return { comp, expand, limitRecurrenceSet, limitFreebusySet };
}

// ---------------------------------------------------------------------------------------------
// Applying

/** A jCal component: [name, properties, components]. */
type JCal = [string, JProp[], JCal[]];
/** A jCal property: [name, params, type, ...values]. */
type JProp = [string, Record<string, unknown>, string, ...unknown[]];

const clone = <T>(j: T): T => structuredClone(j);
const TIME_TYPES = new Set(['date-time', 'period']);

/** jCal text of an instant in UTC ("2026-03-16T09:00:00Z"). */
const utcJson = (ms: number): string => utcTime(ms).toString();

/**
 * A copy of `c`'s jCal with every DATE-TIME (and PERIOD) that has a TZID rewritten in UTC, read
 * through the live component so that the object's VTIMEZONEs apply (RFC 4791 §9.6.5).
 */
function utcCopy(c: ICAL.Component, clock: Clock, skip: ReadonlySet<string> = new Set()): JCal {
  const props: JProp[] = c.getAllProperties().flatMap((p): JProp[] => {
    if (skip.has(p.name)) return [];
    const j = clone(p.toJSON()) as JProp;
    const tzid = tzidOf(p);
    if (!tzid || !TIME_TYPES.has(p.type)) return [j];
    const values = p.getValues().map((v: unknown) => {
      if (v instanceof ICAL.Time) return v.isDate ? v.toString() : utcJson(clock.ms(v, tzid));
      if (v instanceof ICAL.Period) return [utcJson(clock.ms(v.start, tzid)), utcJson(clock.ms(v.getEnd(), tzid))];
      return v;
    });
    const params = { ...j[1] };
    delete params.tzid;
    return [[j[0], params, j[2], ...values]];
  });
  return [c.name, props, c.getAllSubcomponents().map((s) => utcCopy(s, clock))];
}

function setProp(j: JCal, name: string, type: string, value: string): void {
  const prop: JProp = [name, {}, type, value];
  const i = j[1].findIndex((p) => p[0] === name);
  if (i >= 0) j[1][i] = prop;
  else j[1].push(prop);
}

const RECURRENCE_PROPS = new Set(['rrule', 'rdate', 'exdate', 'exrule']);

/** jCal DATE text of `t` moved by whole days ("2026-03-16"). */
function dateJson(t: ICAL.Time, days = 0): string {
  const d = t.clone();
  d.isDate = true;
  if (days) d.adjust(days, 0, 0, 0);
  return d.toString();
}

/**
 * RFC 4791 §9.6.5: every instance overlapping the span as its own component with a
 * RECURRENCE-ID, times in UTC (DATE values stay dates), no recurrence properties, no VTIMEZONE.
 */
function expandCalendar(vcal: ICAL.Component, span: Span, ctx: TimeContext): JCal {
  const clock = ctx.clock;
  const out: JCal = [vcal.name, vcal.getAllProperties().map((p) => clone(p.toJSON()) as JProp), []];
  for (const c of vcal.getAllSubcomponents()) {
    if (c.name === 'vtimezone') continue;
    const model = timeModel(c, clock);
    if (!model || !isRecurrenceMaster(c)) {
      if (!model || componentOverlaps(c, span, ctx)) out[2].push(utcCopy(c, clock));
      continue;
    }
    const test = instanceTest(c, model, span, ctx);
    const base = utcCopy(c, clock, RECURRENCE_PROPS);
    const start0 = c.getFirstPropertyValue('dtstart');
    const dtend = c.getFirstPropertyValue('dtend');
    const due = c.getFirstPropertyValue('due');
    ctx.forEachInstance(c, model, span.start - model.maxLengthMs, (i) => {
      if (i.occurrence.startMs > span.end) return true;
      if (!test(i)) return false;
      const o = i.occurrence;
      const j = clone(base);
      const shiftDays = start0 instanceof ICAL.Time ? daysBetween(start0, o.start) : 0;
      const recurrenceId = o.start.isDate ? dateJson(o.start) : utcJson(o.startMs);
      const type = o.start.isDate ? 'date' : 'date-time';
      if (model.anchor?.name === 'dtstart') setProp(j, 'dtstart', type, recurrenceId);
      if (dtend instanceof ICAL.Time && i.endMs !== null) {
        setProp(j, 'dtend', dtend.isDate ? 'date' : 'date-time', dtend.isDate ? dateJson(dtend, shiftDays) : utcJson(i.endMs));
      }
      if (due instanceof ICAL.Time) {
        const anchoredOnDue = model.anchor?.name === 'due';
        const dueDate = anchoredOnDue ? dateJson(o.start) : dateJson(due, shiftDays);
        setProp(j, 'due', due.isDate ? 'date' : 'date-time', due.isDate ? dueDate : utcJson(i.dueMs ?? o.startMs));
      }
      setProp(j, 'recurrence-id', type, recurrenceId);
      out[2].push(j);
      return false;
    });
  }
  return out;
}

/**
 * RFC 4791 §9.6.6: keep every master and plain component, and the overrides that impact the
 * span: by their new times, by the times of the instance they replace, or as THISANDFUTURE
 * overrides starting before the span ends.
 */
function limitRecurrenceSet(vcal: ICAL.Component, span: Span, ctx: TimeContext): void {
  for (const o of [...vcal.getAllSubcomponents()]) {
    const rid = o.getFirstProperty('recurrence-id');
    const ridTime = rid?.getFirstValue();
    if (!rid || !(ridTime instanceof ICAL.Time)) continue;
    const ridMs = ctx.clock.ms(ridTime, tzidOf(rid));
    const uid = o.getFirstPropertyValue('uid');
    const master = vcal
      .getAllSubcomponents(o.name)
      .find((m) => !m.hasProperty('recurrence-id') && m.getFirstPropertyValue('uid') === uid);
    const thisAndFuture = String(rid.getParameter('range') ?? '').toUpperCase() === 'THISANDFUTURE';
    const model = master ? timeModel(master, ctx.clock) : null;
    const original = master && model ? instanceTest(master, model, span, ctx)(model.instance({ start: ridTime, startMs: ridMs })) : false;
    if (componentOverlaps(o, span, ctx) || original || (thisAndFuture && ridMs < span.end)) continue;
    vcal.removeSubcomponent(o);
  }
}

/** RFC 4791 §9.6.7: only the FREEBUSY periods that overlap the span. */
function limitFreebusySet(vcal: ICAL.Component, span: Span, clock: Clock): void {
  for (const fb of vcal.getAllSubcomponents('vfreebusy')) {
    for (const p of fb.getAllProperties('freebusy')) {
      const tz = tzidOf(p);
      const kept = p
        .getValues()
        .filter((v: unknown) => v instanceof ICAL.Period && span.start < clock.ms(v.getEnd(), tz) && span.end > clock.ms(v.start, tz));
      if (kept.length === 0) fb.removeProperty(p);
      else if (kept.length !== p.getValues().length) p.setValues(kept);
    }
  }
}

/** RFC 4791 §9.6.1–9.6.4 on jCal. */
function select(j: JCal, sel: CompSelection): JCal {
  const [name, props, comps] = j;
  let outProps = props;
  if (sel.props !== 'all') {
    const wanted = new Map(sel.props.map((p) => [p.name, p.novalue]));
    outProps = props.flatMap((p): JProp[] => {
      const novalue = wanted.get(p[0].toUpperCase());
      if (novalue === undefined) return [];
      return novalue ? [[p[0], p[1], p[2], '']] : [p];
    });
  }
  let outComps = comps;
  if (sel.comps !== 'all') {
    const subs = sel.comps;
    outComps = comps.flatMap((c) => {
      const s = subs.find((x) => x.name === c[0].toUpperCase());
      return s ? [select(c, s)] : [];
    });
  }
  return [name, outProps, outComps];
}

/** Whether the request asks for less or other than the stored object (comp, expand, limits). */
export const hasSubRequest = (req: CalendarDataRequest) =>
  req.comp !== null || req.expand !== null || req.limitRecurrenceSet !== null || req.limitFreebusySet !== null;

/**
 * The calendar-data value for one object: the body untouched (not even parsed) without a
 * sub-request, else the requested subset, CRLF-terminated and folded. DATE values are placed in
 * `defaultTimezone` when expand decides what overlaps. A body ical.js cannot read is returned as
 * it is: this runs while a 207 is being streamed and must not throw.
 */
export function applyCalendarData(body: string, req: CalendarDataRequest, defaultTimezone = 'UTC'): string {
  if (!hasSubRequest(req)) return body;
  try {
    const vcal = parseRendered(body);
    const ctx = new TimeContext(new Clock(defaultTimezone));
    if (req.limitRecurrenceSet) limitRecurrenceSet(vcal, spanOf(req.limitRecurrenceSet), ctx);
    if (req.limitFreebusySet) limitFreebusySet(vcal, spanOf(req.limitFreebusySet), ctx.clock);
    let j: JCal = req.expand ? expandCalendar(vcal, spanOf(req.expand), ctx) : (clone(vcal.toJSON()) as JCal);
    if (req.comp) j = select(j, req.comp);
    const text = ICAL.stringify(j as unknown as unknown[]);
    return text.endsWith('\r\n') ? text : `${text}\r\n`;
  } catch {
    return body;
  }
}
