// Parsing stops at the first limit (issue 12): deep, wide or long XML bodies are refused after
// work linear in the body (before: 40,000 nesting levels kept the event loop busy for 8.5 s, since
// saxes looks namespaces up through every open element and the parser went on after the error).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseXml, XML_LIMITS, XmlLimitError, XmlParseError } from '../../src/dav/xml/parse.js';
import { startAnnaServer } from '../support/anna.js';
import { tableChecksums } from '../support/checksums.js';
import { KONTAKTE, TERMINE } from '../support/collections.js';
import type { TestServer } from '../support/server.js';

const DAV_NS = 'xmlns:d="DAV:"';

/** `levels` nested elements in a propfind, 7 bytes a level (`<a>` + `</a>`) as in the report. */
const nested = (levels: number) => `<d:propfind ${DAV_NS} xmlns="urn:x">${'<a>'.repeat(levels)}${'</a>'.repeat(levels)}</d:propfind>`;

/** CPU time of this process, not wall time: other test files share the two cores. */
function timed<T>(f: () => T): { ms: number; result: T | Error } {
  const c0 = process.cpuUsage();
  let result: T | Error;
  try {
    result = f();
  } catch (e) {
    result = e as Error;
  }
  const c = process.cpuUsage(c0);
  return { ms: (c.user + c.system) / 1000, result };
}

describe('parseXml stops at the first limit', () => {
  it('40,000 nesting levels (280 KB) are refused in milliseconds, not seconds', () => {
    const body = nested(40_000);
    const { ms, result } = timed(() => parseXml(body));
    expect(result).toBeInstanceOf(XmlLimitError);
    expect((result as XmlLimitError).limit).toBe('depth');
    console.log(`40,000 levels, ${body.length} bytes: refused after ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(50);
  });

  it('accepts exactly the depth limit and refuses one more level', () => {
    // The propfind is level 1: levels - 1 nested elements inside it.
    expect(() => parseXml(nested(XML_LIMITS.depth - 1))).not.toThrow();
    expect(() => parseXml(nested(XML_LIMITS.depth))).toThrow(/nested deeper/);
  });

  it('refuses more elements than the limit, however flat', () => {
    const flat = (n: number) => `<d:prop ${DAV_NS}>${'<d:getetag/>'.repeat(n)}</d:prop>`;
    expect(parseXml(flat(XML_LIMITS.elements - 1)).children).toHaveLength(XML_LIMITS.elements - 1);
    const { ms, result } = timed(() => parseXml(flat(XML_LIMITS.elements * 5)));
    expect((result as XmlLimitError).limit).toBe('elements');
    // Stopped after the limit, not after all 50,000 (a margin for a busy machine).
    expect(ms).toBeLessThan(500);
  });

  it('refuses too many attributes on one element', () => {
    const attrs = (n: number) => Array.from({ length: n }, (_, i) => `a${i}="x"`).join(' ');
    expect(parseXml(`<d:prop ${DAV_NS} ${attrs(XML_LIMITS.attributesPerElement - 1)}/>`).attrs.size).toBe(XML_LIMITS.attributesPerElement - 1);
    expect(() => parseXml(`<d:prop ${DAV_NS} ${attrs(50_000)}/>`)).toThrow(/attributes on one element/);
  });

  it('refuses too many namespace declarations, even spread over many elements', () => {
    const decls = Array.from({ length: XML_LIMITS.namespaceDeclarations + 1 }, (_, i) => `<x:a xmlns:x="urn:${i}"/>`).join('');
    expect(() => parseXml(`<d:prop ${DAV_NS}>${decls}</d:prop>`)).toThrow(/namespace declarations/);
  });

  it('refuses long names, long attribute values and long texts', () => {
    expect(() => parseXml(`<d:${'p'.repeat(XML_LIMITS.nameLength)} ${DAV_NS}/>`)).toThrow(/XML name longer/);
    expect(() => parseXml(`<d:prop ${DAV_NS} xmlns:x="urn:${'u'.repeat(XML_LIMITS.attributeValueLength)}"/>`)).toThrow(/attribute value longer/);
    const text = (n: number) => `<d:href ${DAV_NS}>${'h'.repeat(n)}</d:href>`;
    expect(parseXml(text(XML_LIMITS.textLength)).text).toHaveLength(XML_LIMITS.textLength);
    expect(() => parseXml(text(XML_LIMITS.textLength + 1))).toThrow(/characters of text/);
    // Pieces (CDATA, entities) add up: the limit is on the element's whole text.
    expect(() => parseXml(`<d:href ${DAV_NS}>${'<![CDATA[hhhh]]>&amp;'.repeat(XML_LIMITS.textLength / 4)}</d:href>`)).toThrow(/characters of text/);
  });

  it('stops at the first well-formedness error instead of parsing on', () => {
    // 20,000 unbound prefixes: one error is enough, the rest is never looked at.
    const body = `<d:prop ${DAV_NS}>${'<q:x/>'.repeat(19_000)}</d:prop>`;
    const { ms, result } = timed(() => parseXml(body));
    expect(result).toBeInstanceOf(XmlParseError);
    expect((result as Error).message).toMatch(/unbound namespace prefix/);
    expect(ms).toBeLessThan(50);
    expect(() => parseXml('<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')).toThrow(/DOCTYPE/);
  });

  it('still parses what clients send: default namespaces, CDATA, attributes', () => {
    const root = parseXml(
      `<?xml version="1.0"?><sync-collection xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><sync-token><![CDATA[http://x/1]]></sync-token><prop><C:calendar-data content-type="text/calendar"/></prop></sync-collection>`,
    );
    expect(root.name).toBe('{DAV:}sync-collection');
    expect(root.children[0]!.text).toBe('http://x/1');
    expect(root.children[1]!.children[0]!.attrs.get('content-type')).toBe('text/calendar');
  });
});

describe('over HTTP: a clear 413 for a body past a limit, 400 for a malformed one', () => {
  let dav: TestServer;
  beforeAll(async () => {
    dav = await startAnnaServer(async ({ b, anna }) => {
      await b.addContact({ firstName: 'Hans', lastName: 'Muster' });
      await b.addAppointment({ ownerId: anna, startsAt: '2026-12-01T09:00:00Z', subject: 'Kundentermin' });
    });
  });
  afterAll(() => dav?.close());

  it('a PROPFIND nested 40,000 levels deep answers 413 at once, and the server stays responsive', async () => {
    const before = await tableChecksums(dav);
    const started = performance.now();
    const r = await dav.request('PROPFIND', KONTAKTE('anna.meier'), { body: nested(40_000), headers: { Depth: '0' } });
    const ms = performance.now() - started;
    expect(r.status).toBe(413);
    expect(r.text).toMatch(/nested deeper than 64 levels/);
    expect(ms).toBeLessThan(1_000);
    expect(await tableChecksums(dav)).toEqual(before);
    const ok = await dav.propfind(KONTAKTE('anna.meier'), `<d:propfind ${DAV_NS}><d:prop><d:getetag/></d:prop></d:propfind>`, '1');
    expect(ok.status).toBe(207);
  });

  it('a REPORT past the element limit answers 413; a malformed one 400', async () => {
    const many = `<c:calendar-multiget ${DAV_NS} xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>${'<d:href>/x</d:href>'.repeat(XML_LIMITS.elements)}</c:calendar-multiget>`;
    expect((await dav.request('REPORT', TERMINE('anna.meier'), { body: many })).status).toBe(413);
    const broken = await dav.request('REPORT', TERMINE('anna.meier'), { body: `<c:calendar-multiget ${DAV_NS}><d:prop>` });
    expect(broken.status).toBe(400);
  });
});
