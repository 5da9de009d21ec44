// What one request may ask for (issue 12): properties per PROPFIND/REPORT, hrefs per multiget,
// nresults; the answer stays proportionate to the request, and a refusal changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_HREFS, MAX_PROP_NAME_CHARS, MAX_PROPS } from '../../src/dav/reports/limits.js';
import { XML_LIMITS } from '../../src/dav/xml/parse.js';
import { startAnnaServer } from '../support/anna.js';
import { tableChecksums } from '../support/checksums.js';
import { KONTAKTE, TERMINE } from '../support/collections.js';
import type { TestServer } from '../support/server.js';

const NS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav"';
const unknownProps = (n: number) => Array.from({ length: n }, (_, i) => `<x:p${i} xmlns:x="urn:x${i % 200}"/>`).join('');
const propfind = (props: string) => `<d:propfind ${NS}><d:prop>${props}</d:prop></d:propfind>`;
const sync = (limit: string) =>
  `<d:sync-collection ${NS}><d:sync-token/><d:sync-level>1</d:sync-level><d:limit><d:nresults>${limit}</d:nresults></d:limit><d:prop><d:getetag/></d:prop></d:sync-collection>`;

describe('request limits', () => {
  let dav: TestServer;
  beforeAll(async () => {
    dav = await startAnnaServer(async ({ b, anna }) => {
      for (let i = 0; i < 20; i++) await b.addContact({ firstName: `Hans${i}`, lastName: 'Muster' });
      await b.addAppointment({ ownerId: anna, startsAt: '2026-12-01T09:00:00Z', subject: 'Kundentermin' });
    });
  });
  afterAll(() => dav?.close());

  it('a PROPFIND of 20,000 unknown properties is refused with 413 (it made a 142 MB answer)', async () => {
    const before = await tableChecksums(dav);
    // As reported: one namespace, about 10 bytes a property, 209 KB. The XML element limit stops it.
    const reported = (n: number) => `<d:propfind ${NS} xmlns:x="urn:x"><d:prop>${Array.from({ length: n }, (_, i) => `<x:p${i}/>`).join('')}</d:prop></d:propfind>`;
    const r = await dav.request('PROPFIND', KONTAKTE('anna.meier'), { body: reported(20_000), headers: { Depth: '1' } });
    expect(r.status).toBe(413);
    // Under the element limit, the property limit stops it.
    const fewer = await dav.request('PROPFIND', KONTAKTE('anna.meier'), { body: reported(XML_LIMITS.elements - 10), headers: { Depth: '1' } });
    expect(fewer.status).toBe(413);
    expect(fewer.text).toMatch(/properties/);
    expect(await tableChecksums(dav)).toEqual(before);
  });

  it('answers up to MAX_PROPS properties, each repeated name once, in an answer proportionate to the request', async () => {
    const props = unknownProps(MAX_PROPS - 1) + '<d:getetag/>'.repeat(500);
    const r = await dav.propfind(KONTAKTE('anna.meier'), propfind(props), '1');
    expect(r.status).toBe(207);
    expect(r.ms.hrefs).toHaveLength(21);
    // 21 responses, each echoing the names once: well under 30 times the request.
    const request = propfind(props).length;
    expect(r.text.length).toBeLessThan(30 * request);
    const etags = r.text.match(/<d:getetag>/g) ?? [];
    expect(etags).toHaveLength(20); // once per card, not 500 times
    const over = await dav.request('PROPFIND', KONTAKTE('anna.meier'), { body: propfind(unknownProps(MAX_PROPS + 1)), headers: { Depth: '0' } });
    expect(over.status).toBe(413);
    // Fewer but long names: their echo in every response is bounded too.
    const longNames = Array.from({ length: 40 }, (_, i) => `<x:${'n'.repeat(240)}${i} xmlns:x="urn:x"/>`).join('');
    expect(Math.ceil(40 * 250)).toBeGreaterThan(MAX_PROP_NAME_CHARS);
    const long = await dav.request('PROPFIND', KONTAKTE('anna.meier'), { body: propfind(longNames), headers: { Depth: '1' } });
    expect(long.status).toBe(413);
    expect(long.text).toMatch(/property names longer/);
  });

  it('REPORTs count their properties too, and expand-property its nested ones', async () => {
    const multiget = `<c:calendar-multiget ${NS}><d:prop>${unknownProps(MAX_PROPS + 1)}</d:prop><d:href>${TERMINE('anna.meier')}x.ics</d:href></c:calendar-multiget>`;
    expect((await dav.request('REPORT', TERMINE('anna.meier'), { body: multiget })).status).toBe(413);
    const prop = `<d:property name="displayname"/>`;
    const expand = `<d:expand-property xmlns:d="DAV:">${`<d:property name="current-user-principal">${prop.repeat(20)}</d:property>`.repeat(12)}</d:expand-property>`;
    expect((await dav.request('REPORT', '/dav/principals/anna.meier/', { body: expand })).status).toBe(413);
  });

  it('a multiget of more than MAX_HREFS hrefs is refused with 413', async () => {
    // Short hrefs, so the body stays under the XML element limit and reaches the multiget's own.
    const hrefs = '<d:href>a</d:href>'.repeat(MAX_HREFS + 1);
    const body = `<card:addressbook-multiget ${NS}><d:prop><d:getetag/></d:prop>${hrefs}</card:addressbook-multiget>`;
    const r = await dav.request('REPORT', KONTAKTE('anna.meier'), { body });
    expect(r.status).toBe(413);
    expect(r.text).toMatch(/hrefs/);
  });

  it('nresults of 1e300 or a 400-digit number is no limit (was 500 "bigint out of range"); junk is a 400', async () => {
    for (const limit of ['9'.repeat(300), '9'.repeat(400), '18446744073709551616']) {
      const r = await dav.report(KONTAKTE('anna.meier'), sync(limit));
      expect(r.status, limit.slice(0, 20)).toBe(207);
      expect(r.ms.hrefs).toHaveLength(20);
    }
    for (const limit of ['1e300', '-1', '0', '1.5', 'Infinity', '', ' 0x10']) {
      const r = await dav.request('REPORT', KONTAKTE('anna.meier'), { body: sync(limit) });
      expect(r.status, `nresults "${limit}"`).toBe(400);
    }
    const query = `<card:addressbook-query ${NS}><d:prop><d:getetag/></d:prop><card:filter/><card:limit><card:nresults>1e300</card:nresults></card:limit></card:addressbook-query>`;
    expect((await dav.request('REPORT', KONTAKTE('anna.meier'), { body: query })).status).toBe(400);
    const huge = query.replace('1e300', '9'.repeat(300));
    expect((await dav.request('REPORT', KONTAKTE('anna.meier'), { body: huge })).status).toBe(207);
  });
});
