// Namespace-aware XML request parsing into a small element tree with Clark names (RFC 4918 §14:
// clients use any prefix or a default namespace; code never sees one). DOCTYPE is refused
// (entity expansion attacks), CDATA reads as text (clients put sync tokens in CDATA).
import { SaxesParser } from 'saxes';
import { clark, type ClarkName } from './names.js';

export interface XmlElement {
  readonly name: ClarkName;
  /** Attributes without namespace are keyed by their local name, others by Clark name. */
  readonly attrs: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** Concatenated text content of this element (not of its children). */
  readonly text: string;
}

export class XmlParseError extends Error {
  override readonly name = 'XmlParseError';
}

interface Building {
  name: ClarkName;
  attrs: Map<string, string>;
  children: XmlElement[];
  text: string;
}

const MAX_DEPTH = 64;

export function parseXml(source: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: Building[] = [];
  let root: XmlElement | undefined;
  let error: Error | undefined;
  parser.on('error', (e) => {
    error ??= e;
  });
  parser.on('doctype', () => {
    error ??= new XmlParseError('DOCTYPE is not allowed');
  });
  parser.on('opentag', (tag) => {
    if (stack.length >= MAX_DEPTH) {
      error ??= new XmlParseError('XML nested too deeply');
      return;
    }
    const attrs = new Map<string, string>();
    for (const a of Object.values(tag.attributes)) {
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      attrs.set(a.uri ? clark(a.uri, a.local) : a.local, a.value);
    }
    stack.push({ name: clark(tag.uri ?? '', tag.local ?? tag.name), attrs, children: [], text: '' });
  });
  const onText = (t: string) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const done = stack.pop();
    if (!done) return;
    const el: XmlElement = { name: done.name, attrs: done.attrs, children: done.children, text: done.text };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
  });
  try {
    parser.write(source).close();
  } catch (e) {
    error ??= e as Error;
  }
  if (error) throw new XmlParseError(error.message.split('\n')[0] ?? 'malformed XML');
  if (!root) throw new XmlParseError('no root element');
  return root;
}

/** The first child with this name. */
export function child(el: XmlElement, name: ClarkName): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

export function childrenNamed(el: XmlElement, name: ClarkName): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** Text content, trimmed (hrefs, tokens). */
export function textOf(el: XmlElement | undefined): string {
  return (el?.text ?? '').trim();
}
