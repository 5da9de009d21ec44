// Every HTTP method the DAV tree answers, one handler each, in the order Allow lists them.
import type { DavContext } from '../context.js';
import { allowHeader } from './allow.js';
import { get, head } from './get.js';
import { optionsMethod } from './options.js';
import { propfind } from './propfind.js';
import { proppatch } from './proppatch.js';
import { post } from './post.js';
import { put } from './put.js';
import { deleteMethod } from './push-unregister.js';
import { refusedMethods } from './refused-methods.js';
import { report } from './report.js';
import type { MethodHandler } from './types.js';

/** The Allow of the request URL from this registry: OPTIONS, and 405 for an unknown method. */
export const allowHeaderFor = (ctx: DavContext): Promise<string> => allowHeader(ctx, methods.values());

/** WebDAV-Push's POST and DELETE handle their own URLs and bodies and fall back to these refusals. */
const refusedByMethod = new Map(refusedMethods.map((h) => [h.method, h]));

export const methods: ReadonlyMap<string, MethodHandler> = new Map(
  [optionsMethod(allowHeaderFor), get, head, propfind, proppatch, report, put, ...refusedMethods]
    .concat(post(refusedByMethod.get('POST')!), deleteMethod(refusedByMethod.get('DELETE')!))
    .map((h) => [h.method, h]),
);
