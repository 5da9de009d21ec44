// REPORT (RFC 3253 §3.6): dispatch on the body element through the report registry. Target, body,
// privileges and tokens are validated before the first byte of the 207.
import { badRequest, unsupportedReport } from '../dav-error.js';
import { propertySourcesOf } from '../property-sources.js';
import { reports } from '../reports/index.js';
import { resolvePath } from '../resolve.js';
import { writeMultistatus } from '../xml/multistatus.js';
import type { MethodHandler } from './types.js';

export const report: MethodHandler = {
  method: 'REPORT',
  allowed: { privilege: 'read', on: 'any' },
  async handle(ctx) {
    ctx.depth(0); // validated (400 when malformed); its value does not change any report here
    const body = await ctx.readXml();
    if (!body) throw badRequest('REPORT needs a body');
    const target = await resolvePath(ctx, ctx.path);
    ctx.res.locals.report = body.name; // the metrics' report label (app.ts)
    const handler = reports.get(body.name);
    if (!handler?.supportedOn(target)) throw unsupportedReport(body.name);
    const request = handler.parse(body, ctx);
    const multistatus = await handler.run(request, target, ctx, propertySourcesOf(ctx));
    await writeMultistatus(ctx.res, multistatus);
  },
};
