// CalendarServer and Apple extensions the target clients ask for (docs/client-compatibility.md): colours, the
// principal's e-mail, and empty proxy lists so DAVx5/Outlook proxy lookups end quietly.
import { APPLE, CS } from '../xml/names.js';
import { defineProperty, hrefValue } from './registry.js';

export const appleProperties = [
  defineProperty({
    name: APPLE.calendarColor,
    inAllprop: false,
    on: ['calendar'],
    get: ({ resource: r }) => (r.kind === 'calendar' ? { text: r.collection.color } : undefined),
  }),
  defineProperty({
    name: CS.emailAddressSet,
    inAllprop: false,
    on: ['principal'],
    get: ({ resource: r }) => (r.kind === 'principal' ? hrefValue(`mailto:${r.principal.email}`) : undefined),
  }),
  defineProperty({ name: CS.calendarProxyReadFor, inAllprop: false, on: ['principal'], get: () => ({}) }),
  defineProperty({ name: CS.calendarProxyWriteFor, inAllprop: false, on: ['principal'], get: () => ({}) }),
];
