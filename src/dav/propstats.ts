// Evaluates requested properties on a target into propstats (RFC 4918 §9.1): defined values in a
// 200 propstat, unknown or undefined ones as empty elements in a 404 propstat.
import { properties } from './properties/index.js';
import type { PropertySources, PropTarget, XmlValue } from './properties/registry.js';
import type { ClarkName } from './xml/names.js';
import type { PropStat } from './xml/multistatus.js';
import type { XmlElement } from './xml/parse.js';
import type { XmlNode } from './xml/write.js';

export type PropRequest =
  | { readonly type: 'prop'; readonly props: readonly XmlElement[] }
  | { readonly type: 'allprop'; readonly include: readonly XmlElement[] }
  | { readonly type: 'propname' };

/** Values computed by the caller instead of the registry (calendar-data, address-data in REPORTs). */
export type ExtraProps = ReadonlyMap<ClarkName, (target: PropTarget, requested: XmlElement) => XmlValue | undefined>;

const bare = (name: ClarkName): XmlElement => ({ name, attrs: new Map(), children: [], text: '' });

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as Promise<T>)?.then === 'function';
}

export async function propstatsFor(target: PropTarget, request: PropRequest, ctx: PropertySources, extra?: ExtraProps): Promise<PropStat[]> {
  const kind = target.resource.kind;
  if (request.type === 'propname') {
    return [{ status: 200, props: properties.namesFor(kind, false).map((name) => ({ name })) }];
  }
  let wanted: readonly XmlElement[];
  if (request.type === 'allprop') {
    const names = new Set(properties.namesFor(kind, true));
    wanted = [...[...names].map(bare), ...request.include.filter((i) => !names.has(i.name))];
  } else {
    wanted = request.props;
  }
  const found: XmlNode[] = [];
  const missing: XmlNode[] = [];
  for (const el of wanted) {
    const computed = extra?.get(el.name);
    let value: XmlValue | undefined;
    if (computed) {
      value = computed(target, el);
    } else {
      const def = properties.get(el.name);
      if (def && def.on.includes(kind)) {
        const v = def.get(target, ctx, el);
        value = isPromise(v) ? await v : v;
      }
    }
    if (value === undefined) missing.push({ name: el.name });
    else found.push({ name: el.name, ...value });
  }
  const out: PropStat[] = [];
  if (found.length) out.push({ status: 200, props: found });
  // allprop lists only what exists; a 404 propstat there would be noise.
  if (missing.length && request.type === 'prop') out.push({ status: 404, props: missing });
  return out;
}
