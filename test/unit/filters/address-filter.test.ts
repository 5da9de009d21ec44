import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import {
  applyAddressData,
  matchesAddressFilter,
  parseAddressbookFilter,
  parseAddressData,
  type AddressFilter,
} from '../../../src/dav/filters/address-filter.js';
import { CARDDAV } from '../../../src/dav/xml/names.js';
import { childOf, contentLines, expectDavError, propsOf } from './fixtures.js';

const HANS = [
  'BEGIN:VCARD',
  'VERSION:3.0',
  'UID:K-000001',
  'FN:Hans Müller',
  'N:Müller;Hans;;Dr.;',
  'ORG:Muster Versicherungen AG',
  'ADR;TYPE=WORK:;;Bahnhofstrasse 1;Zürich;ZH;8001;Schweiz',
  'item1.EMAIL;TYPE=INTERNET,WORK:hans.mueller@muster.ch',
  'EMAIL;TYPE=INTERNET,HOME:hans@example.org',
  'TEL;TYPE=WORK,VOICE:+41 44 123 45 67',
  'TEL;TYPE=CELL:+41 79 765 43 21',
  'CATEGORIES:Kunde,VIP',
  'PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEx',
  ' 8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhM',
  'REV:20260101T000000Z',
  'END:VCARD',
  '',
].join('\r\n');

const vcard = (text: string) => new ICAL.Component(ICAL.parse(text));
const hans = vcard(HANS);

/** An addressbook-query as DAVx5/iOS-style clients send it, with limit and address-data. */
const query = (filter: string) => `<?xml version="1.0" encoding="UTF-8"?>
<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
  <D:prop>
    <D:getetag/>
    <C:address-data content-type="text/vcard" version="4.0"><C:prop name="FN"/><C:prop name="EMAIL"/></C:address-data>
  </D:prop>
  ${filter}
  <C:limit><C:nresults>10</C:nresults></C:limit>
</C:addressbook-query>`;

const filterOf = (filter: string) => parseAddressbookFilter(childOf(query(filter), CARDDAV.filter));
const matches = (f: AddressFilter, card = hans) => matchesAddressFilter(f, card);
const prop = (name: string, inner: string, attrs = '') => `<C:filter><C:prop-filter name="${name}" ${attrs}>${inner}</C:prop-filter></C:filter>`;
const text = (t: string, attrs = '') => `<C:text-match ${attrs}>${t}</C:text-match>`;

describe('parseAddressbookFilter', () => {
  it('reads an anyof query with defaults: unicode-casemap, contains', () => {
    const f = filterOf(`<C:filter test="anyof">
      <C:prop-filter name="FN">${text('müller')}</C:prop-filter>
      <C:prop-filter name="EMAIL">${text('@muster.ch', 'match-type="ends-with"')}</C:prop-filter>
    </C:filter>`);
    expect(f.test).toBe('anyof');
    expect(f.propFilters[0]).toMatchObject({
      name: 'FN',
      test: 'anyof',
      textMatches: [{ text: 'müller', collation: 'i;unicode-casemap', matchType: 'contains', negate: false }],
    });
    expect(f.propFilters[1]?.textMatches[0]?.matchType).toBe('ends-with');
  });

  it('reads allof, negate-condition, param-filter and is-not-defined', () => {
    const f = filterOf(`<C:filter test="allof">
      <C:prop-filter name="tel" test="allof">
        <C:text-match collation="i;octet" negate-condition="yes">+41 79</C:text-match>
        <C:param-filter name="type"><C:text-match match-type="equals">work</C:text-match></C:param-filter>
      </C:prop-filter>
      <C:prop-filter name="NICKNAME"><C:is-not-defined/></C:prop-filter>
    </C:filter>`);
    expect(f.test).toBe('allof');
    expect(f.propFilters[0]).toMatchObject({ name: 'TEL', test: 'allof', paramFilters: [{ name: 'TYPE', isNotDefined: false }] });
    expect(f.propFilters[1]).toMatchObject({ name: 'NICKNAME', isNotDefined: true });
  });

  it('matches every card with an empty filter', () => {
    expect(matches(filterOf('<C:filter/>'))).toBe(true);
  });

  it('403 CARDDAV:supported-collation for an unknown collation', () => {
    expectDavError(() => filterOf(prop('FN', text('x', 'collation="i;basic"'))), 403, CARDDAV.supportedCollation);
  });

  it('400 for malformed filters', () => {
    const bad = [
      '<C:filter test="oneof"/>',
      prop('FN', text('x'), 'test="some"'),
      prop('FN', text('x', 'match-type="regex"')),
      prop('FN', text('x', 'negate-condition="1"')),
      '<C:filter><C:prop-filter/></C:filter>',
      prop('FN', `<C:is-not-defined/>${text('x')}`),
      prop('TEL', '<C:param-filter name="TYPE"><C:is-not-defined/><C:text-match>x</C:text-match></C:param-filter>'),
      prop('FN', '<C:time-range start="20260101T000000Z"/>'),
    ];
    for (const xml of bad) expectDavError(() => filterOf(xml), 400);
  });
});

describe('matchesAddressFilter', () => {
  it('matches property names case-insensitively, also grouped ones (item1.EMAIL)', () => {
    expect(matches(filterOf(prop('email', text('mueller@muster')))), 'the grouped EMAIL').toBe(true);
    expect(matches(filterOf(prop('Fn', text('HANS'))))).toBe(true);
  });

  it('matches structured values (N, ADR) against their whole text', () => {
    expect(matches(filterOf(prop('N', text('hans'))))).toBe(true);
    expect(matches(filterOf(prop('N', text('Müller;Hans;;Dr.;', 'match-type="equals"'))))).toBe(true);
    expect(matches(filterOf(prop('ADR', text('zürich'))))).toBe(true);
    expect(matches(filterOf(prop('ADR', text('8001;schweiz', 'match-type="ends-with"'))))).toBe(true);
  });

  it('supports every match-type', () => {
    expect(matches(filterOf(prop('FN', text('hans müller', 'match-type="equals"'))))).toBe(true);
    expect(matches(filterOf(prop('FN', text('hans', 'match-type="equals"'))))).toBe(false);
    expect(matches(filterOf(prop('FN', text('hans', 'match-type="starts-with"'))))).toBe(true);
    expect(matches(filterOf(prop('FN', text('müller', 'match-type="starts-with"'))))).toBe(false);
    expect(matches(filterOf(prop('FN', text('MÜLLER', 'match-type="ends-with"'))))).toBe(true);
  });

  it('applies each collation', () => {
    expect(matches(filterOf(prop('FN', text('MÜLLER', 'collation="i;unicode-casemap"'))))).toBe(true);
    expect(matches(filterOf(prop('FN', text('MÜLLER', 'collation="i;ascii-casemap"')))), 'Ü is not ASCII').toBe(false);
    expect(matches(filterOf(prop('FN', text('HANS MüLLER', 'collation="i;ascii-casemap" match-type="equals"'))))).toBe(true);
    expect(matches(filterOf(prop('FN', text('hans', 'collation="i;octet"'))))).toBe(false);
    expect(matches(filterOf(prop('FN', text('Hans', 'collation="i;octet"'))))).toBe(true);
  });

  it('negate-condition: some instance must not match', () => {
    expect(matches(filterOf(prop('FN', text('meier', 'negate-condition="yes"'))))).toBe(true);
    expect(matches(filterOf(prop('FN', text('hans', 'negate-condition="yes"'))))).toBe(false);
    expect(matches(filterOf(prop('NICKNAME', text('x', 'negate-condition="yes"')))), 'no property, no match').toBe(false);
  });

  it('param-filter: text-match on any parameter value, bare = defined, is-not-defined', () => {
    expect(matches(filterOf(prop('TEL', '<C:param-filter name="TYPE"><C:text-match match-type="equals">cell</C:text-match></C:param-filter>')))).toBe(true);
    expect(matches(filterOf(prop('TEL', '<C:param-filter name="TYPE"><C:text-match match-type="equals">fax</C:text-match></C:param-filter>')))).toBe(false);
    expect(matches(filterOf(prop('PHOTO', '<C:param-filter name="ENCODING"/>')))).toBe(true);
    expect(matches(filterOf(prop('FN', '<C:param-filter name="LANGUAGE"><C:is-not-defined/></C:param-filter>')))).toBe(true);
  });

  it('prop-filter allof needs one instance to pass all tests, anyof one test', () => {
    const work = '<C:param-filter name="TYPE"><C:text-match match-type="equals">WORK</C:text-match></C:param-filter>';
    expect(matches(filterOf(prop('TEL', `${text('+41 44')}${work}`, 'test="allof"')))).toBe(true);
    expect(matches(filterOf(prop('TEL', `${text('+41 79')}${work}`, 'test="allof"'))), 'the mobile is not WORK').toBe(false);
    expect(matches(filterOf(prop('TEL', `${text('+41 79')}${work}`, 'test="anyof"')))).toBe(true);
  });

  it('filter allof and anyof combine prop-filters', () => {
    const fn = `<C:prop-filter name="FN">${text('hans')}</C:prop-filter>`;
    const nick = `<C:prop-filter name="NICKNAME">${text('hansi')}</C:prop-filter>`;
    expect(matches(filterOf(`<C:filter test="anyof">${fn}${nick}</C:filter>`))).toBe(true);
    expect(matches(filterOf(`<C:filter test="allof">${fn}${nick}</C:filter>`))).toBe(false);
    expect(matches(filterOf(`<C:filter test="allof">${fn}<C:prop-filter name="NICKNAME"><C:is-not-defined/></C:prop-filter></C:filter>`))).toBe(true);
  });

  it('a bare prop-filter tests that the property exists', () => {
    expect(matches(filterOf('<C:filter><C:prop-filter name="ORG"/></C:filter>'))).toBe(true);
    expect(matches(filterOf('<C:filter><C:prop-filter name="BDAY"/></C:filter>'))).toBe(false);
  });

  it('matches a vCard 4.0 body the same way', () => {
    const v4 = vcard(HANS.replace('VERSION:3.0', 'VERSION:4.0').replace(/^PHOTO.*\r\n .*\r\n/m, ''));
    expect(matches(filterOf(prop('TEL', text('+41 44'))), v4)).toBe(true);
    expect(matches(filterOf(prop('EMAIL', '<C:param-filter name="TYPE"><C:text-match>home</C:text-match></C:param-filter>')), v4)).toBe(true);
  });
});

describe('address-data', () => {
  const addressData = (attrs: string, inner = '') => {
    const el = propsOf(query(`<C:filter/>`).replace(/<C:address-data[^]*?<\/C:address-data>/, `<C:address-data ${attrs}>${inner}</C:address-data>`)).find(
      (p) => p.name === CARDDAV.addressData,
    );
    if (!el) throw new Error('no address-data');
    return parseAddressData(el);
  };

  it('reads version 3.0 by default and 4.0 when asked (DAVx5 with 4.0 advertised)', () => {
    expect(addressData('')).toEqual({ version: '3.0', props: null });
    expect(addressData('content-type="text/vcard" version="4.0"')).toEqual({ version: '4.0', props: null });
    expect(addressData('content-type="text/vcard" version="3.0"', '<C:prop name="FN"/><C:prop name="tel" novalue="yes"/>')).toEqual({
      version: '3.0',
      props: [
        { name: 'FN', novalue: false },
        { name: 'TEL', novalue: true },
      ],
    });
    expect(addressData('', '<C:allprop/>').props).toBeNull();
  });

  it('403 CARDDAV:supported-address-data for other media types and versions', () => {
    for (const attrs of ['content-type="text/x-vcard"', 'version="2.1"', 'content-type="application/vcard+json" version="4.0"']) {
      expectDavError(() => addressData(attrs), 403, CARDDAV.supportedAddressData);
    }
  });

  it('400 for a prop without name or allprop next to prop', () => {
    expectDavError(() => addressData('', '<C:prop/>'), 400);
    expectDavError(() => addressData('', '<C:allprop/><C:prop name="FN"/>'), 400);
  });

  it('returns the card untouched when no property is listed', () => {
    expect(applyAddressData(HANS, { version: '3.0', props: null })).toBe(HANS);
  });

  it('returns BEGIN/END/VERSION/UID and the listed properties, in order, grouped ones included', () => {
    const out = applyAddressData(HANS, addressData('', '<C:prop name="FN"/><C:prop name="EMAIL"/>'));
    expect(contentLines(out)).toEqual([
      'BEGIN:VCARD',
      'VERSION:3.0',
      'UID:K-000001',
      'FN:Hans Müller',
      'item1.EMAIL;TYPE=INTERNET,WORK:hans.mueller@muster.ch',
      'EMAIL;TYPE=INTERNET,HOME:hans@example.org',
      'END:VCARD',
    ]);
    expect(out.endsWith('\r\n')).toBe(true);
  });

  it('keeps folded lines byte for byte and writes novalue properties as name, parameters and colon', () => {
    const out = applyAddressData(HANS, addressData('', '<C:prop name="PHOTO"/><C:prop name="TEL" novalue="yes"/>'));
    expect(out).toContain('PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEx\r\n 8UHRof');
    expect(contentLines(out).filter((l) => l.startsWith('TEL'))).toEqual(['TEL;TYPE=WORK,VOICE:', 'TEL;TYPE=CELL:']);
  });
});
