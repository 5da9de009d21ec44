// The property registry (RFC 4918 §15 and the CalDAV/CardDAV/ACL/sync extensions): one entry per
// live property keyed by Clark name. allprop, propname and PROPFIND all read from it.
import type { Config } from '../../config.js';
import type { Collection, CollectionPreference, CollectionState, DavObject, DavStore, Principal } from '../../storage/types.js';
import type { AccessPolicy } from '../policy.js';
import type { Resource, ResourceKind } from '../resources.js';
import type { ClarkName } from '../xml/names.js';
import type { XmlElement } from '../xml/parse.js';
import type { XmlNode } from '../xml/write.js';

/** The content of a property element. */
export interface XmlValue {
  readonly text?: string;
  /** Already escaped XML (a stored body written as it is). */
  readonly raw?: string;
  readonly children?: readonly XmlNode[];
  readonly attrs?: Readonly<Record<string, string>>;
}

/** A resource as PROPFIND sees it: member objects come with their loaded metadata. */
export interface PropTarget {
  readonly resource: Resource;
  readonly object?: DavObject;
}

export interface PropertySources {
  readonly user: Principal;
  readonly config: Config;
  readonly policy: AccessPolicy;
  readonly store: DavStore;
  /** Memoised per request: the collection brought up to date once. */
  refreshState(c: Collection): Promise<CollectionState>;
  /** Reports supported on a resource (from the report registry). */
  supportedReports(r: Resource): readonly ClarkName[];
  /** Principal by id (owners of shared calendars), memoised. */
  principal(id: string): Promise<Principal | undefined>;
  /** The user's display settings per collection key (PROPPATCH), memoised: one query per request. */
  preferences(): Promise<ReadonlyMap<string, CollectionPreference>>;
}

export interface PropertyDef {
  readonly name: ClarkName;
  /** Listed for DAV:allprop (RFC 4918 §9.1); costly or large values say false. */
  readonly inAllprop: boolean;
  readonly on: readonly ResourceKind[];
  /** `undefined` = not defined for this resource → 404 propstat. */
  get(target: PropTarget, sources: PropertySources, requested?: XmlElement): XmlValue | undefined | Promise<XmlValue | undefined>;
}

export function defineProperty(def: PropertyDef): PropertyDef {
  return def;
}

export class PropertyRegistry {
  private readonly byName = new Map<ClarkName, PropertyDef>();
  constructor(defs: readonly PropertyDef[]) {
    for (const d of defs) {
      if (this.byName.has(d.name)) throw new Error(`property ${d.name} registered twice`);
      this.byName.set(d.name, d);
    }
  }
  get(name: ClarkName): PropertyDef | undefined {
    return this.byName.get(name);
  }
  /** Properties defined on a resource kind, for allprop (`allpropOnly`) and propname. */
  namesFor(kind: ResourceKind, allpropOnly: boolean): ClarkName[] {
    const out: ClarkName[] = [];
    for (const d of this.byName.values()) if (d.on.includes(kind) && (!allpropOnly || d.inAllprop)) out.push(d.name);
    return out;
  }
}

export const ALL_KINDS: readonly ResourceKind[] = [
  'root',
  'principals',
  'principal',
  'calendar-home',
  'addressbook-home',
  'calendar',
  'addressbook',
  'calendar-object',
  'address-object',
];
export const COLLECTIONS: readonly ResourceKind[] = ['calendar', 'addressbook'];
export const OBJECTS: readonly ResourceKind[] = ['calendar-object', 'address-object'];
export const HOMES: readonly ResourceKind[] = ['calendar-home', 'addressbook-home'];

/**
 * Where discovery properties (principal-URL, the home sets, calendar-user-address-set) are
 * answered: the principal for itself, and the roots and homes for the logged-in user, so a client
 * that asks the URL it was given (DAVx5, Thunderbird and iOS probe `/` first) finds them at once.
 */
export const DISCOVERY: readonly ResourceKind[] = ['root', 'principal', 'calendar-home', 'addressbook-home'];

/** The principal a discovery property describes on `r`, or undefined where it is not answered. */
export function discoveredPrincipal(r: Resource, sources: PropertySources): Principal | undefined {
  switch (r.kind) {
    case 'principal':
      return r.principal;
    case 'root':
      return sources.user;
    case 'calendar-home':
    case 'addressbook-home':
      return r.home;
    default:
      return undefined;
  }
}

export const hrefValue = (...hrefs: string[]): XmlValue => ({ children: hrefs.map((h) => ({ name: '{DAV:}href' as ClarkName, text: h })) });
