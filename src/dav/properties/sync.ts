// RFC 6578 §4 sync-token and CalendarServer's getctag (the same value: both change exactly when
// membership or a member changes).
import { isCollectionResource } from '../resources.js';
import { CS, DAV } from '../xml/names.js';
import { COLLECTIONS, defineProperty } from './registry.js';

export const syncProperties = [DAV.syncToken, CS.getctag].map((name) =>
  defineProperty({
    name,
    inAllprop: false,
    on: COLLECTIONS,
    async get({ resource: r }, sources) {
      if (!isCollectionResource(r)) return undefined;
      return { text: (await sources.refreshState(r.collection)).syncToken };
    },
  }),
);
