// The read-mostly access policy (design.md §4, RFC 3744): everyone reads what the store shows
// them; the edit privilege only on the employee's own Termine and Aufgaben, and only with
// CLIENT_EDITS=on. Never bind, unbind, write or all: creates and deletes happen in BrokerStar.
import type { Collection, Principal } from '../storage/types.js';
import { EDIT_PRIVILEGE, type AccessPolicy, type Privilege } from './privileges.js';

const READ: ReadonlySet<Privilege> = new Set(['read', 'read-current-user-privilege-set']);
/**
 * write-properties (colour and order, display-settings.ts) is named only beside write-content:
 * Thunderbird takes write-properties alone for "writable" (CalDavCalendar: write, write-content,
 * write-properties or all) and would unlock editing of a read-only calendar.
 */
const READ_EDIT: ReadonlySet<Privilege> = new Set([...READ, EDIT_PRIVILEGE, 'write-properties']);

export function readMostlyPolicy(opts: { clientEdits: boolean }): AccessPolicy {
  return {
    privileges(principal: Principal, c: Collection | undefined): ReadonlySet<Privilege> {
      if (!opts.clientEdits || !c) return READ;
      const own = c.home.id === principal.id && c.owner.id === principal.id;
      return own && (c.type === 'events' || c.type === 'tasks') ? READ_EDIT : READ;
    },
  };
}
