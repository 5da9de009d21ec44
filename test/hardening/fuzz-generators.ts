// fast-check arbitraries for the request fuzzing: XML bodies (random trees over the DAV
// vocabulary, and real client bodies mutated), iCalendar and vCard bodies, header values and URLs.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------
// Mutation of any text (client bodies, iCalendar, vCard): cut, repeat, insert, truncate.

/** Splices `fragments` (and random text) into a text, a few times. */
export function mutated(base: fc.Arbitrary<string>, fragments: readonly string[]): fc.Arbitrary<string> {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 80 }) }),
    fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 60 }), times: fc.integer({ min: 2, max: 300 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 12, unit: 'binary' })) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  );
  return fc.tuple(base, fc.array(op, { minLength: 1, maxLength: 4 })).map(([text, ops]) => {
    let s = text;
    for (const o of ops) {
      const at = s.length === 0 ? 0 : o.at % (s.length + 1);
      if (o.kind === 'delete') s = s.slice(0, at) + s.slice(at + o.len);
      else if (o.kind === 'repeat') s = s.slice(0, at) + s.slice(at, at + o.len).repeat(o.times) + s.slice(at + o.len);
      else if (o.kind === 'insert') s = s.slice(0, at) + o.text + s.slice(at);
      else s = s.slice(0, Math.max(at, 1));
    }
    return s;
  });
}

// ---------------------------------------------------------------------------------------------
// XML

const NAMESPACES = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cs="http://calendarserver.org/ns/" xmlns:x="urn:x"';

export const REPORT_ROOTS = [
  'd:sync-collection',
  'c:calendar-query',
  'c:calendar-multiget',
  'card:addressbook-query',
  'card:addressbook-multiget',
  'd:expand-property',
  'c:free-busy-query',
  'x:unknown-report',
] as const;

const ELEMENTS = [
  'd:prop', 'd:propfind', 'd:allprop', 'd:propname', 'd:include', 'd:href', 'd:getetag', 'd:resourcetype', 'd:displayname',
  'd:sync-token', 'd:sync-level', 'd:limit', 'd:nresults', 'd:property', 'd:current-user-principal', 'd:owner',
  'd:current-user-privilege-set', 'd:supported-report-set', 'd:set', 'd:remove', 'd:propertyupdate', 'd:getcontenttype',
  'c:filter', 'c:comp-filter', 'c:prop-filter', 'c:param-filter', 'c:text-match', 'c:time-range', 'c:is-not-defined',
  'c:calendar-data', 'c:comp', 'c:prop', 'c:expand', 'c:limit-recurrence-set', 'c:calendar-home-set', 'c:calendar-timezone',
  'card:filter', 'card:prop-filter', 'card:param-filter', 'card:text-match', 'card:address-data', 'card:prop', 'card:limit',
  'card:nresults', 'card:addressbook-home-set', 'cs:getctag', 'x:whatever', 'unprefixed',
  ...REPORT_ROOTS,
];

const ATTRIBUTE_NAMES = ['name', 'test', 'collation', 'match-type', 'negate-condition', 'start', 'end', 'content-type', 'version', 'namespace', 'novalue', 'x:attr'];
const ATTRIBUTE_VALUES = [
  'VCALENDAR', 'VEVENT', 'VTODO', 'VCARD', 'FN', 'EMAIL', 'UID', 'anyof', 'allof', 'i;ascii-casemap', 'i;unicode-casemap', 'i;octet',
  'contains', 'equals', 'starts-with', 'ends-with', 'yes', 'no', '20261201T000000Z', '20261231T235959Z', '19000101T000000Z',
  '99991231T235959Z', '2026-12-01', 'text/calendar', 'text/vcard', 'application/json', '2.0', '3.0', '4.0', 'DAV:', '',
];
const TEXTS = ['', 'muster', 'Hans', '1', '0', '-1', '1e300', '9'.repeat(40), 'infinite', '2', 'http://x/sync/1', '/dav/', '%', 'ü€😀', '&amp;', '<![CDATA[x]]>'];

/** Text that is safe inside an attribute value or element content (escaped). */
const escape = (s: string) => s.replace(/&(?!amp;)/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

const attribute = fc
  .tuple(fc.constantFrom(...ATTRIBUTE_NAMES), fc.oneof(fc.constantFrom(...ATTRIBUTE_VALUES), fc.string({ maxLength: 20 })))
  .map(([k, v]) => ` ${k}="${escape(v)}"`);

const { element } = fc.letrec<{ element: string }>((tie) => ({
  element: fc
    .tuple(
      fc.constantFrom(...ELEMENTS),
      fc.uniqueArray(attribute, { maxLength: 3, selector: (a) => a.slice(0, a.indexOf('=')) }),
      fc.oneof(
        { weight: 3, arbitrary: fc.constant([] as string[]) },
        { weight: 2, arbitrary: fc.array(tie('element'), { maxLength: 4, depthIdentifier: 'xml' }) },
      ),
      fc.oneof(fc.constantFrom(...TEXTS), fc.string({ maxLength: 16 })),
    )
    .map(([name, attrs, children, text]) => `<${name}${attrs.join('')}>${escape(text)}${children.join('')}</${name}>`),
}));

/** A well-formed body over the DAV vocabulary under the given root (or any root). */
export function xmlTree(roots: readonly string[] = ELEMENTS): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...roots), fc.array(element, { maxLength: 6 }), fc.boolean())
    .map(([root, children, decl]) => `${decl ? '<?xml version="1.0" encoding="utf-8"?>\n' : ''}<${root} ${NAMESPACES}>${children.join('')}</${root}>`);
}

const XML_FRAGMENTS = [
  '<', '>', '</', '/>', '<d:prop>', '</d:prop>', '<d:href>', '</d:href>', '<![CDATA[', ']]>', '&amp;', '&lt;', '&#0;', '&#x10FFFF;', '&nope;',
  '<!DOCTYPE x [<!ENTITY a "aaaaaaaa">]>', '<!-- c -->', '<?pi x?>', 'xmlns:d="DAV:"', 'xmlns:d=""', 'xmlns="urn:x"', ' d:a="1" d:a="2"',
  '<q:unbound/>', '\u0000', '\uFFFE', '\uD800', '😀', 'ü', '\r\n', '<d:a>'.repeat(70), `<x:p${'n'.repeat(300)}/>`, '<d:nresults>1e300</d:nresults>',
  '<d:sync-token>http://127.0.0.1/sync/999999999999</d:sync-token>', '<c:time-range start="20261301T000000Z"/>', '<d:href>../../../etc</d:href>',
];

/** Real client bodies (test/fixtures/requests), placeholders filled. */
export function clientBodies(): { file: string; body: string }[] {
  const root = new URL('../fixtures/requests/', import.meta.url);
  const out: { file: string; body: string }[] = [];
  for (const client of readdirSync(root)) {
    for (const file of readdirSync(new URL(`${client}/`, root))) {
      const text = readFileSync(new URL(`${client}/${file}`, root), 'utf8')
        .replace(/^<!--[\s\S]*?-->\r?\n/, '')
        .replaceAll('{{START}}', '20261101T000000Z')
        .replaceAll('{{END}}', '20270101T000000Z')
        .replaceAll('{{TOKEN}}', '')
        .replaceAll('{{HREFS}}', '<d:href xmlns:d="DAV:">/dav/calendars/anna.meier/termine/x.ics</d:href>');
      out.push({ file: `${client}/${file}`, body: text });
    }
  }
  return out;
}

/** Real client bodies, mutated. */
export function mutatedClientBody(): fc.Arbitrary<string> {
  return mutated(fc.constantFrom(...clientBodies().map((b) => b.body)), XML_FRAGMENTS);
}

const timestamp = fc.oneof(
  fc.constantFrom('20261201T000000Z', '19000101T000000Z', '99991231T235959Z', '20261301T000000Z', '2026-12-01', '', 'now'),
  fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')),
);
const word = fc.oneof(fc.constantFrom(...TEXTS), fc.string({ maxLength: 30 }));
const dataProp = fc.constantFrom(
  '<c:calendar-data/>',
  '<c:calendar-data content-type="text/calendar" version="2.0"><c:comp name="VCALENDAR"><c:comp name="VEVENT"><c:prop name="SUMMARY"/></c:comp></c:comp></c:calendar-data>',
  '<c:calendar-data><c:expand start="20261101T000000Z" end="20270101T000000Z"/></c:calendar-data>',
  '<c:calendar-data><c:expand start="00010101T000000Z" end="99991231T235959Z"/></c:calendar-data>',
  '<card:address-data/>',
  '<card:address-data content-type="text/vcard" version="4.0"><card:prop name="FN"/><card:prop name="EMAIL"/></card:address-data>',
  '<card:address-data version="9.9"/>',
);
const props = fc.array(fc.oneof(fc.constantFrom('<d:getetag/>', '<d:getcontenttype/>', '<d:resourcetype/>', '<cs:getctag/>', '<x:unknown/>'), dataProp), { maxLength: 4 }).map((p) => `<d:prop>${p.join('')}</d:prop>`);

/** nresults values: small, huge (past what a double or a bigint holds), or no number at all. */
const nresults = fc.oneof(
  { weight: 1, arbitrary: fc.nat({ max: 50 }).map(String) },
  { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: 10n ** 400n }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('1e300', '-1', '0', '1.5', '', 'Infinity', ' 7 ', '0x10') },
);

/** Report bodies of the right shape with random values: these get past the parser to the reports. */
export const reportBody: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    // Half without a token (an initial sync): a made-up token ends at 403 before the limit is read.
    arbitrary: fc.tuple(fc.option(word, { nil: undefined, freq: 2 }), fc.constantFrom('1', 'infinite', '1', 'infinite', '2', ''), fc.option(nresults, { nil: undefined }), props).map(
      ([token, level, n, p]) =>
        `<d:sync-collection ${NAMESPACES}><d:sync-token>${escape(token ?? '')}</d:sync-token><d:sync-level>${level}</d:sync-level>${n === undefined ? '' : `<d:limit><d:nresults>${escape(n)}</d:nresults></d:limit>`}${p}</d:sync-collection>`,
    ),
  },
  fc.tuple(fc.constantFrom('VEVENT', 'VTODO', 'VJOURNAL', 'X'), timestamp, timestamp, word, props).map(
    ([comp, start, end, text, p]) =>
      `<c:calendar-query ${NAMESPACES}>${p}<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="${comp}"><c:time-range start="${start}" end="${end}"/><c:prop-filter name="SUMMARY"><c:text-match collation="i;unicode-casemap">${escape(text)}</c:text-match></c:prop-filter></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`,
  ),
  fc.tuple(fc.constantFrom('FN', 'EMAIL', 'TEL', 'X-Y'), fc.constantFrom('contains', 'equals', 'starts-with', 'ends-with', 'regex'), word, fc.option(nresults, { nil: undefined }), props).map(
    ([prop, match, text, n, p]) =>
      `<card:addressbook-query ${NAMESPACES}>${p}<card:filter test="anyof"><card:prop-filter name="${prop}"><card:text-match match-type="${match}">${escape(text)}</card:text-match></card:prop-filter></card:filter>${n === undefined ? '' : `<card:limit><card:nresults>${escape(n)}</card:nresults></card:limit>`}</card:addressbook-query>`,
  ),
  fc.tuple(fc.constantFrom('c:calendar-multiget', 'card:addressbook-multiget'), fc.array(word, { maxLength: 8 }), props).map(
    ([root, hrefs, p]) => `<${root} ${NAMESPACES}>${p}${hrefs.map((h) => `<d:href>${escape(h)}</d:href>`).join('')}</${root}>`,
  ),
  fc.array(fc.constantFrom('current-user-principal', 'calendar-proxy-read-for', 'group-membership', 'owner', 'displayname', 'x'), { maxLength: 5 }).map(
    (names) => `<d:expand-property xmlns:d="DAV:">${names.map((n) => `<d:property name="${n}"><d:property name="displayname"/><d:property name="${n}"><d:property name="email-address-set" namespace="http://calendarserver.org/ns/"/></d:property></d:property>`).join('')}</d:expand-property>`,
  ),
);

/** Any XML-ish body: random trees, mutated trees, mutated client bodies, deep or wide extremes. */
export function xmlBody(roots?: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...clientBodies().map((b) => b.body)) },
    { weight: 3, arbitrary: xmlTree(roots) },
    { weight: 3, arbitrary: mutatedClientBody() },
    { weight: 2, arbitrary: mutated(xmlTree(roots), XML_FRAGMENTS) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('<a>', '<d:prop>', '<x:a xmlns:x="urn:y">', '<d:href>x</d:href>', '<x:p/>'), fc.integer({ min: 50, max: 60_000 }))
        .map(([piece, n]) => `<d:propfind ${NAMESPACES}><d:prop>${piece.repeat(n)}</d:prop></d:propfind>`),
    },
  );
}

// ---------------------------------------------------------------------------------------------
// iCalendar and vCard

/** Replacements for one content line: broken values, hostile recurrence, odd parameters. */
const ICAL_LINES = [
  'DTSTART:20261201T090000Z', 'DTSTART;TZID=Europe/Zurich:20261201T090000', 'DTSTART;TZID=Nowhere/Land:20261201T090000',
  'DTSTART:99991231T235959Z', 'DTSTART:00000101T000000Z', 'DTSTART;VALUE=DATE:20261301', 'DTEND:19000101T000000Z',
  'DURATION:P99999W', 'DURATION:-PT1H', 'SUMMARY:' + 'x'.repeat(5000), 'SUMMARY:\u0000\u0007ü😀', 'STATUS:COMPLETED',
  'STATUS:CANCELLED', 'COMPLETED:20261201T090000Z', 'PERCENT-COMPLETE:101', 'UID:', 'UID:' + 'u'.repeat(3000), 'SEQUENCE:-1',
  'EXDATE:20261208T090000Z', 'RECURRENCE-ID:20261208T090000Z', 'ATTENDEE;PARTSTAT=ACCEPTED:mailto:x@y', 'ORGANIZER:mailto:nobody@x',
  'X-FOO;BAR="unterminated:1', ';;;', ':', 'BEGIN:VALARM', 'END:VALARM', 'BEGIN:VEVENT', 'END:VCALENDAR', ' folded continuation',
];

/** Recurrence rules that never match, match every second or run forever (issue 12, point 1). */
export const HOSTILE_RRULES = [
  'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30',
  'RRULE:FREQ=SECONDLY',
  'RRULE:FREQ=MINUTELY;INTERVAL=1',
  'RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31;BYDAY=MO',
  'RRULE:FREQ=DAILY;COUNT=999999999',
  'RRULE:FREQ=SECONDLY;UNTIL=99991231T235959Z',
  'RRULE:FREQ=YEARLY;BYSETPOS=-366;BYYEARDAY=366',
  'RRULE:FREQ=WEEKLY;INTERVAL=0',
  'RRULE:FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4,6,9,11',
  'RRULE:FREQ=DAILY;BYHOUR=25',
];

/** Time-zone definitions whose rules never match or repeat every minute. */
export const HOSTILE_ZONES = [
  ['BEGIN:VTIMEZONE', 'TZID:Europe/Zurich', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0100', 'END:STANDARD', 'END:VTIMEZONE'],
  ['BEGIN:VTIMEZONE', 'TZID:Fuzz/Minutely', 'BEGIN:DAYLIGHT', 'DTSTART:19700101T000000', 'RRULE:FREQ=MINUTELY', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'END:DAYLIGHT', 'END:VTIMEZONE'],
  ['BEGIN:VTIMEZONE', 'TZID:Fuzz/Empty', 'END:VTIMEZONE'],
].map((lines) => lines.join('\r\n'));

/** A real iCalendar or vCard body mutated line by line (and byte by byte). */
export function mutatedObject(bases: readonly string[], extraLines: readonly string[] = []): fc.Arbitrary<string> {
  const lines = [...ICAL_LINES, ...extraLines, 'FN:' + 'n'.repeat(2000), 'EMAIL:not an address', 'PHOTO;ENCODING=b;TYPE=JPEG:!!!!', 'VERSION:9.9', 'BEGIN:VCARD', 'END:VCARD', 'N:;;;;;;;;;;'];
  const lineOps = fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), line: fc.constantFrom(...lines) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), line: fc.constantFrom(...lines) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
    ),
    { minLength: 1, maxLength: 4 },
  );
  const byLine = fc.tuple(fc.constantFrom(...bases), lineOps).map(([base, ops]) => {
    const out = base.split(/\r?\n/);
    for (const o of ops) {
      const at = 1 + (o.at % Math.max(out.length - 2, 1)); // keep the first BEGIN line
      if (o.kind === 'replace') out[at] = o.line;
      else if (o.kind === 'insert') out.splice(at, 0, o.line);
      else out.splice(at, 1);
    }
    return out.join('\r\n');
  });
  return fc.oneof({ weight: 3, arbitrary: byLine }, { weight: 1, arbitrary: mutated(fc.constantFrom(...bases), ['\r\n', '\n ', ':', ';', '=', '\u0000', 'ü', 'BEGIN:', 'END:']) });
}

/** Inserts a hostile rule or zone into a calendar body (after the first VEVENT/VTODO line). */
export function withHostileRecurrence(bases: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...bases), fc.constantFrom(...HOSTILE_RRULES), fc.option(fc.constantFrom(...HOSTILE_ZONES), { nil: undefined })).map(([base, rule, zone]) => {
    let body = base.replace(/^RRULE:.*\r?\n/m, '').replace(/(BEGIN:V(?:EVENT|TODO)\r?\n)/, `$1${rule}\r\n`);
    if (zone) {
      const tzid = /TZID:(.*)/.exec(zone)![1]!;
      body = body.replace('BEGIN:VCALENDAR\r\n', `BEGIN:VCALENDAR\r\n${zone}\r\n`).replace(/^(DTSTART|DTEND|DUE|COMPLETED)[;:](?:TZID=[^:]*:)?(\d{8}T\d{6})Z?/gm, `$1;TZID=${tzid}:$2`);
    }
    return body;
  });
}

// ---------------------------------------------------------------------------------------------
// Headers and URLs

export const DEPTHS = ['0', '1', 'infinity', 'Infinity', ' 1 ', '2', '-1', '', '1,1', 'noroot', '0\t', '１'];
export const ETAG_VALUES = ['*', '"x"', 'W/"x"', '""', '"', 'x', '*, "a"', '"a", "b"', '"' + 'e'.repeat(5000) + '"', '\u00ff', ''];
export const CONTENT_TYPES = [
  'text/calendar', 'text/calendar; charset=utf-8', 'text/vcard', 'text/x-vcard', 'text/vcard; version=4.0', 'application/xml',
  'text/xml; charset="utf-8"', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/calendar; charset=latin1',
  'application/json', '*/*', ';;;', '', 'text/calendar; component=VEVENT; method=REQUEST',
];

/** Authorization values: broken Basic, other schemes, empty or huge; none names a valid login. */
export const bogusAuthorization = fc.oneof(
  fc.constantFrom('Basic', 'Basic ', 'Basic ====', 'Basic !!!', 'Bearer x', 'Digest username="anna.meier"', 'basic YW5uYS5tZWllcjp4', 'Basic ' + 'QUFB'.repeat(3000)),
  fc.tuple(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 })).map(([u, p]) => `Basic ${Buffer.from(`${u}:${p}`, 'utf8').toString('base64')}`),
  fc.string({ maxLength: 40 }).map((u) => `Basic ${Buffer.from(u, 'utf8').toString('base64')}`),
);

const SEGMENTS = ['dav', 'calendars', 'addressbooks', 'principals', 'termine', 'aufgaben', 'kontakte', '.well-known', 'caldav', 'carddav', 'healthz', 'x.ics', 'x.vcf', '..', '.', '', '%2e%2e', '%2F', '%00', '%zz', '%C0%AE', '%E2%82', 'ü', '😀', '%F0%9F%98%80', ';x=1', '?q', '#frag', 'a'.repeat(300)];

/** Request targets: own and other users' paths, with encodings, dot segments, unicode and double slashes. */
export function urlPath(users: readonly string[], knownPaths: readonly string[]): fc.Arbitrary<string> {
  const segment = fc.oneof(fc.constantFrom(...SEGMENTS, ...users), fc.string({ maxLength: 6 }).map(encodeURIComponent));
  const built = fc.array(segment, { minLength: 0, maxLength: 7 }).chain((segs) => fc.boolean().map((slash) => `/${segs.join('/')}${slash ? '/' : ''}`));
  const known = mutated(fc.constantFrom(...knownPaths), ['/', '//', '/../', '/./', '%2e', '%2F', '%25', 'ü', '😀', '%', '..', ...users]);
  return fc.oneof(built, known, fc.constantFrom(...knownPaths)).map((p) => toRequestTarget(p));
}

/** Raw bytes of a request line cannot carry non-ASCII; send it UTF-8 percent-encoded, as a client would. */
function toRequestTarget(p: string): string {
  return p.replace(/[^\u0021-\u007e]/gu, safeEncode).replace(/^([^/*])/, '/$1');
}

/** A lone surrogate cannot be encoded; it goes out as the replacement character. */
function safeEncode(c: string): string {
  try {
    return encodeURIComponent(c);
  } catch {
    return '%EF%BF%BD';
  }
}
