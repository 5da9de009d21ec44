// The bounds of WebDAV-Push (docs/webdav-push.md): how long a subscription lives, how many an
// employee may hold, how much work one dispatcher pass does and how long it waits for a push service.

/** A subscription lives at most this long (the draft asks for at least three days); also the default. */
export const MAX_EXPIRY_DAYS = 7;
/** Live subscriptions per employee (a phone holds one per collection; a few devices fit easily). */
export const MAX_SUBSCRIPTIONS_PER_EMPLOYEE = 50;
/** Largest push-register body read (a real one is well under 1 KiB). */
export const MAX_REGISTER_BODY_BYTES = 8 * 1024;
/** Longest push resource URL accepted. */
export const MAX_ENDPOINT_LENGTH = 2048;

/** How often the dispatcher looks for changes (BrokerStar's writes reach phones within two seconds). */
export const TICK_MS = 250;
/** A collection's token must stay the same this long before it is sent (one message per burst)… */
export const SETTLE_MS = 200;
/** …but a change is never held back longer than this, however long the burst goes on. */
export const MAX_HOLD_MS = 1000;
/** Every subscribed collection is refreshed at least this often, changed generation or not (day change, windows). */
export const FULL_CHECK_MS = 30_000;
/** Expired subscriptions are deleted this often. */
export const UPKEEP_MS = 3600_000;

/** Collections looked at in one pass, and subscribers sent to per collection and pass. */
export const MAX_COLLECTIONS_PER_PASS = 2000;
export const MAX_SUBSCRIBERS_PER_COLLECTION = 500;
/** Deliveries in flight at once. */
export const SEND_CONCURRENCY = 8;
/** Every request to a push service gives up after this long. */
export const SEND_TIMEOUT_MS = 5000;
/** Failed deliveries of one change before it is given up, and failures in a row before the subscription is dropped. */
export const ATTEMPTS_PER_CHANGE = 5;
export const DROP_AFTER_FAILURES = 15;
/** How long a push service keeps an undelivered message (seconds): a phone offline longer syncs on its own anyway. */
export const MESSAGE_TTL_SECONDS = 24 * 3600;
