// The access policy (policy/privileges.ts) as DAV speaks it (RFC 3744): the privileges on a
// resource, used three ways: enforced by handlers, advertised as DAV:current-user-privilege-set,
// summarised in Allow.
import type { AccessPolicy, Privilege } from '../policy/privileges.js';
import type { Principal } from '../storage/types.js';
import { isCollectionResource, isObjectResource, type Resource } from './resources.js';
import { clark, NS, type ClarkName } from './xml/names.js';

export type { AccessPolicy, Privilege };

/**
 * A member has the privileges of its collection but write-properties (an item's properties are its
 * content, BrokerStar's); the root, principals and homes those of no collection.
 */
export function privilegesOn(policy: AccessPolicy, user: Principal, r: Resource): ReadonlySet<Privilege> {
  const granted = policy.privileges(user, isCollectionResource(r) || isObjectResource(r) ? r.collection : undefined);
  if (!isObjectResource(r) || !granted.has('write-properties')) return granted;
  return new Set([...granted].filter((p) => p !== 'write-properties'));
}

/** A privilege's element: RFC 3744 §3 defines them all in the DAV: namespace. */
export const privilegeName = (p: Privilege): ClarkName => clark(NS.DAV, p);
