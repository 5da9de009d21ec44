// The access-policy seam (RFC 3744): one answer per principal and resource, used three ways:
// enforced by handlers, advertised as DAV:current-user-privilege-set, summarised in Allow.
import type { Principal } from '../storage/types.js';
import { DavError } from './errors.js';
import type { Resource } from './resources.js';
import { DAV, type ClarkName } from './xml/names.js';

export type Privilege = ClarkName;

export interface AccessPolicy {
  privileges(principal: Principal, target: Resource): ReadonlySet<Privilege>;
}

/** 403 with DAV:need-privileges naming the resource and the missing privilege (RFC 3744 §7.1.1). */
export function needPrivileges(resourceHref: string, privilege: Privilege, opts: { messageKey?: string; extra?: ClarkName; params?: Record<string, string> } = {}) {
  return new DavError(
    403,
    `missing privilege ${privilege} on ${resourceHref}`,
    {
      name: DAV.needPrivileges,
      children: [
        {
          name: DAV.resource,
          children: [
            { name: DAV.href, text: resourceHref },
            { name: DAV.privilege, children: [{ name: privilege }] },
          ],
        },
      ],
    },
    { messageKey: opts.messageKey ?? 'need-privileges', extra: opts.extra ? [{ name: opts.extra }] : [], params: opts.params ?? {} },
  );
}
