// Builds the PropContext of a request: memoised collection states and principals, and the
// supported-report lookup.
import type { Collection, CollectionState, Principal } from '../storage/types.js';
import type { DavContext } from './context.js';
import type { PropContext } from './properties/registry.js';
import { reports } from './reports/index.js';

export function propContextOf(ctx: DavContext): PropContext {
  const states = new Map<string, Promise<CollectionState>>();
  const principals = new Map<string, Promise<Principal | undefined>>();
  return {
    user: ctx.user,
    config: ctx.config,
    policy: ctx.policy,
    store: ctx.store,
    state(c: Collection) {
      let s = states.get(c.key);
      if (!s) {
        s = ctx.store.state(c);
        states.set(c.key, s);
      }
      return s;
    },
    supportedReports: (r) => reports.supportedOn(r),
    principal(id: string) {
      let p = principals.get(id);
      if (!p) {
        p = ctx.store.principalById(id);
        principals.set(id, p);
      }
      return p;
    },
  };
}
