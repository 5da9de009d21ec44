// Every HTTP method the DAV tree answers, one handler each.
import { get, head } from './get.js';
import { options } from './options.js';
import { propfind } from './propfind.js';
import { put } from './put.js';
import { refusedMethods } from './refuse.js';
import { report } from './report.js';
import type { MethodHandler } from './types.js';

export const methods: ReadonlyMap<string, MethodHandler> = new Map(
  [options, propfind, report, get, head, put, ...refusedMethods].map((h) => [h.method, h]),
);
