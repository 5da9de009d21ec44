// DELETE of a WebDAV-Push registration URL (draft, "Subscription Removal"): 204 when the employee's
// own registration was removed, 404 for an unknown, expired or someone else's one. Every other
// DELETE (items, collections) is refused as before (`fallback`).
import { notFound } from '../dav-error.js';
import { registrationIdOf } from './post.js';
import type { MethodHandler } from './types.js';

export function deleteMethod(fallback: MethodHandler): MethodHandler {
  return {
    method: 'DELETE',
    allowed: fallback.allowed,
    async handle(ctx) {
      const id = registrationIdOf(ctx.path);
      if (id === undefined || !ctx.config.webdavPush) return fallback.handle(ctx);
      if (id === '' || !(await ctx.store.unregisterPush(ctx.user, id))) throw notFound('no such push registration');
      ctx.log.info({ subscription: id }, 'push subscription removed');
      ctx.res.status(204).end();
    },
  };
}
