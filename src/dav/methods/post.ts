// POST of a WebDAV-Push registration (draft bitfireAT/webdav-push, "Subscription Registration") on
// a calendar or address book: the subscription is checked (push/registration.ts), stored through
// the DavStore seam with the app password the request came with, and answered 201 with the
// registration URL (Location) and the expiry the server granted (Expires). Every other POST, and
// every POST when WEBDAV_PUSH=off, gets the refusal it always had (`fallback`).
import { checkRegistration, type RegistrationInput } from '../../push/registration.js';
import { MAX_REGISTER_BODY_BYTES } from '../../push/limits.js';
import type { DavContext } from '../context.js';
import { DavError } from '../dav-error.js';
import { PUSH } from '../properties/push.js';
import { resolveExisting } from '../resolve.js';
import { DAV_ROOT, isCollectionResource } from '../resources.js';
import { clark, NS } from '../xml/names.js';
import type { XmlElement } from '../xml/parse.js';
import type { MethodHandler } from './types.js';

/** Where registrations live: DELETE of `/dav/push/<id>` unsubscribes (push-unregister.ts). */
export const PUSH_REGISTRATIONS = `${DAV_ROOT}push/`;

const refusedPush = (status: 400 | 403, why: string, condition: typeof PUSH.invalidSubscription) =>
  new DavError(status, why, { name: condition });

const XML_TYPE = /^(application|text)\/xml\b/i;

const child = (e: XmlElement | undefined, name: string): XmlElement | undefined => e?.children.find((c) => c.name === name);

/** The one child `name` of `e`: a second one makes the request ambiguous (undefined: absent). */
function single(e: XmlElement | undefined, name: typeof PUSH.subscription): XmlElement | undefined {
  const found = e?.children.filter((c) => c.name === name) ?? [];
  if (found.length > 1) throw refusedPush(403, `more than one ${name.slice(name.indexOf('}') + 1)}`, PUSH.invalidSubscription);
  return found[0];
}

function inputOf(register: XmlElement): RegistrationInput {
  const subscription = single(register, PUSH.subscription);
  const web = single(subscription, PUSH.webPushSubscription);
  if (!web) throw refusedPush(403, 'push-register needs a subscription with a web-push-subscription', PUSH.invalidSubscription);
  const key = single(web, PUSH.subscriptionPublicKey);
  return {
    pushResource: single(web, PUSH.pushResource)?.text,
    keyType: key?.attrs.get('type'),
    publicKey: key?.text,
    authSecret: single(web, PUSH.authSecret)?.text,
    contentEncoding: single(web, PUSH.contentEncoding)?.text,
    expires: single(register, PUSH.expires)?.text,
  };
}

/**
 * The draft asks for a trigger; DAVx5 before 4.5 sends none and means content updates. Only
 * property updates (not supported: the collections' properties are fixed) is refused.
 */
function checkTrigger(register: XmlElement): void {
  const trigger = single(register, PUSH.trigger);
  if (trigger && !child(trigger, PUSH.contentUpdate)) {
    throw refusedPush(403, 'only content-update triggers are supported', PUSH.noSupportedTrigger);
  }
}

async function register(ctx: DavContext, body: XmlElement): Promise<void> {
  const target = await resolveExisting(ctx, ctx.path); // someone else's collection: 404
  if (!isCollectionResource(target)) throw refusedPush(403, 'WebDAV-Push is offered on calendars and address books', PUSH.pushNotAvailable);
  const login = ctx.req.login;
  if (!login) throw new DavError(401, 'not authenticated');
  checkTrigger(body);
  const checked = checkRegistration(inputOf(body), { now: new Date(), loopbackHttp: ctx.config.pushLoopbackHttp });
  if (!checked.ok) {
    if (checked.problem === 'invalid-expiry') throw new DavError(400, checked.why, { name: PUSH.invalidSubscription });
    throw refusedPush(403, checked.why, PUSH.invalidSubscription);
  }
  const outcome = await ctx.store.registerPush({
    user: ctx.user,
    appPasswordId: login.appPasswordId,
    collection: target.collection,
    ...checked.registration,
  });
  if (outcome.kind === 'limit-reached') {
    throw new DavError(403, 'too many push subscriptions for this employee', { name: clark(NS.BS, 'push-subscription-limit') });
  }
  const base = ctx.config.publicUrl ?? `${ctx.req.protocol}://${ctx.req.get('host') ?? 'localhost'}`;
  ctx.log.info({ collection: target.collection.key, subscription: outcome.id, created: outcome.created }, 'push subscription registered');
  ctx.res
    .status(201)
    .set('Location', `${base.replace(/\/$/, '')}${PUSH_REGISTRATIONS}${outcome.id}`)
    .set('Expires', outcome.expiresAt.toUTCString())
    .set('Content-Length', '0')
    .end();
}

export function post(fallback: MethodHandler): MethodHandler {
  return {
    method: 'POST',
    allowed: 'never', // Allow stays as it was: only a push-register body is accepted
    async handle(ctx) {
      if (!ctx.config.webdavPush || !XML_TYPE.test(String(ctx.req.headers['content-type'] ?? ''))) return fallback.handle(ctx);
      await ctx.readBody(MAX_REGISTER_BODY_BYTES); // 413 beyond it; readXml reads the same body
      const body = await ctx.readXml();
      if (body?.name !== PUSH.pushRegister) return fallback.handle(ctx);
      await register(ctx, body);
    },
  };
}

/** The id in a registration URL path, or undefined for any other path. */
export function registrationIdOf(path: string): string | undefined {
  if (!path.startsWith(PUSH_REGISTRATIONS)) return undefined;
  const id = path.slice(PUSH_REGISTRATIONS.length).replace(/\/$/, '');
  return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : '';
}
