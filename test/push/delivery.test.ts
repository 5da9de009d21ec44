// WebDAV-Push end to end: a subscriber with a real P-256 key pair and auth secret registers on
// anna's address book, BrokerStar changes a contact (plain SQL, no client request), and the local
// push endpoint decrypts (its own RFC 8291) a message naming the topic and the new sync token,
// signed with the server's VAPID key, within two seconds. Bursts, expiry, unsubscribe, 410 from the
// push service and the revoke of the app password follow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeAppPassword } from '../../src/auth/app-passwords.js';
import { createLogger } from '../../src/logger.js';
import { startPushDispatcher, type PushDispatcher } from '../../src/push/dispatcher.js';
import { ANNA, startAnnaServer } from '../support/anna.js';
import { basicAuth } from '../support/basic-auth.js';
import { AUFGABEN, KONTAKTE } from '../support/collections.js';
import { getItem, putCalendar } from '../support/items.js';
import { parseXmlDocument } from '../support/multistatus.js';
import { startPushEndpoint, type PushEndpoint, type Subscriber } from '../support/push-endpoint.js';
import type { TestServer } from '../support/server.js';
import { SYNC } from '../support/sync-requests.js';
import { pushRegister, pushTopicOf, PUSH_NS, registrationPath } from './requests.js';

let dav: TestServer;
let endpoint: PushEndpoint;
let dispatcher: PushDispatcher;
let contactIds: string[] = [];
let taskId = '';

beforeAll(async () => {
  endpoint = await startPushEndpoint();
  dav = await startAnnaServer(
    async ({ b, anna }) => {
      contactIds = [];
      for (let i = 0; i < 30; i++) contactIds.push(await b.addContact({ lastName: `Kunde ${i}`, advisorId: anna }));
      taskId = await b.addTask({ subject: 'Offerte', assigneeId: anna });
    },
    { config: { webdavPush: true, pushLoopbackHttp: true } },
  );
  dispatcher = startPushDispatcher({ pool: dav.db.pool, store: dav.store, config: dav.config, log: createLogger('silent'), sendTimeoutMs: 3000 });
});

afterAll(async () => {
  await dispatcher?.stop();
  await dav?.close();
  await endpoint?.close();
});

async function subscribe(sub: Subscriber, opts: { user?: string; expires?: string; path?: string } = {}) {
  const r = await dav.request('POST', opts.path ?? KONTAKTE(ANNA), {
    ...(opts.user ? { user: opts.user } : {}),
    body: pushRegister({ endpoint: sub.endpoint, p256dh: sub.p256dh, auth: sub.auth, ...(opts.expires ? { expires: opts.expires } : {}) }),
  });
  expect(r.status, r.text).toBe(201);
  return r;
}

async function syncTokenNow(path = KONTAKTE(ANNA)): Promise<string> {
  const r = await dav.report(path, SYNC(''), { depth: '1' });
  expect(r.status).toBe(207);
  return r.ms.syncToken!;
}

/** The topic and sync token of a decrypted push-message, read the way dav4jvm's PushMessage reads them. */
async function messageOf(xml: string): Promise<{ topic: string; syncToken: string; children: string[] }> {
  const root = await parseXmlDocument(xml);
  expect(root.name).toBe(`{${PUSH_NS}}push-message`);
  const topic = root.children.find((c) => c.name === `{${PUSH_NS}}topic`)?.text ?? '';
  const update = root.children.find((c) => c.name === `{${PUSH_NS}}content-update`);
  const syncToken = update?.children.find((c) => c.name === '{DAV:}sync-token')?.text ?? '';
  return { topic, syncToken, children: root.children.map((c) => c.name) };
}

const quiet = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a change BrokerStar makes', () => {
  it('reaches the subscriber encrypted, with the topic and the new sync token, within two seconds', async () => {
    const sub = endpoint.subscriber();
    const r = await subscribe(sub);
    expect(r.headers.get('location')).toMatch(new RegExp(`^${dav.url.replace(/\/$/, '')}/dav/push/[A-Za-z0-9_-]{22}$`));
    const expires = Date.parse(r.headers.get('expires') ?? '');
    expect(expires).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000 + 1000);
    const before = await syncTokenNow();
    await quiet(800); // the registration itself sends nothing

    const changedAt = Date.now();
    await dav.db.pool.query(`UPDATE brokerstar.contact SET last_name = 'Neu', updated_at = now() WHERE id = $1`, [contactIds[0]]);
    const got = await sub.waitFor(1, 10_000);
    const latency = got.at - changedAt;
    console.info(`push latency after a BrokerStar write: ${latency} ms`);
    expect(latency).toBeLessThan(2000);

    expect(sub.rejected).toEqual([]);
    const msg = await messageOf(got.plaintext);
    expect(msg.topic).toBe(await pushTopicOf(dav, KONTAKTE(ANNA)));
    expect(msg.syncToken).not.toBe(before);
    expect(msg.syncToken).toBe(await syncTokenNow());
    // Nothing but the topic and the token: no names, no hrefs, no employee.
    expect(msg.children).toEqual([`{${PUSH_NS}}topic`, `{${PUSH_NS}}content-update`]);
    expect(got.plaintext).not.toMatch(/anna|kontakte|Neu|Kunde/i);
    // RFC 8292: signed for the push service's origin with the key the collection advertises.
    expect(got.vapid.aud).toBe(endpoint.origin);
    const props = await dav.propfind(
      KONTAKTE(ANNA),
      `<d:propfind xmlns:d="DAV:" xmlns:P="${PUSH_NS}"><d:prop><P:transports/></d:prop></d:propfind>`,
      '0',
    );
    expect(props.text).toContain(got.vapid.k);
    expect(got.headers.topic).toBe(msg.topic);
  });

  it('sends one message for a burst of writes, not one per row', async () => {
    const sub = endpoint.subscriber();
    await subscribe(sub);
    await quiet(800);
    for (const id of contactIds.slice(1, 21)) {
      await dav.db.pool.query(`UPDATE brokerstar.contact SET notes = 'Burst', updated_at = now() WHERE id = $1`, [id]);
    }
    await sub.waitFor(1, 10_000);
    await quiet(2000); // anything else the burst would cause has arrived by now
    console.info(`push messages for a burst of 20 separate writes: ${sub.received.length}`);
    expect(sub.received.length).toBeGreaterThanOrEqual(1);
    expect(sub.received.length).toBeLessThanOrEqual(3); // one, or a few when a loaded machine stretches the burst
    const last = await messageOf(sub.received.at(-1)!.plaintext);
    expect(last.syncToken).toBe(await syncTokenNow());
  });

  it('sends nothing to an expired subscription', async () => {
    const sub = endpoint.subscriber();
    await subscribe(sub, { expires: new Date(Date.now() + 60_000).toUTCString() });
    await dav.db.query(`UPDATE dav.push_subscription SET expires_at = now() - interval '1 second' WHERE endpoint = $1`, [sub.endpoint]);
    const witness = endpoint.subscriber();
    await subscribe(witness);
    await quiet(800);
    await dav.db.pool.query(`UPDATE brokerstar.contact SET notes = 'Abgelaufen', updated_at = now() WHERE id = $1`, [contactIds[21]]);
    await witness.waitFor(1, 10_000);
    await quiet(1000);
    expect(sub.received).toEqual([]);
    expect(endpoint.requests.filter((p) => sub.endpoint.endsWith(p))).toEqual([]);
  });

  it('sends nothing after DELETE of the registration URL, which is then gone (404)', async () => {
    const sub = endpoint.subscriber();
    const r = await subscribe(sub);
    const path = registrationPath(r);
    const del = await dav.request('DELETE', path);
    expect(del.status).toBe(204);
    expect((await dav.request('DELETE', path)).status).toBe(404);
    const witness = endpoint.subscriber();
    await subscribe(witness);
    await quiet(800);
    await dav.db.pool.query(`UPDATE brokerstar.contact SET notes = 'Abgemeldet', updated_at = now() WHERE id = $1`, [contactIds[22]]);
    await witness.waitFor(1, 10_000);
    await quiet(1000);
    expect(sub.received).toEqual([]);
  });

  it('drops a subscription the push service answers 410 for', async () => {
    const sub = endpoint.subscriber();
    sub.status = 410;
    await subscribe(sub);
    await quiet(800);
    await dav.db.pool.query(`UPDATE brokerstar.contact SET notes = 'Weg', updated_at = now() WHERE id = $1`, [contactIds[23]]);
    const deadline = Date.now() + 10_000;
    let rows = 1;
    while (rows > 0 && Date.now() < deadline) {
      await quiet(200);
      rows = (await dav.db.query('SELECT 1 FROM dav.push_subscription WHERE endpoint = $1', [sub.endpoint])).rowCount ?? 0;
    }
    expect(rows).toBe(0);
    expect(endpoint.requests.filter((p) => sub.endpoint.endsWith(p)).length).toBe(1);
  });

  it('reaches the subscriber when a contact leaves the address book (a membership change)', async () => {
    const sub = endpoint.subscriber();
    await subscribe(sub);
    await quiet(800);
    await dav.db.pool.query(`UPDATE brokerstar.contact SET is_archived = true, updated_at = now() WHERE id = $1`, [contactIds[24]]);
    const got = await sub.waitFor(1, 10_000);
    expect((await messageOf(got.plaintext)).syncToken).toBe(await syncTokenNow());
  });
});

describe('a change a client makes', () => {
  it("reaches the collection's subscribers (a phone marks a task done)", async () => {
    const sub = endpoint.subscriber();
    await subscribe(sub, { path: AUFGABEN(ANNA) });
    await quiet(800);
    const href = `${AUFGABEN(ANNA)}${taskId}.ics`;
    const item = await getItem(dav, href);
    // The assignee marks it done on the phone (what a task edit may change: docs/writes.md).
    const done = item.text.replace(/^STATUS:.*$/m, 'STATUS:COMPLETED').replace(/^PERCENT-COMPLETE:.*$/m, 'PERCENT-COMPLETE:100');
    const put = await putCalendar(dav, href, done, { 'If-Match': item.etag });
    expect(put.status, put.text).toBeLessThan(300);
    const got = await sub.waitFor(1, 10_000);
    const msg = await messageOf(got.plaintext);
    expect(msg.topic).toBe(await pushTopicOf(dav, AUFGABEN(ANNA)));
    expect(msg.syncToken).toBe(await syncTokenNow(AUFGABEN(ANNA)));
  });
});

describe('an app password revoked', () => {
  it('removes the subscriptions made with it', async () => {
    const user = 'anna.meier';
    const password = await dav.passwordOf(user);
    const sub = endpoint.subscriber();
    const r = await dav.request('POST', KONTAKTE(ANNA), {
      user: null,
      headers: { Authorization: basicAuth(user, password), 'Content-Type': 'application/xml' },
      body: pushRegister({ endpoint: sub.endpoint, p256dh: sub.p256dh, auth: sub.auth }),
    });
    expect(r.status).toBe(201);
    const count = async () => (await dav.db.query('SELECT 1 FROM dav.push_subscription WHERE endpoint = $1', [sub.endpoint])).rowCount;
    expect(await count()).toBe(1);
    await revokeAppPassword(dav.db.pool, user, 'tests');
    expect(await count()).toBe(0);
  });
});
