// The DAV:prop part of a REPORT body (multiget, query, sync-collection): which properties to
// return for each member.
import { badRequest } from '../dav-error.js';
import type { PropRequest } from '../propstats.js';
import { DAV } from '../xml/names.js';
import { child, type XmlElement } from '../xml/parse.js';
import { limitedProps } from './limits.js';

export function reportPropRequest(root: XmlElement): PropRequest {
  const prop = child(root, DAV.prop);
  if (prop) return { type: 'prop', props: limitedProps(prop.children) };
  if (child(root, DAV.propname)) return { type: 'propname' };
  if (child(root, DAV.allprop)) return { type: 'allprop', include: [] };
  // RFC 6578 requires DAV:prop for sync-collection; the query reports allow none at all. Treat a
  // missing one as getetag only, which is what every client wants when it omits it.
  return { type: 'prop', props: [{ name: DAV.getetag, attrs: new Map(), children: [], text: '' }] };
}

export const propsOf = (r: PropRequest): readonly XmlElement[] => (r.type === 'prop' ? r.props : []);

export function requireChild(root: XmlElement, name: Parameters<typeof child>[1], what: string): XmlElement {
  const c = child(root, name);
  if (!c) throw badRequest(`${what} is missing`);
  return c;
}
