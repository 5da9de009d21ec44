// Parses server answers in tests with xml2js (not the server's own parser, so a bug cannot cancel
// itself out): 207 bodies into href → status and properties, DAV:error bodies into their children.
import xml2js from 'xml2js';

export interface Node {
  /** Clark name: {namespace}local. */
  readonly name: string;
  readonly attrs: Record<string, string>;
  readonly children: Node[];
  readonly text: string;
}

interface RawNode {
  '#name': string;
  $ns?: { uri: string; local: string };
  $?: Record<string, { value: string; local: string; uri: string } | string>;
  $$?: RawNode[];
  _?: string;
}

function convert(raw: RawNode): Node {
  const name = raw.$ns ? `{${raw.$ns.uri}}${raw.$ns.local}` : `{}${raw['#name']}`;
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw.$ ?? {})) {
    if (typeof v === 'string') attrs[k] = v;
    else if (!k.startsWith('xmlns')) attrs[v.local || k] = v.value;
  }
  return { name, attrs, children: (raw.$$ ?? []).map(convert), text: raw._ ?? '' };
}

export async function parseXmlDocument(xml: string): Promise<Node> {
  const parsed = await xml2js.parseStringPromise(xml, {
    xmlns: true,
    explicitChildren: true,
    preserveChildrenOrder: true,
    explicitRoot: true,
    charsAsChildren: false,
    trim: false,
  });
  const rootName = Object.keys(parsed)[0]!;
  return convert({ ...parsed[rootName], '#name': rootName });
}

export const D = (local: string) => `{DAV:}${local}`;
export const C = (local: string) => `{urn:ietf:params:xml:ns:caldav}${local}`;
export const CR = (local: string) => `{urn:ietf:params:xml:ns:carddav}${local}`;
export const CS = (local: string) => `{http://calendarserver.org/ns/}${local}`;
export const A = (local: string) => `{http://apple.com/ns/ical/}${local}`;
export const BS = (local: string) => `{https://brokerstar-dav.ch/ns/}${local}`;

export const childNamed = (n: Node | undefined, name: string) => n?.children.find((c) => c.name === name);
export const childrenNamed = (n: Node | undefined, name: string) => n?.children.filter((c) => c.name === name) ?? [];

export interface PropValue {
  /** The status line of the propstat holding it, e.g. "HTTP/1.1 200 OK". */
  readonly status: string;
  readonly el: Node;
}

export interface ResponseEntry {
  readonly href: string;
  /** A bare response status (removed members, 404 hrefs), if any. */
  readonly status?: string;
  readonly props: Map<string, PropValue>;
  /** Status lines of the propstats, in document order (Thunderbird reads only the first). */
  readonly propstatStatuses: string[];
}

export interface Multistatus {
  readonly responses: Map<string, ResponseEntry>;
  /** In document order. */
  readonly hrefs: string[];
  readonly syncToken?: string;
}

export async function parseMultistatus(xml: string): Promise<Multistatus> {
  const root = await parseXmlDocument(xml);
  if (root.name !== D('multistatus')) throw new Error(`not a multistatus: ${root.name}`);
  const responses = new Map<string, ResponseEntry>();
  const hrefs: string[] = [];
  for (const r of childrenNamed(root, D('response'))) {
    const href = childNamed(r, D('href'))?.text.trim() ?? '';
    const props = new Map<string, PropValue>();
    const propstatStatuses: string[] = [];
    for (const ps of childrenNamed(r, D('propstat'))) {
      const status = childNamed(ps, D('status'))?.text.trim() ?? '';
      propstatStatuses.push(status);
      for (const p of childNamed(ps, D('prop'))?.children ?? []) props.set(p.name, { status, el: p });
    }
    const status = childNamed(r, D('status'))?.text.trim();
    hrefs.push(href);
    responses.set(href, { href, ...(status ? { status } : {}), props, propstatStatuses });
  }
  const token = childNamed(root, D('sync-token'))?.text.trim();
  return { responses, hrefs, ...(token ? { syncToken: token } : {}) };
}

/** The value text of a property found with status 200, or undefined. */
export function propText(entry: ResponseEntry | undefined, name: string): string | undefined {
  const p = entry?.props.get(name);
  return p && p.status.includes(' 200 ') ? p.el.text : undefined;
}

/** Hrefs inside a property (e.g. current-user-principal). */
export function propHrefs(entry: ResponseEntry | undefined, name: string): string[] {
  const p = entry?.props.get(name);
  return p ? childrenNamed(p.el, D('href')).map((h) => h.text.trim()) : [];
}

/** Clark names of the children of a DAV:error body. */
export async function errorConditions(xml: string): Promise<string[]> {
  const root = await parseXmlDocument(xml);
  if (root.name !== D('error')) throw new Error(`not a DAV:error: ${root.name}`);
  return root.children.map((c) => c.name);
}
