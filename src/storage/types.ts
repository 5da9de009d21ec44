// The storage seam: everything the DAV core needs from the CRM. Nothing here mentions SQL or
// BrokerStar's tables; storage/postgres implements it.
import type { Language } from './records.js';

export interface Principal {
  /** Opaque id (BrokerStar employee id). */
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly email: string;
  readonly language: Language;
  readonly timeZone: string;
}

export type CollectionType = 'contacts' | 'events' | 'tasks' | 'shared-events';

export interface Collection {
  /** Stable key, unique across the server ('events:12', 'shared-events:7:12'). */
  readonly key: string;
  readonly type: CollectionType;
  /** The principal whose home holds the collection (the viewer). */
  readonly home: Principal;
  /** The colleague whose calendar a shared collection shows; else the same as home. */
  readonly owner: Principal;
  /** Last path segment: 'kontakte', 'termine', 'aufgaben', 'shared-anna.meier'. */
  readonly slug: string;
  /** In the home principal's language. */
  readonly displayName: string;
  readonly description: string;
  /** #RRGGBBAA (Apple's calendar-color format). */
  readonly color: string;
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
}

export interface CollectionState {
  /** RFC 6578 sync token (a URI); also the CalendarServer ctag. */
  readonly syncToken: string;
  /** Members served (after the cap). */
  readonly count: number;
}

export interface ChangeSet {
  readonly syncToken: string;
  /** Members added or changed since the token, with ETag. */
  readonly changed: readonly DavObject[];
  /** Members removed since the token. */
  readonly removed: readonly string[];
  /** True when `limit` cut the answer; syncToken then continues from there. */
  readonly truncated: boolean;
}

export interface ObjectOptions {
  readonly withBody: boolean;
  /** vCard version of bodies in an address book ('3.0' default). */
  readonly vcardVersion?: '3.0' | '4.0';
}

/** What the SQL side can filter before the reference matcher re-checks. */
export interface CalendarPrefilter {
  readonly component: 'VEVENT' | 'VTODO' | 'VJOURNAL' | null;
  /** For VEVENT only: overlap with [start, end) through the occurrences. */
  readonly timeRange: { readonly start: Date | null; readonly end: Date | null } | null;
}

export interface DavStore {
  principalByUsername(username: string): Promise<Principal | undefined>;
  principalById(id: string): Promise<Principal | undefined>;
  /** The collections in a principal's homes: own ones and colleagues' shared calendars. */
  collections(home: Principal): Promise<Collection[]>;
  /** Brings the collection up to date with BrokerStar (cheap when nothing changed). */
  state(c: Collection): Promise<CollectionState>;
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
}
