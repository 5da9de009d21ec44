// RFC 4791 §5.2, §6 calendar and principal properties.
import { calendarTimezoneText } from '../../ical/calendar-timezone.js';
import { href } from '../resources.js';
import { CALDAV } from '../xml/names.js';
import { defineProperty, discoveredPrincipal, DISCOVERY, hrefValue } from './registry.js';

const componentOf = (type: string) => (type === 'tasks' ? 'VTODO' : 'VEVENT');

export const caldavProperties = [
  defineProperty({
    name: CALDAV.calendarHomeSet,
    inAllprop: false,
    on: DISCOVERY,
    get: ({ resource: r }, sources) => {
      const p = discoveredPrincipal(r, sources);
      return p ? hrefValue(href.calendarHome(p)) : undefined;
    },
  }),
  defineProperty({
    name: CALDAV.calendarUserAddressSet,
    inAllprop: false,
    on: DISCOVERY,
    get: ({ resource: r }, sources) => {
      const p = discoveredPrincipal(r, sources);
      return p ? hrefValue(`mailto:${p.email}`, href.principal(p)) : undefined;
    },
  }),
  defineProperty({
    name: CALDAV.calendarUserType,
    inAllprop: false,
    on: ['principal'],
    get: () => ({ text: 'INDIVIDUAL' }),
  }),
  defineProperty({
    name: CALDAV.calendarDescription,
    inAllprop: true,
    on: ['calendar'],
    get: ({ resource: r }) => (r.kind === 'calendar' ? { text: r.collection.description } : undefined),
  }),
  defineProperty({
    name: CALDAV.supportedCalendarComponentSet,
    inAllprop: true,
    on: ['calendar'],
    // Never mixed: iOS decides Calendar vs Reminders per collection from this.
    get: ({ resource: r }) =>
      r.kind === 'calendar' ? { children: [{ name: CALDAV.comp, attrs: { name: componentOf(r.collection.type) } }] } : undefined,
  }),
  defineProperty({
    name: CALDAV.supportedCalendarData,
    inAllprop: false,
    on: ['calendar'],
    get: () => ({ children: [{ name: CALDAV.calendarData, attrs: { 'content-type': 'text/calendar', version: '2.0' } }] }),
  }),
  defineProperty({
    name: CALDAV.calendarTimezone,
    inAllprop: false,
    on: ['calendar'],
    get: ({ resource: r }) => (r.kind === 'calendar' ? { text: calendarTimezoneText(r.collection.owner.timeZone) } : undefined),
  }),
  defineProperty({
    name: CALDAV.calendarTimezoneId,
    inAllprop: false,
    on: ['calendar'],
    get: ({ resource: r }) => (r.kind === 'calendar' ? { text: r.collection.owner.timeZone } : undefined),
  }),
  defineProperty({
    name: CALDAV.maxResourceSize,
    inAllprop: false,
    on: ['calendar'],
    get: (_t, sources) => ({ text: String(sources.config.maxResourceSize) }),
  }),
  defineProperty({
    name: CALDAV.supportedCollationSet,
    inAllprop: false,
    on: ['calendar'],
    get: () => ({
      children: ['i;ascii-casemap', 'i;octet', 'i;unicode-casemap'].map((c) => ({ name: CALDAV.supportedCollation, text: c })),
    }),
  }),
];
