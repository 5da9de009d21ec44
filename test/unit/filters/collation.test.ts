import { describe, expect, it } from 'vitest';
import { collationKey, textMatches, type TextMatch } from '../../../src/dav/filters/collation.js';

const tm = (text: string, rest: Partial<TextMatch> = {}): TextMatch => ({
  text,
  collation: 'i;ascii-casemap',
  matchType: 'contains',
  negate: false,
  ...rest,
});

describe('collations (RFC 4790 §9, RFC 5051)', () => {
  it('i;octet compares exactly', () => {
    expect(collationKey('i;octet', 'Straße')).toBe('Straße');
    expect(textMatches(tm('straße', { collation: 'i;octet' }), 'Straße')).toBe(false);
  });

  it('i;ascii-casemap folds a-z only', () => {
    expect(collationKey('i;ascii-casemap', 'Zürich straße')).toBe('ZüRICH STRAßE');
    expect(textMatches(tm('ZÜRICH'), 'Zürich')).toBe(false);
    expect(textMatches(tm('zürich'), 'ZüRICH')).toBe(true);
  });

  it('i;unicode-casemap folds full case and compatibility forms', () => {
    const u = (text: string, value: string) => textMatches(tm(text, { collation: 'i;unicode-casemap', matchType: 'equals' }), value);
    expect(u('STRASSE', 'Straße')).toBe(true);
    expect(u('ZÜRICH', 'zürich')).toBe(true);
    expect(u('zu\u0308rich', 'Zürich'), 'decomposed ü').toBe(true);
    expect(u('ﬁnanz', 'Finanz'), 'ligature').toBe(true);
    expect(u('ΟΔΟΣ', 'οδοσ'), 'final sigma').toBe(true);
    expect(textMatches(tm('e', { collation: 'i;unicode-casemap' }), 'é'), 'no accent stripping').toBe(false);
  });

  it('match types and negate-condition', () => {
    expect(textMatches(tm('an', { matchType: 'starts-with' }), 'Anna')).toBe(true);
    expect(textMatches(tm('an', { matchType: 'ends-with' }), 'Anna')).toBe(false);
    expect(textMatches(tm('NA', { matchType: 'ends-with' }), 'Anna')).toBe(true);
    expect(textMatches(tm('anna', { matchType: 'equals' }), 'Anna')).toBe(true);
    expect(textMatches(tm('nn', { negate: true }), 'Anna')).toBe(false);
    expect(textMatches(tm('', {}), 'anything'), 'the empty string is contained everywhere').toBe(true);
  });
});
