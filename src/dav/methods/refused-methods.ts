// The methods a read-mostly server refuses (design.md §4): always 403 with DAV:need-privileges
// (without it DAVx5 stops syncing the collection), the project's own precondition element and a
// sentence for the user. A refused DELETE re-announces the item so clients restore it.
import { needPrivileges } from '../policy.js';
import { resolveExisting } from '../resolve.js';
import { hrefOf, isObjectResource, type Resource } from '../resources.js';
import { BS, DAV, type ClarkName } from '../xml/names.js';
import type { MethodHandler } from './types.js';

const deleteKey = (r: Resource) => {
  if (!isObjectResource(r)) return 'collections-fixed';
  if (r.collection.type === 'contacts') return 'delete-contact';
  return r.collection.type === 'tasks' ? 'delete-task' : 'delete-appointment';
};

/** The target must exist for this user (404 otherwise, so no existence leaks). */
function refusal(method: string, privilege: ClarkName, messageKey: string, element: ClarkName, resolveTarget = true): MethodHandler {
  return {
    method,
    async handle(ctx) {
      const target = resolveTarget ? await resolveExisting(ctx, ctx.path) : undefined;
      const where = target ? hrefOf(target) : ctx.path;
      throw needPrivileges(where, privilege, { messageKey, extra: element });
    },
  };
}

export const del: MethodHandler = {
  method: 'DELETE',
  async handle(ctx) {
    const target = await resolveExisting(ctx, ctx.path);
    if (isObjectResource(target)) {
      // DAVx5 and Thunderbird's address book delete locally whatever we answer: announce the
      // server's copy again so their next sync brings it back.
      await ctx.store.reannounce(target.collection, target.name, { delaySeconds: 0, reason: 'refused DELETE' });
    }
    throw needPrivileges(hrefOf(target), DAV.unbind, { messageKey: deleteKey(target), extra: BS.deleteInBrokerstar });
  },
};

export const refusedMethods: MethodHandler[] = [
  del,
  refusal('MKCOL', DAV.bind, 'collections-fixed', BS.methodNotSupported, false),
  refusal('MKCALENDAR', DAV.bind, 'collections-fixed', BS.methodNotSupported, false),
  refusal('MOVE', DAV.unbind, 'method-not-allowed', BS.methodNotSupported),
  refusal('COPY', DAV.bind, 'method-not-allowed', BS.methodNotSupported),
  refusal('LOCK', DAV.writeContent, 'locking-unsupported', BS.methodNotSupported),
  refusal('UNLOCK', DAV.unlock, 'locking-unsupported', BS.methodNotSupported),
  refusal('PROPPATCH', DAV.writeProperties, 'properties-read-only', BS.propertiesReadOnly),
  refusal('POST', DAV.bind, 'method-not-allowed', BS.methodNotSupported),
  refusal('ACL', DAV.writeProperties, 'method-not-allowed', BS.methodNotSupported),
];
