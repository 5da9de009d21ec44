// A client's requests to the test server: its own headers on each, Depth only where given, 207 where a multistatus is due.
import { expect } from 'vitest';
import type { Multistatus } from './multistatus.js';
import type { Reply, TestServer } from './server.js';

export type Depth = '0' | '1';

/** A request with the client's headers, and a Depth header only when `depth` is given. */
export function sendAs(dav: TestServer, headers: Record<string, string>, method: string, path: string, body?: string, depth?: Depth): Promise<Reply> {
  return dav.request(method, path, { body, headers: { ...headers, ...(depth ? { Depth: depth } : {}) } });
}

/** PROPFIND (Depth 0 when none is given) or REPORT (no Depth header when none is given), answered 207. */
export async function multistatusAs(
  dav: TestServer,
  headers: Record<string, string>,
  method: string,
  path: string,
  body: string,
  depth?: Depth,
): Promise<Multistatus> {
  const r =
    method === 'PROPFIND'
      ? await dav.propfind(path, body, depth ?? '0', { headers })
      : await dav.report(path, body, { ...(depth ? { depth } : {}), headers });
  expect(r.status, `${method} ${path}: ${r.text.slice(0, 300)}`).toBe(207);
  return r.ms;
}
