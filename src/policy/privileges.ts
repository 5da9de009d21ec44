// The access-policy seam (RFC 3744, design.md §4): which privileges an employee holds where. dav/
// enforces them, advertises them as DAV:current-user-privilege-set and summarises them in Allow,
// so a client is never offered what is then refused.
import type { Collection, Principal } from '../storage/types.js';

/** The RFC 3744 §3 privileges the server names; all are in the DAV: namespace (dav/ writes them). */
export type Privilege = 'read' | 'read-current-user-privilege-set' | 'write-content' | 'write-properties' | 'bind' | 'unbind' | 'unlock';

/** What changing an existing item needs: PUT asks for it, and every refused edit names it. */
export const EDIT_PRIVILEGE = 'write-content' satisfies Privilege;

export interface AccessPolicy {
  /**
   * The privileges `principal` holds on `collection` and its members; `undefined` stands for
   * everything outside a collection (the root, principals, homes).
   */
  privileges(principal: Principal, collection: Collection | undefined): ReadonlySet<Privilege>;
}
