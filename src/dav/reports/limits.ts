// Limits on what one PROPFIND or REPORT may ask for, so the answer stays proportionate to the
// request: each requested property is echoed in every member's response (as a 404 when unknown),
// so 20,000 unknown properties on a Depth 1 listing made a 142 MB answer from a 209 KB request.
// Counts past a limit are a 413 (RFC 9110 §15.5.14: more than the server is willing to process).
import { DavError, badRequest } from '../dav-error.js';
import type { XmlElement } from '../xml/parse.js';

/** Distinct properties per request; real clients ask for at most a few dozen. */
export const MAX_PROPS = 200;
/**
 * Characters of all requested property names together (Clark names; iOS's largest PROPFIND has
 * about 1,500). This bounds what each response echoes: a 404 for every unknown name is at most
 * about 11 KB per member, so the answer is at most members × that, whatever the client asks.
 */
export const MAX_PROP_NAME_CHARS = 8_192;
/** hrefs per multiget: clients send batches of 10 (DAVx5), 100 (Outlook) or 500 (Thunderbird). */
export const MAX_HREFS = 2_000;
/** The largest DAV:nresults honoured; a larger limit is no limit (a collection never has more). */
export const MAX_NRESULTS = 1_000_000;

/** The answer to a request past one of these limits. */
export const tooMuch = (why: string) => new DavError(413, why);

/** The requested properties, each name once (a repeated name is answered once), within the limits. */
export function limitedProps(props: readonly XmlElement[]): XmlElement[] {
  const seen = new Set<string>();
  const out: XmlElement[] = [];
  let chars = 0;
  for (const p of props) {
    if (seen.has(p.name)) continue;
    seen.add(p.name);
    chars += p.name.length;
    if (out.length >= MAX_PROPS) throw tooMuch(`more than ${MAX_PROPS} properties in one request`);
    if (chars > MAX_PROP_NAME_CHARS) throw tooMuch(`property names longer than ${MAX_PROP_NAME_CHARS} characters together`);
    out.push(p);
  }
  return out;
}

export function limitedHrefs(hrefs: readonly string[]): readonly string[] {
  if (hrefs.length > MAX_HREFS) throw tooMuch(`more than ${MAX_HREFS} hrefs in one multiget`);
  return hrefs;
}

/**
 * DAV:nresults / CARDDAV:nresults: a positive whole number (400 otherwise), clamped to
 * MAX_NRESULTS so that 1e300 is "no limit" rather than a number the database cannot hold.
 */
export function parseNresults(text: string, what: string): number {
  // Digits only (xs:positiveInteger); a number too long for a double still is one (Infinity).
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 1)) throw badRequest(`${what} needs a positive whole number, got "${text.slice(0, 40)}"`);
  return Math.min(n, MAX_NRESULTS);
}
