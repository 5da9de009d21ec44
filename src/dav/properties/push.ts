// WebDAV-Push (draft bitfireAT/webdav-push, as DAVx5's dav4jvm reads it): a collection advertises
// the Web Push transport with the server's VAPID key, its topic, and the triggers it supports
// (content updates of its members). Absent everywhere when WEBDAV_PUSH=off.
import { PUSH_NS } from '../../push/message.js';
import { isCollectionResource } from '../resources.js';
import { clark, NS, type ClarkName } from '../xml/names.js';
import { COLLECTIONS, defineProperty } from './registry.js';

const p = (local: string): ClarkName => clark(PUSH_NS, local);

/** The draft's element names (dav4jvm's WebDAVPush). */
export const PUSH = {
  transports: p('transports'),
  webPush: p('web-push'),
  vapidPublicKey: p('vapid-public-key'),
  topic: p('topic'),
  supportedTriggers: p('supported-triggers'),
  contentUpdate: p('content-update'),
  propertyUpdate: p('property-update'),
  pushRegister: p('push-register'),
  subscription: p('subscription'),
  webPushSubscription: p('web-push-subscription'),
  pushResource: p('push-resource'),
  contentEncoding: p('content-encoding'),
  subscriptionPublicKey: p('subscription-public-key'),
  authSecret: p('auth-secret'),
  trigger: p('trigger'),
  expires: p('expires'),
  invalidSubscription: p('invalid-subscription'),
  pushNotAvailable: p('push-not-available'),
  noSupportedTrigger: p('no-supported-trigger'),
} as const;

export const pushProperties = [
  defineProperty({
    name: PUSH.transports,
    inAllprop: false,
    on: COLLECTIONS,
    async get({ resource: r }, sources) {
      if (!sources.config.webdavPush || !isCollectionResource(r)) return undefined;
      const { vapidPublicKey } = await sources.store.pushAdvertisement(r.collection);
      return {
        children: [{ name: PUSH.webPush, children: [{ name: PUSH.vapidPublicKey, attrs: { type: 'p256ecdsa' }, text: vapidPublicKey }] }],
      };
    },
  }),
  defineProperty({
    name: PUSH.topic,
    inAllprop: false,
    on: COLLECTIONS,
    async get({ resource: r }, sources) {
      if (!sources.config.webdavPush || !isCollectionResource(r)) return undefined;
      return { text: (await sources.store.pushAdvertisement(r.collection)).topic };
    },
  }),
  defineProperty({
    name: PUSH.supportedTriggers,
    inAllprop: false,
    on: COLLECTIONS,
    // Members added, changed or removed (the sync token moving); no property updates: the
    // collections' properties are fixed.
    get: ({ resource: r }, sources) =>
      sources.config.webdavPush && isCollectionResource(r)
        ? { children: [{ name: PUSH.contentUpdate, children: [{ name: clark(NS.DAV, 'depth'), text: '1' }] }] }
        : undefined,
  }),
];
