// OPTIONS (RFC 4918 §10.1): 200 with DAV and Allow on every DAV URL that exists. DAVx5 drops a
// principal whose OPTIONS lacks calendar-access/addressbook; Thunderbird asks the calendar home.
import type { DavContext } from '../context.js';
import { DAV_HEADER } from './allow.js';
import type { MethodHandler } from './types.js';

/** `allowHeaderFor` comes from the registry OPTIONS is part of (index.ts), which lists OPTIONS too. */
export function optionsMethod(allowHeaderFor: (ctx: DavContext) => Promise<string>): MethodHandler {
  return {
    method: 'OPTIONS',
    allowed: { privilege: 'read', on: 'any' },
    async handle(ctx) {
      const allow = await allowHeaderFor(ctx);
      // WebDAV-Push draft, "Service Detection": the collections advertise it (docs/webdav-push.md).
      const dav = ctx.config.webdavPush ? `${DAV_HEADER}, webdav-push` : DAV_HEADER;
      ctx.res.status(200).set('DAV', dav).set('Allow', allow).set('Content-Length', '0').end();
    },
  };
}
