// The push message body (WebDAV-Push draft, "Push Message"; what dav4jvm's PushMessage reads): the
// topic and the collection's new sync token, nothing else.
import { escapeXml } from '../text/xml-escape.js';

export const PUSH_NS = 'https://bitfire.at/webdav-push';

export function pushMessageXml(topic: string, syncToken: string): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?>\n` +
    `<P:push-message xmlns:D="DAV:" xmlns:P="${PUSH_NS}">` +
    `<P:topic>${escapeXml(topic)}</P:topic>` +
    `<P:content-update><D:sync-token>${escapeXml(syncToken)}</D:sync-token></P:content-update>` +
    `</P:push-message>`
  );
}
