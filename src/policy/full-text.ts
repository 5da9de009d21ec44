// Keeping the full text of a subject or location cut at 150 characters (design.md §2): one marked
// line per field at the top of the description, where BrokerStar users see it.
import { singleLine } from './truncate.js';

/** Starts the description line that holds the full subject of an appointment whose SUBJECT was cut. */
export const FULL_SUBJECT_MARKER = 'Vollständiger Betreff: ';
/** Starts the description line that holds the full location of an appointment whose LOCATION was cut. */
export const FULL_LOCATION_MARKER = 'Vollständiger Ort: ';

const MARKERS = [FULL_SUBJECT_MARKER, FULL_LOCATION_MARKER] as const;

export interface FullText {
  readonly marker: (typeof MARKERS)[number];
  /** The text as the client sent it, before the cut. */
  readonly text: string;
}

/** One line: the full text as it went into the cut (line breaks as spaces), without outer blanks. */
export function markerLine(f: FullText): string {
  return `${f.marker}${singleLine(f.text).trim()}`;
}

const markerOf = (line: string) => MARKERS.find((m) => line.startsWith(m));

/**
 * The description (LF line breaks, may be '') with a marker line for each cut field at its top,
 * followed by a blank line. Marker lines already at the top are recognised: an identical one is not
 * added again (a client that re-read the stored version sends it back), one of the same field with
 * an older full text is replaced, and one of a field not cut now is left as the user sent it.
 */
export function withFullTexts(description: string, cut: readonly FullText[]): string {
  if (cut.length === 0) return description;
  const lines = description.split('\n');
  let n = 0;
  while (n < lines.length && markerOf(lines[n] ?? '') !== undefined) n++;
  const existing = lines.slice(0, n);
  const block: string[] = [];
  for (const marker of MARKERS) {
    const now = cut.find((f) => f.marker === marker);
    if (now) block.push(markerLine(now));
    else block.push(...existing.filter((l) => markerOf(l) === marker));
  }
  const rest = lines.slice(n).join('\n').replace(/^\n+/, '');
  return rest === '' ? block.join('\n') : `${block.join('\n')}\n\n${rest}`;
}
