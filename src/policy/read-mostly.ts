// The read-mostly access policy (design.md §4, RFC 3744): everyone reads what the store shows
// them; write-content only on the employee's own Termine and Aufgaben, and only with
// CLIENT_EDITS=on. Never bind, unbind, write or all: creates and deletes happen in BrokerStar.
import type { AccessPolicy, Privilege } from '../dav/policy.js';
import { isCollectionResource, isObjectResource, type Resource } from '../dav/resources.js';
import { DAV } from '../dav/xml/names.js';
import type { Principal } from '../storage/types.js';

const READ: ReadonlySet<Privilege> = new Set([DAV.read, DAV.readCurrentUserPrivilegeSet]);
const READ_EDIT: ReadonlySet<Privilege> = new Set([DAV.read, DAV.readCurrentUserPrivilegeSet, DAV.writeContent]);

export function readMostlyPolicy(opts: { clientEdits: boolean }): AccessPolicy {
  return {
    privileges(principal: Principal, target: Resource): ReadonlySet<Privilege> {
      if (!opts.clientEdits) return READ;
      if (!isCollectionResource(target) && !isObjectResource(target)) return READ;
      const c = target.collection;
      const own = c.home.id === principal.id && c.owner.id === principal.id;
      return own && (c.type === 'events' || c.type === 'tasks') ? READ_EDIT : READ;
    },
  };
}
