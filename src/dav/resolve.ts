// Maps a request path to a resource, as seen by the logged-in user. Someone else's homes,
// collections and items answer 404, never 403, so nothing leaks whether they exist.
import { isAddressBook, type Collection, type Principal } from '../storage/types.js';
import type { DavContext } from './context.js';
import { notFound } from './dav-error.js';
import type { PropTarget } from './properties/registry.js';
import { href, isObjectResource, OBJECT_NAME, pathOfHref, pathSegments, type Resource } from './resources.js';

/** Per-request memo of the user's collections (one query). */
const collectionsMemo = new WeakMap<DavContext, Promise<Collection[]>>();

export function userCollections(ctx: DavContext): Promise<Collection[]> {
  let p = collectionsMemo.get(ctx);
  if (!p) {
    p = ctx.store.collections(ctx.user);
    collectionsMemo.set(ctx, p);
  }
  return p;
}

/** Per-request memo of collections looked up by path segment: a colleague's calendar costs a query. */
const foundMemo = new WeakMap<DavContext, Map<string, Promise<Collection | undefined>>>();

function findCollection(ctx: DavContext, area: 'calendar' | 'addressbook', slug: string): Promise<Collection | undefined> {
  let found = foundMemo.get(ctx);
  if (!found) {
    found = new Map();
    foundMemo.set(ctx, found);
  }
  const key = `${area}/${slug}`;
  let p = found.get(key);
  if (!p) {
    p = ctx.store.findCollection(ctx.user, area, slug);
    found.set(key, p);
  }
  return p;
}

function isSelf(ctx: DavContext, username: string): boolean {
  return username === ctx.user.username;
}

export async function resolvePath(ctx: DavContext, path: string): Promise<Resource> {
  const segs = pathSegments(path);
  if (!segs) throw notFound('invalid percent-encoding');
  if (segs.length === 0) return { kind: 'root', path: '/' };
  if (segs[0] !== 'dav') throw notFound();
  const [, area, owner, slug, name, ...rest] = segs;
  if (rest.length > 0) throw notFound();
  if (area === undefined) return { kind: 'root', path: '/dav/' };
  if (area === 'principals') {
    if (owner === undefined) return { kind: 'principals' };
    if (slug !== undefined) throw notFound();
    const principal: Principal | undefined = isSelf(ctx, owner) ? ctx.user : await ctx.store.principalByUsername(owner);
    if (!principal) throw notFound();
    return { kind: 'principal', principal };
  }
  if (area !== 'calendars' && area !== 'addressbooks') throw notFound();
  if (owner === undefined || !isSelf(ctx, owner)) throw notFound();
  if (slug === undefined) {
    return area === 'calendars' ? { kind: 'calendar-home', home: ctx.user } : { kind: 'addressbook-home', home: ctx.user };
  }
  // Own collections are known without a query; only a colleague's calendar needs the shares.
  const collection = await findCollection(ctx, area === 'addressbooks' ? 'addressbook' : 'calendar', slug);
  if (!collection) throw notFound();
  const kindOfCollection = isAddressBook(collection.type) ? 'addressbook' : 'calendar';
  if (name === undefined) return { kind: kindOfCollection, collection };
  if (!OBJECT_NAME.test(name)) throw notFound();
  return { kind: kindOfCollection === 'addressbook' ? 'address-object' : 'calendar-object', collection, name };
}

/**
 * Like resolvePath, but a member URL must name an existing member: its collection is brought up to
 * date first (a member BrokerStar just created exists), and 404 otherwise.
 */
export async function resolveExisting(ctx: DavContext, path: string): Promise<Resource> {
  const r = await resolvePath(ctx, path);
  if (isObjectResource(r)) {
    await ctx.store.refreshState(r.collection);
    const found = await ctx.store.getObjects(r.collection, [r.name], { withBody: false });
    if (!found.has(r.name)) throw notFound('no such item');
  }
  return r;
}

/** Whether the request path ended in '/' (collections are canonical with it). */
export const hasTrailingSlash = (path: string) => path.endsWith('/');

/**
 * Names the members of `collection` that hrefs (paths or full URLs, encoded or not) point to, or
 * undefined for an href that names anything else. Pure: multiget resolves hundreds of hrefs against
 * the collection it targets without a lookup per href.
 */
export function memberNamer(collection: Collection): (h: string) => string | undefined {
  const prefix = href.collection(collection);
  const base = pathSegments(prefix)!;
  return (h) => {
    // The usual case, an href exactly as the server listed it: no decoding needed.
    if (h.startsWith(prefix)) {
      const rest = h.slice(prefix.length);
      if (OBJECT_NAME.test(rest)) return rest;
    }
    const segs = pathSegments(pathOfHref(h));
    if (!segs || segs.length !== base.length + 1) return undefined;
    for (let i = 0; i < base.length; i++) if (segs[i] !== base[i]) return undefined;
    const name = segs[base.length]!;
    return OBJECT_NAME.test(name) ? name : undefined;
  };
}

/** The target itself, with its object loaded for member URLs (404 when there is none). */
export async function propTargetOf(ctx: DavContext, r: Resource): Promise<PropTarget> {
  if (!isObjectResource(r)) return { resource: r };
  const object = (await ctx.store.getObjects(r.collection, [r.name], { withBody: false })).get(r.name);
  if (!object) throw notFound();
  return { resource: r, object };
}
