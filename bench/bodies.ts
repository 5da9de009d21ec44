// Request bodies as the clients send them (docs/client-compatibility.md): DAVx5 (dav4jvm writes a
// default DAV: namespace and prefixes CARD/CAL/CS/ICAL/P), Outlook's CalDav Synchronizer (D:/C:),
// Thunderbird (D:/C: or card:).

const XML = `<?xml version='1.0' encoding='UTF-8' ?>`;
const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// ---- Discovery (DAVx5: DavResourceFinder, ServiceRefresher, HomeSetRefresher) ----

export const davx5CurrentUserPrincipal = (service: 'carddav' | 'caldav') =>
  service === 'carddav'
    ? `${XML}<propfind xmlns="DAV:" xmlns:CARD="urn:ietf:params:xml:ns:carddav"><prop><current-user-principal /></prop></propfind>`
    : `${XML}<propfind xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav"><prop><current-user-principal /></prop></propfind>`;

export const davx5CalendarUserAddressSet = `${XML}<propfind xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav"><prop><CAL:calendar-user-address-set /></prop></propfind>`;

export const davx5Principal = (service: 'carddav' | 'caldav') =>
  service === 'carddav'
    ? `${XML}<propfind xmlns="DAV:" xmlns:CARD="urn:ietf:params:xml:ns:carddav"><prop><displayname /><group-membership /><resourcetype /><CARD:addressbook-home-set /></prop></propfind>`
    : `${XML}<propfind xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/"><prop><displayname /><group-membership /><resourcetype /><CAL:calendar-home-set /><CS:calendar-proxy-read-for /><CS:calendar-proxy-write-for /></prop></propfind>`;

export const davx5HomeSet = (service: 'carddav' | 'caldav') =>
  service === 'carddav'
    ? `${XML}<propfind xmlns="DAV:" xmlns:CARD="urn:ietf:params:xml:ns:carddav" xmlns:P="https://bitfire.at/webdav-push"><prop><current-user-privilege-set /><displayname /><owner /><resourcetype /><P:transports /><P:topic /><CARD:addressbook-description /></prop></propfind>`
    : `${XML}<propfind xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/" xmlns:ICAL="http://apple.com/ns/ical/" xmlns:P="https://bitfire.at/webdav-push"><prop><current-user-privilege-set /><displayname /><owner /><resourcetype /><P:transports /><P:topic /><ICAL:calendar-color /><CAL:calendar-description /><CAL:calendar-timezone /><CAL:calendar-timezone-id /><CAL:supported-calendar-component-set /><CS:source /></prop></propfind>`;

// ---- Contacts ----

/** Outlook (CalDav Synchronizer GetAllVersions): PROPFIND Depth 1. */
export const outlookContactVersions = `<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:getcontenttype/></D:prop></D:propfind>`;

const hrefs = (list: readonly string[], prefix: string) => list.map((h) => `<${prefix}href>${escapeText(h)}</${prefix}href>`).join('');

/** DAVx5: batches of 10, Depth 0, getcontenttype + getetag + address-data. */
export const davx5AddressbookMultiget = (list: readonly string[]) =>
  `${XML}<CARD:addressbook-multiget xmlns="DAV:" xmlns:CARD="urn:ietf:params:xml:ns:carddav"><prop><getcontenttype /><getetag /><CARD:address-data /></prop>${hrefs(list, '')}</CARD:addressbook-multiget>`;

/** Outlook: batches of 100, Depth 1, getetag + address-data. */
export const outlookAddressbookMultiget = (list: readonly string[]) =>
  `<?xml version="1.0" encoding="utf-8"?><C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><C:address-data/></D:prop>${hrefs(list, 'D:')}</C:addressbook-multiget>`;

/** Thunderbird: batches of 500, Depth 1, getetag + address-data. */
export const thunderbirdAddressbookMultiget = (list: readonly string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<card:addressbook-multiget xmlns:D="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><card:address-data/></D:prop>${hrefs(list, 'D:')}</card:addressbook-multiget>`;

/** Thunderbird's address book: sync-collection with address-data inline, always Depth 1. */
export const thunderbirdSyncWithData = (token: string | null) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<sync-collection xmlns="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><sync-token>${token ? escapeText(token) : ''}</sync-token><sync-level>1</sync-level><prop><getetag/><card:address-data/></prop></sync-collection>`;

/** DAVx5 (dav4jvm reportChanges): Depth 0, getetag + resourcetype. */
export const davx5SyncCollection = (token: string | null) =>
  `${XML}<sync-collection xmlns="DAV:"><sync-token>${token ? escapeText(token) : ''}</sync-token><sync-level>1</sync-level><prop><getetag /><resourcetype /></prop></sync-collection>`;

// ---- Polling ----

/** The Depth 0 check every client makes before deciding to sync. */
export const pollCtagAndToken = `${XML}<propfind xmlns="DAV:" xmlns:CS="http://calendarserver.org/ns/"><prop><CS:getctag /><sync-token /></prop></propfind>`;

// ---- Calendars ----

/** iCalendar UTC form of a date: 20260101T000000Z. */
export const icalUtc = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** DAVx5 (dav4jvm DavCalendar.calendarQuery): Depth 1, start only. */
export const davx5EventQuery = (start: Date, withData: boolean) =>
  `${XML}<CAL:calendar-query xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav"><prop><getetag />${withData ? '<CAL:calendar-data />' : ''}</prop><CAL:filter><CAL:comp-filter name="VCALENDAR"><CAL:comp-filter name="VEVENT"><CAL:time-range start="${icalUtc(start)}" /></CAL:comp-filter></CAL:comp-filter></CAL:filter></CAL:calendar-query>`;

/** Outlook (CalDavDataAccess.GetVersions): Depth 1, start and end in UTC. */
export const outlookEventQuery = (start: Date, end: Date, withData: boolean) =>
  `<?xml version="1.0" encoding="utf-8"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/>${withData ? '<C:calendar-data/>' : ''}</D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="${icalUtc(start)}" end="${icalUtc(end)}"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`;

/** DAVx5 tasks: VTODO without time range, getetag. */
export const davx5TodoQuery = `${XML}<CAL:calendar-query xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav"><prop><getetag /></prop><CAL:filter><CAL:comp-filter name="VCALENDAR"><CAL:comp-filter name="VTODO" /></CAL:comp-filter></CAL:filter></CAL:calendar-query>`;

/** iOS (dataaccessd): calendar-query with a start and an end, A:/B: prefixes, getetag + getcontenttype (+ calendar-data). */
export const iosEventQuery = (start: Date, end: Date, withData: boolean) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<B:calendar-query xmlns:B="urn:ietf:params:xml:ns:caldav"><A:prop xmlns:A="DAV:"><A:getetag/><A:getcontenttype/>${withData ? '<B:calendar-data/>' : ''}</A:prop><B:filter><B:comp-filter name="VCALENDAR"><B:comp-filter name="VEVENT"><B:time-range start="${icalUtc(start)}" end="${icalUtc(end)}"/></B:comp-filter></B:comp-filter></B:filter></B:calendar-query>`;

/** The current week in UTC: Monday 00:00 to the next Monday 00:00. */
export function currentWeek(now: Date): { start: Date; end: Date } {
  const day = 86_400_000;
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const start = midnight - ((now.getUTCDay() + 6) % 7) * day;
  return { start: new Date(start), end: new Date(start + 7 * day) };
}
