// Bad push registrations and unregistrations: each a clear 4xx (a DAV:error naming the draft's
// precondition where there is one), never a 500, and nothing stored.
import { createECDH, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ANNA, startAnnaServer } from '../support/anna.js';
import { AUFGABEN, KONTAKTE, TERMINE } from '../support/collections.js';
import { davError } from '../support/dav-error.js';
import { BS } from '../support/multistatus.js';
import type { TestServer } from '../support/server.js';
import { CONTENT_TRIGGER, pushRegister, PUSH_NS, registrationPath, type RegisterSpec } from './requests.js';

const P = (local: string) => `{${PUSH_NS}}${local}`;
const BRUNO = 'bruno.keller';

function keys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') };
}

const good = (over: Partial<RegisterSpec> = {}): RegisterSpec => ({ endpoint: 'https://push.example.net/wpush/v2/abc', ...keys(), ...over });

describe('push-register with bad input', () => {
  let dav: TestServer;
  let taskId = '';
  beforeAll(async () => {
    dav = await startAnnaServer(
      async ({ b, anna }) => {
        await b.addEmployee({ username: BRUNO });
        taskId = await b.addTask({ subject: 'Offerte', assigneeId: anna });
      },
      { config: { webdavPush: true, pushLoopbackHttp: false } },
    );
  });
  afterAll(() => dav?.close());
  beforeEach(async () => {
    await dav.db.query('DELETE FROM dav.push_subscription');
  });

  const stored = async () => (await dav.db.query('SELECT count(*)::int AS n FROM dav.push_subscription')).rows[0]!.n as number;

  async function refused(body: string, status: number, condition?: string, path = KONTAKTE(ANNA)) {
    const r = await dav.request('POST', path, { body });
    expect(r.status, r.text).toBe(status);
    if (condition) expect((await davError(r)).names).toContain(condition);
    expect(await stored()).toBe(0);
    return r;
  }

  it('accepts a good one (the baseline the others differ from)', async () => {
    const r = await dav.request('POST', KONTAKTE(ANNA), { body: pushRegister(good()) });
    expect(r.status, r.text).toBe(201);
    expect(await stored()).toBe(1);
  });

  it('refuses a public key that is not a P-256 point', async () => {
    await refused(pushRegister(good({ p256dh: 'not a key!' })), 403, P('invalid-subscription'));
    await refused(pushRegister(good({ p256dh: Buffer.alloc(65, 4).toString('base64url') })), 403, P('invalid-subscription')); // not on the curve
    await refused(pushRegister(good({ p256dh: createECDH('prime256v1').generateKeys().subarray(0, 33).toString('base64url') })), 403, P('invalid-subscription'));
    await refused(pushRegister(good({ keyType: 'rsa' })), 403, P('invalid-subscription'));
  });

  it('refuses an auth secret that is not 16 bytes', async () => {
    await refused(pushRegister(good({ auth: randomBytes(12).toString('base64url') })), 403, P('invalid-subscription'));
    await refused(pushRegister(good({ auth: randomBytes(32).toString('base64url') })), 403, P('invalid-subscription'));
    await refused(pushRegister(good({ auth: '' })), 403, P('invalid-subscription'));
  });

  it('refuses an endpoint that is not https, is local, or is no URL', async () => {
    await refused(pushRegister(good({ endpoint: 'http://push.example.net/x' })), 403, P('invalid-subscription'));
    await refused(pushRegister(good({ endpoint: 'http://127.0.0.1:9/x' })), 403, P('invalid-subscription')); // PUSH_LOOPBACK_HTTP is off
    await refused(pushRegister(good({ endpoint: 'https://127.0.0.1/x' })), 403, P('invalid-subscription'));
    await refused(pushRegister(good({ endpoint: 'https://192.168.1.10/x' })), 403, P('invalid-subscription'));
    await refused(pushRegister(good({ endpoint: 'ftp://push.example.net/x' })), 403, P('invalid-subscription'));
    await refused(pushRegister(good({ endpoint: 'push.example.net/x' })), 403, P('invalid-subscription'));
    await refused(pushRegister(good({ endpoint: 'https://user:pw@push.example.net/x' })), 403, P('invalid-subscription'));
    await refused(pushRegister(good({ endpoint: `https://push.example.net/${'a'.repeat(3000)}` })), 403, P('invalid-subscription'));
  });

  it('refuses a subscription without a web-push-subscription, or with two push resources', async () => {
    await refused(`<P:push-register xmlns:P="${PUSH_NS}" xmlns:D="DAV:"><P:subscription/>${CONTENT_TRIGGER}</P:push-register>`, 403, P('invalid-subscription'));
    const twice = pushRegister(good()).replace('<P:push-resource>', '<P:push-resource>https://push.example.net/2</P:push-resource><P:push-resource>');
    await refused(twice, 403, P('invalid-subscription'));
  });

  it('refuses a trigger it does not support (property updates only)', async () => {
    await refused(pushRegister(good({ trigger: '<P:trigger><P:property-update><D:depth>0</D:depth></P:property-update></P:trigger>' })), 403, P('no-supported-trigger'));
  });

  it('refuses an expiry in the past or one that is no HTTP date', async () => {
    await refused(pushRegister(good({ expires: new Date(Date.now() - 60_000).toUTCString() })), 400, P('invalid-subscription'));
    await refused(pushRegister(good({ expires: 'tomorrow' })), 400, P('invalid-subscription'));
  });

  it('caps a far expiry at seven days', async () => {
    const r = await dav.request('POST', KONTAKTE(ANNA), { body: pushRegister(good({ expires: new Date(Date.now() + 365 * 86_400_000).toUTCString() })) });
    expect(r.status).toBe(201);
    expect(Date.parse(r.headers.get('expires')!)).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000 + 1000);
  });

  it('answers malformed XML with 400', async () => {
    await refused('<P:push-register xmlns:P="https://bitfire.at/webdav-push"><P:subscription>', 400);
  });

  it('answers an oversized body with 413', async () => {
    const body = pushRegister(good()).replace('</P:push-register>', `<P:padding>${'x'.repeat(20_000)}</P:padding></P:push-register>`);
    await refused(body, 413);
  });

  it("answers another employee's collection with 404", async () => {
    await refused(pushRegister(good()), 404, undefined, KONTAKTE(BRUNO));
    await refused(pushRegister(good()), 404, undefined, `/dav/calendars/${BRUNO}/termine/`);
  });

  it('refuses push on what is not a calendar or address book', async () => {
    await refused(pushRegister(good()), 403, P('push-not-available'), `${AUFGABEN(ANNA)}${taskId}.ics`);
    await refused(pushRegister(good()), 403, P('push-not-available'), `/dav/calendars/${ANNA}/`);
  });

  it('refuses other POST bodies as it always did', async () => {
    const r = await dav.request('POST', TERMINE(ANNA), { body: '<d:propfind xmlns:d="DAV:"/>' });
    expect(r.status).toBe(403);
    expect((await davError(r)).names).toContain(BS('method-not-supported'));
    const form = await dav.request('POST', TERMINE(ANNA), { body: 'a=b', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(403);
    expect(await stored()).toBe(0);
  });

  it('holds at most 50 live subscriptions per employee', async () => {
    for (let i = 0; i < 50; i++) {
      const r = await dav.request('POST', KONTAKTE(ANNA), { body: pushRegister(good({ endpoint: `https://push.example.net/s/${i}` })) });
      expect(r.status).toBe(201);
    }
    const r = await dav.request('POST', KONTAKTE(ANNA), { body: pushRegister(good({ endpoint: 'https://push.example.net/s/50' })) });
    expect(r.status).toBe(403);
    expect((await davError(r)).names).toContain(BS('push-subscription-limit'));
    expect(await stored()).toBe(50);
    // Renewing one it already has is no new subscription.
    const renew = await dav.request('POST', KONTAKTE(ANNA), { body: pushRegister(good({ endpoint: 'https://push.example.net/s/7' })) });
    expect(renew.status).toBe(201);
    expect(await stored()).toBe(50);
  });
});

describe('DELETE of a registration', () => {
  let dav: TestServer;
  let taskId = '';
  beforeAll(async () => {
    dav = await startAnnaServer(
      async ({ b, anna }) => {
        await b.addEmployee({ username: BRUNO });
        taskId = await b.addTask({ subject: 'Offerte', assigneeId: anna });
      },
      { config: { webdavPush: true } },
    );
  });
  afterAll(() => dav?.close());

  it("answers another employee's registration with 404 and keeps it", async () => {
    const r = await dav.request('POST', KONTAKTE(ANNA), { body: pushRegister(good()) });
    expect(r.status).toBe(201);
    const path = registrationPath(r);
    const del = await dav.request('DELETE', path, { user: BRUNO });
    expect(del.status).toBe(404);
    expect((await dav.db.query('SELECT count(*)::int AS n FROM dav.push_subscription')).rows[0]!.n).toBe(1);
    expect((await dav.request('DELETE', path)).status).toBe(204);
  });

  it('answers an unknown or malformed registration URL with 404', async () => {
    expect((await dav.request('DELETE', '/dav/push/AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await dav.request('DELETE', '/dav/push/%zz')).status).toBe(404);
    expect((await dav.request('DELETE', `/dav/push/${'x'.repeat(100)}`)).status).toBe(404);
  });

  it('still refuses DELETE of items and collections', async () => {
    const item = await dav.request('DELETE', `${AUFGABEN(ANNA)}${taskId}.ics`);
    expect(item.status).toBe(403);
    const coll = await dav.request('DELETE', KONTAKTE(ANNA));
    expect(coll.status).toBe(403);
    expect((await davError(coll)).names).toContain(BS('delete-in-brokerstar'));
  });
});
