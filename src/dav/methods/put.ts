// PUT (RFC 4918 §9.7, RFC 4791 §5.3.2, RFC 6352 §6.3.2): creates are refused (data is created in
// BrokerStar); an update passes the policy's privilege check, then the store's edit rules decide
// field by field. Every refusal re-announces the server's copy so clients restore it.
import { noteRefusalDetail } from '../../audit/audit-log.js';
import { clip } from '../../audit/clip.js';
import type { Collection } from '../../storage/types.js';
import type { DavContext } from '../context.js';
import { alreadyExists, DavError, objectTooLarge, staleVersion, unsupportedObjectType } from '../errors.js';
import { needPrivileges } from '../policy.js';
import { propContextOf } from '../prop-context.js';
import { resolvePath } from '../resolve.js';
import { hrefOf, isObjectResource, pathSegments, type ObjectResource, type Resource } from '../resources.js';
import { BS, CALDAV, DAV, type ClarkName } from '../xml/names.js';
import type { MethodHandler } from './types.js';

const createKey = (type: string) =>
  type === 'contacts' ? 'create-contact' : type === 'tasks' ? 'create-task' : 'create-appointment';

/** What the edit rules' refusals mean to a client: the message and the precondition elements. */
const RULES: Record<string, { key: string; element: ClarkName }> = {
  'not-owner': { key: 'not-owner-appointment', element: BS.notOwner },
  'change-organizer': { key: 'change-organizer', element: BS.organizerInBrokerstar },
  'change-participants': { key: 'change-participants', element: BS.participantsInBrokerstar },
  'make-private': { key: 'private-appointment', element: BS.privateNotAccepted },
  'change-recurrence': { key: 'change-recurrence', element: BS.recurrenceInBrokerstar },
  'reassign-task': { key: 'reassign-task', element: BS.assignInBrokerstar },
  'invalid-data': { key: 'invalid-data', element: CALDAV.validCalendarData },
  'uid-mismatch': { key: 'uid-mismatch', element: CALDAV.noUidConflict },
  'wrong-component': { key: 'wrong-component', element: CALDAV.supportedCalendarComponent },
};

const CALENDAR_TYPE = /^text\/calendar\b/i;
const VCARD_TYPE = /^text\/(x-)?vcard\b/i;

function checkContentType(ctx: DavContext, target: ObjectResource): void {
  const type = ctx.req.headers['content-type'];
  if (!type) return; // some clients send none; the parser decides
  const card = target.kind === 'address-object';
  if (!(card ? VCARD_TYPE : CALENDAR_TYPE).test(type)) {
    const why = `expected ${card ? 'text/vcard' : 'text/calendar'}, got ${clip(type)}`;
    noteRefusalDetail(ctx.res, why);
    throw unsupportedObjectType(why, card);
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
    let key = area === 'addressbooks' ? 'create-contact' : 'create-appointment';
    if (rest.length > 0) {
      const parent = await resolvePath(ctx, `/dav/${area}/${owner}/${slug}/`).catch(() => undefined);
      if (parent?.kind === 'calendar' || parent?.kind === 'addressbook') key = createKey(parent.collection.type);
    }
    throw needPrivileges(ctx.path, DAV.bind, { messageKey: key, extra: BS.createInBrokerstar });
  }
}

/** Refuses, after announcing the server's copy again so clients that kept their edit restore it. */
async function refuse(ctx: DavContext, target: ObjectResource, key: string, element: ClarkName, reason: string): Promise<never> {
  await ctx.store.reannounce(target.collection, target.name, { delaySeconds: 0, reason });
  throw needPrivileges(hrefOf(target), DAV.writeContent, { messageKey: key, extra: element });
}

function readOnlyRefusal(c: Collection): { key: string; element: ClarkName } {
  if (c.type === 'contacts') return { key: 'edit-contact', element: BS.contactsReadOnly };
  if (c.type === 'shared-events') return { key: 'not-owner-appointment', element: BS.notOwner };
  return { key: 'read-only', element: BS.readOnlyCollection };
}

export const put: MethodHandler = {
  method: 'PUT',
  async handle(ctx: DavContext) {
    const target = await putTarget(ctx);
    if (!isObjectResource(target)) {
      throw needPrivileges(hrefOf(target), DAV.bind, { messageKey: 'collections-fixed', extra: BS.methodNotSupported });
    }
    const c = target.collection;
    checkContentType(ctx, target);
    const body = await readBody(ctx, target);
    // Up to date with BrokerStar first, so "exists" means exists now (never a stale create refusal).
    await propContextOf(ctx).state(c);
    const existing = (await ctx.store.getObjects(c, [target.name], { withBody: false })).get(target.name);
    if (!existing) {
      throw needPrivileges(hrefOf(target), DAV.bind, { messageKey: createKey(c.type), extra: BS.createInBrokerstar });
    }
    // RFC 7232 §3.2: If-None-Match: * means "only if it does not exist yet".
    if (String(ctx.req.headers['if-none-match'] ?? '').trim() === '*') throw alreadyExists();
    if (!ctx.policy.privileges(ctx.user, target).has(DAV.writeContent)) {
      const { key, element } = readOnlyRefusal(c);
      await refuse(ctx, target, key, element, 'refused PUT: read-only');
    }
    const outcome = await ctx.store.updateObject(c, target.name, {
      body,
      user: ctx.user,
      ifMatch: ctx.req.headers['if-match'],
      userAgent: ctx.userAgent,
      method: 'PUT',
      href: hrefOf(target),
      reannounceDelaySeconds: ctx.config.reannounceDelaySeconds,
    });
    switch (outcome.kind) {
      case 'not-found':
        throw new DavError(404, 'no such item');
      case 'precondition-failed':
        noteRefusalDetail(ctx.res, outcome.detail);
        throw staleVersion(outcome.detail);
      case 'refused': {
        const rule = RULES[outcome.rule] ?? { key: 'need-privileges', element: BS.methodNotSupported };
        noteRefusalDetail(ctx.res, outcome.detail);
        return refuse(ctx, target, rule.key, rule.element, `refused PUT: ${outcome.rule} (${outcome.detail})`);
      }
      case 'updated':
        // No ETag when BrokerStar now holds something else than the body (RFC 4791 §5.3.4).
        if (outcome.etag) ctx.res.set('ETag', outcome.etag);
        ctx.res.status(204).end();
    }
  },
};
