// The 150-character cut of subjects and locations written back by clients (design.md §2): at most
// `max` Unicode code points, as PostgreSQL's varchar(150) counts them, and only at an extended
// grapheme cluster boundary (Unicode UAX #29), so no character the user sees is split.

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

/** Code points, not UTF-16 units: `'😀'.length` is 2, PostgreSQL counts 1. */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Subject and location are one line in BrokerStar: a run of CR/LF (with the blanks around it)
 * becomes one space, and a text that had line breaks loses its outer blanks. Text without line
 * breaks is returned as is, so a stored value sent back unchanged stays unchanged.
 */
export function singleLine(text: string): string {
  return /[\r\n]/.test(text) ? text.replace(/\s*[\r\n]+\s*/g, ' ').trim() : text;
}

/**
 * `text` unchanged when it has at most `max` code points; otherwise the longest prefix of whole
 * grapheme clusters (a surrogate pair, `e` + U+0301, a ZWJ family, a flag's two regional
 * indicators) with at most `max` code points. A single cluster longer than `max` yields ''.
 */
export function cutAt150(text: string, max = 150): { text: string; cut: boolean } {
  if (codePointLength(text) <= max) return { text, cut: false };
  let used = 0;
  let end = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    const size = codePointLength(segment);
    if (used + size > max) break;
    used += size;
    end = index + segment.length;
  }
  return { text: text.slice(0, end), cut: true };
}
