// 207 Multi-Status (RFC 4918 §13), written as it is produced: one <d:response> at a time with
// backpressure, so a 5,000-member answer never sits in memory as a whole. A client that goes away
// stops the loop at once: leaving it closes the responses' iterators, and with them the database
// cursor and its connection.
import type { Writable } from 'node:stream';
import { ClientGoneError, clientGone, writeChunk } from '../../http/stream-writes.js';
import { DAV } from './names.js';
import { renderNode, ROOT_XMLNS, type XmlNode } from './write.js';

export interface PropStat {
  readonly status: number;
  readonly props: readonly XmlNode[];
}

export interface DavResponse {
  readonly href: string;
  /** Either propstats (PROPFIND-style) or a bare status (404 members, errors). */
  readonly propstats?: readonly PropStat[];
  readonly status?: number;
  /** DAV:error content: one element, or several (a precondition and the employee's message). */
  readonly error?: XmlNode | readonly XmlNode[];
}

export interface Multistatus {
  readonly responses: AsyncIterable<DavResponse> | Iterable<DavResponse>;
  /** Written after the responses (RFC 6578 §6.2). */
  readonly syncToken?: string | (() => string | undefined);
}

const REASONS: Record<number, string> = {
  200: 'OK',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  424: 'Failed Dependency',
  500: 'Internal Server Error',
  507: 'Insufficient Storage',
};

/** Exactly `HTTP/1.1 200 OK`: Thunderbird's CardDAV code and old iOS compare the whole line. */
export const statusLine = (code: number) => `HTTP/1.1 ${code} ${REASONS[code] ?? 'Unknown'}`;

export function renderResponse(r: DavResponse): string {
  const children: XmlNode[] = [{ name: DAV.href, text: r.href }];
  if (r.propstats) {
    // The 200 propstat first: Thunderbird's CardDAV discovery reads only the first status.
    const sorted = [...r.propstats].filter((p) => p.props.length > 0).sort((a, b) => (a.status === 200 ? -1 : b.status === 200 ? 1 : a.status - b.status));
    for (const ps of sorted) {
      children.push({
        name: DAV.propstat,
        children: [
          { name: DAV.prop, children: ps.props },
          { name: DAV.status, text: statusLine(ps.status) },
        ],
      });
    }
  }
  if (r.status !== undefined) children.push({ name: DAV.status, text: statusLine(r.status) });
  if (r.error) children.push({ name: DAV.error, children: Array.isArray(r.error) ? r.error : [r.error as XmlNode] });
  return renderNode({ name: DAV.response, children });
}

const HEAD = `<?xml version="1.0" encoding="utf-8"?>\n<d:multistatus ${ROOT_XMLNS}>`;

export interface HttpOut extends Writable {
  writeHead(status: number, headers: Record<string, string>): unknown;
}

export async function writeMultistatus(out: HttpOut, ms: Multistatus): Promise<void> {
  // Gone while the answer was being prepared: never start the listing (and its cursor).
  if (clientGone(out)) throw new ClientGoneError();
  out.writeHead(207, { 'Content-Type': 'application/xml; charset=utf-8' });
  let batch = HEAD;
  // Batch small responses into larger writes: far fewer syscalls for 5,000-member listings.
  for await (const r of ms.responses) {
    if (clientGone(out)) throw new ClientGoneError();
    batch += renderResponse(r);
    if (batch.length > 32_768) {
      const chunk = batch;
      batch = '';
      // Throws once the client is gone; leaving the loop returns the iterator (cursor released).
      await writeChunk(out, chunk);
    }
  }
  if (clientGone(out)) throw new ClientGoneError();
  const token = typeof ms.syncToken === 'function' ? ms.syncToken() : ms.syncToken;
  if (token !== undefined) batch += renderNode({ name: DAV.syncToken, text: token });
  batch += '</d:multistatus>';
  out.end(batch);
}
