// What a collection advertises for WebDAV-Push, read the way DAVx5's dav4jvm reads it
// (property/push/PushTransports.kt, WebPush.kt, VapidPublicKey.kt, Topic.kt, SupportedTriggers.kt),
// and that WEBDAV_PUSH=off advertises nothing and refuses POST as before.
import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANNA, startAnnaServer } from '../support/anna.js';
import { AUFGABEN, KONTAKTE, TERMINE } from '../support/collections.js';
import { davError } from '../support/dav-error.js';
import { BS, parseMultistatus, type Node } from '../support/multistatus.js';
import type { TestServer } from '../support/server.js';
import { pushRegister, PUSH_NS } from './requests.js';

const P = (local: string) => `{${PUSH_NS}}${local}`;

const PUSH_PROPFIND = `<?xml version="1.0" encoding="utf-8"?>
<propfind xmlns="DAV:" xmlns:P="${PUSH_NS}"><prop><P:transports/><P:topic/><P:supported-triggers/></prop></propfind>`;

/** dav4jvm's PushTransports.Factory: web-push children at depth+1; WebPush finds vapid-public-key at any depth below. */
function dav4jvmTransports(el: Node): { webPush: { vapidPublicKey?: { type?: string; key: string } }[] } {
  const findVapid = (n: Node): Node | undefined => {
    for (const c of n.children) {
      if (c.name === P('vapid-public-key')) return c;
      const deeper = findVapid(c);
      if (deeper) return deeper;
    }
    return undefined;
  };
  return {
    webPush: el.children
      .filter((c) => c.name === P('web-push'))
      .map((w) => {
        const v = findVapid(w);
        return v ? { vapidPublicKey: { ...(v.attrs.type ? { type: v.attrs.type } : {}), key: v.text.trim() } } : {};
      }),
  };
}

async function pushProps(dav: TestServer, path: string) {
  const r = await dav.request('PROPFIND', path, { body: PUSH_PROPFIND, headers: { Depth: '0' } });
  expect(r.status, r.text).toBe(207);
  const entry = [...(await parseMultistatus(r.text)).responses.values()][0]!;
  return entry.props;
}

describe('WEBDAV_PUSH=on', () => {
  let dav: TestServer;
  beforeAll(async () => {
    dav = await startAnnaServer(undefined, { config: { webdavPush: true } });
  });
  afterAll(() => dav?.close());

  it('advertises web-push with a VAPID key, a topic and content-update triggers on every collection', async () => {
    const topics = new Set<string>();
    let vapid: string | undefined;
    for (const path of [KONTAKTE(ANNA), TERMINE(ANNA), AUFGABEN(ANNA)]) {
      const props = await pushProps(dav, path);
      for (const name of ['transports', 'topic', 'supported-triggers']) expect(props.get(P(name))?.status, `${path} ${name}`).toContain(' 200 ');
      const transports = dav4jvmTransports(props.get(P('transports'))!.el);
      expect(transports.webPush).toHaveLength(1); // hasWebPush()
      const key = transports.webPush[0]!.vapidPublicKey!;
      expect(key.type).toBe('p256ecdsa');
      // An uncompressed P-256 point, base64url: what a push service takes as applicationServerKey.
      const raw = Buffer.from(key.key, 'base64url');
      expect(raw.toString('base64url')).toBe(key.key);
      expect(raw.length).toBe(65);
      expect(raw[0]).toBe(4);
      expect(() =>
        createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') }, format: 'jwk' }),
      ).not.toThrow();
      if (vapid) expect(key.key).toBe(vapid); // one key for the whole server
      vapid = key.key;
      const topic = props.get(P('topic'))!.el.text.trim();
      expect(topic).toMatch(/^[A-Za-z0-9_-]{22}$/); // fits Web Push's Topic header; says nothing about the collection
      topics.add(topic);
      const triggers = props.get(P('supported-triggers'))!.el;
      const content = triggers.children.find((c) => c.name === P('content-update'));
      expect(content?.children.find((c) => c.name === '{DAV:}depth')?.text).toBe('1');
    }
    expect(topics.size).toBe(3);
    // Stable: asked again, the same topic.
    expect((await pushProps(dav, KONTAKTE(ANNA))).get(P('topic'))!.el.text.trim()).toBe(
      (await pushProps(dav, KONTAKTE(ANNA))).get(P('topic'))!.el.text.trim(),
    );
  });

  it('says webdav-push in the DAV header of OPTIONS', async () => {
    const r = await dav.request('OPTIONS', KONTAKTE(ANNA));
    expect((r.headers.get('dav') ?? '').split(',').map((s) => s.trim())).toContain('webdav-push');
  });

  it('keeps the VAPID key in the database: a restart (a second store) advertises the same one', async () => {
    const { startSecondServer } = await import('../support/second-server.js');
    const second = await startSecondServer(dav);
    try {
      const r = await fetch(`${second.url}${KONTAKTE(ANNA)}`, {
        method: 'PROPFIND',
        headers: { Authorization: await second.authorization(ANNA), Depth: '0', 'Content-Type': 'application/xml' },
        body: PUSH_PROPFIND,
      });
      const entry = [...(await parseMultistatus(await r.text())).responses.values()][0]!;
      const here = await pushProps(dav, KONTAKTE(ANNA));
      expect(dav4jvmTransports(entry.props.get(P('transports'))!.el)).toEqual(dav4jvmTransports(here.get(P('transports'))!.el));
      expect(entry.props.get(P('topic'))!.el.text).toBe(here.get(P('topic'))!.el.text);
    } finally {
      await second.close();
    }
    const { rows } = await dav.db.query('SELECT count(*)::int AS n FROM dav.push_key');
    expect(rows[0]!.n).toBe(1);
  });
});

describe('WEBDAV_PUSH=off', () => {
  let dav: TestServer;
  beforeAll(async () => {
    dav = await startAnnaServer(undefined, { config: { webdavPush: false, pushLoopbackHttp: true } });
  });
  afterAll(() => dav?.close());

  it('advertises nothing', async () => {
    const props = await pushProps(dav, KONTAKTE(ANNA));
    for (const name of ['transports', 'topic', 'supported-triggers']) expect(props.get(P(name))?.status).toContain(' 404 ');
    const r = await dav.request('OPTIONS', KONTAKTE(ANNA));
    expect(r.headers.get('dav')).not.toContain('webdav-push');
    const { rows } = await dav.db.query('SELECT count(*)::int AS n FROM dav.push_key');
    expect(rows[0]!.n).toBe(0);
  });

  it('refuses push-register as it refuses every POST, and stores nothing', async () => {
    const r = await dav.request('POST', KONTAKTE(ANNA), {
      body: pushRegister({ endpoint: 'https://push.example.net/x', p256dh: 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4', auth: 'BTBZMqHH6r4Tts7J_aSIgg' }),
    });
    expect(r.status).toBe(403);
    expect((await davError(r)).names).toContain(BS('method-not-supported'));
    const { rows } = await dav.db.query('SELECT count(*)::int AS n FROM dav.push_subscription');
    expect(rows[0]!.n).toBe(0);
  });
});
