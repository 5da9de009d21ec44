// A collection's push topic: an HMAC of its key under the server's secret (dav.push_key), so the
// topic identifies the collection to the phone that subscribed and reveals nothing to anyone else
// (not the employee, not the kind of collection). 22 characters: fits Web Push's Topic header.
import { createHmac } from 'node:crypto';

export function topicOf(secret: Buffer, collectionKey: string): string {
  return createHmac('sha256', secret).update(`webdav-push:${collectionKey}`).digest().subarray(0, 16).toString('base64url');
}
