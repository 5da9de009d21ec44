// CARDDAV:address-data sub-requests (RFC 6352 §10.4): the vCard version asked for and the
// properties to return. Works on the rendered text line by line, so kept lines stay byte-identical.
import { badRequest, supportedAddressData } from '../dav-error.js';
import { NS, splitClark } from '../xml/names.js';
import type { XmlElement } from '../xml/parse.js';

export interface AddressDataProp {
  /** Upper-case property name, without a group prefix. */
  readonly name: string;
  /** novalue="yes": name and parameters only, then ':' (RFC 6352 §10.4.2). */
  readonly novalue: boolean;
}

export interface AddressDataRequest {
  /** The vCard version the store renders bodies in. */
  readonly version: '3.0' | '4.0';
  /** null: the whole card (no prop children, or CARDDAV:allprop). */
  readonly props: readonly AddressDataProp[] | null;
}

const invalid = (why: string) => badRequest(`CARDDAV:address-data: ${why}`);

/**
 * Parses CARDDAV:address-data. content-type must be text/vcard and version 3.0 or 4.0 (the
 * defaults are text/vcard 3.0), else 403 CARDDAV:supported-address-data.
 */
export function parseAddressData(el: XmlElement): AddressDataRequest {
  const contentType = el.attrs.get('content-type') ?? 'text/vcard';
  const version = (el.attrs.get('version') ?? '3.0').trim();
  if (contentType.split(';')[0]!.trim().toLowerCase() !== 'text/vcard' || (version !== '3.0' && version !== '4.0')) {
    throw supportedAddressData(`${contentType} version ${version}; text/vcard 3.0 or 4.0 is served`);
  }
  const kids = el.children.filter((c) => splitClark(c.name).ns === NS.CARDDAV);
  let all = false;
  const props: AddressDataProp[] = [];
  for (const k of kids) {
    const local = splitClark(k.name).local;
    if (local === 'allprop') {
      all = true;
    } else if (local === 'prop') {
      const name = k.attrs.get('name')?.trim();
      if (!name) throw invalid('CARDDAV:prop needs a name');
      const novalue = k.attrs.get('novalue') ?? 'no';
      if (novalue !== 'yes' && novalue !== 'no') throw invalid(`novalue="${novalue}" is neither yes nor no`);
      props.push({ name: baseName(name), novalue: novalue === 'yes' });
    } else {
      throw invalid(`CARDDAV:${local} is not allowed in address-data`);
    }
  }
  if (all && props.length) throw invalid('allprop and prop exclude each other');
  return { version, props: all || props.length === 0 ? null : props };
}

/** "item1.EMAIL" → "EMAIL". */
function baseName(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot >= 0 ? name.slice(dot + 1) : name).toUpperCase();
}

/** Always returned, whatever was asked (RFC 6352 §10.4.2). */
const ALWAYS = new Set(['BEGIN', 'END', 'VERSION', 'UID']);

/** The index of the ':' that ends name and parameters (colons inside quoted values don't count). */
function valueColon(line: string): number {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === ':' && !quoted) return i;
  }
  return -1;
}

/** Folds a content line at 75 octets without splitting a UTF-8 sequence (RFC 6350 §3.2). */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch);
    const limit = out.length === 0 ? 75 : 74; // continuation lines start with a space
    if (octets + n > limit) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += n;
  }
  out.push(current);
  return out.join('\r\n ');
}

/**
 * The address-data value: the body untouched without a property list, else BEGIN/END/VERSION/UID
 * and the listed properties (any group, case-insensitive), in the body's order and folding.
 */
export function applyAddressData(body: string, req: AddressDataRequest): string {
  if (req.props === null) return body;
  const wanted = new Map(req.props.map((p) => [p.name, p.novalue]));
  const physical = body.split(/\r\n|\n|\r/);
  const kept: string[] = [];
  for (let i = 0; i < physical.length; ) {
    let end = i + 1;
    while (end < physical.length && /^[ \t]/.test(physical[end]!)) end++;
    const lines = physical.slice(i, end);
    i = end;
    const first = lines[0]!;
    if (first === '') continue;
    const unfolded = lines.map((l, k) => (k === 0 ? l : l.slice(1))).join('');
    const nameEnd = unfolded.search(/[;:]/);
    const name = baseName(nameEnd >= 0 ? unfolded.slice(0, nameEnd) : unfolded);
    if (ALWAYS.has(name)) {
      kept.push(...lines);
      continue;
    }
    const novalue = wanted.get(name);
    if (novalue === undefined) continue;
    if (!novalue) kept.push(...lines);
    else {
      const colon = valueColon(unfolded);
      kept.push(foldLine(colon >= 0 ? unfolded.slice(0, colon + 1) : `${unfolded}:`));
    }
  }
  return `${kept.join('\r\n')}\r\n`;
}
