// RFC 4918 §15 live properties, plus RFC 5397 current-user-principal.
import { collectionText } from '../../i18n/collections.js';
import { href, type Resource } from '../resources.js';
import { CALDAV, CARDDAV, DAV } from '../xml/names.js';
import { ALL_KINDS, defineProperty, discoveredPrincipal, DISCOVERY, hrefValue, OBJECTS, type XmlValue } from './registry.js';

function resourcetype(r: Resource): XmlValue {
  switch (r.kind) {
    case 'principal':
      return { children: [{ name: DAV.collection }, { name: DAV.principal }] };
    case 'calendar':
      return { children: [{ name: DAV.collection }, { name: CALDAV.calendar }] };
    case 'addressbook':
      return { children: [{ name: DAV.collection }, { name: CARDDAV.addressbook }] };
    case 'calendar-object':
    case 'address-object':
      return {};
    default:
      return { children: [{ name: DAV.collection }] };
  }
}

export const webdavProperties = [
  defineProperty({ name: DAV.resourcetype, inAllprop: true, on: ALL_KINDS, get: (t) => resourcetype(t.resource) }),
  defineProperty({
    name: DAV.displayname,
    inAllprop: true,
    on: ['root', 'principals', 'principal', 'calendar-home', 'addressbook-home', 'calendar', 'addressbook'],
    get({ resource: r }, sources) {
      switch (r.kind) {
        case 'root':
          return { text: 'BrokerStar' };
        case 'principals':
          return { text: 'Principals' };
        case 'principal':
          return { text: r.principal.displayName };
        case 'calendar-home':
        case 'addressbook-home':
          return { text: collectionText(sources.user.language, `${r.kind}-name`) };
        case 'calendar':
        case 'addressbook':
          return { text: r.collection.displayName };
        default:
          return undefined;
      }
    },
  }),
  defineProperty({ name: DAV.getetag, inAllprop: true, on: OBJECTS, get: (t) => (t.object ? { text: t.object.etag } : undefined) }),
  defineProperty({
    name: DAV.getcontenttype,
    inAllprop: true,
    on: OBJECTS,
    get({ resource: r }) {
      if (r.kind === 'address-object') return { text: 'text/vcard; charset=utf-8' };
      if (r.kind === 'calendar-object') {
        const component = r.collection.type === 'tasks' ? 'VTODO' : 'VEVENT';
        return { text: `text/calendar; charset=utf-8; component=${component}` };
      }
      return undefined;
    },
  }),
  defineProperty({
    name: DAV.getcontentlength,
    inAllprop: true,
    on: OBJECTS,
    get: (t) => (t.object ? { text: String(t.object.size) } : undefined),
  }),
  defineProperty({
    name: DAV.getlastmodified,
    inAllprop: true,
    on: OBJECTS,
    get: (t) => (t.object ? { text: t.object.lastModified.toUTCString() } : undefined),
  }),
  defineProperty({
    name: DAV.currentUserPrincipal,
    inAllprop: false,
    on: ALL_KINDS,
    get: (_t, sources) => hrefValue(href.principal(sources.user)),
  }),
  defineProperty({
    name: DAV.principalURL,
    inAllprop: false,
    on: DISCOVERY,
    get: ({ resource: r }, sources) => {
      const p = discoveredPrincipal(r, sources);
      return p ? hrefValue(href.principal(p)) : undefined;
    },
  }),
  defineProperty({
    name: DAV.principalCollectionSet,
    inAllprop: false,
    on: ['root', 'principals', 'principal', 'calendar-home', 'addressbook-home', 'calendar', 'addressbook'],
    get: () => hrefValue(href.principals()),
  }),
  defineProperty({ name: DAV.groupMembership, inAllprop: false, on: ['principal'], get: () => ({}) }),
  defineProperty({
    name: DAV.owner,
    inAllprop: false,
    on: ['principal', 'calendar-home', 'addressbook-home', 'calendar', 'addressbook'],
    get({ resource: r }) {
      switch (r.kind) {
        case 'principal':
          return hrefValue(href.principal(r.principal));
        case 'calendar-home':
        case 'addressbook-home':
          return hrefValue(href.principal(r.home));
        case 'calendar':
        case 'addressbook':
          return hrefValue(href.principal(r.collection.owner));
        default:
          return undefined;
      }
    },
  }),
  defineProperty({
    name: DAV.supportedReportSet,
    inAllprop: false,
    on: ALL_KINDS,
    get: ({ resource: r }, sources) => ({
      children: sources.supportedReports(r).map((name) => ({
        name: DAV.supportedReport,
        children: [{ name: DAV.report, children: [{ name }] }],
      })),
    }),
  }),
];
