// The storage seam: everything the DAV core needs from the CRM. Nothing here mentions SQL or
// BrokerStar's tables; storage/postgres implements it.
import type { Language } from '../domain/records.js';
import type { RefusalRule } from '../policy/edit-types.js';

export interface Principal {
  /** Opaque id (BrokerStar employee id). */
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly email: string;
  readonly language: Language;
  readonly timeZone: string;
}

export type CollectionType = 'contacts' | 'my-customers' | 'events' | 'tasks' | 'shared-events' | 'birthdays';

/** Address books (CardDAV: Kontakte, Meine Kunden); every other type is a calendar. */
export const isAddressBook = (type: CollectionType): boolean => type === 'contacts' || type === 'my-customers';

export interface Collection {
  /** Stable key, unique across the server ('events:12', 'shared-events:7:12'). */
  readonly key: string;
  readonly type: CollectionType;
  /** The principal whose home holds the collection (the viewer). */
  readonly home: Principal;
  /** The colleague whose calendar a shared collection shows; else the same as home. */
  readonly owner: Principal;
  /** Last path segment: 'kontakte', 'meine-kunden', 'termine', 'aufgaben', 'geburtstage', 'termine-anna.meier'. */
  readonly slug: string;
  /** In the home principal's language. */
  readonly displayName: string;
  readonly description: string;
  /** #RRGGBBAA (Apple's calendar-color format). */
  readonly color: string;
  /**
   * False for a colleague's calendar whose share was revoked: no longer listed in the home, but
   * still answered (empty) for a while so clients that sync it remove its items cleanly.
   */
  readonly listed: boolean;
}

export interface DavObject {
  /** Member name inside its collection: `<id>.ics` / `<id>.vcf`. */
  readonly name: string;
  /** Quoted strong ETag, e.g. `"q3Z…"`. */
  readonly etag: string;
  readonly lastModified: Date;
  /** Byte length of the default representation. */
  readonly size: number;
  /** The representation (iCalendar or vCard 3.0) when requested with `withBody`. */
  readonly body?: string;
  /** The default representation escaped for XML text content (ObjectOptions.xmlOnly). */
  readonly bodyXml?: string;
  /**
   * Set by queryCalendar: the store evaluated the time range exactly for this object (a timed
   * single appointment), so the reference matcher need not parse it for that condition.
   */
  readonly timeRangeExact?: boolean;
}

export interface CollectionState {
  /** RFC 6578 sync token (a URI); also the CalendarServer ctag. */
  readonly syncToken: string;
  /** Members served (after the cap). */
  readonly count: number;
}

/** One entry of a sync answer: a member added or changed (with its object) or removed (null). */
export interface ChangeEntry {
  readonly name: string;
  readonly object: DavObject | null;
}

export interface ChangeSet {
  readonly syncToken: string;
  /** Changes in the order they happened, streamed (an initial sync of 5,000 cards stays flat). */
  readonly entries: AsyncIterable<ChangeEntry>;
  /** True when `limit` cut the answer; syncToken then continues from there. */
  readonly truncated: boolean;
}

/** What an administrator sees per collection (`brokerstar-dav status`). */
export interface CollectionStatus {
  readonly collection: Collection;
  /** Items the employee may see. */
  readonly eligible: number;
  /** Items served after the cap. */
  readonly served: number;
  readonly capped: boolean;
  readonly lastChanged: Date;
  readonly syncToken: string;
  /** Set when the counts were computed with other settings than the caller's (reported as stored). */
  readonly storedSettings?: string;
  /**
   * Items the employee may see that the sync window leaves out (SYNC_PAST_DAYS, SYNC_DONE_TASKS_DAYS;
   * 0 for collections without one); absent when the counts are reported as stored.
   */
  readonly outsideWindow?: number;
}

export interface ObjectOptions {
  readonly withBody: boolean;
  /** vCard version of bodies in an address book ('3.0' default). */
  readonly vcardVersion?: '3.0' | '4.0';
  /**
   * With `withBody`: the caller writes the body into XML as it is and reads nothing in it, so the
   * store gives `bodyXml` where it keeps one and `body` only where it does not.
   */
  readonly xmlOnly?: boolean;
  /**
   * Every private appointment as its busy block, the owner's own too (a subscription link's .ics,
   * which can end up on a wall display: docs/subscription-links.md).
   */
  readonly privateAsBusy?: boolean;
}

/** What the SQL side can filter before the reference matcher re-checks. */
export interface CalendarPrefilter {
  readonly component: 'VEVENT' | 'VTODO' | 'VJOURNAL' | null;
  /** For VEVENT only: overlap with [start, end) through the occurrences. */
  readonly timeRange: { readonly start: Date | null; readonly end: Date | null } | null;
  /**
   * With `withBody`: bodies are wanted only of objects whose time range the store could not decide
   * exactly (the caller re-checks those and needs no data of the others).
   */
  readonly bodiesOnlyWhenInexact?: boolean;
}

/** A client's PUT on an existing member, as the store sees it. */
export interface UpdateRequest {
  readonly body: string;
  readonly user: Principal;
  /** The If-Match header as sent (undefined when absent). */
  readonly ifMatch: string | undefined;
  readonly userAgent: string;
  readonly method: string;
  /** The resource's href, for the audit log. */
  readonly href: string;
}

export type UpdateOutcome =
  /**
   * Applied. `etag` is undefined when the client must re-read; `storedDiffers`: what BrokerStar
   * now serves says something else than the body (an ignored field, a cut), so the caller
   * announces the item again.
   */
  | { readonly kind: 'updated'; readonly etag: string | undefined; readonly storedDiffers: boolean }
  /** An edit rule refused it; nothing changed. */
  | { readonly kind: 'refused'; readonly rule: RefusalRule; readonly detail: string }
  /** If-Match did not match the current version (or BrokerStar changed it meanwhile). */
  | { readonly kind: 'precondition-failed'; readonly detail: string }
  | { readonly kind: 'not-found' };

export interface DavStore {
  /** Collection refreshes since the start: recomputed in full, or caught up from the changed items. */
  readonly refreshes?: Readonly<{ full: number; incremental: number }>;
  principalByUsername(username: string): Promise<Principal | undefined>;
  principalById(id: string): Promise<Principal | undefined>;
  /** The collections in a principal's homes: own ones and colleagues' shared calendars. */
  collections(home: Principal): Promise<Collection[]>;
  /** One collection of a principal's homes by its path segment, or undefined. */
  findCollection(home: Principal, area: 'calendar' | 'addressbook', slug: string): Promise<Collection | undefined>;
  /** Brings the collection up to date with BrokerStar (cheap when nothing changed) and returns its state. */
  refreshState(c: Collection): Promise<CollectionState>;
  /** Every member, streamed; a fixed number of queries whatever the size. */
  listObjects(c: Collection, opts: ObjectOptions): AsyncIterable<DavObject>;
  /** Members by name; missing names are absent from the map. One query. */
  getObjects(c: Collection, names: readonly string[], opts: ObjectOptions): Promise<Map<string, DavObject>>;
  /** Members that may match the prefilter (the core re-checks unless the filter was exact). */
  queryCalendar(c: Collection, f: CalendarPrefilter, opts: ObjectOptions): AsyncIterable<DavObject>;
  /**
   * Announces the server's copy again (new ETag, fresh LAST-MODIFIED, new sync token) without
   * touching BrokerStar's data, after `delaySeconds`; rate-limited per item. Returns false when
   * the rate limit suppressed it.
   */
  reannounce(c: Collection, name: string, opts: { delaySeconds: number; reason: string }): Promise<boolean>;
  /** null token = initial sync. 'invalid' for unknown, foreign or pruned tokens. */
  changesSince(c: Collection, token: string | null, opts: ObjectOptions & { limit?: number }): Promise<ChangeSet | 'invalid'>;
  /**
   * Applies the allowed part of a client's edit to BrokerStar in one transaction, with the ETag
   * checked inside it; refusals change nothing.
   */
  updateObject(c: Collection, name: string, req: UpdateRequest): Promise<UpdateOutcome>;
  /** Eligible and served counts of each of a principal's collections (brought up to date). */
  status(home: Principal): Promise<CollectionStatus[]>;
  /** The display settings the employee's clients set (PROPPATCH), by collection key. One query. */
  collectionPreferences(home: Principal): Promise<ReadonlyMap<string, CollectionPreference>>;
  /**
   * A PROPPATCH of display settings (docs/writes.md): stores the change and audits it in one
   * transaction, or audits the refusal and stores nothing. Display only: no sync token moves.
   */
  updateCollectionPreference(c: Collection, req: PreferenceUpdate): Promise<void>;
  /** WebDAV-Push: the server's VAPID public key and the collection's topic (docs/webdav-push.md). */
  pushAdvertisement(c: Collection): Promise<PushAdvertisement>;
  /** Registers (or renews: same collection and endpoint) a Web Push subscription, already validated. */
  registerPush(req: PushRegistration): Promise<PushRegisterOutcome>;
  /** Removes the employee's own registration; false when he has none by that id. */
  unregisterPush(user: Principal, id: string): Promise<boolean>;
}

/**
 * How a client shows a collection (Apple's calendar-color and calendar-order), per employee. In a
 * change, an absent field stays as stored and null clears it (the server's default again).
 */
export interface CollectionPreference {
  /** #RRGGBBAA, upper case. */
  readonly color?: string | null;
  readonly order?: number | null;
}

/** A client's PROPPATCH of a collection's display settings, as the store sees it. */
export interface PreferenceUpdate {
  readonly user: Principal;
  /** What to store (nothing when `refusal` is set: a PROPPATCH is all or nothing). */
  readonly change: CollectionPreference;
  /** Why nothing is stored: the status of the refused property, the message key and what was refused. */
  readonly refusal?: { readonly status: number; readonly reason: string; readonly detail: string };
  readonly userAgent: string;
  /** The collection's href, for the audit log. */
  readonly href: string;
}

/** What a collection advertises for WebDAV-Push. */
export interface PushAdvertisement {
  /** VAPID public key (RFC 8292), uncompressed P-256, base64url. */
  readonly vapidPublicKey: string;
  /** Opaque, stable per collection. */
  readonly topic: string;
}

/** A checked push-register request. */
export interface PushRegistration {
  readonly user: Principal;
  /** The app password the request came with: the subscription is removed with it. */
  readonly appPasswordId: string;
  readonly collection: Collection;
  readonly endpoint: string;
  /** RFC 8291 keys, base64url. */
  readonly p256dh: string;
  readonly authSecret: string;
  readonly expiresAt: Date;
}

export type PushRegisterOutcome =
  | { readonly kind: 'registered'; readonly id: string; readonly expiresAt: Date; readonly created: boolean }
  /** The employee holds the most subscriptions allowed. */
  | { readonly kind: 'limit-reached' };
