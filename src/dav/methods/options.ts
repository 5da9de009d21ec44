// OPTIONS (RFC 4918 §10.1): 200 with DAV and Allow on every DAV URL. DAVx5 drops a principal
// whose OPTIONS lacks calendar-access/addressbook; Thunderbird asks the calendar home.
import { resolvePath } from '../resolve.js';
import { allowedMethods, DAV_HEADER } from './allow.js';
import type { MethodHandler } from './types.js';

export const options: MethodHandler = {
  method: 'OPTIONS',
  async handle(ctx) {
    const resource = await resolvePath(ctx, ctx.path);
    ctx.res
      .status(200)
      .set('DAV', DAV_HEADER)
      .set('Allow', allowedMethods(ctx.policy, ctx.user, resource).join(', '))
      .set('Content-Length', '0')
      .end();
  },
};
