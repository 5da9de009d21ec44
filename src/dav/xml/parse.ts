// Namespace-aware XML request parsing into a small element tree with Clark names (RFC 4918 §14:
// clients use any prefix or a default namespace; code never sees one). DOCTYPE is refused
// (entity expansion attacks), CDATA reads as text (clients put sync tokens in CDATA).
import { SaxesParser } from 'saxes';
import { XML_LIMITS, XmlLimitError } from './limits.js';
import { clark, type ClarkName } from './names.js';

export { XML_LIMITS, XmlLimitError } from './limits.js';

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
  attrs: ReadonlyMap<string, string>;
  children: XmlElement[];
  text: string;
}

const NO_ATTRIBUTES: ReadonlyMap<string, string> = new Map();

/**
 * Parses a request body, stopping at the first error or limit (XML_LIMITS): every handler throws,
 * which unwinds out of saxes' write() at once. Noting an error and parsing on would let a deep body
 * keep the event loop busy (saxes resolves a prefix by walking every open element: quadratic).
 */
export function parseXml(source: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: Building[] = [];
  let root: XmlElement | undefined;
  let elements = 0;
  let attributesHere = 0;
  let namespaceDeclarations = 0;
  parser.on('error', (e) => {
    throw new XmlParseError(e.message.split('\n')[0] ?? 'malformed XML');
  });
  parser.on('doctype', () => {
    throw new XmlParseError('DOCTYPE is not allowed');
  });
  // Before the tag's namespaces are resolved, so a too-deep element costs nothing.
  parser.on('opentagstart', (tag) => {
    if (stack.length >= XML_LIMITS.depth) throw new XmlLimitError('depth', `XML nested deeper than ${XML_LIMITS.depth} levels`);
    if (++elements > XML_LIMITS.elements) throw new XmlLimitError('elements', `more than ${XML_LIMITS.elements} XML elements`);
    if (tag.name.length > XML_LIMITS.nameLength) throw new XmlLimitError('nameLength', `an XML name longer than ${XML_LIMITS.nameLength} characters`);
    attributesHere = 0;
  });
  parser.on('attribute', (a) => {
    if (++attributesHere > XML_LIMITS.attributesPerElement) {
      throw new XmlLimitError('attributesPerElement', `more than ${XML_LIMITS.attributesPerElement} attributes on one element`);
    }
    if (a.name.length > XML_LIMITS.nameLength) throw new XmlLimitError('nameLength', `an XML name longer than ${XML_LIMITS.nameLength} characters`);
    if (a.value.length > XML_LIMITS.attributeValueLength) {
      throw new XmlLimitError('attributeValueLength', `an attribute value longer than ${XML_LIMITS.attributeValueLength} characters`);
    }
    if ((a.name === 'xmlns' || a.name.startsWith('xmlns:')) && ++namespaceDeclarations > XML_LIMITS.namespaceDeclarations) {
      throw new XmlLimitError('namespaceDeclarations', `more than ${XML_LIMITS.namespaceDeclarations} namespace declarations`);
    }
  });
  parser.on('opentag', (tag) => {
    // Most elements have no attributes: they share one empty map (the tree is read-only).
    let attrs = NO_ATTRIBUTES;
    if (attributesHere > 0) {
      const own = new Map<string, string>();
      for (const a of Object.values(tag.attributes)) {
        if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
        own.set(a.uri ? clark(a.uri, a.local) : a.local, a.value);
      }
      attrs = own;
    }
    stack.push({ name: clark(tag.uri ?? '', tag.local ?? tag.name), attrs, children: [], text: '' });
  });
  const onText = (t: string) => {
    const top = stack[stack.length - 1];
    if (!top) return;
    if (top.text.length + t.length > XML_LIMITS.textLength) {
      throw new XmlLimitError('textLength', `more than ${XML_LIMITS.textLength} characters of text in one element`);
    }
    top.text += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const done = stack.pop();
    if (!done) return;
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(done);
    else root = done;
  });
  try {
    parser.write(source).close();
  } catch (e) {
    if (e instanceof XmlParseError || e instanceof XmlLimitError) throw e;
    throw new XmlParseError((e as Error).message.split('\n')[0] ?? 'malformed XML');
  }
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
