// Text matching for calendar-query and addressbook-query (RFC 4791 §9.7.5, RFC 6352 §10.5.4)
// under the collations of RFC 4790 §9 (i;octet, i;ascii-casemap) and RFC 5051 (i;unicode-casemap).
import type { DavError } from '../dav-error.js';
import type { XmlElement } from '../xml/parse.js';

export const COLLATIONS = ['i;octet', 'i;ascii-casemap', 'i;unicode-casemap'] as const;
export type Collation = (typeof COLLATIONS)[number];

export const MATCH_TYPES = ['equals', 'contains', 'starts-with', 'ends-with'] as const;
export type MatchType = (typeof MATCH_TYPES)[number];

/** A parsed CALDAV:/CARDDAV:text-match. */
export interface TextMatch {
  readonly text: string;
  readonly collation: Collation;
  /** CalDAV only knows substring matching; CardDAV adds the other three (RFC 6352 §10.5.4). */
  readonly matchType: MatchType;
  /** negate-condition="yes": the test succeeds when the text does NOT match. */
  readonly negate: boolean;
}

export const isCollation = (s: string): s is Collation => (COLLATIONS as readonly string[]).includes(s);
export const isMatchType = (s: string): s is MatchType => (MATCH_TYPES as readonly string[]).includes(s);

/**
 * The comparison key of a string under a collation. i;octet compares code units (the same as
 * UTF-8 octets for well-formed text); i;ascii-casemap folds a-z only, so "ß" or "É" stay as they
 * are; i;unicode-casemap folds case fully ("Straße" equals "STRASSE") and applies compatibility
 * normalisation (NFKC), an approximation of RFC 5051's titlecase + decomposition that keeps
 * "e" from matching inside "é".
 */
export function collationKey(collation: Collation, s: string): string {
  switch (collation) {
    case 'i;octet':
      return s;
    case 'i;ascii-casemap':
      return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
    case 'i;unicode-casemap':
      // Upper then lower approximates full case folding (ß → SS → ss); JS lower-cases a final
      // sigma contextually, so σ/ς are unified afterwards.
      return s.normalize('NFKC').toUpperCase().toLowerCase().replace(/ς/g, 'σ').normalize('NFKC');
  }
}

/** Does `value` satisfy the text-match (negate-condition applied)? */
export function textMatches(tm: TextMatch, value: string): boolean {
  const hay = collationKey(tm.collation, value);
  const needle = collationKey(tm.collation, tm.text);
  let hit: boolean;
  switch (tm.matchType) {
    case 'equals':
      hit = hay === needle;
      break;
    case 'contains':
      hit = hay.includes(needle);
      break;
    case 'starts-with':
      hit = hay.startsWith(needle);
      break;
    case 'ends-with':
      hit = hay.endsWith(needle);
      break;
  }
  return tm.negate ? !hit : hit;
}

export interface TextMatchSyntax {
  readonly defaultCollation: Collation;
  /** 400 for a malformed element. */
  readonly invalid: (why: string) => DavError;
  /** 403 for a collation the server does not offer. */
  readonly unsupportedCollation: (collation: string) => DavError;
}

/**
 * A text-match element: its text (untrimmed: the spaces are part of what is searched for),
 * `collation`, `negate-condition` and `match-type` (RFC 6352 §10.5.4; CalendarServer accepts it in
 * CalDAV queries too, so this parser does as well).
 */
export function parseTextMatch(el: XmlElement, syntax: TextMatchSyntax): TextMatch {
  const collation = el.attrs.get('collation') ?? syntax.defaultCollation;
  if (!isCollation(collation)) throw syntax.unsupportedCollation(collation);
  const negateRaw = el.attrs.get('negate-condition') ?? 'no';
  if (negateRaw !== 'yes' && negateRaw !== 'no') throw syntax.invalid(`negate-condition="${negateRaw}" is neither yes nor no`);
  const matchType = el.attrs.get('match-type') ?? 'contains';
  if (!isMatchType(matchType)) throw syntax.invalid(`match-type="${matchType}" is not one of ${MATCH_TYPES.join(', ')}`);
  if (el.children.length) throw syntax.invalid('text-match holds text only');
  return { text: el.text, collation, matchType, negate: negateRaw === 'yes' };
}
