// XML namespaces and the Clark names ('{namespace}local') the server uses. Prefixes exist only in
// the writer (write.ts).

/** An XML name in Clark notation: `{DAV:}getetag`. */
export type ClarkName = `{${string}}${string}`;

export const NS = {
  DAV: 'DAV:',
  CALDAV: 'urn:ietf:params:xml:ns:caldav',
  CARDDAV: 'urn:ietf:params:xml:ns:carddav',
  CS: 'http://calendarserver.org/ns/',
  APPLE: 'http://apple.com/ns/ical/',
  /** The project's own namespace, for its precondition elements. */
  BS: 'https://brokerstar-dav.ch/ns/',
} as const;

export const clark = (ns: string, local: string): ClarkName => `{${ns}}${local}`;

/** Splits a Clark name into namespace and local name. */
export function splitClark(name: ClarkName): { ns: string; local: string } {
  const end = name.indexOf('}');
  return { ns: name.slice(1, end), local: name.slice(end + 1) };
}

const d = (l: string) => clark(NS.DAV, l);
const c = (l: string) => clark(NS.CALDAV, l);
const r = (l: string) => clark(NS.CARDDAV, l);
const cs = (l: string) => clark(NS.CS, l);
const a = (l: string) => clark(NS.APPLE, l);
const bs = (l: string) => clark(NS.BS, l);

export const DAV = {
  multistatus: d('multistatus'),
  response: d('response'),
  href: d('href'),
  propstat: d('propstat'),
  prop: d('prop'),
  status: d('status'),
  error: d('error'),
  responsedescription: d('responsedescription'),
  propfind: d('propfind'),
  allprop: d('allprop'),
  propname: d('propname'),
  include: d('include'),
  propertyupdate: d('propertyupdate'),
  resourcetype: d('resourcetype'),
  collection: d('collection'),
  principal: d('principal'),
  displayname: d('displayname'),
  getetag: d('getetag'),
  getcontenttype: d('getcontenttype'),
  getcontentlength: d('getcontentlength'),
  getlastmodified: d('getlastmodified'),
  creationdate: d('creationdate'),
  supportedlock: d('supportedlock'),
  lockdiscovery: d('lockdiscovery'),
  currentUserPrincipal: d('current-user-principal'),
  principalURL: d('principal-URL'),
  principalCollectionSet: d('principal-collection-set'),
  groupMembership: d('group-membership'),
  groupMemberSet: d('group-member-set'),
  owner: d('owner'),
  currentUserPrivilegeSet: d('current-user-privilege-set'),
  privilege: d('privilege'),
  read: d('read'),
  write: d('write'),
  writeContent: d('write-content'),
  writeProperties: d('write-properties'),
  bind: d('bind'),
  unbind: d('unbind'),
  all: d('all'),
  readCurrentUserPrivilegeSet: d('read-current-user-privilege-set'),
  readAcl: d('read-acl'),
  unlock: d('unlock'),
  supportedReportSet: d('supported-report-set'),
  supportedReport: d('supported-report'),
  report: d('report'),
  syncToken: d('sync-token'),
  syncCollection: d('sync-collection'),
  syncLevel: d('sync-level'),
  limit: d('limit'),
  nresults: d('nresults'),
  validSyncToken: d('valid-sync-token'),
  numberOfMatchesWithinLimits: d('number-of-matches-within-limits'),
  needPrivileges: d('need-privileges'),
  resource: d('resource'),
  propfindFiniteDepth: d('propfind-finite-depth'),
  expandProperty: d('expand-property'),
  property: d('property'),
  principalPropertySearch: d('principal-property-search'),
  principalSearchPropertySet: d('principal-search-property-set'),
  aclPrincipalPropSet: d('acl-principal-prop-set'),
  resourceId: d('resource-id'),
  quotaAvailableBytes: d('quota-available-bytes'),
  quotaUsedBytes: d('quota-used-bytes'),
  addMember: d('add-member'),
  cannotModifyProtectedProperty: d('cannot-modify-protected-property'),
} as const;

export const CALDAV = {
  calendar: c('calendar'),
  calendarHomeSet: c('calendar-home-set'),
  calendarUserAddressSet: c('calendar-user-address-set'),
  calendarDescription: c('calendar-description'),
  calendarTimezone: c('calendar-timezone'),
  calendarTimezoneId: c('calendar-timezone-id'),
  supportedCalendarComponentSet: c('supported-calendar-component-set'),
  supportedCalendarData: c('supported-calendar-data'),
  calendarData: c('calendar-data'),
  maxResourceSize: c('max-resource-size'),
  minDateTime: c('min-date-time'),
  maxDateTime: c('max-date-time'),
  maxInstances: c('max-instances'),
  maxAttendeesPerInstance: c('max-attendees-per-instance'),
  comp: c('comp'),
  allcomp: c('allcomp'),
  prop: c('prop'),
  allprop: c('allprop'),
  expand: c('expand'),
  limitRecurrenceSet: c('limit-recurrence-set'),
  limitFreebusySet: c('limit-freebusy-set'),
  calendarQuery: c('calendar-query'),
  calendarMultiget: c('calendar-multiget'),
  freeBusyQuery: c('free-busy-query'),
  filter: c('filter'),
  compFilter: c('comp-filter'),
  propFilter: c('prop-filter'),
  paramFilter: c('param-filter'),
  textMatch: c('text-match'),
  timeRange: c('time-range'),
  isNotDefined: c('is-not-defined'),
  timezone: c('timezone'),
  calendarUserType: c('calendar-user-type'),
  scheduleInboxURL: c('schedule-inbox-URL'),
  scheduleOutboxURL: c('schedule-outbox-URL'),
  scheduleTag: c('schedule-tag'),
  validCalendarData: c('valid-calendar-data'),
  validCalendarObjectResource: c('valid-calendar-object-resource'),
  supportedCalendarComponent: c('supported-calendar-component'),
  noUidConflict: c('no-uid-conflict'),
  supportedFilter: c('supported-filter'),
  supportedCollation: c('supported-collation'),
  supportedCollationSet: c('supported-collation-set'),
  validFilter: c('valid-filter'),
  maxResourceSizeError: c('max-resource-size'),
} as const;

export const CARDDAV = {
  addressbook: r('addressbook'),
  addressbookHomeSet: r('addressbook-home-set'),
  addressbookDescription: r('addressbook-description'),
  supportedAddressData: r('supported-address-data'),
  addressDataType: r('address-data-type'),
  addressData: r('address-data'),
  maxResourceSize: r('max-resource-size'),
  maxImageSize: r('max-image-size'),
  principalAddress: r('principal-address'),
  addressbookQuery: r('addressbook-query'),
  addressbookMultiget: r('addressbook-multiget'),
  filter: r('filter'),
  propFilter: r('prop-filter'),
  paramFilter: r('param-filter'),
  textMatch: r('text-match'),
  isNotDefined: r('is-not-defined'),
  limit: r('limit'),
  nresults: r('nresults'),
  prop: r('prop'),
  allprop: r('allprop'),
  supportedCollationSet: r('supported-collation-set'),
  supportedCollation: r('supported-collation'),
  validAddressData: r('valid-address-data'),
  supportedFilter: r('supported-filter'),
  noUidConflict: r('no-uid-conflict'),
  directoryGateway: r('directory-gateway'),
} as const;

export const CS = {
  getctag: cs('getctag'),
  calendarProxyReadFor: cs('calendar-proxy-read-for'),
  calendarProxyWriteFor: cs('calendar-proxy-write-for'),
  organizer: cs('organizer'),
  emailAddressSet: cs('email-address-set'),
  meCard: cs('me-card'),
  source: cs('source'),
  pushTransports: cs('push-transports'),
  pushkey: cs('pushkey'),
  dropboxHomeURL: cs('dropbox-home-URL'),
} as const;

export const APPLE = {
  calendarColor: a('calendar-color'),
  calendarOrder: a('calendar-order'),
} as const;

export const BS = {
  readOnlyCollection: bs('read-only-collection'),
  createInBrokerstar: bs('create-in-brokerstar'),
  deleteInBrokerstar: bs('delete-in-brokerstar'),
  assignInBrokerstar: bs('assign-in-brokerstar'),
  notOwner: bs('not-owner'),
  participantsInBrokerstar: bs('participants-in-brokerstar'),
  organizerInBrokerstar: bs('organizer-in-brokerstar'),
  recurrenceInBrokerstar: bs('recurrence-in-brokerstar'),
  privateNotAccepted: bs('private-not-accepted'),
  contactsReadOnly: bs('contacts-read-only'),
  methodNotSupported: bs('method-not-supported'),
  propertiesReadOnly: bs('properties-read-only'),
  staleVersion: bs('stale-version'),
  alreadyExists: bs('already-exists'),
  message: bs('message'),
} as const;
