// PROPFIND (RFC 4918 §9.1) with Depth 0 and 1; Depth: infinity is refused (§9.1, 403
// propfind-finite-depth). Members are streamed; no query per member.
import { isAddressBook, type Collection } from '../../storage/types.js';
import type { DavContext } from '../context.js';
import { badRequest, propfindFiniteDepth } from '../dav-error.js';
import { propertySourcesOf } from '../property-sources.js';
import type { PropertySources, PropTarget } from '../properties/registry.js';
import { propstatsFor, type PropRequest } from '../propstats.js';
import { limitedProps } from '../reports/limits.js';
import { propTargetOf, userCollections, resolvePath } from '../resolve.js';
import { hrefOf, isCollectionResource, isObjectResource, type Resource } from '../resources.js';
import { DAV } from '../xml/names.js';
import { writeMultistatus, type DavResponse } from '../xml/multistatus.js';
import { child, type XmlElement } from '../xml/parse.js';
import type { MethodHandler } from './types.js';

/**
 * Apple's Contacts (iOS, iPadOS, macOS) merges every address book of an account into one list, so
 * "Meine Kunden" would show each of the employee's customers twice there. Kontakte already holds
 * them first (favourites, then his own customers, before the cap), so Apple is not offered the
 * second book; it still answers at its URL. Other clients list each book on its own.
 */
const MERGES_ADDRESS_BOOKS = /\b(?:iOS|iPadOS|macOS|Mac OS X|Mac_OS_X)\/|\bdataaccessd\/|\bAddressBook(?:Core)?\//;

/**
 * An empty body is allprop (RFC 4918 §9.1), here with DAV:current-user-principal included (RFC
 * 5397 keeps it out of a plain allprop): HTTP clients such as Python's requests drop the body when
 * they follow the 301 of /.well-known/caldav (RFC 6764 §5), and the client still needs the principal.
 */
const EMPTY_BODY: PropRequest = {
  type: 'allprop',
  include: [{ name: DAV.currentUserPrincipal, attrs: new Map(), children: [], text: '' }],
};

export function parsePropfind(body: XmlElement | undefined): PropRequest {
  if (!body) return EMPTY_BODY;
  if (body.name !== DAV.propfind) throw badRequest('PROPFIND body must be DAV:propfind');
  const prop = child(body, DAV.prop);
  if (prop) return { type: 'prop', props: limitedProps(prop.children) };
  if (child(body, DAV.propname)) return { type: 'propname' };
  if (child(body, DAV.allprop)) return { type: 'allprop', include: limitedProps(child(body, DAV.include)?.children ?? []) };
  throw badRequest('DAV:propfind needs prop, allprop or propname');
}

/** Children listed with Depth: 1. */
async function* membersOf(ctx: DavContext, r: Resource): AsyncIterable<PropTarget> {
  switch (r.kind) {
    case 'root':
      yield { resource: { kind: 'principals' } };
      yield { resource: { kind: 'calendar-home', home: ctx.user } };
      yield { resource: { kind: 'addressbook-home', home: ctx.user } };
      return;
    case 'principals':
      yield { resource: { kind: 'principal', principal: ctx.user } };
      return;
    case 'calendar-home':
    case 'addressbook-home': {
      const wantCalendars = r.kind === 'calendar-home';
      const apple = MERGES_ADDRESS_BOOKS.test(ctx.userAgent);
      for (const c of await userCollections(ctx)) {
        // A revoked colleague's calendar still answers at its URL, but is no longer listed.
        if (c.listed && !isAddressBook(c.type) === wantCalendars && !(apple && c.type === 'my-customers')) {
          yield { resource: { kind: wantCalendars ? 'calendar' : 'addressbook', collection: c } };
        }
      }
      return;
    }
    case 'calendar':
    case 'addressbook':
      yield* objectsOf(ctx, r.collection, r.kind === 'calendar' ? 'calendar-object' : 'address-object');
      return;
    default:
      return;
  }
}

async function* objectsOf(ctx: DavContext, c: Collection, kind: 'calendar-object' | 'address-object'): AsyncIterable<PropTarget> {
  for await (const object of ctx.store.listObjects(c, { withBody: false })) {
    yield { resource: { kind, collection: c, name: object.name }, object };
  }
}

async function* responses(ctx: DavContext, sources: PropertySources, target: PropTarget, depth: 0 | 1, request: PropRequest): AsyncIterable<DavResponse> {
  // The target's own href as the client spelled it (Outlook skips the collection by comparing it).
  yield { href: ctx.req.path, propstats: await propstatsFor(target, request, sources) };
  if (depth === 0) return;
  for await (const member of membersOf(ctx, target.resource)) {
    yield { href: hrefOf(member.resource), propstats: await propstatsFor(member, request, sources) };
  }
}

export const propfind: MethodHandler = {
  method: 'PROPFIND',
  allowed: { privilege: 'read', on: 'any' },
  async handle(ctx) {
    // A missing Depth is treated as 0 (as Radicale does) rather than infinity, which is refused.
    const depth = ctx.depth(0);
    if (depth === 'infinity') throw propfindFiniteDepth();
    const request = parsePropfind(await ctx.readXml());
    const resource = await resolvePath(ctx, ctx.path);
    const sources = propertySourcesOf(ctx);
    if (isCollectionResource(resource) || isObjectResource(resource)) {
      // Bring the collection up to date before listing or reading a member, so members and token
      // agree and a member BrokerStar just changed (or that was never listed) is current.
      await sources.refreshState(resource.collection);
    }
    const target = await propTargetOf(ctx, resource);
    await writeMultistatus(ctx.res, { responses: responses(ctx, sources, target, depth, request) });
  },
};

