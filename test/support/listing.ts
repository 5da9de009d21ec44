// A client's listing of a collection before it edits (PROPFIND Depth 1 of DAV:getetag): member href → ETag.
import { expect } from 'vitest';
import { D, propText } from './multistatus.js';
import type { TestServer } from './server.js';

/** The listing every client takes first; must answer 207. Members without an ETag are left out. */
export async function listEtags(dav: TestServer, collection: string): Promise<Map<string, string>> {
  const r = await dav.propfind(collection, '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>', '1');
  expect(r.status).toBe(207);
  const out = new Map<string, string>();
  for (const [href, entry] of r.ms.responses) {
    const etag = propText(entry, D('getetag'));
    if (etag) out.set(href, etag);
  }
  return out;
}
