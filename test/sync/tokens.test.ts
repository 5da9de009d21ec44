// Sync tokens (RFC 6578, issue 4): URIs that survive a restart; unknown, malformed, foreign and
// pruned tokens get 403 + DAV:valid-sync-token (400 for Thunderbird's address book); the Depth
// header is ignored; DAV:limit pages with a 507 and a continuing token, never without it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { builders } from '../support/builders.js';
import { CS, D, errorConditions, parseMultistatus, propText, type Multistatus } from '../support/multistatus.js';
import { startSecondServer } from '../support/second-server.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { LIMIT, LISTING, SYNC } from '../support/sync-requests.js';

const ANNA = 'anna.meier';
const BEAT = 'beat.keller';
const BOOK = `/dav/addressbooks/${ANNA}/kontakte/`;
const TERMINE = `/dav/calendars/${ANNA}/termine/`;
const AUFGABEN = `/dav/calendars/${ANNA}/aufgaben/`;
const BEAT_BOOK = `/dav/addressbooks/${BEAT}/kontakte/`;

const THUNDERBIRD = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0';

/** RFC 3986 §3.1: a URI starts with a scheme. */
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/;

/** href → ETag (null for a 404) of the members of a sync answer. */
function entries(ms: Multistatus, collection: string): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const [href, e] of ms.responses) {
    if (href === collection) continue;
    out.set(href, e.status?.includes(' 404 ') ? null : (propText(e, D('getetag')) ?? 'missing'));
  }
  return out;
}

function apply(state: Map<string, string>, changes: Map<string, string | null>): Map<string, string> {
  const next = new Map(state);
  for (const [href, etag] of changes) {
    if (etag === null) next.delete(href);
    else next.set(href, etag);
  }
  return next;
}

/** A second server process over the same database: a restart, or another instance behind a balancer. */
async function secondServer(dav: TestServer, config: Partial<Config> = {}) {
  const second = await startSecondServer(dav, { config });
  return {
    store: second.store,
    async request(method: string, path: string, user: string, body?: string, headers: Record<string, string> = {}) {
      const auth = await second.authorization(user);
      const res = await fetch(second.url + path, { method, body, headers: { Authorization: auth, 'Content-Type': 'application/xml; charset=utf-8', ...headers } });
      const text = await res.text();
      return { status: res.status, text, ms: res.status === 207 ? await parseMultistatus(text) : undefined };
    },
    close: second.close,
  };
}

describe('sync tokens', () => {
  let dav: TestServer;
  let anna: string;

  async function listing(path: string, user = ANNA) {
    const r = await dav.propfind(path, LISTING, '1', { user });
    expect(r.status).toBe(207);
    const self = r.ms.responses.get(path);
    const members = new Map<string, string>();
    for (const [href, e] of r.ms.responses) if (href !== path) members.set(href, propText(e, D('getetag'))!);
    return { token: propText(self, D('sync-token'))!, ctag: propText(self, CS('getctag'))!, members };
  }

  async function sync(path: string, token: string, opts: { extra?: string; user?: string; headers?: Record<string, string>; depth?: '0' | '1' } = {}) {
    return dav.report(path, SYNC(token, opts.extra), { user: opts.user ?? ANNA, headers: opts.headers, depth: opts.depth });
  }

  async function expectInvalid(path: string, token: string, status: 400 | 403, headers: Record<string, string> = {}) {
    const r = await sync(path, token, { headers });
    expect(r.status, `${path} with ${token}`).toBe(status);
    expect(r.headers.get('content-type')).toMatch(/xml/);
    expect(await errorConditions(r.text)).toEqual(['{DAV:}valid-sync-token']);
  }

  /** Moves the removals recorded for a collection back beyond SYNC_RETENTION_DAYS. */
  async function age(path: string) {
    const kind = path === BOOK ? 'contacts' : path === TERMINE ? 'events' : 'tasks';
    await dav.db.query(`UPDATE dav.member SET changed_at = now() - make_interval(days => $2 + 1) WHERE etag IS NULL AND collection = $1`, [
      `${kind}:${anna}`,
      dav.config.syncRetentionDays,
    ]);
  }

  beforeAll(async () => {
    dav = await startTestServer({
      user: ANNA,
      config: { authCacheSeconds: 600 },
      seed: async (db) => {
        const b = builders(db.pool);
        anna = await b.addEmployee({ username: ANNA });
        await b.addEmployee({ username: BEAT });
        for (const name of ['Ammann', 'Bühler', 'Christen']) await b.addContact({ lastName: name });
        await b.addTask({ assigneeId: anna, subject: 'Rückruf' });
        await b.addAppointment({ ownerId: anna, startsAt: '2030-06-01T08:00:00Z', subject: 'Termin' });
      },
    });
  });
  afterAll(() => dav?.close());

  it('are URIs, the same in PROPFIND (sync-token, getctag) and in the sync answer', async () => {
    for (const path of [BOOK, TERMINE, AUFGABEN]) {
      const l = await listing(path);
      expect(l.token).toMatch(URI);
      expect(() => new URL(l.token)).not.toThrow();
      expect(l.ctag).toBe(l.token);
      const r = await sync(path, '');
      expect(r.status).toBe(207);
      expect(r.ms.syncToken).toBe(l.token);
      const again = await sync(path, l.token);
      expect(again.ms.hrefs, 'nothing changed since: an empty answer').toEqual([]);
      expect(again.ms.syncToken).toBe(l.token);
    }
  });

  it('survive a restart: a second server over the same database accepts them and returns the same state', async () => {
    const first = await listing(BOOK);
    const second = await secondServer(dav);
    try {
      const r = await second.request('REPORT', BOOK, ANNA, SYNC(first.token));
      expect(r.status).toBe(207);
      expect(r.ms!.hrefs).toEqual([]);
      expect(r.ms!.syncToken).toBe(first.token);
      const initial = await second.request('REPORT', BOOK, ANNA, SYNC(''));
      expect(new Map([...entries(initial.ms!, BOOK)].map(([k, v]) => [k, v!]))).toEqual(first.members);
      // a BrokerStar write: both servers report it from the old token, alike
      const id = await builders(dav.db.pool).addContact({ lastName: 'Neumann' });
      const viaSecond = await second.request('REPORT', BOOK, ANNA, SYNC(first.token));
      const viaFirst = await sync(BOOK, first.token);
      expect(viaSecond.ms!.hrefs).toEqual([`${BOOK}${id}.vcf`]);
      expect(entries(viaFirst.ms, BOOK)).toEqual(entries(viaSecond.ms!, BOOK));
      expect(viaFirst.ms.syncToken).toBe(viaSecond.ms!.syncToken);
    } finally {
      await second.close();
    }
  });

  it('survive a restart with another MAX_RECORDS: the old token learns which items the new cap removed', async () => {
    const first = await listing(BOOK);
    expect(first.members.size).toBeGreaterThan(2);
    const second = await secondServer(dav, { maxRecords: 2 });
    try {
      const r = await second.request('REPORT', BOOK, ANNA, SYNC(first.token));
      expect(r.status).toBe(207);
      const changes = entries(r.ms!, BOOK);
      expect([...changes.values()].every((v) => v === null), 'only removals').toBe(true);
      const after = apply(first.members, changes);
      expect(after.size).toBe(2);
      const initial = await second.request('REPORT', BOOK, ANNA, SYNC(''));
      expect(entries(initial.ms!, BOOK)).toEqual(after);
    } finally {
      await second.close();
    }
    // back on the first server (MAX_RECORDS 5000): the same token continues, the items return
    const back = await sync(BOOK, first.token);
    expect(apply(first.members, entries(back.ms, BOOK))).toEqual((await listing(BOOK)).members);
  });

  describe('an invalid token gets 403 with DAV:valid-sync-token, so the client does a full sync', () => {
    it('unknown (well-formed, but no collection has it), malformed, or from the future', async () => {
      const { token } = await listing(BOOK);
      const seq = Number(/-(\d+)$/.exec(token)![1]);
      for (const bad of [
        'urn:brokerstar-dav:sync:0123456789abcdef-1',
        'http://example.com/sync/1',
        'garbage',
        token.replace(/-\d+$/, '-'),
        token.replace(/-\d+$/, '-12345678901234567890'),
        token.replace(/-\d+$/, `-${seq + 1000000}`),
        `${token}x`,
        'urn:brokerstar-dav:sync:&lt;script&gt;-1',
      ]) {
        await expectInvalid(BOOK, bad, 403);
      }
    });

    it("foreign: another collection's token, or another user's for the same kind of collection", async () => {
      const termine = await listing(TERMINE);
      const beatBook = await listing(BEAT_BOOK, BEAT);
      await expectInvalid(BOOK, termine.token, 403);
      await expectInvalid(AUFGABEN, termine.token, 403);
      await expectInvalid(BOOK, beatBook.token, 403);
    });

    it('400 with the same body for Thunderbird on the address book (it only recovers from 400), 403 for Thunderbird on a calendar', async () => {
      await expectInvalid(BOOK, 'garbage', 400, { 'User-Agent': THUNDERBIRD });
      await expectInvalid(TERMINE, 'garbage', 403, { 'User-Agent': THUNDERBIRD });
      await expectInvalid(AUFGABEN, 'garbage', 403, { 'User-Agent': THUNDERBIRD });
      // other clients on the address book: 403 (Outlook restarts only on exactly that)
      await expectInvalid(BOOK, 'garbage', 403, { 'User-Agent': 'CalDavSynchronizer/4.4' });
      await expectInvalid(BOOK, 'garbage', 403, { 'User-Agent': 'DAVx5/4.4.3-ose (dav4jvm; okhttp/4.12.0) Android/14' });
    });

  });

  it('ignores the Depth header (0, 1 or none): the same answer', async () => {
    const before = await listing(TERMINE);
    await builders(dav.db.pool).addAppointment({ ownerId: anna, startsAt: '2030-06-02T08:00:00Z', subject: 'Tiefe' });
    const answers = [];
    for (const depth of ['0', '1', undefined] as const) {
      const r = await sync(TERMINE, before.token, { depth });
      expect(r.status, `Depth: ${depth ?? 'none'}`).toBe(207);
      answers.push({ token: r.ms.syncToken, changes: entries(r.ms, TERMINE) });
    }
    expect(answers[0]!.changes.size).toBe(1);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('accepts sync-level 1 and infinite; anything else is a 400', async () => {
    const { token } = await listing(BOOK);
    for (const level of ['1', 'infinite']) expect((await dav.report(BOOK, SYNC(token, '', level))).status, level).toBe(207);
    for (const level of ['2', '0', 'all', 'infinity']) expect((await dav.report(BOOK, SYNC(token, '', level))).status, level).toBe(400);
  });

  it('DAV:limit: pages of nresults with a 507 for the collection and a token that continues, losing and repeating nothing', async () => {
    const b = builders(dav.db.pool);
    const start = await listing(BOOK);
    const added: string[] = [];
    for (let i = 0; i < 5; i++) added.push(await b.addContact({ lastName: `Seite${i}` }));
    await dav.db.query(`UPDATE brokerstar.contact SET deleted_at = now() WHERE id = $1`, [added[0]]);
    const [firstOld] = [...start.members.keys()];
    await dav.db.query(`UPDATE brokerstar.contact SET notes = 'geändert' WHERE id = $1`, [/(\d+)\.vcf$/.exec(firstOld!)![1]]);
    const target = await listing(BOOK);
    for (const from of [start.token, '']) {
      let state = from === '' ? new Map<string, string>() : start.members;
      let token = from;
      const seen: string[] = [];
      let pages = 0;
      for (;;) {
        const r = await sync(BOOK, token, { extra: LIMIT(2) });
        expect(r.status).toBe(207);
        const changes = entries(r.ms, BOOK);
        expect(changes.size).toBeLessThanOrEqual(2);
        seen.push(...changes.keys());
        state = apply(state, changes);
        token = r.ms.syncToken!;
        expect(token).toMatch(URI);
        pages++;
        const self = r.ms.responses.get(BOOK);
        if (!self) break;
        expect(self.status).toBe('HTTP/1.1 507 Insufficient Storage');
        expect(self.propstatStatuses).toEqual([]);
        expect(pages).toBeLessThan(20);
      }
      expect(pages, 'more than one page').toBeGreaterThan(1);
      expect(new Set(seen).size, 'nothing repeated').toBe(seen.length);
      expect(state, `from ${from || 'the start'}: the pages add up to the listing`).toEqual(target.members);
      expect(token).toBe(target.token);
    }
  });

  it('DAV:limit with a bad nresults is a 400', async () => {
    const { token } = await listing(BOOK);
    for (const n of ['0', '-1', 'abc', '1.5', '']) expect((await sync(BOOK, token, { extra: LIMIT(n) })).status, `nresults ${n}`).toBe(400);
  });

  it('a token older than the pruned history (SYNC_RETENTION_DAYS) gets 403 (400 for Thunderbird contacts); later tokens stay valid', async () => {
    const b = builders(dav.db.pool);
    const gone = await b.addContact({ lastName: 'Veraltet' });
    const old = await listing(BOOK);
    await dav.db.query(`UPDATE brokerstar.contact SET deleted_at = now() WHERE id = $1`, [gone]);
    const removed = await sync(BOOK, old.token);
    expect(removed.ms.responses.get(`${BOOK}${gone}.vcf`)?.status).toBe('HTTP/1.1 404 Not Found');
    const recent = await listing(BOOK);
    // the removal is older than the retention: pruned, and with it every token from before it
    await age(BOOK);
    await dav.store.pump.prune();
    await expectInvalid(BOOK, old.token, 403);
    await expectInvalid(BOOK, old.token, 400, { 'User-Agent': THUNDERBIRD });
    const r = await sync(BOOK, recent.token);
    expect(r.status).toBe(207);
    expect(r.ms.hrefs).toEqual([]);
    // a full sync after the 403 gets a token that works
    const initial = await sync(BOOK, '');
    expect(initial.status).toBe(207);
    expect((await sync(BOOK, initial.ms.syncToken!)).status).toBe(207);
  });

  it('DAV:limit on an initial sync still pages after old history was pruned: its continuation tokens are not "too old"', async () => {
    // The previous test pruned the address book's history (min_seq moved up). Members that did not
    // change since keep their older sequence numbers, so an initial sync paged by DAV:limit hands
    // out continuation tokens below min_seq.
    const target = await listing(BOOK);
    let state = new Map<string, string>();
    let token = '';
    for (let page = 0; ; page++) {
      expect(page).toBeLessThan(20);
      const r = await sync(BOOK, token, { extra: LIMIT(2) });
      expect(r.status, `page ${page} from ${token || 'the start'}: ${r.text.slice(0, 200)}`).toBe(207);
      state = apply(state, entries(r.ms, BOOK));
      token = r.ms.syncToken!;
      if (!r.ms.responses.has(BOOK)) break;
    }
    expect(state).toEqual(target.members);
  });

  it('a BrokerStar write between two syncs is never lost, also while its transaction is still open during a sync', async () => {
    let { token, members } = await listing(BOOK);
    const b = builders(dav.db.pool);
    const expectSeen = async (href: string, present: boolean) => {
      const r = await sync(BOOK, token);
      members = apply(members, entries(r.ms, BOOK));
      token = r.ms.syncToken!;
      expect(members.has(href), `${href} ${present ? 'present' : 'gone'}`).toBe(present);
      expect(members).toEqual((await listing(BOOK)).members);
    };
    // committed between two syncs
    const id = await b.addContact({ lastName: 'Zwischen' });
    await expectSeen(`${BOOK}${id}.vcf`, true);
    // open during a sync, committed after it
    const client = await dav.db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`UPDATE brokerstar.contact SET deleted_at = now() WHERE id = $1`, [id]);
      const during = await sync(BOOK, token);
      expect(during.ms.hrefs, 'uncommitted: not visible yet').toEqual([]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await expectSeen(`${BOOK}${id}.vcf`, false);
  });

  it('under concurrent BrokerStar writes and polls on two server instances, a client replaying its tokens always ends up with the listing', async () => {
    const b = builders(dav.db.pool);
    const second = await secondServer(dav);
    let { token, members } = await listing(AUFGABEN);
    let secondToken = token;
    let secondMembers = members;
    const ids: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 40; i++) {
        if (i % 4 === 3 && ids.length) await dav.db.query(`UPDATE brokerstar.task SET deleted_at = now() WHERE id = $1`, [ids[i % ids.length]]);
        else if (i % 4 === 2 && ids.length) await dav.db.query(`UPDATE brokerstar.task SET subject = $2 WHERE id = $1`, [ids[(i * 7) % ids.length], `Neu ${i}`]);
        else ids.push(await b.addTask({ assigneeId: anna, subject: `Parallel ${i}` }));
      }
      writing = false;
    })();
    const poller = (async () => {
      while (writing) {
        const r = await sync(AUFGABEN, token);
        expect(r.status).toBe(207);
        members = apply(members, entries(r.ms, AUFGABEN));
        token = r.ms.syncToken!;
      }
    })();
    // a second client polling the second instance, with a listing now and then
    const other = (async () => {
      for (let i = 0; writing; i++) {
        if (i % 3 === 2) expect((await second.request('PROPFIND', AUFGABEN, ANNA, LISTING, { Depth: '1' })).status).toBe(207);
        const r = await second.request('REPORT', AUFGABEN, ANNA, SYNC(secondToken));
        expect(r.status).toBe(207);
        secondMembers = apply(secondMembers, entries(r.ms!, AUFGABEN));
        secondToken = r.ms!.syncToken!;
      }
    })();
    try {
      await Promise.all([writer, poller, other]);
      const r = await sync(AUFGABEN, token);
      members = apply(members, entries(r.ms, AUFGABEN));
      const r2 = await second.request('REPORT', AUFGABEN, ANNA, SYNC(secondToken));
      secondMembers = apply(secondMembers, entries(r2.ms!, AUFGABEN));
    } finally {
      await second.close();
    }
    const final = await listing(AUFGABEN);
    expect(members).toEqual(final.members);
    expect(secondMembers).toEqual(final.members);
    const { rows } = await dav.db.query<{ id: string }>(`SELECT id::text AS id FROM brokerstar.task WHERE deleted_at IS NULL AND assignee_id = $1`, [anna]);
    expect([...final.members.keys()].sort()).toEqual(rows.map((x) => `${AUFGABEN}${x.id}.ics`).sort());
  });
});

describe('sync without DAV:limit at 5,000 members', () => {
  let dav: TestServer;
  beforeAll(async () => {
    dav = await startTestServer({
      user: ANNA,
      config: { authCacheSeconds: 600 },
      seed: async (db) => {
        await builders(db.pool).addEmployee({ username: ANNA });
        await db.query(
          `INSERT INTO brokerstar.contact (kind, first_name, last_name, customer_no)
           SELECT 'person', 'Vorname', 'Kunde ' || g, 'K-' || lpad(g::text, 6, '0') FROM generate_series(1, 5000) g`,
        );
      },
    });
  }, 180_000);
  afterAll(() => dav?.close());

  it('never answers 507: the initial sync and a sync after a bulk update carry all 5,000', async () => {
    const initial = await dav.report(BOOK, SYNC(''));
    expect(initial.status).toBe(207);
    const first = entries(initial.ms, BOOK);
    expect(first.size).toBe(5000);
    expect(initial.ms.responses.has(BOOK), 'no 507 response for the collection').toBe(false);
    expect([...first.values()].every((e) => e !== null && /^"/.test(e))).toBe(true);
    // one BrokerStar statement touching every row
    await dav.db.query(`UPDATE brokerstar.contact SET notes = 'Sammelbrief 2026'`);
    const next = await dav.report(BOOK, SYNC(initial.ms.syncToken!), { headers: { 'User-Agent': THUNDERBIRD } });
    expect(next.status).toBe(207);
    const changes = entries(next.ms, BOOK);
    expect(changes.size).toBe(5000);
    expect(next.ms.responses.has(BOOK)).toBe(false);
    for (const [href, etag] of changes) expect(etag, href).not.toBe(first.get(href));
  }, 120_000);
});
