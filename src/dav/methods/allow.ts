// What the Allow and DAV headers say (RFC 4918 §10.1, RFC 7231 §7.4.1): derived from the same
// policy the handlers enforce, so a client is never offered a method that then fails.
import type { Principal } from '../../storage/types.js';
import type { DavContext } from '../context.js';
import type { AccessPolicy } from '../policy.js';
import { resolveExisting } from '../resolve.js';
import { isObjectResource, type Resource } from '../resources.js';
import { DAV } from '../xml/names.js';

/**
 * No calendar-auto-schedule / calendar-schedule: the server does not schedule, so Thunderbird and
 * Outlook send their own invitations instead of expecting an outbox.
 */
export const DAV_HEADER = '1, 3, access-control, calendar-access, addressbook';

const READ_METHODS = ['OPTIONS', 'GET', 'HEAD', 'PROPFIND', 'REPORT'];

export function allowedMethods(policy: AccessPolicy, user: Principal, r: Resource): string[] {
  const methods = [...READ_METHODS];
  if (isObjectResource(r) && policy.privileges(user, r).has(DAV.writeContent)) methods.push('PUT');
  return methods;
}

/**
 * The Allow header for the request URL (OPTIONS, and 405 for unknown methods). 404 when nothing is
 * there, a member that does not exist included: PUT there would be a create, which is refused.
 */
export async function allowHeaderFor(ctx: DavContext): Promise<string> {
  const resource = await resolveExisting(ctx, ctx.path);
  return allowedMethods(ctx.policy, ctx.user, resource).join(', ');
}
