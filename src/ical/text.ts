// Content lines shared by iCalendar and vCard: escaping, parameters, 75-octet folding (RFC 5545 §3.1-3.3, RFC 6868).

export const CRLF = '\r\n';

/** Longest physical line in octets, excluding the CRLF (RFC 5545 §3.1, RFC 6350 §3.2). */
export const MAX_LINE_OCTETS = 75;

// Control characters cannot be carried in TEXT or parameter values (RFC 5545 §3.3.11 TSAFE-CHAR,
// §3.1 SAFE-CHAR); HTAB is allowed. CR and LF are handled as line breaks before this applies.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
// Unpaired UTF-16 surrogates would become U+FFFD on encoding anyway; do it here so octet counts agree.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const LINE_BREAK = /\r\n|\r|\n/g;

function clean(value: string): string {
  return value.replace(LONE_SURROGATE, '\uFFFD').replace(CONTROL, '');
}

/**
 * An iCalendar TEXT value, or one component of a vCard compound value (N, ADR, ORG): backslash,
 * semicolon, comma and line breaks escaped; control characters dropped.
 */
export function escapeText(value: string): string {
  return clean(value)
    .replace(/[\\;,]/g, (c) => `\\${c}`)
    .replace(LINE_BREAK, '\\n');
}

/**
 * A single-valued vCard text (FN, NOTE, TITLE) or one CATEGORIES item: backslash, comma and line
 * breaks escaped, the semicolon left as it is: RFC 6350 §3.3's `text` has no `\;` (only compound
 * components do), and ical.js (Thunderbird's parser) keeps `\;` as two characters in 3.0 cards too.
 * A bare `;` is no separator in a single-valued property.
 */
export function escapeVcardText(value: string): string {
  return clean(value)
    .replace(/[\\,]/g, (c) => `\\${c}`)
    .replace(LINE_BREAK, '\\n');
}

/**
 * A structured value (vCard N, ADR, ORG): each component escaped as TEXT and joined by `;`.
 * A component may itself be a list, joined by `,`.
 */
export function structuredText(components: readonly (string | readonly string[] | null | undefined)[]): string {
  return components
    .map((c) => (c == null ? '' : typeof c === 'string' ? escapeText(c) : c.map(escapeText).join(',')))
    .join(';');
}

/** A value that is not TEXT (URI, CAL-ADDRESS, DATE-TIME, RRULE): only unsafe characters removed. */
export function rawValue(value: string): string {
  return clean(value).replace(LINE_BREAK, '');
}

/**
 * A parameter value: RFC 6868 caret encoding for `^`, `"` and line breaks, then quoted when it
 * contains `:`, `;` or `,` (RFC 5545 §3.2).
 */
export function paramValue(value: string): string {
  const encoded = clean(value)
    .replace(/\^/g, '^^')
    .replace(/"/g, "^'")
    .replace(LINE_BREAK, '^n');
  return /[:;,]/.test(encoded) ? `"${encoded}"` : encoded;
}

/** Parameters in writing order; a list value becomes a comma-separated list of parameter values. */
export type Params = readonly (readonly [name: string, value: string | readonly string[]])[];

/** One logical content line `NAME;PARAM=VALUE:value`, unfolded. `value` must already be escaped. */
export function contentLine(name: string, value: string, params: Params = []): string {
  let line = name;
  for (const [param, v] of params) {
    line += `;${param}=${typeof v === 'string' ? paramValue(v) : v.map(paramValue).join(',')}`;
  }
  return `${line}:${value}`;
}

function octets(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/**
 * Folds one logical line into physical lines of at most 75 octets, joined by CRLF + space, never
 * inside a UTF-8 sequence (RFC 5545 §3.1: "SHOULD NOT split a multi-octet sequence"). The
 * continuation's leading space counts toward its 75 octets.
 */
export function foldLine(line: string): string {
  const size = Buffer.byteLength(line, 'utf8');
  if (size <= MAX_LINE_OCTETS) return line;
  if (size === line.length) {
    // ASCII only (base64 photos): slice instead of walking code points.
    const parts = [line.slice(0, MAX_LINE_OCTETS)];
    for (let i = MAX_LINE_OCTETS; i < line.length; i += MAX_LINE_OCTETS - 1) {
      parts.push(line.slice(i, i + MAX_LINE_OCTETS - 1));
    }
    return parts.join(`${CRLF} `);
  }
  let out = '';
  let used = 0;
  for (const ch of line) {
    const size = octets(ch.codePointAt(0) ?? 0);
    if (used + size > MAX_LINE_OCTETS) {
      out += `${CRLF} `;
      used = 1;
    }
    out += ch;
    used += size;
  }
  return out;
}

/**
 * Collects content lines for one iCalendar or vCard object. Pure string building: no I/O, cheap to
 * create per object, so thousands of objects can be rendered in a loop.
 */
export class ContentLines {
  private readonly lines: string[] = [];
  private readonly escape: (value: string) => string;

  /** `vcard` changes how `text()` escapes (see `escapeVcardText`). */
  constructor(format: 'icalendar' | 'vcard' = 'icalendar') {
    this.escape = format === 'vcard' ? escapeVcardText : escapeText;
  }

  /** A property whose value is already in its wire form (use `escapeText`/`rawValue` first). */
  add(name: string, value: string, params: Params = []): this {
    this.lines.push(foldLine(contentLine(name, value, params)));
    return this;
  }

  /** A TEXT property; nothing is written for null, undefined or an empty string. */
  text(name: string, value: string | null | undefined, params: Params = []): this {
    if (value == null || value === '') return this;
    return this.add(name, this.escape(value), params);
  }

  begin(component: string): this {
    this.lines.push(`BEGIN:${component}`);
    return this;
  }

  end(component: string): this {
    this.lines.push(`END:${component}`);
    return this;
  }

  /** Appends lines that are already folded (a cached VTIMEZONE block). */
  raw(block: string): this {
    for (const line of block.split(CRLF)) if (line !== '') this.lines.push(line);
    return this;
  }

  /** Every line terminated by CRLF, the last one included. */
  toString(): string {
    return this.lines.join(CRLF) + CRLF;
  }
}
