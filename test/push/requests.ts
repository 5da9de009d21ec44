// The WebDAV-Push requests the tests send, shaped like DAVx5's (dav4jvm's PushRegister test and the
// draft's sample-push-register.xml).
import { expect } from 'vitest';
import { parseMultistatus } from '../support/multistatus.js';
import type { Reply, TestServer } from '../support/server.js';

export const PUSH_NS = 'https://bitfire.at/webdav-push';

export interface RegisterSpec {
  readonly endpoint: string;
  readonly p256dh: string;
  readonly auth: string;
  /** IMF-fixdate; absent = the server's default. */
  readonly expires?: string;
  /** Replaces the trigger element ('' = none). */
  readonly trigger?: string;
  readonly keyType?: string;
}

export const CONTENT_TRIGGER = `<P:trigger><P:content-update><D:depth>1</D:depth></P:content-update></P:trigger>`;

export function pushRegister(s: RegisterSpec): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<P:push-register xmlns:P="${PUSH_NS}" xmlns:D="DAV:">
  <P:subscription>
    <P:web-push-subscription>
      <P:push-resource>${s.endpoint}</P:push-resource>
      <P:content-encoding>aes128gcm</P:content-encoding>
      <P:subscription-public-key type="${s.keyType ?? 'p256dh'}">${s.p256dh}</P:subscription-public-key>
      <P:auth-secret>${s.auth}</P:auth-secret>
    </P:web-push-subscription>
  </P:subscription>
  ${s.trigger ?? CONTENT_TRIGGER}
  ${s.expires ? `<P:expires>${s.expires}</P:expires>` : ''}
</P:push-register>`;
}

/** The path of the registration URL a 201 gave. */
export function registrationPath(r: Reply): string {
  const location = r.headers.get('location');
  expect(location).toBeTruthy();
  return new URL(location!).pathname;
}

/** The collection's push topic as PROPFIND reports it. */
export async function pushTopicOf(dav: TestServer, path: string): Promise<string> {
  const r = await dav.propfind(path, `<d:propfind xmlns:d="DAV:" xmlns:P="${PUSH_NS}"><d:prop><P:topic/></d:prop></d:propfind>`, '0');
  expect(r.status).toBe(207);
  const ms = await parseMultistatus(r.text);
  const topic = [...ms.responses.values()][0]?.props.get(`{${PUSH_NS}}topic`);
  expect(topic?.status).toContain(' 200 ');
  return topic!.el.text;
}
