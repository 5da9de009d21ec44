// Checks a push registration's subscription (WebDAV-Push draft, RFC 8291 keys) before anything is
// stored: the push resource must be https (plain http only on loopback when PUSH_LOOPBACK_HTTP is
// on, for tests), the key a P-256 point, the auth secret 16 bytes; the expiry is capped.
import { createECDH } from 'node:crypto';
import net from 'node:net';
import { MAX_ENDPOINT_LENGTH, MAX_EXPIRY_DAYS } from './limits.js';

export interface RegistrationInput {
  readonly pushResource: string | undefined;
  /** The `type` attribute of subscription-public-key (undefined when absent). */
  readonly keyType: string | undefined;
  readonly publicKey: string | undefined;
  readonly authSecret: string | undefined;
  readonly contentEncoding: string | undefined;
  /** The `expires` text (IMF-fixdate), undefined when absent. */
  readonly expires: string | undefined;
}

export interface ValidRegistration {
  readonly endpoint: string;
  readonly p256dh: string;
  readonly authSecret: string;
  readonly expiresAt: Date;
}

export type RegistrationCheck =
  | { readonly ok: true; readonly registration: ValidRegistration }
  | { readonly ok: false; readonly problem: 'invalid-subscription' | 'invalid-expiry'; readonly why: string };

export interface RegistrationOptions {
  readonly now: Date;
  /** PUSH_LOOPBACK_HTTP: http://127.0.0.1… accepted (tests). */
  readonly loopbackHttp: boolean;
}

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/** The bytes of a base64url text (padding tolerated), or undefined when it is not one. */
export function base64UrlBytes(text: string): Buffer | undefined {
  const t = text.trim();
  if (!BASE64URL.test(t)) return undefined;
  return Buffer.from(t.replace(/=+$/, ''), 'base64url');
}

/** An uncompressed P-256 point (65 bytes, 0x04 …) that lies on the curve. */
export function isP256PublicKey(key: Buffer): boolean {
  if (key.length !== 65 || key[0] !== 0x04) return false;
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    ecdh.computeSecret(key); // throws for a point that is not on the curve
    return true;
  } catch {
    return false;
  }
}

const isLoopback = (host: string): boolean => {
  const h = host.replace(/^\[|\]$/g, '');
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1';
  return h.toLowerCase() === 'localhost';
};

/** Addresses a push service never has: the server must not be made to POST into its own network. */
const isPrivateAddress = (host: string): boolean => {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return /^(127\.|10\.|0\.|169\.254\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(h);
  if (net.isIPv6(h)) return h === '::1' || h === '::' || /^(fc|fd|fe8|fe9|fea|feb)/.test(h) || h.startsWith('::ffff:');
  return false;
};

function checkEndpoint(raw: string | undefined, loopbackHttp: boolean): string | { why: string } {
  const text = raw?.trim();
  if (!text) return { why: 'push-resource is missing' };
  if (text.length > MAX_ENDPOINT_LENGTH) return { why: `push-resource longer than ${MAX_ENDPOINT_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { why: 'push-resource is not an absolute URL' };
  }
  if (url.username || url.password) return { why: 'push-resource must not carry credentials' };
  if (url.hash) return { why: 'push-resource must not have a fragment' };
  if (url.protocol === 'http:' && loopbackHttp && isLoopback(url.hostname)) return url.toString();
  if (url.protocol !== 'https:') return { why: 'push-resource must be an https URL' };
  if (!loopbackHttp && isPrivateAddress(url.hostname)) return { why: 'push-resource names a local or private address' };
  return url.toString();
}

// IMF-fixdate (RFC 9110 §5.6.7): "Wed, 20 Dec 2023 10:03:31 GMT".
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

function checkExpiry(raw: string | undefined, now: Date): Date | { why: string } {
  const max = new Date(now.getTime() + MAX_EXPIRY_DAYS * 86_400_000);
  if (raw === undefined) return max;
  const text = raw.trim();
  const at = IMF_FIXDATE.test(text) ? new Date(Date.parse(text)) : undefined;
  if (!at || Number.isNaN(at.getTime())) return { why: `expires is not an HTTP date (IMF-fixdate): "${text.slice(0, 60)}"` };
  if (at.getTime() <= now.getTime()) return { why: 'expires lies in the past' };
  return at.getTime() > max.getTime() ? max : at;
}

export function checkRegistration(input: RegistrationInput, opts: RegistrationOptions): RegistrationCheck {
  const invalid = (why: string): RegistrationCheck => ({ ok: false, problem: 'invalid-subscription', why });
  const endpoint = checkEndpoint(input.pushResource, opts.loopbackHttp);
  if (typeof endpoint !== 'string') return invalid(endpoint.why);
  if (input.contentEncoding !== undefined && input.contentEncoding.trim() !== 'aes128gcm') {
    return invalid('content-encoding must be aes128gcm');
  }
  if (input.keyType !== undefined && input.keyType !== 'p256dh') return invalid('subscription-public-key must be of type p256dh');
  const key = input.publicKey === undefined ? undefined : base64UrlBytes(input.publicKey);
  if (!key || !isP256PublicKey(key)) return invalid('subscription-public-key is not an uncompressed P-256 public key in base64url');
  const auth = input.authSecret === undefined ? undefined : base64UrlBytes(input.authSecret);
  if (!auth || auth.length !== 16) return invalid('auth-secret is not 16 bytes in base64url');
  const expiresAt = checkExpiry(input.expires, opts.now);
  if (!(expiresAt instanceof Date)) return { ok: false, problem: 'invalid-expiry', why: expiresAt.why };
  return {
    ok: true,
    registration: { endpoint, p256dh: key.toString('base64url'), authSecret: auth.toString('base64url'), expiresAt },
  };
}
