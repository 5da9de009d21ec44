// The pure parts of WebDAV-Push: the VAPID subject, the topic, the message body and the checks of
// a registration's expiry, without a server.
import { createECDH, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pushMessageXml } from '../../src/push/message.js';
import { checkRegistration } from '../../src/push/registration.js';
import { vapidSubjectOf } from '../../src/push/sender.js';
import { topicOf } from '../../src/push/topic.js';
import { parseXmlDocument } from '../support/multistatus.js';

const NOW = new Date('2026-12-07T12:00:00Z');

function input(over: Partial<Parameters<typeof checkRegistration>[0]> = {}) {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    pushResource: 'https://push.example.net/x',
    keyType: 'p256dh',
    publicKey: ecdh.getPublicKey().toString('base64url'),
    authSecret: randomBytes(16).toString('base64url'),
    contentEncoding: undefined,
    expires: undefined,
    ...over,
  };
}

describe('the VAPID subject', () => {
  it('is VAPID_SUBJECT, else an https PUBLIC_URL, else a mailto: of the host', () => {
    expect(vapidSubjectOf({ vapidSubject: 'mailto:it@firma.ch', publicUrl: 'https://dav.firma.ch' }, 'h')).toBe('mailto:it@firma.ch');
    expect(vapidSubjectOf({ vapidSubject: undefined, publicUrl: 'https://dav.firma.ch/' }, 'h')).toBe('https://dav.firma.ch');
    expect(vapidSubjectOf({ vapidSubject: undefined, publicUrl: 'http://dav.firma.local:8008' }, 'h')).toBe('mailto:webdav-push@dav.firma.local');
    expect(vapidSubjectOf({ vapidSubject: undefined, publicUrl: undefined }, 'server1')).toBe('mailto:webdav-push@server1');
  });
});

describe('the topic', () => {
  it('is stable per collection and secret, differs between collections and secrets, and shows no key', () => {
    const secret = randomBytes(32);
    const a = topicOf(secret, 'contacts:12');
    expect(topicOf(secret, 'contacts:12')).toBe(a);
    expect(topicOf(secret, 'contacts:13')).not.toBe(a);
    expect(topicOf(randomBytes(32), 'contacts:12')).not.toBe(a);
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(a).not.toContain('12');
  });
});

describe('the message', () => {
  it('holds the topic and the sync token, escaped', async () => {
    const root = await parseXmlDocument(pushMessageXml('abc', 'urn:x:sync:1-2&<3>'));
    expect(root.name).toBe('{https://bitfire.at/webdav-push}push-message');
    expect(root.children.map((c) => c.name)).toEqual(['{https://bitfire.at/webdav-push}topic', '{https://bitfire.at/webdav-push}content-update']);
    expect(root.children[1]!.children[0]!.text).toBe('urn:x:sync:1-2&<3>');
  });
});

describe('a registration', () => {
  it('gets seven days when it asks for none or for more, and what it asks for when less', () => {
    const none = checkRegistration(input(), { now: NOW, loopbackHttp: false });
    expect(none.ok && none.registration.expiresAt.toISOString()).toBe('2026-12-14T12:00:00.000Z');
    const far = checkRegistration(input({ expires: 'Fri, 01 Jan 2027 00:00:00 GMT' }), { now: NOW, loopbackHttp: false });
    expect(far.ok && far.registration.expiresAt.toISOString()).toBe('2026-12-14T12:00:00.000Z');
    const near = checkRegistration(input({ expires: 'Wed, 09 Dec 2026 08:30:00 GMT' }), { now: NOW, loopbackHttp: false });
    expect(near.ok && near.registration.expiresAt.toISOString()).toBe('2026-12-09T08:30:00.000Z');
  });

  it('takes plain http only on loopback, and only with PUSH_LOOPBACK_HTTP', () => {
    expect(checkRegistration(input({ pushResource: 'http://127.0.0.1:8080/p' }), { now: NOW, loopbackHttp: true }).ok).toBe(true);
    expect(checkRegistration(input({ pushResource: 'http://[::1]:8080/p' }), { now: NOW, loopbackHttp: true }).ok).toBe(true);
    expect(checkRegistration(input({ pushResource: 'http://127.0.0.1:8080/p' }), { now: NOW, loopbackHttp: false }).ok).toBe(false);
    expect(checkRegistration(input({ pushResource: 'http://push.example.net/p' }), { now: NOW, loopbackHttp: true }).ok).toBe(false);
    expect(checkRegistration(input({ pushResource: 'https://[fd00::1]/p' }), { now: NOW, loopbackHttp: false }).ok).toBe(false);
    expect(checkRegistration(input({ pushResource: 'https://10.1.2.3/p' }), { now: NOW, loopbackHttp: false }).ok).toBe(false);
  });

  it('refuses another content encoding and a key of another type', () => {
    expect(checkRegistration(input({ contentEncoding: 'aesgcm' }), { now: NOW, loopbackHttp: false })).toMatchObject({ ok: false, problem: 'invalid-subscription' });
    expect(checkRegistration(input({ keyType: 'p256ecdsa' }), { now: NOW, loopbackHttp: false })).toMatchObject({ ok: false, problem: 'invalid-subscription' });
  });
});
