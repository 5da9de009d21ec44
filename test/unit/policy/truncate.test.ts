import { describe, expect, it } from 'vitest';
import { codePointLength, cutAt150 } from '../../../src/policy/truncate.js';
import { GERMAN_200 } from '../ical/fixtures.js';

const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}'; // 👨‍👩‍👧‍👦, 7 code points
const SWISS_FLAG = '\u{1F1E8}\u{1F1ED}'; // 🇨🇭, two regional indicators
const E_ACUTE = 'e\u0301'; // é decomposed, 2 code points
const a = (n: number) => 'a'.repeat(n);

describe('cutAt150', () => {
  it('leaves text of exactly 150 code points alone', () => {
    expect(cutAt150(a(150))).toEqual({ text: a(150), cut: false });
  });

  it('cuts text of 151 code points to 150', () => {
    expect(cutAt150(a(151))).toEqual({ text: a(150), cut: true });
  });

  it('counts code points, not UTF-16 units, as PostgreSQL varchar(150) does', () => {
    const grins = '\u{1F600}'.repeat(150); // 300 UTF-16 units
    expect(cutAt150(grins)).toEqual({ text: grins, cut: false });
    const more = cutAt150('\u{1F600}'.repeat(151));
    expect(more).toEqual({ text: grins, cut: true });
    expect(codePointLength(more.text)).toBe(150);
  });

  it('cuts long German text with umlauts and ß at 150 characters', () => {
    const { text, cut } = cutAt150(GERMAN_200);
    expect(cut).toBe(true);
    expect(text).toBe([...GERMAN_200].slice(0, 150).join(''));
    expect(text.startsWith('Jährliche Überprüfung der Sachversicherungen; Gebäude')).toBe(true);
    expect(text.endsWith('Haftpflicht einholen, Prämienv')).toBe(true);
    expect(codePointLength(text)).toBe(150);
  });

  it('never splits a ZWJ family: the whole sequence goes when it does not fit', () => {
    const text = a(145) + FAMILY + 'bbb'; // the family spans code points 146..152
    expect(cutAt150(text)).toEqual({ text: a(145), cut: true });
    expect(cutAt150(a(143) + FAMILY + 'bbb')).toEqual({ text: a(143) + FAMILY, cut: true });
  });

  it('never splits a flag into its regional indicators', () => {
    expect(cutAt150(a(149) + SWISS_FLAG)).toEqual({ text: a(149), cut: true });
    expect(cutAt150(a(148) + SWISS_FLAG + 'b')).toEqual({ text: a(148) + SWISS_FLAG, cut: true });
  });

  it('keeps a combining accent with its base letter', () => {
    expect(cutAt150(a(149) + E_ACUTE)).toEqual({ text: a(149), cut: true });
    expect(cutAt150(a(148) + E_ACUTE + 'b')).toEqual({ text: a(148) + E_ACUTE, cut: true });
    const cafe = `Caf${E_ACUTE}`.repeat(30); // 150 code points
    expect(cutAt150(cafe)).toEqual({ text: cafe, cut: false });
    expect(cutAt150(`${cafe}!`).text).toBe(cafe);
  });

  it('never leaves half a surrogate pair', () => {
    const { text } = cutAt150(a(149) + '\u{1F600}\u{1F600}');
    expect(text).toBe(a(149) + '\u{1F600}');
    expect(/[\uD800-\uDBFF]$/.test(text)).toBe(false);
  });

  it('takes another maximum', () => {
    expect(cutAt150('Zürich', 3)).toEqual({ text: 'Zür', cut: true });
  });
});
