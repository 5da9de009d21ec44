// Maps a request path to a resource, as seen by the logged-in user. Someone else's homes,
// collections and items answer 404, never 403, so nothing leaks whether they exist.
import type { Collection, Principal } from '../storage/types.js';
import type { DavContext } from './context.js';
import { notFound } from './errors.js';
import { OBJECT_NAME, pathSegments, type Resource } from './resources.js';

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
  const collection = await ctx.store.findCollection(ctx.user, area === 'addressbooks' ? 'addressbook' : 'calendar', slug);
  if (!collection) throw notFound();
  const kindOfCollection = collection.type === 'contacts' ? 'addressbook' : 'calendar';
  if (name === undefined) return { kind: kindOfCollection, collection };
  if (!OBJECT_NAME.test(name)) throw notFound();
  return { kind: kindOfCollection === 'addressbook' ? 'address-object' : 'calendar-object', collection, name };
}

/** Whether the request path ended in '/' (collections are canonical with it). */
export const hasTrailingSlash = (path: string) => path.endsWith('/');
