// sync-collection (RFC 6578 §3): changed members with their properties, removed members as bare
// 404 responses, and the new token. The Depth header is ignored (Thunderbird sends 1). Never
// truncated unless the client sent DAV:limit (Outlook and Thunderbird CardDAV lose a 507).
import type { DavContext } from '../context.js';
import { badRequest, invalidSyncToken } from '../dav-error.js';
import { propstatsFor, type PropRequest } from '../propstats.js';
import { href, isCollectionResource } from '../resources.js';
import { DAV } from '../xml/names.js';
import type { DavResponse } from '../xml/multistatus.js';
import { child, textOf } from '../xml/parse.js';
import { dataProps, requestedVcardVersion, validateDataProps, wantsData, wantsWholeData } from './data-props.js';
import { parseNresults } from './limits.js';
import { propsOf, reportPropRequest } from './prop-request.js';
import { truncatedResponse } from './truncated.js';
import { defineReport } from './types.js';

interface SyncRequest {
  readonly token: string | null;
  readonly limit: number | undefined;
  readonly props: PropRequest;
}

/**
 * Thunderbird's address book only recovers from an invalid token on 400 (Bug 1791183); every
 * other client needs 403 + DAV:valid-sync-token (Outlook restarts only on exactly that).
 */
export function invalidTokenStatus(ctx: DavContext, addressbook: boolean): 400 | 403 {
  return addressbook && /Thunderbird\//.test(ctx.userAgent) ? 400 : 403;
}

export const syncCollection = defineReport<SyncRequest>({
  name: DAV.syncCollection,
  supportedOn: (t) => t.kind === 'calendar' || t.kind === 'addressbook',
  parse(root) {
    const tokenEl = child(root, DAV.syncToken);
    const token = textOf(tokenEl) || null;
    const level = textOf(child(root, DAV.syncLevel));
    if (level && level !== '1' && level !== 'infinite') throw badRequest(`sync-level ${level} is not supported`);
    let limit: number | undefined;
    const limitEl = child(root, DAV.limit);
    if (limitEl) limit = parseNresults(textOf(child(limitEl, DAV.nresults)), 'DAV:limit/DAV:nresults');
    const props = reportPropRequest(root);
    validateDataProps(propsOf(props));
    return { token, limit, props };
  },
  async run(req, target, ctx, sources) {
    if (!isCollectionResource(target)) throw badRequest('sync-collection needs a collection');
    const c = target.collection;
    const props = propsOf(req.props);
    const changes = await ctx.store.changesSince(c, req.token, {
      withBody: wantsData(props),
      vcardVersion: requestedVcardVersion(props),
      xmlOnly: wantsWholeData(props),
      limit: req.limit,
    });
    if (changes === 'invalid') throw invalidSyncToken(invalidTokenStatus(ctx, target.kind === 'addressbook'));
    const kind = target.kind === 'calendar' ? 'calendar-object' : 'address-object';
    const extra = dataProps();
    async function* responses(): AsyncIterable<DavResponse> {
      if (changes === 'invalid') return;
      for await (const { name, object } of changes.entries) {
        if (!object) {
          // Removed: a bare 404 response (Outlook and Thunderbird accept nothing else).
          yield { href: href.object(c, name), status: 404 };
          continue;
        }
        const resource = { kind, collection: c, name } as const;
        yield { href: href.object(c, name), propstats: await propstatsFor({ resource, object }, req.props, sources, extra) };
      }
      // RFC 6578 §3.6: a truncated answer carries a 507 response for the collection itself.
      if (changes.truncated) yield truncatedResponse(c);
    }
    // Read after the responses: a limited sync knows its continuation token only once streamed.
    return { responses: responses(), syncToken: () => changes.syncToken };
  },
});
