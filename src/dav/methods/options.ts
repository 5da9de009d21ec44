// OPTIONS (RFC 4918 §10.1): 200 with DAV and Allow on every DAV URL that exists. DAVx5 drops a
// principal whose OPTIONS lacks calendar-access/addressbook; Thunderbird asks the calendar home.
import { allowHeaderFor, DAV_HEADER } from './allow.js';
import type { MethodHandler } from './types.js';

export const options: MethodHandler = {
  method: 'OPTIONS',
  async handle(ctx) {
    const allow = await allowHeaderFor(ctx);
    ctx.res.status(200).set('DAV', DAV_HEADER).set('Allow', allow).set('Content-Length', '0').end();
  },
};
