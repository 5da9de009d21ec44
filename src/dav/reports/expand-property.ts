// expand-property (RFC 3253 §3.8): for principal lookups, e.g. the calendar-proxy and
// group-membership queries iOS and macOS send. Each href-valued property is replaced by responses
// for the resources it names, with the nested properties.
import { propstatsFor } from '../propstats.js';
import type { PropertySources, PropTarget } from '../properties/registry.js';
import type { DavContext } from '../context.js';
import { propTargetOf, resolvePath } from '../resolve.js';
import { DAV } from '../xml/names.js';
import { childrenNamed, type XmlElement } from '../xml/parse.js';
import type { XmlNode } from '../xml/write.js';
import { MAX_PROPS, tooMuch } from './limits.js';
import { defineReport } from './types.js';

interface Wanted {
  readonly name: XmlElement;
  readonly nested: readonly Wanted[];
}

function parseWanted(el: XmlElement): Wanted[] {
  return childrenNamed(el, DAV.property).map((p) => {
    const ns = p.attrs.get('namespace') ?? 'DAV:';
    const local = p.attrs.get('name') ?? '';
    return { name: { name: `{${ns}}${local}`, attrs: new Map(), children: [], text: '' }, nested: parseWanted(p) };
  });
}

const MAX_LEVELS = 3;

async function expand(target: PropTarget, wanted: readonly Wanted[], ctx: DavContext, sources: PropertySources, level: number): Promise<XmlNode[]> {
  const found: XmlNode[] = [];
  const propstats = await propstatsFor(target, { type: 'prop', props: wanted.map((w) => w.name) }, sources);
  const ok = propstats.find((p) => p.status === 200)?.props ?? [];
  for (const w of wanted) {
    const value = ok.find((n) => n.name === w.name.name);
    if (!value) continue;
    const hrefs = (value.children ?? []).filter((c) => c.name === DAV.href).map((c) => c.text ?? '');
    if (w.nested.length === 0 || hrefs.length === 0 || level >= MAX_LEVELS) {
      found.push(value);
      continue;
    }
    const children: XmlNode[] = [];
    for (const h of hrefs) {
      const resource = await resolvePath(ctx, h).catch(() => undefined);
      if (!resource) {
        children.push({ name: DAV.response, children: [{ name: DAV.href, text: h }, { name: DAV.status, text: 'HTTP/1.1 404 Not Found' }] });
        continue;
      }
      const t = await propTargetOf(ctx, resource).catch(() => undefined);
      if (!t) continue;
      const nested = await expand(t, w.nested, ctx, sources, level + 1);
      children.push({ name: DAV.response, children: [{ name: DAV.href, text: h }, { name: DAV.propstat, children: [{ name: DAV.prop, children: nested }, { name: DAV.status, text: 'HTTP/1.1 200 OK' }] }] });
    }
    found.push({ name: w.name.name, children });
  }
  return found;
}

/** Every DAV:property at any level counts: each may multiply the answer by its hrefs. */
function countWanted(wanted: readonly Wanted[]): number {
  return wanted.reduce((n, w) => n + 1 + countWanted(w.nested), 0);
}

export const expandProperty = defineReport<Wanted[]>({
  name: DAV.expandProperty,
  supportedOn: (t) => t.kind !== 'calendar-object' && t.kind !== 'address-object',
  parse(root) {
    const wanted = parseWanted(root);
    if (countWanted(wanted) > MAX_PROPS) throw tooMuch(`more than ${MAX_PROPS} properties in one expand-property`);
    return wanted;
  },
  async run(wanted, target, ctx, sources) {
    const t = await propTargetOf(ctx, target);
    const found = await expand(t, wanted, ctx, sources, 0);
    const missing = wanted.filter((w) => !found.some((f) => f.name === w.name.name)).map((w) => ({ name: w.name.name }));
    return {
      responses: [
        {
          href: ctx.req.path,
          propstats: [
            { status: 200, props: found },
            { status: 404, props: missing },
          ],
        },
      ],
    };
  },
});
