import { describe, expect, it } from 'vitest';
import { renderVcard, type VcardVersion } from '../../../src/ical/vcard.js';
import type { ContactRecord } from '../../../src/domain/records.js';
import { company, expectWellFormedLines, opts, parse, person, propertyNames, stamp, textOf, type Component } from './fixtures.js';

const VERSIONS: readonly VcardVersion[] = ['3.0', '4.0'];

function render(c: ContactRecord, version: VcardVersion) {
  const text = renderVcard(c, stamp, version, opts);
  expectWellFormedLines(text);
  const card = parse(text);
  expect(card.name).toBe('vcard');
  return { text, card };
}

/** TYPE values of a property, upper-cased, without PREF. */
function types(c: Component, name: string): string[][] {
  return c.getAllProperties(name).map((p) => {
    const t = p.getParameter('type');
    const list = t === undefined ? [] : Array.isArray(t) ? t : [t];
    return list.map((v) => String(v).toUpperCase()).filter((v) => v !== 'PREF');
  });
}

/** Which entries are preferred: 3.0 TYPE=PREF, 4.0 PREF=1. */
function preferred(c: Component, name: string): boolean[] {
  return c.getAllProperties(name).map((p) => {
    const t = p.getParameter('type');
    const list = t === undefined ? [] : Array.isArray(t) ? t : [t];
    return list.some((v) => String(v).toUpperCase() === 'PREF') || p.getParameter('pref') === '1';
  });
}

describe.each(VERSIONS)('renderVcard %s: a person', (version) => {
  const c = person();
  const { text, card } = render(c, version);

  it('starts with BEGIN and VERSION, and has UID, FN, N, REV', () => {
    expect(text.startsWith(`BEGIN:VCARD\r\nVERSION:${version}\r\n`)).toBe(true);
    expect(text.endsWith('END:VCARD\r\n')).toBe(true);
    expect(textOf(card, 'version')).toBe(version);
    expect(textOf(card, 'uid')).toBe('brokerstar-contact-4712');
    expect(textOf(card, 'fn')).toBe('Dr. Élodie Lefèvre-Dubois');
    expect(card.getFirstProperty('n')?.getValues()).toEqual([['Lefèvre-Dubois', 'Élodie', '', 'Dr.', '']]);
    expect(card.getFirstPropertyValue('rev')?.toString()).toBe('2025-02-03T10:15:30Z');
  });

  it('carries organisation, title, birthday, website, categories and customer number', () => {
    expect(card.getFirstProperty('org')?.getValues()).toEqual([['Société Générale d\'Assurances, Genève', 'Sinistres; Véhicules']]);
    expect(textOf(card, 'title')).toBe('Cheffe de service, RC');
    expect(card.getFirstPropertyValue('bday')?.toString()).toBe('1978-02-28');
    expect(textOf(card, 'url')).toBe('https://www.sga-geneve.example.ch');
    expect(card.getFirstProperty('categories')?.getValues()).toEqual(['Interessent', 'VIP, Genf', 'Versicherer']);
    expect(textOf(card, 'x-brokerstar-customer-no')).toBe('K-010235');
    expect(textOf(card, 'note')).toBe(`Kunden-Nr.: K-010235\n\n${c.notes}`);
  });

  it('writes every phone with its type and only the primary one preferred', () => {
    expect(card.getAllProperties('tel').map((p) => p.getFirstValue())).toEqual(c.phones.map((p) => p.number));
    expect(types(card, 'tel')).toEqual([['WORK', 'VOICE'], ['CELL', 'VOICE'], ['WORK', 'FAX'], ['HOME', 'VOICE'], ['VOICE']]);
    expect(preferred(card, 'tel')).toEqual([false, true, false, false, false]);
  });

  it('writes every e-mail address with its type and only the primary one preferred', () => {
    expect(card.getAllProperties('email').map((p) => p.getFirstValue())).toEqual(c.emails.map((e) => e.address));
    const expected = version === '3.0' ? [['INTERNET', 'WORK'], ['INTERNET', 'HOME'], ['INTERNET']] : [['WORK'], ['HOME'], []];
    expect(types(card, 'email')).toEqual(expected);
    expect(preferred(card, 'email')).toEqual([true, false, false]);
  });

  it('writes addresses component by component, keeping a multi-line street', () => {
    expect(card.getAllProperties('adr').map((p) => p.getFirstValue())).toEqual([
      ['Case postale 1234', '', 'Rue du Rhône 8\n2e étage, c/o Réception; Porte B', 'Genève', 'GE', '1204', 'CH'],
      ['', '', 'Via Nassa 5', 'Lugano', 'TI', '6900', 'CH'],
    ]);
    expect(types(card, 'adr')).toEqual([['WORK'], ['HOME']]);
  });

  it('has no photo, no company marker and no KIND for a person without photo', () => {
    for (const name of ['photo', 'x-abshowas', 'kind']) expect(propertyNames(card), name).not.toContain(name);
  });
});

describe.each(VERSIONS)('renderVcard %s: a company', (version) => {
  const { card } = render(company(), version);

  it('is marked X-ABShowAs:COMPANY with the company as FN, N and ORG', () => {
    expect(textOf(card, 'x-abshowas')).toBe('COMPANY');
    expect(textOf(card, 'fn')).toBe('Müller & Söhne Treuhand AG');
    expect(card.getFirstProperty('n')?.getValues()).toEqual([['Müller & Söhne Treuhand AG', '', '', '', '']]);
    expect(card.getFirstProperty('org')?.getValues()).toEqual([['Müller & Söhne Treuhand AG', 'Buchhaltung']]);
    expect(textOf(card, 'kind')).toBe(version === '4.0' ? 'org' : undefined);
    expect(textOf(card, 'url')).toBe('https://mueller-soehne.example.ch');
    expect(textOf(card, 'note')).toBe('Kunden-Nr.: K-010234');
  });

  it('writes a postal address (a type vCard 4.0 no longer has)', () => {
    expect(card.getFirstProperty('adr')?.getFirstValue()).toEqual(['Postfach 88', '', '', 'Zürich', 'ZH', '8021', 'CH']);
    expect(types(card, 'adr')).toEqual(version === '3.0' ? [['POSTAL']] : [[]]);
  });
});

describe('renderVcard: photo', () => {
  // Not a real JPEG: the renderer passes bytes through; 3 KB makes many folded lines.
  const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 37) % 256));
  const withPhoto = person({ photo: { mimeType: 'image/jpeg', data: bytes } });

  it('3.0: inline PHOTO;ENCODING=b;TYPE=JPEG with the exact bytes', () => {
    const { text, card } = render(withPhoto, '3.0');
    const photo = card.getFirstProperty('photo');
    expect(photo?.getParameter('encoding')).toBe('b');
    expect(photo?.getParameter('type')).toBe('JPEG');
    expect(Buffer.from(String(photo?.getFirstValue()), 'base64')).toEqual(bytes);
    expect(text).toContain('\r\nPHOTO;ENCODING=b;TYPE=JPEG:');
  });

  it('4.0: a data: URI with the exact bytes', () => {
    const { card } = render(withPhoto, '4.0');
    const uri = String(card.getFirstPropertyValue('photo'));
    expect(uri.startsWith('data:image/jpeg;base64,')).toBe(true);
    expect(Buffer.from(uri.slice('data:image/jpeg;base64,'.length), 'base64')).toEqual(bytes);
  });
});

describe('renderVcard: names and fallbacks', () => {
  it('keeps Italian apostrophes and leaves the salutation out of the name', () => {
    const { card } = render(
      person({ salutation: 'Herr', academicTitle: null, firstName: 'Niccolò', lastName: "D'Alessandro", companyName: null, department: null }),
      '3.0',
    );
    expect(textOf(card, 'fn')).toBe("Niccolò D'Alessandro");
    expect(card.getFirstProperty('n')?.getValues()).toEqual([["D'Alessandro", 'Niccolò', '', '', '']]);
    expect(card.hasProperty('org')).toBe(false);
  });

  it('never writes an empty FN', () => {
    const nameless = person({ firstName: null, lastName: null, academicTitle: null, companyName: null, department: null });
    expect(textOf(render(nameless, '3.0').card, 'fn')).toBe('K-010235');
    expect(textOf(render({ ...nameless, customerNo: null }, '4.0').card, 'fn')).toBe('Kontakt 4712');
  });

  it('skips a malformed birthday and empty entries', () => {
    const { card } = render(
      person({
        birthday: '1978-13-01',
        phones: [{ kind: 'work', number: '  ', isPrimary: true }],
        emails: [],
        addresses: [{ kind: 'home', street: null, poBox: null, postalCode: null, city: null, region: null, countryCode: null }],
        categories: [' '],
        notes: null,
        customerNo: null,
        website: null,
      }),
      '4.0',
    );
    for (const name of ['bday', 'tel', 'email', 'adr', 'categories', 'note', 'x-brokerstar-customer-no', 'url']) {
      expect(propertyNames(card), name).not.toContain(name);
    }
  });

  it('writes the 4.0 birthday and REV in basic format and the UID as text', () => {
    const { text } = render(person(), '4.0');
    expect(text).toContain('\r\nBDAY:19780228\r\n');
    expect(text).toContain('\r\nREV:20250203T101530Z\r\n');
    expect(text).toContain('\r\nUID;VALUE=text:brokerstar-contact-4712\r\n');
  });
});
