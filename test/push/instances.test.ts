// Two server instances on one database, each with its dispatcher: they agree on one VAPID key even
// when both make it at the same moment, and every change reaches a subscriber exactly once between them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startPushDispatcher, type PushDispatcher } from '../../src/push/dispatcher.js';
import { ANNA, startAnnaServer } from '../support/anna.js';
import { KONTAKTE } from '../support/collections.js';
import { parseXmlDocument } from '../support/multistatus.js';
import { startPushEndpoint, type PushEndpoint } from '../support/push-endpoint.js';
import { startSecondServer } from '../support/second-server.js';
import type { TestServer } from '../support/server.js';
import { SYNC } from '../support/sync-requests.js';
import { pushRegister, PUSH_NS } from './requests.js';

let dav: TestServer;
let second: Awaited<ReturnType<typeof startSecondServer>>;
let endpoint: PushEndpoint;
const dispatchers: PushDispatcher[] = [];
let contactId = '';

beforeAll(async () => {
  endpoint = await startPushEndpoint();
  dav = await startAnnaServer(
    async ({ b, anna }) => {
      contactId = await b.addContact({ lastName: 'Zweifach', advisorId: anna });
    },
    { config: { webdavPush: true, pushLoopbackHttp: true } },
  );
  second = await startSecondServer(dav);
});

afterAll(async () => {
  for (const d of dispatchers) await d.stop();
  await second?.close();
  await dav?.close();
  await endpoint?.close();
});

const quiet = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function tokenOf(xml: string): Promise<string> {
  const root = await parseXmlDocument(xml);
  const update = root.children.find((c) => c.name === `{${PUSH_NS}}content-update`);
  return update?.children.find((c) => c.name === '{DAV:}sync-token')?.text ?? '';
}

describe('two instances', () => {
  it('make one VAPID key pair between them, even at the same moment', async () => {
    const [a, b] = await Promise.all([dav.store.pushKeys(), second.store.pushKeys()]);
    expect(a.vapidPublic).toBe(b.vapidPublic);
    expect(a.vapidPrivate).toBe(b.vapidPrivate);
    expect(a.topicSecret.equals(b.topicSecret)).toBe(true);
    expect((await dav.db.query('SELECT count(*)::int AS n FROM dav.push_key')).rows[0]!.n).toBe(1);
  });

  it('send exactly one message per change between them', async () => {
    const log = createLogger('silent');
    dispatchers.push(startPushDispatcher({ pool: dav.db.pool, store: dav.store, config: dav.config, log }));
    dispatchers.push(startPushDispatcher({ pool: dav.db.pool, store: second.store, config: dav.config, log }));
    const sub = endpoint.subscriber();
    const r = await dav.request('POST', KONTAKTE(ANNA), { body: pushRegister({ endpoint: sub.endpoint, p256dh: sub.p256dh, auth: sub.auth }) });
    expect(r.status).toBe(201);
    await quiet(800);
    const tokens: string[] = [];
    for (let i = 1; i <= 3; i++) {
      await dav.db.pool.query(`UPDATE brokerstar.contact SET notes = $2, updated_at = now() WHERE id = $1`, [contactId, `Änderung ${i}`]);
      const got = await sub.waitFor(i, 10_000);
      tokens.push(await tokenOf(got.plaintext));
      await quiet(1500); // a duplicate from the other instance would arrive meanwhile
      expect(sub.received.length, `after change ${i}`).toBe(i);
    }
    expect(new Set(tokens).size).toBe(3);
    const sync = await dav.report(KONTAKTE(ANNA), SYNC(''), { depth: '1' });
    expect(tokens.at(-1)).toBe(sync.ms.syncToken);
    expect(sub.rejected).toEqual([]);
  });
});
