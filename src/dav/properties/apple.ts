// CalendarServer and Apple extensions the target clients ask for (docs/client-compatibility.md): colours, the
// principal's e-mail, and empty proxy lists so DAVx5/Outlook proxy lookups end quietly.
import { APPLE, CS } from '../xml/names.js';
import { defineProperty, hrefValue } from './registry.js';

export const appleProperties = [
  // The colour and order the employee's client set (PROPPATCH, dav/methods/proppatch.ts), else
  // the server's colour and no order.
  defineProperty({
    name: APPLE.calendarColor,
    inAllprop: false,
    on: ['calendar'],
    get: async ({ resource: r }, sources) =>
      r.kind === 'calendar' ? { text: (await sources.preferences()).get(r.collection.key)?.color ?? r.collection.color } : undefined,
  }),
  defineProperty({
    name: APPLE.calendarOrder,
    inAllprop: false,
    on: ['calendar'],
    get: async ({ resource: r }, sources) => {
      const order = r.kind === 'calendar' ? (await sources.preferences()).get(r.collection.key)?.order : undefined;
      return order == null ? undefined : { text: String(order) };
    },
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
