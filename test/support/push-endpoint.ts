// A Web Push service and user agent in one, on 127.0.0.1, for the WebDAV-Push tests: each
// subscriber has its own P-256 key pair and auth secret and its own URL; what the server POSTs
// there is decrypted with this file's own RFC 8291 (aes128gcm) implementation on node:crypto (not
// the web-push package the server uses, so a bug cannot cancel itself out), and its VAPID
// Authorization header (RFC 8292) is checked: the ES256 signature, aud, exp and the key.
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPush {
  /** The decrypted body (the push-message XML). */
  readonly plaintext: string;
  readonly headers: http.IncomingHttpHeaders;
  /** The VAPID token's claims and key, after the signature was verified. */
  readonly vapid: { readonly aud: string; readonly sub: string; readonly exp: number; readonly k: string };
  readonly at: number;
}

export interface Subscriber {
  /** The push resource (endpoint URL) to register. */
  readonly endpoint: string;
  /** base64url of the uncompressed public key (subscription-public-key). */
  readonly p256dh: string;
  /** base64url of the 16-byte auth secret. */
  readonly auth: string;
  readonly received: ReceivedPush[];
  /** Requests that could not be decrypted or verified (each a reason); should stay empty. */
  readonly rejected: string[];
  /** The status this subscriber's URL answers (201; 410 = the subscription is gone; 0 = never answers). */
  status: number;
  /** Resolves with the `n`th message (1-based) or rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs: number): Promise<ReceivedPush>;
}

export interface PushEndpoint {
  readonly origin: string;
  subscriber(): Subscriber;
  /** Every request that arrived, whatever subscriber (paths). */
  readonly requests: string[];
  close(): Promise<void>;
}

interface SubscriberState extends Subscriber {
  readonly ecdh: ReturnType<typeof createECDH>;
  readonly authSecret: Buffer;
  readonly waiters: Array<() => void>;
}

/** RFC 8291 §3.4 and RFC 8188 §2: one aes128gcm body decrypted for the user agent. */
export function decryptAes128gcm(body: Buffer, ua: ReturnType<typeof createECDH>, authSecret: Buffer): string {
  if (body.length < 21) throw new Error('body shorter than the aes128gcm header');
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  if (idlen !== 65) throw new Error(`keyid is ${idlen} bytes, not an uncompressed P-256 key`);
  const ciphertext = body.subarray(21 + idlen);
  if (ciphertext.length > rs) throw new Error('more than one record: a push message fits in one');
  const ecdhSecret = ua.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ua.getPublicKey(), asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  // The only record has sequence number 0: the nonce is used as derived.
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // The last record ends in the delimiter 0x02 followed by zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.subarray(0, end).toString('utf8');
}

/** RFC 8292 §2-3: `vapid t=<JWT>, k=<key>`, ES256 over the JWT with the key given in k. */
export function verifyVapid(authorization: string | undefined, expectedAudience: string): ReceivedPush['vapid'] {
  const m = /^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!m) throw new Error(`Authorization is not a VAPID header: ${authorization}`);
  const [token, k] = [m[1]!, m[2]!];
  const [h, p, s] = token.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string; typ?: string };
  if (header.alg !== 'ES256') throw new Error(`JWT alg is ${header.alg}`);
  const raw = Buffer.from(k, 'base64url');
  if (raw.length !== 65 || raw[0] !== 4) throw new Error('k is not an uncompressed P-256 key');
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') },
    format: 'jwk',
  });
  const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  if (!ok) throw new Error('VAPID signature does not verify');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { aud?: string; sub?: string; exp?: number };
  if (claims.aud !== expectedAudience) throw new Error(`aud is ${claims.aud}, expected ${expectedAudience}`);
  const now = Date.now() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp <= now || claims.exp > now + 24 * 3600 + 60) throw new Error(`exp ${claims.exp} out of range`);
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) throw new Error(`sub is ${claims.sub}`);
  return { aud: claims.aud, sub: claims.sub, exp: claims.exp, k };
}

export async function startPushEndpoint(): Promise<PushEndpoint> {
  const subscribers = new Map<string, SubscriberState>();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      requests.push(path);
      const sub = subscribers.get(path);
      if (!sub || req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      try {
        if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error(`Content-Encoding is ${req.headers['content-encoding']}`);
        if (!req.headers.ttl) throw new Error('no TTL header (RFC 8030 §5.2)');
        const vapid = verifyVapid(req.headers.authorization, origin);
        const plaintext = decryptAes128gcm(Buffer.concat(chunks), sub.ecdh, sub.authSecret);
        if (sub.status >= 200 && sub.status < 300) sub.received.push({ plaintext, headers: req.headers, vapid, at: Date.now() });
      } catch (e) {
        sub.rejected.push((e as Error).message);
        res.writeHead(400).end();
        return;
      }
      if (sub.status === 0) return; // hangs: the server's timeout must end the request
      res.writeHead(sub.status).end();
      for (const w of sub.waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    requests,
    subscriber() {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const authSecret = randomBytes(16);
      const path = `/push/${randomBytes(9).toString('base64url')}`;
      const state: SubscriberState = {
        endpoint: `${origin}${path}`,
        p256dh: ecdh.getPublicKey().toString('base64url'),
        auth: authSecret.toString('base64url'),
        received: [],
        rejected: [],
        status: 201,
        ecdh,
        authSecret,
        waiters: [],
        waitFor(n, timeoutMs) {
          return new Promise((resolve, reject) => {
            const check = () => {
              const got = state.received[n - 1];
              if (got) {
                clearTimeout(timer);
                resolve(got);
              } else state.waiters.push(check);
            };
            const timer = setTimeout(() => reject(new Error(`push message ${n} did not arrive within ${timeoutMs} ms (got ${state.received.length})`)), timeoutMs);
            check();
          });
        },
      };
      subscribers.set(path, state);
      return state;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
