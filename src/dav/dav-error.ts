// The one error type DAV handlers throw. `condition` becomes the child of <DAV:error> (RFC 4918
// §16); the message is for the log, `messageKey` selects the sentence users see
// (http/error-response.ts).
import type { MessageKey } from '../policy/messages.js';
import { BS, CALDAV, CARDDAV, DAV, type ClarkName } from './xml/names.js';
import type { XmlNode } from './xml/write.js';

export type DavStatus = 400 | 401 | 403 | 404 | 405 | 409 | 412 | 413 | 415 | 423 | 429 | 500 | 501 | 503 | 507;

export interface DavErrorOptions extends ErrorOptions {
  readonly headers?: Record<string, string>;
  /** The employee's sentence (policy/messages.ts); an error with one is a refusal, audit-logged. */
  readonly messageKey?: MessageKey;
  /** Extra children of <DAV:error> next to `condition` (e.g. the project's own precondition). */
  readonly extra?: readonly XmlNode[];
  /** What the refusing rule or check saw: appended to the audit reason (docs/writes.md §6). */
  readonly auditDetail?: string;
}

export class DavError extends Error {
  override readonly name = 'DavError';
  readonly headers: Record<string, string>;
  readonly messageKey: MessageKey | undefined;
  readonly extra: readonly XmlNode[];
  readonly auditDetail: string | undefined;
  constructor(
    readonly status: DavStatus,
    message: string,
    readonly condition?: XmlNode,
    options: DavErrorOptions = {},
  ) {
    super(message, options);
    this.headers = options.headers ?? {};
    this.messageKey = options.messageKey;
    this.extra = options.extra ?? [];
    this.auditDetail = options.auditDetail;
  }
}

const cond = (name: ClarkName, children?: XmlNode[]): XmlNode => (children ? { name, children } : { name });

export const notFound = (what = 'nothing is mapped at this URL') => new DavError(404, what);
export const badRequest = (why: string, condition?: ClarkName) =>
  new DavError(400, why, condition ? cond(condition) : undefined);
export const malformedXml = (why: string) => new DavError(400, `malformed XML: ${why}`);
export const unsupportedMediaType = (why: string) => new DavError(415, why);
export const propfindFiniteDepth = () =>
  new DavError(403, 'Depth: infinity is not supported', cond(DAV.propfindFiniteDepth));
export const unsupportedReport = (name: string) =>
  new DavError(403, `REPORT ${name} is not supported here`, cond(DAV.supportedReport));
export const invalidSyncToken = (status: 400 | 403 = 403) =>
  new DavError(status, 'sync token is unknown, foreign or expired', cond(DAV.validSyncToken));
export const numberOfMatchesWithinLimits = () =>
  new DavError(507, 'too many matches', cond(DAV.numberOfMatchesWithinLimits));
export const validFilter = (why: string) => new DavError(400, `invalid filter: ${why}`, cond(CALDAV.validFilter));
export const supportedFilter = (why: string, carddav = false) =>
  new DavError(403, `unsupported filter: ${why}`, cond(carddav ? CARDDAV.supportedFilter : CALDAV.supportedFilter));
export const supportedCollation = (collation: string, carddav = false) =>
  new DavError(403, `unsupported collation ${collation}`, cond(carddav ? CARDDAV.supportedCollation : CALDAV.supportedCollation));
/** calendar-data asking for a media type other than text/calendar 2.0 (RFC 4791 §7.8, §9.6). */
export const supportedCalendarData = (why: string) =>
  new DavError(403, `unsupported calendar data: ${why}`, cond(CALDAV.supportedCalendarData));
/** address-data asking for a media type other than text/vcard 3.0/4.0 (RFC 6352 §8.6, §10.4). */
export const supportedAddressData = (why: string) =>
  new DavError(403, `unsupported address data: ${why}`, cond(CARDDAV.supportedAddressData));
export const preconditionFailed = (why: string) => new DavError(412, why);
export const payloadTooLarge = (limit: number) => new DavError(413, `request body larger than ${limit} bytes`);

// Write preconditions that are no question of privileges (design.md §4: every refusal names its
// precondition). They carry no DAV:need-privileges: RFC 3744 §7.1.1 means "the user lacks a
// privilege", which would be false here, and DAVx5 reads that element only on a 403 (it ignores a
// 412 and re-downloads the item; a 413 or 415 fails the upload whatever the body says).
// Where the RFCs name an element it is used; otherwise one in the project's namespace.

/** If-Match names a version that is not the current one (RFC 7232 §3.1; no RFC element). */
export const staleVersion = (why: string) =>
  new DavError(412, why, cond(BS.staleVersion), { messageKey: 'stale', auditDetail: why });
/** If-None-Match: * on an item that exists (RFC 7232 §3.2; no RFC element): a create. */
export const alreadyExists = () =>
  new DavError(412, 'the item already exists', cond(BS.alreadyExists), { messageKey: 'exists' });
/** A PUT body whose Content-Type is not iCalendar / vCard (RFC 4791 §5.3.2.1, RFC 6352 §6.3.2.1). */
export const unsupportedObjectType = (why: string, carddav: boolean) =>
  new DavError(415, why, cond(carddav ? CARDDAV.supportedAddressData : CALDAV.supportedCalendarData), {
    messageKey: 'wrong-content-type',
    auditDetail: why,
  });
/** A PUT body over the published max-resource-size (RFC 4791 §5.3.2.1, RFC 6352 §6.3.2.1). */
export const objectTooLarge = (why: string, carddav: boolean) =>
  new DavError(413, why, cond(carddav ? CARDDAV.maxResourceSize : CALDAV.maxResourceSize), { messageKey: 'too-large' });
