// calendar-multiget (RFC 4791 §7.9) and addressbook-multiget (RFC 6352 §8.7): one factory, one
// store query per request. Depth is ignored (Outlook and Thunderbird send 1, DAVx5 0 or none).
import { isAddressBook } from '../../storage/types.js';
import { badRequest } from '../dav-error.js';
import { propstatsFor, type PropRequest } from '../propstats.js';
import { memberNamer } from '../resolve.js';
import { isCollectionResource, isObjectResource, type ObjectResource } from '../resources.js';
import { CALDAV, CARDDAV, DAV, type ClarkName } from '../xml/names.js';
import type { DavResponse } from '../xml/multistatus.js';
import { childrenNamed, textOf } from '../xml/parse.js';
import { dataProps, requestedVcardVersion, validateDataProps, wantsData, wantsWholeData } from './data-props.js';
import { limitedHrefs } from './limits.js';
import { propsOf, reportPropRequest } from './prop-request.js';
import { defineReport } from './types.js';

interface MultigetRequest {
  readonly hrefs: readonly string[];
  readonly props: PropRequest;
}

function multiget(name: ClarkName, kind: 'calendar' | 'addressbook') {
  return defineReport<MultigetRequest>({
    name,
    supportedOn: (t) => t.kind === kind || t.kind === `${kind === 'calendar' ? 'calendar' : 'address'}-object`,
    parse(root) {
      const hrefs = limitedHrefs(childrenNamed(root, DAV.href).map(textOf).filter((h) => h.length > 0));
      const props = reportPropRequest(root);
      validateDataProps(propsOf(props));
      return { hrefs, props };
    },
    async run(req, target, ctx, sources) {
      const collection = isCollectionResource(target) || isObjectResource(target) ? target.collection : undefined;
      if (!collection) throw badRequest('multiget needs a collection');
      await sources.refreshState(collection);
      // Only members of this collection can be found: each href is matched against the
      // collection's own path, so 100 hrefs cost no lookup each (a colleague's calendar would).
      const kindOfMember = isAddressBook(collection.type) ? 'address-object' : 'calendar-object';
      const memberName = memberNamer(collection);
      const wanted = req.hrefs.map((h) => {
        const name = memberName(h);
        const resource: ObjectResource | undefined = name === undefined ? undefined : { kind: kindOfMember, collection, name };
        return { href: h, resource };
      });
      const names = wanted.flatMap((w) => (w.resource ? [w.resource.name] : []));
      const props = propsOf(req.props);
      const objects = await ctx.store.getObjects(collection, names, {
        withBody: wantsData(props),
        vcardVersion: requestedVcardVersion(props),
        xmlOnly: wantsWholeData(props),
      });
      const extra = dataProps();
      async function* responses(): AsyncIterable<DavResponse> {
        for (const w of wanted) {
          const r = w.resource;
          const object = r ? objects.get(r.name) : undefined;
          if (!r || !object) {
            yield { href: w.href, status: 404 };
            continue;
          }
          // Echo the href as the client sent it: clients match answers to their request by it.
          yield { href: w.href, propstats: await propstatsFor({ resource: r, object }, req.props, sources, extra) };
        }
      }
      return { responses: responses() };
    },
  });
}

export const calendarMultiget = multiget(CALDAV.calendarMultiget, 'calendar');
export const addressbookMultiget = multiget(CARDDAV.addressbookMultiget, 'addressbook');

