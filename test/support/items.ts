// A client's GET and PUT of one calendar item, as the write tests send them.
import { expect } from 'vitest';
import type { Reply, TestServer } from './server.js';

const CALENDAR_CONTENT_TYPE = 'text/calendar; charset=utf-8';

/** GET of an item, which must answer 200. */
export async function getOk(dav: TestServer, href: string): Promise<Reply> {
  const r = await dav.request('GET', href);
  expect(r.status, `GET ${href}`).toBe(200);
  return r;
}

/** An item as a client reads it before editing: its body, ETag and Last-Modified header. */
export async function getItem(dav: TestServer, href: string): Promise<{ text: string; etag: string; lastModified: string }> {
  const r = await getOk(dav, href);
  return { text: r.text, etag: r.headers.get('etag')!, lastModified: r.headers.get('last-modified')! };
}

/** PUT of an iCalendar body; `headers` add to (or override) its Content-Type. */
export function putCalendar(dav: TestServer, href: string, body: string, headers: Record<string, string> = {}): Promise<Reply> {
  return dav.request('PUT', href, { body, headers: { 'Content-Type': CALENDAR_CONTENT_TYPE, ...headers } });
}
