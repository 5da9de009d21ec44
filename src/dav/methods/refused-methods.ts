// The methods a read-mostly server refuses (design.md §4), looked up in the refusal catalogue
// (policy/refusals.ts): always 403 with DAV:need-privileges, the precondition element and the
// employee's sentence. A refused DELETE of an item re-announces it so clients restore it.
import { REFUSALS, type Refusal } from '../../policy/refusals.js';
import { throwRefusal } from '../refusals.js';
import { resolveExisting } from '../resolve.js';
import { isObjectResource } from '../resources.js';
import type { MethodHandler } from './types.js';

/** These name a collection to be made, which does not exist: refused at the URL as sent. */
const AT_NEW_URL: ReadonlySet<string> = new Set(['MKCOL', 'MKCALENDAR']);

/** Any other target must exist for this user (404 otherwise, so no existence leaks). */
function refusedMethod(method: string, refusal: Refusal): MethodHandler {
  return {
    method,
    allowed: 'never',
    async handle(ctx) {
      await throwRefusal(ctx, refusal, AT_NEW_URL.has(method) ? ctx.path : await resolveExisting(ctx, ctx.path));
    },
  };
}

const del: MethodHandler = {
  method: 'DELETE',
  allowed: 'never',
  async handle(ctx) {
    const target = await resolveExisting(ctx, ctx.path);
    await throwRefusal(ctx, isObjectResource(target) ? REFUSALS.deleteItem[target.collection.type] : REFUSALS.deleteCollection, target);
  },
};

export const refusedMethods: MethodHandler[] = [del, ...Object.entries(REFUSALS.method).map(([m, refusal]) => refusedMethod(m, refusal))];
