// Whether two iCalendar objects say the same thing (for "no ETag when the stored version differs",
// RFC 4791 §5.3.4): per component a multiset of properties, independent of order, folding, TZID
// spelling and bookkeeping properties (DTSTAMP, LAST-MODIFIED, SEQUENCE, CREATED, §3.8.7).
import ICAL from 'ical.js';
import { normalizeAddress, type Component, type Property, type TimeReader } from './ical-input.js';

/** Bookkeeping a client may rewrite freely; never a difference in content. */
const IGNORED_PROPERTIES: ReadonlySet<string> = new Set([
  'dtstamp',
  'last-modified',
  'sequence',
  'created',
  'prodid',
  'version',
  'calscale',
]);
const IGNORED_COMPONENTS: ReadonlySet<string> = new Set(['vtimezone']);

/** Parameters whose values are keywords (RFC 5545 §3.2), compared case-insensitively. */
const KEYWORD_PARAMETERS: ReadonlySet<string> = new Set([
  'cutype',
  'encoding',
  'fbtype',
  'partstat',
  'range',
  'related',
  'reltype',
  'role',
  'rsvp',
  'schedule-agent',
  'schedule-force-send',
]);
const ADDRESS_PROPERTIES: ReadonlySet<string> = new Set(['organizer', 'attendee']);
/** One entry per value: `EXDATE:a,b` says the same as two EXDATE lines. */
const SPLIT_PROPERTIES: ReadonlySet<string> = new Set(['exdate', 'rdate']);

/** A rule's parts upper-cased and sorted: the same spelling up to order and case. */
export function canonicalRecur(r: ICAL.Recur): string {
  return r
    .toString()
    .split(';')
    .map((part) => part.toUpperCase())
    .sort()
    .join(';');
}

function canonicalValue(p: Property, v: unknown, reader: TimeReader): string {
  const tzid = p.getParameter('tzid');
  if (v instanceof ICAL.Time) return v.isDate ? `D${v.toString()}` : `T${reader.ms(v, typeof tzid === 'string' ? tzid : null)}`;
  if (v instanceof ICAL.Period) {
    const end = v.getEnd();
    return `P${reader.ms(v.start, typeof tzid === 'string' ? tzid : null)}/${reader.ms(end, typeof tzid === 'string' ? tzid : null)}`;
  }
  if (v instanceof ICAL.Duration) return `S${v.toSeconds()}`;
  if (v instanceof ICAL.Recur) return `R${canonicalRecur(v)}`;
  if (typeof v === 'string') return ADDRESS_PROPERTIES.has(p.name) ? `A${normalizeAddress(v)}` : `V${v.replace(/\r\n?/g, '\n')}`;
  return `J${JSON.stringify(v)}`;
}

/** Parameters as `name=value` (sorted), without VALUE (the value's form says it) and TZID on times. */
function canonicalParameters(p: Property, timed: boolean): string {
  const params = (p.jCal[1] ?? {}) as Record<string, unknown>;
  const out: string[] = [];
  for (const [rawName, raw] of Object.entries(params)) {
    const name = rawName.toLowerCase();
    if (name === 'value' || (timed && name === 'tzid')) continue;
    const values = (Array.isArray(raw) ? raw : [raw]).map((x) => String(x));
    const normalized = KEYWORD_PARAMETERS.has(name) ? values.map((x) => x.toUpperCase()) : values;
    out.push(`${name}=${JSON.stringify(normalized)}`);
  }
  return out.sort().join(';');
}

function canonicalProperties(p: Property, reader: TimeReader): string[] {
  const values: unknown[] = p.getValues();
  const timed = values.some((v) => v instanceof ICAL.Time || v instanceof ICAL.Period);
  const head = `${p.name};${canonicalParameters(p, timed)}:`;
  const encoded = values.map((v) => canonicalValue(p, v, reader));
  if (SPLIT_PROPERTIES.has(p.name)) return encoded.map((v) => head + v);
  return [head + encoded.join(',')];
}

/** A component as one string: its name, its sorted properties and its sorted subcomponents. */
export function canonicalComponent(c: Component, reader: TimeReader): string {
  const props = c
    .getAllProperties()
    .filter((p) => !IGNORED_PROPERTIES.has(p.name))
    .flatMap((p) => canonicalProperties(p, reader))
    .sort();
  const subs = c
    .getAllSubcomponents()
    .filter((s) => !IGNORED_COMPONENTS.has(s.name))
    .map((s) => canonicalComponent(s, reader))
    .sort();
  return JSON.stringify([c.name, props, subs]);
}

/**
 * True when both calendars hold the same components (VEVENTs/VTODOs matched by their content,
 * RECURRENCE-ID included) with the same properties, times compared as instants (DATE as dates).
 * Floating times are read in `reader`'s zone on both sides.
 */
export function sameContent(a: Component, b: Component, reader: TimeReader): boolean {
  return canonicalComponent(a, reader) === canonicalComponent(b, reader);
}
