// PUT (RFC 4918 §9.7, RFC 4791 §5.3.2): creates are refused (data is created in BrokerStar);
// an update passes the policy's privilege check, then the edit rules decide field by field.
import type { DavContext } from '../context.js';
import { DavError } from '../errors.js';
import { needPrivileges } from '../policy.js';
import { resolvePath } from '../resolve.js';
import { hrefOf, isObjectResource } from '../resources.js';
import { BS, DAV } from '../xml/names.js';
import type { MethodHandler } from './types.js';

const createKey = (type: string) =>
  type === 'contacts' ? 'create-contact' : type === 'tasks' ? 'create-task' : 'create-appointment';

export const put: MethodHandler = {
  method: 'PUT',
  async handle(ctx: DavContext) {
    const target = await resolvePath(ctx, ctx.path);
    if (!isObjectResource(target)) {
      throw needPrivileges(hrefOf(target), DAV.bind, { messageKey: 'collections-fixed', extra: BS.methodNotSupported });
    }
    const c = target.collection;
    const existing = (await ctx.store.getObjects(c, [target.name], { withBody: true })).get(target.name);
    if (!existing) {
      throw needPrivileges(hrefOf(target), DAV.bind, { messageKey: createKey(c.type), extra: BS.createInBrokerstar });
    }
    if (!ctx.policy.privileges(ctx.user, target).has(DAV.writeContent)) {
      const key = c.type === 'contacts' ? 'edit-contact' : c.type === 'shared-events' ? 'not-owner-appointment' : 'read-only';
      await ctx.store.reannounce(c, target.name, { delaySeconds: 0, reason: 'refused PUT' });
      throw needPrivileges(hrefOf(target), DAV.writeContent, { messageKey: key, extra: c.type === 'contacts' ? BS.contactsReadOnly : BS.readOnlyCollection });
    }
    // Applying allowed edits is the write path's job (edit rules); until then every edit is refused.
    throw new DavError(403, 'edits are not implemented yet', undefined, { messageKey: 'need-privileges' });
  },
};
