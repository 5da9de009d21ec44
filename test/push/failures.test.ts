// When a push service fails: a 500 is retried (after a short backoff) until it is delivered, a
// service that never answers is given up after the timeout without holding up the others, failures
// are bounded (a change is given up after five, the subscription dropped after fifteen in a row),
// and the upkeep deletes expired subscriptions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { registry } from '../../src/metrics.js';
import { PushDispatcher, startPushDispatcher } from '../../src/push/dispatcher.js';
import { ATTEMPTS_PER_CHANGE, DROP_AFTER_FAILURES } from '../../src/push/limits.js';
import { markFailed } from '../../src/storage/postgres/push-subscriptions.js';
import { ANNA, startAnnaServer } from '../support/anna.js';
import { KONTAKTE } from '../support/collections.js';
import { startPushEndpoint, type PushEndpoint, type Subscriber } from '../support/push-endpoint.js';
import type { TestServer } from '../support/server.js';
import { pushRegister } from './requests.js';

let dav: TestServer;
let endpoint: PushEndpoint;
let dispatcher: PushDispatcher;
let contactId = '';

beforeAll(async () => {
  endpoint = await startPushEndpoint();
  dav = await startAnnaServer(
    async ({ b, anna }) => {
      contactId = await b.addContact({ lastName: 'Ausfall', advisorId: anna });
    },
    { config: { webdavPush: true, pushLoopbackHttp: true } },
  );
  dispatcher = startPushDispatcher({ pool: dav.db.pool, store: dav.store, config: dav.config, log: createLogger('silent'), sendTimeoutMs: 1000 });
});

afterAll(async () => {
  await dispatcher?.stop();
  await dav?.close();
  await endpoint?.close();
});

const quiet = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function subscribe(sub: Subscriber): Promise<void> {
  const r = await dav.request('POST', KONTAKTE(ANNA), { body: pushRegister({ endpoint: sub.endpoint, p256dh: sub.p256dh, auth: sub.auth }) });
  expect(r.status).toBe(201);
}

const rowOf = async (sub: Subscriber) =>
  (await dav.db.query<{ failures: number; last_token: string | null }>('SELECT failures, last_token FROM dav.push_subscription WHERE endpoint = $1', [sub.endpoint])).rows[0];

const requestsTo = (sub: Subscriber) => endpoint.requests.filter((p) => sub.endpoint.endsWith(p)).length;

async function change(note: string): Promise<void> {
  await dav.db.pool.query(`UPDATE brokerstar.contact SET notes = $2, updated_at = now() WHERE id = $1`, [contactId, note]);
}

async function metric(outcome: string): Promise<number> {
  const m = await registry.getSingleMetric('brokerstar_dav_push_messages_total')!.get();
  return m.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

describe('a failing push service', () => {
  it('is tried again after a 500 until the message is delivered', async () => {
    const sub = endpoint.subscriber();
    sub.status = 500;
    await subscribe(sub);
    await quiet(800);
    const failedBefore = await metric('failed');
    await change('erst 500');
    for (let i = 0; i < 100 && (await rowOf(sub))?.failures !== 1; i++) await quiet(100);
    expect((await rowOf(sub))?.failures).toBe(1);
    expect(requestsTo(sub)).toBe(1);
    expect(await metric('failed')).toBeGreaterThan(failedBefore);
    sub.status = 201;
    const got = await sub.waitFor(1, 10_000); // the backoff after one failure is two seconds
    expect(got.plaintext).toContain('sync-token');
    for (let i = 0; i < 50 && (await rowOf(sub))?.failures !== 0; i++) await quiet(100); // stored just after the answer
    expect((await rowOf(sub))?.failures).toBe(0);
    expect(await metric('sent')).toBeGreaterThan(0);
  });

  it('drops a subscription the push service does not know (404)', async () => {
    const keys = endpoint.subscriber(); // real keys, but a URL the push service never handed out
    const unknown = `${endpoint.origin}/push/never-issued`;
    const r = await dav.request('POST', KONTAKTE(ANNA), { body: pushRegister({ endpoint: unknown, p256dh: keys.p256dh, auth: keys.auth }) });
    expect(r.status).toBe(201);
    const droppedBefore = await metric('dropped');
    await quiet(800);
    await change('unbekannt');
    const count = async () => (await dav.db.query('SELECT 1 FROM dav.push_subscription WHERE endpoint = $1', [unknown])).rowCount;
    for (let i = 0; i < 100 && (await count()) !== 0; i++) await quiet(100);
    expect(await count()).toBe(0);
    expect(endpoint.requests).toContain('/push/never-issued');
    expect(await metric('dropped')).toBeGreaterThan(droppedBefore);
  });

  it('gives up on a service that never answers after the timeout, and the others still get theirs', async () => {
    const hanging = endpoint.subscriber();
    hanging.status = 0;
    const witness = endpoint.subscriber();
    await subscribe(hanging);
    await subscribe(witness);
    await quiet(800);
    await change('hängt');
    await witness.waitFor(1, 10_000);
    for (let i = 0; i < 100 && (await rowOf(hanging))?.failures !== 1; i++) await quiet(100);
    expect((await rowOf(hanging))?.failures).toBe(1);
  });

  it('gives a change up after a few failures and drops the subscription after more in a row', async () => {
    const sub = endpoint.subscriber();
    await subscribe(sub);
    const { rows } = await dav.db.query<{ id: string; last_token: string }>('SELECT id, last_token FROM dav.push_subscription WHERE endpoint = $1', [sub.endpoint]);
    const { id, last_token: before } = rows[0]!;
    for (let i = 1; i < ATTEMPTS_PER_CHANGE; i++) expect(await markFailed(dav.db.pool, id, 'T-new', ATTEMPTS_PER_CHANGE, DROP_AFTER_FAILURES)).toBe(false);
    expect((await rowOf(sub))?.last_token).toBe(before); // still to be tried
    await markFailed(dav.db.pool, id, 'T-new', ATTEMPTS_PER_CHANGE, DROP_AFTER_FAILURES);
    expect((await rowOf(sub))?.last_token).toBe('T-new'); // given up: not tried again for this token
    let dropped = false;
    for (let i = ATTEMPTS_PER_CHANGE; i < DROP_AFTER_FAILURES && !dropped; i++) dropped = await markFailed(dav.db.pool, id, `T-${i}`, ATTEMPTS_PER_CHANGE, DROP_AFTER_FAILURES);
    expect(dropped).toBe(true);
    expect(await rowOf(sub)).toBeUndefined();
  });
});

describe('the upkeep', () => {
  it('deletes expired subscriptions', async () => {
    const sub = endpoint.subscriber();
    await subscribe(sub);
    await dav.db.query(`UPDATE dav.push_subscription SET expires_at = now() - interval '1 minute' WHERE endpoint = $1`, [sub.endpoint]);
    // A fresh dispatcher does its upkeep on its first pass.
    const fresh = new PushDispatcher({ pool: dav.db.pool, store: dav.store, config: dav.config, log: createLogger('silent') });
    for (let i = 0; i < 50 && (await rowOf(sub)) !== undefined; i++) {
      await fresh.tick();
      await quiet(100); // the running dispatcher may hold the lock for a moment
    }
    expect(await rowOf(sub)).toBeUndefined();
  });
});
