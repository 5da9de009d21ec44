// RFC 3744 §5.4 current-user-privilege-set: straight from the access policy, so what clients are
// told always matches what handlers enforce and what Allow offers.
import { privilegeName, privilegesOn } from '../policy.js';
import { DAV } from '../xml/names.js';
import { ALL_KINDS, defineProperty } from './registry.js';

export const aclProperties = [
  defineProperty({
    name: DAV.currentUserPrivilegeSet,
    inAllprop: false,
    on: ALL_KINDS,
    get: ({ resource }, sources) => ({
      children: [...privilegesOn(sources.policy, sources.user, resource)].map((p) => ({ name: DAV.privilege, children: [{ name: privilegeName(p) }] })),
    }),
  }),
];
