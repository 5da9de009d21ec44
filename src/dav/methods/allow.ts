// What the Allow and DAV headers say (RFC 4918 §10.1, RFC 9110 §10.2.1): the methods of the
// registry whose privilege the policy grants on the URL, the same check the handlers enforce, so a
// client is never offered a method that then fails.
import type { DavContext } from '../context.js';
import { privilegesOn, type Privilege } from '../policy.js';
import { resolveExisting } from '../resolve.js';
import { isCollectionResource, isObjectResource, type Resource } from '../resources.js';
import type { MethodHandler } from './types.js';

/**
 * No calendar-auto-schedule / calendar-schedule: the server does not schedule, so Thunderbird and
 * Outlook send their own invitations instead of expecting an outbox.
 */
export const DAV_HEADER = '1, 3, access-control, calendar-access, addressbook';

export function allowedMethods(handlers: Iterable<MethodHandler>, granted: ReadonlySet<Privilege>, r: Resource): string[] {
  const methods: string[] = [];
  for (const { method, allowed } of handlers) {
    if (allowed === 'never' || !granted.has(allowed.privilege)) continue;
    if (allowed.on === 'members' && !isObjectResource(r)) continue;
    if (allowed.on === 'collections' && !isCollectionResource(r)) continue;
    methods.push(method);
  }
  return methods;
}

/**
 * The Allow header for the request URL. 404 when nothing is there, a member that does not exist
 * included: PUT there would be a create, which is refused.
 */
export async function allowHeader(ctx: DavContext, handlers: Iterable<MethodHandler>): Promise<string> {
  const resource = await resolveExisting(ctx, ctx.path);
  return allowedMethods(handlers, privilegesOn(ctx.policy, ctx.user, resource), resource).join(', ');
}
