// Whether two iCalendar objects say the same thing (for "no ETag when the stored version differs",
// RFC 4791 §5.3.4): per component a multiset of properties, independent of order, folding, TZID
// spelling and bookkeeping properties (DTSTAMP, LAST-MODIFIED, SEQUENCE, CREATED, §3.8.7).
import ICAL from 'ical.js';
import type { ContactRef } from '../domain/records.js';
import { customerLine, withoutCustomerLine } from '../ical/customer.js';
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
/** Properties whose values are keywords (RFC 5545 §3.8.1.11, §3.8.1.3, §3.8.2.7, §3.8.6.1), compared case-insensitively. */
const KEYWORD_PROPERTIES: ReadonlySet<string> = new Set(['status', 'class', 'transp', 'action']);
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
  if (typeof v === 'string') {
    if (ADDRESS_PROPERTIES.has(p.name)) return `A${normalizeAddress(v)}`;
    return KEYWORD_PROPERTIES.has(p.name) ? `V${v.toUpperCase()}` : `V${v.replace(/\r\n?/g, '\n')}`;
  }
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

// What a client sends back for a text BrokerStar serves, without the user touching it: the same
// words after what the target clients are known to rewrite (docs/writes.md, "Every property, by
// class"). A difference after these steps is the user's edit.

/**
 * What CalDav Synchronizer replaces by U+FFFD before a PUT (`CalendarDataPreprocessor.
 * RemoveInvalidXmlChars`): control characters other than tab, LF and CR, U+FFFE/U+FFFF and lone
 * surrogates.
 */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/gu;

const readable = (text: string): string => text.normalize('NFC').replace(NOT_XML, '\uFFFD');

/**
 * A one-line text (a subject) as compared: Outlook's subject is one line, so every run of blanks
 * and line breaks counts as one space, and blanks at either end do not count.
 */
export function canonicalLine(text: string): string {
  return readable(text).replace(/\s+/gu, ' ').trim();
}

/**
 * A description as compared: line ends as LF (Outlook's body is CRLF), blanks at the end of a line
 * and of the text do not count (clients trim them).
 */
export function canonicalText(text: string): string {
  return readable(text)
    .replace(/\r\n?/g, '\n')
    .replace(/[^\S\n]+$/gmu, '')
    .replace(/\s+$/u, '');
}

/**
 * The description without the customer line the renderer appends: `withoutCustomerLine` removes it
 * at the end; a user who typed below it (Thunderbird, iOS) leaves it as a line of its own, which
 * goes too, so it is never taken for the user's text.
 */
export function descriptionWithoutCustomer(text: string, contact: ContactRef | null): string {
  const stripped = withoutCustomerLine(text, contact);
  if (!contact) return stripped;
  const lines = stripped.split('\n');
  const at = lines.lastIndexOf(customerLine(contact));
  if (at < 0) return stripped;
  const blankAround = at > 0 && lines[at - 1] === '' && (at + 1 >= lines.length || lines[at + 1] === '');
  lines.splice(blankAround ? at - 1 : at, blankAround ? 2 : 1);
  return lines.join('\n').replace(/\s+$/u, '');
}
