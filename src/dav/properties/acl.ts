// RFC 3744 §5.4 current-user-privilege-set: straight from the access policy, so what clients are
// told always matches what handlers enforce.
import { DAV } from '../xml/names.js';
import { ALL_KINDS, defineProperty } from './registry.js';

export const aclProperties = [
  defineProperty({
    name: DAV.currentUserPrivilegeSet,
    inAllprop: false,
    on: ALL_KINDS,
    get: ({ resource }, ctx) => ({
      children: [...ctx.policy.privileges(ctx.user, resource)].map((p) => ({ name: DAV.privilege, children: [{ name: p }] })),
    }),
  }),
];
