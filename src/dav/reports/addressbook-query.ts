// addressbook-query (RFC 6352 §8.6): contacts are filtered with the reference matcher over the
// cached vCards; `limit` (§8.6.1) cuts the answer with a 507 for the collection.
import ICAL from 'ical.js';
import { matchesAddressFilter, parseAddressbookFilter, type AddressFilter } from '../filters/address-filter.js';
import { badRequest } from '../dav-error.js';
import { propstatsFor, type PropRequest } from '../propstats.js';
import { href, isCollectionResource } from '../resources.js';
import { CARDDAV } from '../xml/names.js';
import type { DavResponse } from '../xml/multistatus.js';
import { child, textOf } from '../xml/parse.js';
import { dataProps, requestedVcardVersion, validateDataProps, wantsData } from './data-props.js';
import { parseNresults } from './limits.js';
import { propsOf, reportPropRequest, requireChild } from './prop-request.js';
import { truncatedResponse } from './truncated.js';
import { defineReport } from './types.js';

interface AddressbookQueryRequest {
  readonly filter: AddressFilter;
  readonly props: PropRequest;
  readonly limit: number | undefined;
}

export const addressbookQuery = defineReport<AddressbookQueryRequest>({
  name: CARDDAV.addressbookQuery,
  supportedOn: (t) => t.kind === 'addressbook',
  parse(root) {
    const filter = parseAddressbookFilter(requireChild(root, CARDDAV.filter, 'CARDDAV:filter'));
    const props = reportPropRequest(root);
    validateDataProps(propsOf(props));
    let limit: number | undefined;
    const limitEl = child(root, CARDDAV.limit);
    if (limitEl) limit = parseNresults(textOf(child(limitEl, CARDDAV.nresults)), 'CARDDAV:limit/CARDDAV:nresults');
    return { filter, props, limit };
  },
  async run(req, target, ctx, sources) {
    if (!isCollectionResource(target)) throw badRequest('addressbook-query needs an address book');
    const c = target.collection;
    await sources.refreshState(c);
    const version = requestedVcardVersion(propsOf(req.props));
    const extra = dataProps();
    // An empty filter matches every card: no bodies needed unless address-data was asked for.
    const filtering = req.filter.propFilters.length > 0;
    const objects = ctx.store.listObjects(c, { withBody: filtering || wantsData(propsOf(req.props)), vcardVersion: version });
    async function* responses(): AsyncIterable<DavResponse> {
      let n = 0;
      for await (const object of objects) {
        if (filtering && !matches(req.filter, object.body)) continue;
        if (req.limit !== undefined && n >= req.limit) {
          yield truncatedResponse(c);
          return;
        }
        n++;
        const resource = { kind: 'address-object', collection: c, name: object.name } as const;
        yield { href: href.object(c, object.name), propstats: await propstatsFor({ resource, object }, req.props, sources, extra) };
      }
    }
    return { responses: responses() };
  },
});

/** Bodies are the server's own renderings; one that cannot be parsed simply does not match. */
function matches(filter: AddressFilter, body: string | undefined): boolean {
  if (body === undefined) return false;
  try {
    return matchesAddressFilter(filter, new ICAL.Component(ICAL.parse(body)));
  } catch {
    return false;
  }
}
