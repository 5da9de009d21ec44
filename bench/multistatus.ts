// Reads a 207 Multi-Status answer into a compact summary with a streaming, namespace-aware parser
// (saxes), so a 50 MB answer is checked without building a tree: each response's href, bare
// status, and per property its propstat status, text length, child elements and nested hrefs.
import { SaxesParser } from 'saxes';

export const NS = {
  DAV: 'DAV:',
  CALDAV: 'urn:ietf:params:xml:ns:caldav',
  CARDDAV: 'urn:ietf:params:xml:ns:carddav',
  CS: 'http://calendarserver.org/ns/',
  APPLE: 'http://apple.com/ns/ical/',
} as const;

export const clark = (ns: string, local: string) => `{${ns}}${local}`;
export const D = (local: string) => clark(NS.DAV, local);
export const C = (local: string) => clark(NS.CALDAV, local);
export const CR = (local: string) => clark(NS.CARDDAV, local);
export const CS = (local: string) => clark(NS.CS, local);

export interface PropValue {
  /** Status of the propstat the property was in. */
  readonly status: number;
  /** Own text, trimmed; cut at 512 characters unless the property is in `keepText`. */
  readonly text: string;
  /** Length of the untrimmed own text (calendar-data, address-data). */
  readonly length: number;
  /** Child element names (Clark), with a `name` attribute appended as `[VEVENT]`. */
  readonly children: readonly string[];
  /** Texts of DAV:href elements anywhere inside. */
  readonly hrefs: readonly string[];
}

export interface ResponseSummary {
  readonly href: string;
  /** A bare response status (removed members, 404 multiget hrefs, 507). */
  readonly status: number | undefined;
  readonly props: ReadonlyMap<string, PropValue>;
}

export interface MultistatusSummary {
  readonly responses: ResponseSummary[];
  readonly syncToken: string | undefined;
}

const statusOf = (line: string) => {
  const m = /^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(line.trim());
  return m ? Number(m[1]) : 0;
};

interface PropBuilding {
  name: string;
  text: string;
  length: number;
  children: string[];
  hrefs: string[];
}

export class MultistatusError extends Error {}

export function parseMultistatus(body: Buffer | string, keepText: ReadonlySet<string> = new Set()): MultistatusSummary {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: string[] = [];
  const responses: ResponseSummary[] = [];
  let syncToken: string | undefined;
  let error: Error | undefined;
  let text = '';
  // Current response
  let href = '';
  let bareStatus: number | undefined;
  let props = new Map<string, PropValue>();
  // Current propstat
  let pending: PropBuilding[] = [];
  let propstatStatus = 0;
  let prop: PropBuilding | undefined;
  let hrefInProp = '';

  parser.on('error', (e) => {
    error ??= e;
  });
  parser.on('opentag', (tag) => {
    const name = clark(tag.uri ?? '', tag.local ?? tag.name);
    stack.push(name);
    const depth = stack.length;
    text = '';
    if (depth === 2 && name === D('response')) {
      href = '';
      bareStatus = undefined;
      props = new Map();
    } else if (depth === 3 && name === D('propstat')) {
      pending = [];
      propstatStatus = 0;
    } else if (depth === 5 && stack[2] === D('propstat') && stack[3] === D('prop')) {
      prop = { name, text: '', length: 0, children: [], hrefs: [] };
    } else if (depth === 6 && prop) {
      const attr = tag.attributes['name'];
      const nameAttr = attr && typeof attr === 'object' ? attr.value : undefined;
      prop.children.push(nameAttr ? `${name}[${nameAttr}]` : name);
    }
    if (depth > 5 && prop && name === D('href')) hrefInProp = '';
  });
  const onText = (t: string) => {
    const depth = stack.length;
    if (depth === 5 && prop) {
      prop.length += t.length;
      if (keepText.has(prop.name) || prop.text.length < 512) prop.text += t;
    } else if (depth > 5 && prop && stack[depth - 1] === D('href')) {
      hrefInProp += t;
    } else if (depth <= 4) {
      text += t;
    }
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const depth = stack.length;
    const name = stack.pop() as string;
    if (depth === 3 && name === D('href') && stack[1] === D('response')) href = text.trim();
    else if (depth === 3 && name === D('status') && stack[1] === D('response')) bareStatus = statusOf(text);
    else if (depth === 4 && name === D('status') && stack[2] === D('propstat')) propstatStatus = statusOf(text);
    else if (depth === 2 && name === D('sync-token')) syncToken = text.trim();
    else if (depth > 5 && prop && name === D('href')) prop.hrefs.push(hrefInProp.trim());
    else if (depth === 5 && prop) {
      pending.push(prop);
      prop = undefined;
    } else if (depth === 3 && name === D('propstat')) {
      for (const p of pending) {
        const t = keepText.has(p.name) ? p.text : p.text.trim().slice(0, 512);
        props.set(p.name, { status: propstatStatus, text: t, length: p.length, children: p.children, hrefs: p.hrefs });
      }
    } else if (depth === 2 && name === D('response')) {
      responses.push({ href, status: bareStatus, props });
    }
  });
  parser.write(typeof body === 'string' ? body : body.toString('utf8'));
  parser.close();
  if (error) throw new MultistatusError(`unreadable multistatus: ${error.message}`);
  return { responses, syncToken };
}

/** The value of a property that came back in a 200 propstat (undefined otherwise). */
export function okProp(r: ResponseSummary, name: string): PropValue | undefined {
  const p = r.props.get(name);
  return p && p.status === 200 ? p : undefined;
}
