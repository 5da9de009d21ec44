// The DAV:error body of a refusal (RFC 4918 §16): an XML answer whose root is DAV:error, and its conditions.
import { expect } from 'vitest';
import { D, parseXmlDocument, type Node } from './multistatus.js';
import type { Reply } from './server.js';

/** The DAV:error root and the Clark names of its children; fails unless the body is a DAV:error. */
export async function davError(r: Reply): Promise<{ names: string[]; root: Node }> {
  expect(r.headers.get('content-type'), r.text).toMatch(/^application\/xml/);
  const root = await parseXmlDocument(r.text);
  expect(root.name).toBe(D('error'));
  return { names: root.children.map((c) => c.name), root };
}
