// What property values are computed from during one request: the user, the store, memoised
// collection states and principals, and the supported-report lookup.
import type { Collection, CollectionPreference, CollectionState, Principal } from '../storage/types.js';
import type { DavContext } from './context.js';
import type { PropertySources } from './properties/registry.js';
import { reports } from './reports/index.js';

export function propertySourcesOf(ctx: DavContext): PropertySources {
  const states = new Map<string, Promise<CollectionState>>();
  const principals = new Map<string, Promise<Principal | undefined>>();
  let preferences: Promise<ReadonlyMap<string, CollectionPreference>> | undefined;
  return {
    user: ctx.user,
    config: ctx.config,
    policy: ctx.policy,
    store: ctx.store,
    refreshState(c: Collection) {
      let s = states.get(c.key);
      if (!s) {
        s = ctx.store.refreshState(c);
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
    preferences() {
      preferences ??= ctx.store.collectionPreferences(ctx.user);
      return preferences;
    },
  };
}
