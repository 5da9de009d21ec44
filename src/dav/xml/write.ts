// XML output: one prefix table declared on the root element; a namespace outside it (a client
// asked for someone else's property) is declared on the element that uses it.
import { NS, splitClark, type ClarkName } from './names.js';
import { escapeAttr, escapeXml } from '../../text/xml-escape.js';

/** A node to serialise: an element with optional attributes, text or children. */
export interface XmlNode {
  readonly name: ClarkName;
  readonly attrs?: Readonly<Record<string, string>>;
  readonly text?: string;
  readonly children?: readonly XmlNode[];
  /** Pre-escaped XML (for large bodies built elsewhere); placed after `text`. */
  readonly raw?: string;
}

export const PREFIXES: ReadonlyMap<string, string> = new Map([
  [NS.DAV, 'd'],
  [NS.CALDAV, 'cal'],
  [NS.CARDDAV, 'card'],
  [NS.CS, 'cs'],
  [NS.APPLE, 'ical'],
  [NS.BS, 'bs'],
]);

export const ROOT_XMLNS = [...PREFIXES].map(([ns, p]) => `xmlns:${p}="${ns}"`).join(' ');

/** `d:getetag`, or `x:local` plus the declaration it needs for a namespace outside the table. */
function qualify(name: ClarkName): { tag: string; decl: string } {
  const { ns, local } = splitClark(name);
  const prefix = PREFIXES.get(ns);
  if (prefix) return { tag: `${prefix}:${local}`, decl: '' };
  if (ns === '') return { tag: local, decl: '' };
  return { tag: `x:${local}`, decl: ` xmlns:x="${escapeAttr(ns)}"` };
}

// Every response of a 5,000-member answer names the same few elements: qualify each name once.
const qualified = new Map<ClarkName, { tag: string; decl: string }>();
function qualifyCached(name: ClarkName): { tag: string; decl: string } {
  let q = qualified.get(name);
  if (!q) {
    q = qualify(name);
    // Names come from clients too (unknown properties): keep the memo bounded.
    if (qualified.size < 10_000) qualified.set(name, q);
  }
  return q;
}

export function renderNode(node: XmlNode): string {
  const { tag, decl } = qualifyCached(node.name);
  let attrs = decl;
  if (node.attrs) for (const k in node.attrs) attrs += ` ${k}="${escapeAttr(node.attrs[k]!)}"`;
  let inner = node.text !== undefined ? escapeXml(node.text) : '';
  if (node.raw !== undefined) inner += node.raw;
  if (node.children) for (const child of node.children) inner += renderNode(child);
  return inner ? `<${tag}${attrs}>${inner}</${tag}>` : `<${tag}${attrs}/>`;
}

export function renderDocument(root: XmlNode): string {
  const { tag } = qualifyCached(root.name);
  const body = renderNode(root);
  // Put the prefix table on the root element.
  return `<?xml version="1.0" encoding="utf-8"?>\n${body.replace(`<${tag}`, `<${tag} ${ROOT_XMLNS}`)}`;
}

export const el = (name: ClarkName, ...children: XmlNode[]): XmlNode => ({ name, children });
export const textEl = (name: ClarkName, text: string): XmlNode => ({ name, text });
