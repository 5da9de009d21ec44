// Discovery as DAVx5 does it, for CardDAV and then CalDAV: PROPFIND current-user-principal on
// /.well-known/<service> (following the redirect), OPTIONS on the principal (its DAV header must
// name the service), the principal's home set, then the home set with Depth 1. Every answer is
// checked; the collections found are the URLs the other scenarios use.
import { davx5CalendarUserAddressSet, davx5CurrentUserPrincipal, davx5HomeSet, davx5Principal } from './bodies.js';
import { request, requestFollowing, resolveHref, type HttpReply, type HttpTarget } from './http.js';
import { C, CR, D, okProp, parseMultistatus, type MultistatusSummary } from './multistatus.js';

export class ValidationError extends Error {
  override readonly name = 'ValidationError';
}

export interface FoundCollection {
  readonly href: string;
  readonly displayName: string;
  /** 'addressbook', or the calendar's components (VEVENT, VTODO). */
  readonly kind: 'addressbook' | 'calendar';
  readonly components: readonly string[];
}

export interface DiscoveryResult {
  readonly ms: number;
  readonly bytes: number;
  readonly wireBytes: number;
  readonly roundTrips: number;
  readonly requests: number;
  readonly principal: string;
  readonly collections: readonly FoundCollection[];
}

export function expect207(r: HttpReply, what: string): MultistatusSummary {
  if (r.status !== 207) throw new ValidationError(`${what}: expected 207, got ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`);
  try {
    return parseMultistatus(r.body);
  } catch (e) {
    const text = r.body.toString('utf8');
    throw new ValidationError(`${what}: ${(e as Error).message} (${r.encoding || 'not'} compressed, ${r.body.length} bytes decoded, ending "${text.slice(-120)}")`);
  }
}

export async function discover(t: HttpTarget): Promise<DiscoveryResult> {
  let ms = 0;
  let bytes = 0;
  let requests = 0;
  let wireBytes = 0;
  let roundTrips = 0;
  const count = (r: HttpReply & { hops?: number }) => {
    ms += r.ms;
    bytes += r.body.length;
    wireBytes += r.wireBytes;
    roundTrips += r.roundTrips;
    requests += 1 + (r.hops ?? 0);
    return r;
  };
  const collections: FoundCollection[] = [];
  let principalPath = '';
  for (const service of ['carddav', 'caldav'] as const) {
    // 1. well-known → principal
    const wk = count(await requestFollowing(t, 'PROPFIND', `/.well-known/${service}`, { headers: { Depth: '0' }, body: davx5CurrentUserPrincipal(service) }));
    const wkMs = expect207(wk, `PROPFIND /.well-known/${service}`);
    const principalHref = wkMs.responses.map((r) => okProp(r, D('current-user-principal'))?.hrefs[0]).find((h) => h);
    if (!principalHref) throw new ValidationError(`/.well-known/${service}: no current-user-principal`);
    const principal = resolveHref(`${t.origin}/.well-known/${service}`, principalHref);
    principalPath = principal;
    // 2. OPTIONS on the principal: DAV header names the service
    const opt = count(await request(t, 'OPTIONS', principal));
    const dav = String(opt.headers.dav ?? '');
    const token = service === 'carddav' ? 'addressbook' : 'calendar-access';
    if (opt.status >= 300 || !dav.includes(token)) throw new ValidationError(`OPTIONS ${principal}: status ${opt.status}, DAV header "${dav}" lacks ${token}`);
    // 3. principal → home set (CalDAV first asks calendar-user-address-set, as DavResourceFinder does)
    if (service === 'caldav') {
      expect207(count(await request(t, 'PROPFIND', principal, { headers: { Depth: '0' }, body: davx5CalendarUserAddressSet })), `PROPFIND ${principal}`);
    }
    const pr = expect207(count(await request(t, 'PROPFIND', principal, { headers: { Depth: '0' }, body: davx5Principal(service) })), `PROPFIND ${principal}`);
    const homeProp = service === 'carddav' ? CR('addressbook-home-set') : C('calendar-home-set');
    const homeHref = pr.responses.map((r) => okProp(r, homeProp)?.hrefs[0]).find((h) => h);
    if (!homeHref) throw new ValidationError(`PROPFIND ${principal}: no ${homeProp}`);
    const home = resolveHref(`${t.origin}${principal}`, homeHref);
    // 4. home set, Depth 1 → collections
    const hs = expect207(count(await request(t, 'PROPFIND', home, { headers: { Depth: '1' }, body: davx5HomeSet(service) })), `PROPFIND ${home}`);
    for (const r of hs.responses) {
      const types = okProp(r, D('resourcetype'))?.children ?? [];
      const displayName = okProp(r, D('displayname'))?.text ?? '';
      const href = resolveHref(`${t.origin}${home}`, r.href);
      if (service === 'carddav' && types.includes(CR('addressbook'))) {
        collections.push({ href, displayName, kind: 'addressbook', components: [] });
      }
      if (service === 'caldav' && types.includes(C('calendar'))) {
        const comps = (okProp(r, C('supported-calendar-component-set'))?.children ?? []).map((c) => /\[(\w+)\]$/.exec(c)?.[1] ?? c);
        collections.push({ href, displayName, kind: 'calendar', components: comps });
      }
    }
  }
  return { ms, bytes, wireBytes, roundTrips, requests, principal: principalPath, collections };
}

/** The collection whose URL ends in `/<slug>/`. */
export function collectionBySlug(d: DiscoveryResult, slug: string): FoundCollection {
  const c = d.collections.find((x) => x.href.replace(/\/+$/, '').endsWith(`/${slug}`));
  if (!c) throw new ValidationError(`discovery found no collection "${slug}" (found: ${d.collections.map((x) => x.href).join(', ')})`);
  return c;
}
