// PUT (RFC 4918 §9.7, RFC 4791 §5.3.2, RFC 6352 §6.3.2): creates are refused (data is created in
// BrokerStar); an update needs the edit privilege, then the store's edit rules decide field by
// field. Every refusal is a look-up in the catalogue (policy/refusals.ts).
import { clip } from '../../audit/clip.js';
import { EDIT_PRIVILEGE } from '../../policy/privileges.js';
import { REFUSALS } from '../../policy/refusals.js';
import type { Collection } from '../../storage/types.js';
import type { DavContext } from '../context.js';
import { alreadyExists, DavError, objectTooLarge, staleVersion, unsupportedObjectType } from '../dav-error.js';
import { privilegesOn } from '../policy.js';
import { propertySourcesOf } from '../property-sources.js';
import { reannounce, throwRefusal } from '../refusals.js';
import { resolvePath } from '../resolve.js';
import { hrefOf, isObjectResource, pathSegments, type ObjectResource, type Resource } from '../resources.js';
import type { MethodHandler } from './types.js';

const CALENDAR_TYPE = /^text\/calendar\b/i;
const VCARD_TYPE = /^text\/(x-)?vcard\b/i;

function checkContentType(ctx: DavContext, target: ObjectResource): void {
  const type = ctx.req.headers['content-type'];
  if (!type) return; // some clients send none; the parser decides
  const card = target.kind === 'address-object';
  if (!(card ? VCARD_TYPE : CALENDAR_TYPE).test(type)) {
    throw unsupportedObjectType(`expected ${card ? 'text/vcard' : 'text/calendar'}, got ${clip(type)}`, card);
  }
}

async function readBody(ctx: DavContext, target: ObjectResource): Promise<string> {
  try {
    return await ctx.readBody(ctx.config.maxResourceSize);
  } catch (e) {
    // RFC 4791 §5.3.2.1 / RFC 6352 §6.3.2.1 name the limit the body broke.
    if (e instanceof DavError && e.status === 413) throw objectTooLarge(e.message, target.kind === 'address-object');
    throw e;
  }
}

/**
 * The resource a PUT names. Nothing mapped in the user's own calendar or address-book home (a
 * file straight in the home, an unknown collection, a name the server never serves) is a create
 * there: refused like every create, with the sentence of the collection (or home) it would land
 * in. Anywhere else it stays 404, so nothing tells whether another user's space exists.
 */
async function putTarget(ctx: DavContext): Promise<Resource> {
  try {
    return await resolvePath(ctx, ctx.path);
  } catch (e) {
    if (!(e instanceof DavError) || e.status !== 404) throw e;
    const [root, area, owner, slug, ...rest] = pathSegments(ctx.path) ?? [];
    const own = root === 'dav' && (area === 'calendars' || area === 'addressbooks') && owner === ctx.user.username;
    if (!own || slug === undefined) throw e;
    let type: Collection['type'] = area === 'addressbooks' ? 'contacts' : 'events';
    if (rest.length > 0) {
      const parent = await resolvePath(ctx, `/dav/${area}/${owner}/${slug}/`).catch(() => undefined);
      if (parent?.kind === 'calendar' || parent?.kind === 'addressbook') type = parent.collection.type;
    }
    return throwRefusal(ctx, REFUSALS.create[type], ctx.path);
  }
}

export const put: MethodHandler = {
  method: 'PUT',
  // Anywhere but on a member a PUT is a create or names a collection: refused.
  allowed: { privilege: EDIT_PRIVILEGE, on: 'members' },
  async handle(ctx: DavContext) {
    const target = await putTarget(ctx);
    if (!isObjectResource(target)) return throwRefusal(ctx, REFUSALS.putOnCollection, target);
    const c = target.collection;
    checkContentType(ctx, target);
    const body = await readBody(ctx, target);
    // Up to date with BrokerStar first, so "exists" means exists now (never a stale create refusal).
    await propertySourcesOf(ctx).refreshState(c);
    const existing = (await ctx.store.getObjects(c, [target.name], { withBody: false })).get(target.name);
    if (!existing) return throwRefusal(ctx, REFUSALS.create[c.type], target);
    // RFC 7232 §3.2: If-None-Match: * means "only if it does not exist yet".
    if (String(ctx.req.headers['if-none-match'] ?? '').trim() === '*') throw alreadyExists();
    if (!privilegesOn(ctx.policy, ctx.user, target).has(EDIT_PRIVILEGE)) {
      return throwRefusal(ctx, REFUSALS.readOnly[c.type], target, { note: 'read-only' });
    }
    const outcome = await ctx.store.updateObject(c, target.name, {
      body,
      user: ctx.user,
      ifMatch: ctx.req.headers['if-match'],
      userAgent: ctx.userAgent,
      method: 'PUT',
      href: hrefOf(target),
    });
    switch (outcome.kind) {
      case 'not-found':
        throw new DavError(404, 'no such item');
      case 'precondition-failed':
        throw staleVersion(outcome.detail);
      case 'refused':
        return throwRefusal(ctx, REFUSALS.editRule[outcome.rule], target, {
          note: `${outcome.rule} (${outcome.detail})`,
          auditDetail: outcome.detail,
        });
      case 'updated':
        // RFC 4791 §5.3.4: no ETag, so DAVx5 and Thunderbird re-read. Outlook CalDav Synchronizer
        // instead fetches the new ETag and keeps its own text; announcing the item again after a
        // delay (new ETag, no BrokerStar change) makes its next sync download the stored version.
        if (outcome.storedDiffers) {
          await reannounce(ctx, target, ctx.config.reannounceDelaySeconds, 'stored version differs from the PUT');
        }
        if (outcome.etag) ctx.res.set('ETag', outcome.etag);
        ctx.res.status(204).end();
    }
  },
};
