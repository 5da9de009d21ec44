// One delivery to a push service (RFC 8030): the message encrypted for the subscription (RFC 8291,
// aes128gcm) and signed with the server's VAPID key (RFC 8292), both by the web-push package; the
// request itself goes out through fetch with a timeout, which also reaches a loopback http
// endpoint in tests. 404/410 mean the subscription is gone for good.
import webpush from 'web-push';
import { MESSAGE_TTL_SECONDS, SEND_TIMEOUT_MS } from './limits.js';

export interface VapidKeys {
  readonly publicKey: string;
  readonly privateKey: string;
  /** mailto: or https: contact the push service sees (VAPID_SUBJECT, else derived). */
  readonly subject: string;
}

export interface PushTarget {
  readonly endpoint: string;
  readonly p256dh: string;
  readonly authSecret: string;
}

export type Delivery = { readonly kind: 'sent' } | { readonly kind: 'gone'; readonly status: number } | { readonly kind: 'failed'; readonly why: string };

export interface SendOptions {
  /** Web Push Topic header: a newer message for the same collection replaces an undelivered one. */
  readonly topic: string;
  readonly timeoutMs?: number;
}

export async function deliver(target: PushTarget, payload: string, vapid: VapidKeys, opts: SendOptions): Promise<Delivery> {
  let details: webpush.RequestDetails;
  try {
    details = webpush.generateRequestDetails(
      { endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.authSecret } },
      payload,
      {
        vapidDetails: { subject: vapid.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
        contentEncoding: 'aes128gcm',
        TTL: MESSAGE_TTL_SECONDS,
        topic: opts.topic,
        urgency: 'normal',
      },
    );
  } catch (e) {
    return { kind: 'failed', why: `cannot encrypt for this subscription: ${(e as Error).message}` };
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(details.headers)) if (v !== undefined) headers[k] = String(v);
  headers['Content-Type'] = 'application/octet-stream';
  try {
    const res = await fetch(details.endpoint, {
      method: 'POST',
      headers,
      body: details.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs ?? SEND_TIMEOUT_MS),
    });
    await res.body?.cancel().catch(() => undefined);
    if (res.status === 404 || res.status === 410) return { kind: 'gone', status: res.status };
    if (res.status >= 200 && res.status < 300) return { kind: 'sent' };
    return { kind: 'failed', why: `push service answered ${res.status}` };
  } catch (e) {
    return { kind: 'failed', why: (e as Error).name === 'TimeoutError' ? 'push service did not answer in time' : (e as Error).message };
  }
}

/** VAPID_SUBJECT, else PUBLIC_URL when it is https, else a mailto: of the server's host. */
export function vapidSubjectOf(config: { readonly vapidSubject: string | undefined; readonly publicUrl: string | undefined }, hostName: string): string {
  if (config.vapidSubject) return config.vapidSubject;
  if (config.publicUrl) {
    const url = new URL(config.publicUrl);
    if (url.protocol === 'https:') return url.origin;
    return `mailto:webdav-push@${url.hostname}`;
  }
  return `mailto:webdav-push@${hostName}`;
}
