import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import {
  ContentLines,
  contentLine,
  escapeText,
  escapeVcardText,
  foldLine,
  paramValue,
  rawValue,
  structuredText,
} from '../../../src/ical/text.js';
import { expectWellFormedLines, parse } from './fixtures.js';

const unfold = (folded: string) => folded.replace(/\r\n /g, '');
const physical = (folded: string) => folded.split('\r\n');
const octets = (s: string) => Buffer.byteLength(s, 'utf8');

/** The SUMMARY ical.js reads back from one event carrying `line`. */
function readBack(line: string): InstanceType<typeof ICAL.Property> {
  const text = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:1\r\n${line}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
  const prop = parse(text).getFirstSubcomponent('vevent')?.getFirstProperty('summary');
  if (!prop) throw new Error('no SUMMARY');
  return prop;
}

describe('escapeText (RFC 5545 §3.3.11)', () => {
  it.each([
    ['backslash', 'C:\\Daten\\Kunden', 'C:\\\\Daten\\\\Kunden'],
    ['semicolon', 'Gebäude; Inventar', 'Gebäude\\; Inventar'],
    ['comma', 'Müller, Meier', 'Müller\\, Meier'],
    ['LF', 'Zeile 1\nZeile 2', 'Zeile 1\\nZeile 2'],
    ['CRLF as one break', 'Zeile 1\r\nZeile 2', 'Zeile 1\\nZeile 2'],
    ['lone CR', 'Zeile 1\rZeile 2', 'Zeile 1\\nZeile 2'],
    ['colon and quotes unchanged', 'Termin: "Vorsorge"', 'Termin: "Vorsorge"'],
    ['control characters dropped, tab kept', 'a\u0000b\u0007c\td\u007f', 'abc\td'],
    ['backslash before n is not a line break', 'Pfad\\n', 'Pfad\\\\n'],
  ])('%s', (_name, input, expected) => {
    expect(escapeText(input)).toBe(expected);
  });

  it('round-trips through ical.js for every delimiter at once', () => {
    const text = 'Überprüfung; Gebäude, Inventar\\Archiv\nzweite Zeile: «ok»';
    expect(readBack(`SUMMARY:${escapeText(text)}`).getFirstValue()).toBe(text);
  });
});

describe('escapeVcardText (RFC 6350 §3.3 text)', () => {
  it('escapes backslash, comma and line breaks but keeps a semicolon bare', () => {
    expect(escapeVcardText('Préfère e-mail; pas avant 9h,\nmerci\\')).toBe('Préfère e-mail; pas avant 9h\\,\\nmerci\\\\');
  });

  it('round-trips through ical.js in a vCard NOTE', () => {
    const note = 'a;b, c\nd\\e';
    const card = parse(`BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nN:x;;;;\r\nNOTE:${escapeVcardText(note)}\r\nEND:VCARD\r\n`);
    expect(card.getFirstPropertyValue('note')).toBe(note);
  });
});

describe('structuredText', () => {
  it('escapes each component, joins with ; and lists with ,', () => {
    expect(structuredText(['Lefèvre; Dubois', 'Élodie', null, ['Dr.', 'Prof.'], undefined])).toBe(
      'Lefèvre\\; Dubois;Élodie;;Dr.,Prof.;',
    );
  });
});

describe('rawValue', () => {
  it('keeps URI delimiters but removes line breaks and controls, so no line can be injected', () => {
    expect(rawValue('https://x.example/a?b=1,2;c\r\nX-EVIL:1\u0001')).toBe('https://x.example/a?b=1,2;cX-EVIL:1');
  });
});

describe('paramValue (RFC 5545 §3.2, RFC 6868)', () => {
  it.each([
    ['plain text stays unquoted', 'Anna Müller', 'Anna Müller'],
    ['a comma needs quotes', 'Bézier, Jean-Luc', '"Bézier, Jean-Luc"'],
    ['a semicolon needs quotes', 'A;B', '"A;B"'],
    ['a colon needs quotes', 'mailto:x', '"mailto:x"'],
    ['double quote becomes ^\'', 'dit "JL"', "dit ^'JL^'"],
    ['caret becomes ^^', 'a^b', 'a^^b'],
    ['line break becomes ^n', 'a\nb', 'a^nb'],
  ])('%s', (_name, input, expected) => {
    expect(paramValue(input)).toBe(expected);
  });

  it('round-trips through ical.js', () => {
    const cn = 'Bézier, dit "JL" ^ Genève';
    const prop = readBack(contentLine('SUMMARY', 'x', [['X-CN', cn]]));
    expect(prop.getParameter('x-cn')).toBe(cn);
  });

  it('writes a list value as separate values, each quoted only when needed', () => {
    expect(contentLine('TEL', '+41', [['TYPE', ['WORK', 'VOICE']], ['X-A', ['a,b', 'c']]])).toBe('TEL;TYPE=WORK,VOICE;X-A="a,b",c:+41');
  });
});

describe('foldLine (RFC 5545 §3.1)', () => {
  it('leaves a line of exactly 75 octets alone', () => {
    const line = `SUMMARY:${'x'.repeat(67)}`;
    expect(octets(line)).toBe(75);
    expect(foldLine(line)).toBe(line);
  });

  it('folds ASCII into 75-octet lines whose continuations start with one space', () => {
    const line = `DESCRIPTION:${'abcdefghij'.repeat(20)}`;
    const folded = foldLine(line);
    const lines = physical(folded);
    expect(lines.map(octets)).toEqual([75, 75, 64]); // 212 octets = 75 + 74 + 63, plus a space on each continuation
    expect(lines.slice(1).every((l) => l.startsWith(' ') && !l.startsWith('  '))).toBe(true);
    expect(unfold(folded)).toBe(line);
  });

  it.each([
    ['2-octet ü', 'ü'],
    ['3-octet €', '€'],
    ['4-octet emoji', '😀'],
  ])('never splits a %s across lines, wherever it falls', (_name, ch) => {
    for (let shift = 0; shift < 8; shift++) {
      const line = `SUMMARY:${'a'.repeat(60 + shift)}${ch.repeat(40)}`;
      const folded = foldLine(line);
      expect(unfold(folded)).toBe(line);
      for (const l of physical(folded)) {
        expect(octets(l)).toBeLessThanOrEqual(75);
        // Every physical line is valid UTF-8 on its own: encoding and decoding it changes nothing.
        expect(Buffer.from(l, 'utf8').toString('utf8')).toBe(l);
        expect(/[\uD800-\uDFFF]/.test(l.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))).toBe(false);
      }
    }
  });

  it('folds a line of only multi-octet characters as full as possible', () => {
    const folded = foldLine(`X:${'ä'.repeat(100)}`);
    const lines = physical(folded);
    expect(octets(lines[0] ?? '')).toBe(74); // 'X:' + 36 × 2 octets; a 37th would make 76
    expect(lines.slice(1, -1).every((l) => octets(l) === 75)).toBe(true); // ' ' + 37 × 2
  });
});

describe('ContentLines', () => {
  it('writes CRLF after every line, folds, escapes TEXT and skips empty text', () => {
    const lines = new ContentLines()
      .begin('VCALENDAR')
      .add('VERSION', '2.0')
      .add('PRODID', '-//x//y//DE')
      .begin('VEVENT')
      .add('UID', 'u1')
      .text('SUMMARY', `Sitzung, Traktanden; ${'ö'.repeat(60)}`)
      .text('LOCATION', null)
      .text('DESCRIPTION', '')
      .end('VEVENT')
      .end('VCALENDAR')
      .toString();
    expectWellFormedLines(lines);
    const event = parse(lines).getFirstSubcomponent('vevent');
    expect(event?.getFirstPropertyValue('summary')).toBe(`Sitzung, Traktanden; ${'ö'.repeat(60)}`);
    expect(event?.hasProperty('location')).toBe(false);
    expect(event?.hasProperty('description')).toBe(false);
  });

  it('uses vCard escaping when made for vCards', () => {
    const card = new ContentLines('vcard').text('NOTE', 'a;b,c').toString();
    expect(card).toBe('NOTE:a;b\\,c\r\n');
  });

  it('appends an already folded block line by line', () => {
    const block = foldLine(`X-LONG:${'y'.repeat(100)}`);
    const out = new ContentLines().begin('A').raw(block).end('A').toString();
    expect(out).toBe(`BEGIN:A\r\n${block}\r\nEND:A\r\n`);
  });
});
