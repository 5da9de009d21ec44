// No N+1, and streaming: listing and reporting a 5,000-contact address book runs the same small
// number of SQL statements as a 500-contact one (counted on the real pool, every statement the
// server sends), and the 207 is written while the rows are still being read.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth } from '../support/basic-auth.js';
import { builders } from '../support/builders.js';
import { addAnnaAndBeat } from '../support/colleagues.js';
import { C, CR, D, parseMultistatus, propText } from '../support/multistatus.js';
import { startTestServer, type TestServer } from '../support/server.js';

const BIG = 'anna.meier'; // sees all 5,000 contacts
const SMALL = 'bruno.keller'; // sees the 500 that are not restricted to Anna
const book = (user: string) => `/dav/addressbooks/${user}/kontakte/`;

/** Counts the statements sent on every connection the pool hands out, while `measure` runs. */
function queryCounter(pool: pg.Pool) {
  let log: string[] | undefined;
  const wrapped = new WeakSet<object>();
  const wrap = (client: pg.PoolClient) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const original = client.query;
    client.query = function (this: pg.PoolClient, ...args: unknown[]) {
      const first = args[0] as string | { text?: string } | undefined;
      log?.push(typeof first === 'string' ? first : (first?.text ?? String(first)));
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof client.query;
  };
  // 'acquire' fires for every checkout, pool.query() included, before the client is used.
  pool.on('acquire', wrap);
  return {
    async measure(fn: () => Promise<unknown>): Promise<string[]> {
      log = [];
      try {
        await fn();
        return log;
      } finally {
        log = undefined;
      }
    },
  };
}

const PROPFIND_LISTING = '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontenttype/></d:prop></d:propfind>';
const SYNC_INITIAL = `<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/><card:address-data/></d:prop></d:sync-collection>`;
const multiget = (hrefs: string[]) =>
  `<?xml version="1.0" encoding="utf-8"?><card:addressbook-multiget xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><card:address-data/></d:prop>${hrefs
    .map((h) => `<d:href>${h}</d:href>`)
    .join('')}</card:addressbook-multiget>`;

describe('a 5,000-contact address book', () => {
  let dav: TestServer;
  let counter: ReturnType<typeof queryCounter>;
  let ids: string[];

  beforeAll(async () => {
    dav = await startTestServer({
      // PostgreSQL's statements and cursors are what this measures: bodies come from the database,
      // not from the body cache (test/http/body-cache.test.ts covers that one).
      config: { bodyCacheMb: 0 },
      seed: async (db) => {
        const b = builders(db.pool);
        const anna = await b.addEmployee({ username: BIG });
        await b.addEmployee({ username: SMALL });
        await b.addEmployee({ username: 'carla.rossi' });
        await db.query(`
          INSERT INTO brokerstar.contact (kind, first_name, last_name, company_name, customer_no, notes)
          SELECT 'person', 'Vorname' || g, 'Nachname' || g, 'Firma ' || (g % 97), 'K-' || lpad(g::text, 6, '0'), 'Notiz, Nummer ' || g || repeat('. Etwas mehr Text', 10)
            FROM generate_series(1, 5000) g`);
        // Phones and e-mails for some only: BrokerStar's child tables have no index on contact_id,
        // so rendering 5,000 cards with children is slow (reported), and that is not what this file measures.
        await db.query(`INSERT INTO brokerstar.contact_email (contact_id, kind, address, is_primary) SELECT id, 'work', 'k' || id || '@example.ch', true FROM brokerstar.contact WHERE id % 10 = 0`);
        await db.query(`INSERT INTO brokerstar.contact_phone (contact_id, kind, number, is_primary) SELECT id, 'mobile', '+41 79 ' || lpad(id::text, 7, '0'), true FROM brokerstar.contact WHERE id % 10 = 0`);
        await db.query(`INSERT INTO brokerstar.contact_restriction (contact_id, employee_id) SELECT id, $1 FROM brokerstar.contact WHERE id > 500`, [anna]);
      },
    });
    counter = queryCounter(dav.db.pool);
    // App passwords are the test harness's, not the server's work: create them before counting.
    for (const u of [BIG, SMALL, 'carla.rossi']) await dav.passwordOf(u);
    // Render the 5,000 cards once (the change pump), as a running server has long done.
    await dav.store.pump.catchUp();
    const { rows } = await dav.db.query<{ id: string }>('SELECT id::text AS id FROM brokerstar.contact ORDER BY id');
    ids = rows.map((r) => r.id);
  }, 120_000);
  afterAll(() => dav?.close());

  async function propfind(user: string) {
    return dav.propfind(book(user), PROPFIND_LISTING, '1', { user });
  }

  it('PROPFIND Depth 1: the same statements for 5,000 members as for 500, first time and after', async () => {
    const small: string[][] = [];
    const big: string[][] = [];
    let bigCount = 0;
    let smallCount = 0;
    // The first request also builds the member list; the second is the steady state. Filling a
    // book with 1,000 or more members starts one ANALYZE in the background (planner statistics
    // for the new collection): not work per member, and the request does not wait for it.
    for (let round = 0; round < 2; round++) {
      big.push(
        await counter.measure(async () => {
          const r = await propfind(BIG);
          expect(r.status).toBe(207);
          bigCount = r.ms.hrefs.length - 1;
          await dav.store.backgroundWork;
        }),
      );
      small.push(
        await counter.measure(async () => {
          const r = await propfind(SMALL);
          expect(r.status).toBe(207);
          smallCount = r.ms.hrefs.length - 1;
        }),
      );
    }
    expect(bigCount).toBe(5000);
    expect(smallCount).toBe(500);
    expect(big[0]!.filter((q) => q.startsWith('ANALYZE')), 'after filling the 5,000-member book').toEqual(['ANALYZE (SKIP_LOCKED) dav.member']);
    expect([...small, big[1]!].flat().filter((q) => q.startsWith('ANALYZE')), 'after the 500-member book or a poll').toEqual([]);
    big[0] = big[0]!.filter((q) => !q.startsWith('ANALYZE'));
    for (let round = 0; round < 2; round++) {
      expect(big[round]!.length, `round ${round}: ${big[round]!.join('\n---\n')}`).toBe(small[round]!.length);
      // Authentication, the principal, the collections, the sync state (plus, the first time, the
      // member-list refresh in one transaction) and one listing query.
      expect(big[round]!.length).toBeLessThanOrEqual(round === 0 ? 16 : 10);
    }
    expect(big[1]!.length, 'a poll of an unchanged book is cheap').toBeLessThanOrEqual(big[0]!.length);
  });

  it('addressbook-multiget of 500 hrefs runs as many statements as one of 5', async () => {
    await propfind(BIG);
    const hrefs = ids.slice(0, 500).map((id) => `${book(BIG)}${id}.vcf`);
    let answered = 0;
    const many = await counter.measure(async () => {
      const r = await dav.report(book(BIG), multiget(hrefs), { depth: '1', user: BIG });
      expect(r.status).toBe(207);
      answered = hrefs.filter((h) => propText(r.ms.responses.get(h), CR('address-data'))?.startsWith('BEGIN:VCARD')).length;
    });
    expect(answered).toBe(500);
    const few = await counter.measure(async () => {
      const r = await dav.report(book(BIG), multiget(hrefs.slice(0, 5)), { depth: '1', user: BIG });
      expect(r.ms.hrefs).toEqual(hrefs.slice(0, 5));
    });
    expect(many.length, many.join('\n---\n')).toBe(few.length);
    expect(many.length).toBeLessThanOrEqual(10);
  });

  it('sync-collection initial with address data: the same statements for 5,000 cards as for 500', async () => {
    let bigCards = 0;
    let smallCards = 0;
    const big = await counter.measure(async () => {
      const r = await dav.report(book(BIG), SYNC_INITIAL, { depth: '1', user: BIG });
      expect(r.status).toBe(207);
      expect(r.ms.syncToken).toBeTruthy();
      bigCards = [...r.ms.responses.values()].filter((e) => propText(e, CR('address-data'))?.includes('BEGIN:VCARD')).length;
    });
    const small = await counter.measure(async () => {
      const r = await dav.report(book(SMALL), SYNC_INITIAL, { depth: '1', user: SMALL });
      smallCards = [...r.ms.responses.values()].filter((e) => propText(e, CR('address-data'))?.includes('BEGIN:VCARD')).length;
    });
    expect(bigCards).toBe(5000);
    expect(smallCards).toBe(500);
    expect(big.length, big.join('\n---\n')).toBe(small.length);
    expect(big.length).toBeLessThanOrEqual(10);
  });

  it('a no-change sync-collection and a getctag poll: the principal and the collection state, nothing else', async () => {
    const first = await dav.report(book(BIG), SYNC_INITIAL, { depth: '1', user: BIG });
    const token = first.ms.syncToken!;
    const incremental = SYNC_INITIAL.replace('<d:sync-token/>', `<d:sync-token>${token}</d:sync-token>`);
    const sync = await counter.measure(async () => {
      const r = await dav.report(book(BIG), incremental, { depth: '1', user: BIG });
      expect(r.status).toBe(207);
      expect(r.ms.hrefs).toEqual([]);
      expect(r.ms.syncToken).toBe(token);
    });
    const poll = await counter.measure(async () => {
      const r = await dav.propfind(book(BIG), '<d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>', '0', { user: BIG });
      expect(r.status).toBe(207);
    });
    // The login (this test server has no login cache), the employee (an inactive one is refused
    // at once) and the collection's state: no query of the members.
    expect(sync.filter((q) => q.includes('dav.member')), sync.join('\n---\n')).toEqual([]);
    expect(sync.length, sync.join('\n---\n')).toBe(poll.length);
  });

  it('calendar and task listings do not query per member either', async () => {
    const b = builders(dav.db.pool);
    const { rows } = await dav.db.query<{ id: string }>(`SELECT id::text AS id FROM brokerstar.employee WHERE username = $1`, ['carla.rossi']);
    const carla = rows[0]!.id;
    const measureListing = async () => {
      const r = await counter.measure(async () => {
        for (const slug of ['termine', 'aufgaben']) {
          const res = await dav.propfind(`/dav/calendars/carla.rossi/${slug}/`, PROPFIND_LISTING, '1', { user: 'carla.rossi' });
          expect(res.status).toBe(207);
        }
      });
      return r.length;
    };
    await b.addAppointment({ ownerId: carla, startsAt: '2026-12-01T09:00:00Z' });
    await b.addTask({ assigneeId: carla });
    await measureListing();
    const one = await measureListing();
    for (let i = 0; i < 30; i++) {
      await b.addAppointment({ ownerId: carla, startsAt: new Date(Date.UTC(2026, 11, 2 + i, 9)) });
      await b.addTask({ assigneeId: carla, subject: `Aufgabe ${i}` });
    }
    await measureListing();
    expect(await measureListing()).toBe(one);
  });

  it('a PROPFIND Depth 1 of 5,000 members is written as it is produced, not buffered into one body', async () => {
    const res = await fetch(dav.url + book(BIG), {
      method: 'PROPFIND',
      headers: { Depth: '1', 'Content-Type': 'application/xml; charset=utf-8', Authorization: basicAuth(BIG, await dav.passwordOf(BIG)) },
      body: PROPFIND_LISTING,
    });
    expect(res.status).toBe(207);
    expect(res.headers.get('content-length'), 'not buffered into one sized body').toBeNull();
    const chunks: string[] = [];
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk).toString('utf8'));
    const body = chunks.join('');
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks[0]!.length, 'the first chunk is a small part of the answer').toBeLessThan(body.length / 4);
    const ms = await parseMultistatus(body);
    expect(ms.hrefs).toHaveLength(5001);
  });

  it('the first bytes of a 5,000-card sync-collection arrive while the server is still reading the rows', async () => {
    const pool = dav.db.pool;
    const res = await fetch(dav.url + book(BIG), {
      method: 'REPORT',
      headers: {
        Depth: '1',
        'Content-Type': 'application/xml; charset=utf-8',
        Authorization: basicAuth(BIG, await dav.passwordOf(BIG)),
      },
      body: SYNC_INITIAL,
    });
    expect(res.status).toBe(207);
    expect(res.headers.get('content-length'), 'not buffered into one sized body').toBeNull();
    const reader = res.body!.getReader();
    const first = await reader.read();
    // Still reading: a connection is checked out for the cursor over the members.
    const busyAtFirstChunk = pool.totalCount - pool.idleCount;
    const firstText = Buffer.from(first.value!).toString('utf8');
    const chunks: Uint8Array[] = [first.value!];
    let chunkCount = 1;
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      chunks.push(next.value);
      chunkCount++;
    }
    const body = Buffer.concat(chunks).toString('utf8');
    expect(firstText.startsWith('<?xml')).toBe(true);
    expect(body.length, 'megabytes').toBeGreaterThan(1_500_000);
    expect(firstText.length, 'the first chunk is a small part of the answer').toBeLessThan(body.length / 4);
    expect(chunkCount).toBeGreaterThan(5);
    expect(busyAtFirstChunk, 'rows were still being read when the first bytes arrived').toBeGreaterThan(0);
    const ms = await parseMultistatus(body);
    expect(ms.hrefs).toHaveLength(5000);
    expect(ms.syncToken).toBeTruthy();
    expect(propText(ms.responses.get(ms.hrefs[0]!), D('getetag'))).toMatch(/^"/);
    // Once the answer is complete, every connection is back in the pool.
    expect(pool.totalCount - pool.idleCount).toBe(0);
  });
});

describe('a colleague’s shared calendar of 100 appointments', () => {
  const SHARED = '/dav/calendars/anna.meier/termine-beat.keller/';
  let dav: TestServer;
  let counter: ReturnType<typeof queryCounter>;
  let hrefs: string[];

  const calendarMultiget = (hs: string[]) =>
    `<?xml version="1.0" encoding="utf-8"?><C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>${hs
      .map((h) => `<D:href>${h}</D:href>`)
      .join('')}</C:calendar-multiget>`;
  // Outlook's default: VEVENT in a window, getetag only.
  const calendarQuery = (start: string, end: string) =>
    `<?xml version="1.0" encoding="utf-8"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="${start}" end="${end}"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`;

  beforeAll(async () => {
    dav = await startTestServer({
      user: 'anna.meier',
      config: { bodyCacheMb: 0 },
      seed: async (db) => {
        const { beat } = await addAnnaAndBeat(db.pool);
        await db.query(
          `INSERT INTO brokerstar.appointment (subject, owner_id, starts_at, ends_at, time_zone)
           SELECT 'Termin ' || g, $1, timestamptz '2026-12-01 09:00Z' + g * interval '1 day', timestamptz '2026-12-01 10:00Z' + g * interval '1 day', 'Europe/Zurich'
             FROM generate_series(1, 100) g`,
          [beat],
        );
      },
    });
    counter = queryCounter(dav.db.pool);
    await dav.passwordOf('anna.meier');
    const listing = await dav.propfind(SHARED, PROPFIND_LISTING, '1');
    hrefs = listing.ms.hrefs.filter((h) => h !== SHARED);
  }, 120_000);
  afterAll(() => dav?.close());

  it('calendar-multiget of 100 hrefs runs as many statements as one of 5: no lookup per href', async () => {
    expect(hrefs).toHaveLength(100);
    let answered = 0;
    const many = await counter.measure(async () => {
      const r = await dav.report(SHARED, calendarMultiget(hrefs), { depth: '1' });
      expect(r.status).toBe(207);
      answered = hrefs.filter((h) => propText(r.ms.responses.get(h), C('calendar-data'))?.startsWith('BEGIN:VCALENDAR')).length;
    });
    expect(answered).toBe(100);
    const few = await counter.measure(async () => {
      const r = await dav.report(SHARED, calendarMultiget(hrefs.slice(0, 5)), { depth: '1' });
      expect(r.ms.hrefs).toEqual(hrefs.slice(0, 5));
    });
    expect(many.length, many.join('\n---\n')).toBe(few.length);
    expect(many.length).toBeLessThanOrEqual(8);
  });

  it('hrefs in a multiget may be full URLs or percent-encoded, and hrefs outside the calendar are 404', async () => {
    const [first, second] = hrefs as [string, string];
    const full = `${dav.url}${first}`;
    const encoded = second.replace('beat.keller', 'beat%2Ekeller');
    const outside = ['/dav/calendars/anna.meier/termine/' + first.split('/').pop(), `${SHARED}nested/${first.split('/').pop()}`, `${SHARED}a%20b.ics`];
    const r = await dav.report(SHARED, calendarMultiget([full, encoded, ...outside]), { depth: '1' });
    expect(r.status).toBe(207);
    expect(propText(r.ms.responses.get(full), D('getetag'))).toMatch(/^"/);
    expect(propText(r.ms.responses.get(encoded), D('getetag'))).toMatch(/^"/);
    for (const h of outside) expect(r.ms.responses.get(h)?.status, h).toBe('HTTP/1.1 404 Not Found');
  });

  it('calendar-query runs the same few statements for 100 matches as for 3', async () => {
    let matched = 0;
    const many = await counter.measure(async () => {
      const r = await dav.report(SHARED, calendarQuery('20261201T000000Z', '20270401T000000Z'), { depth: '1' });
      expect(r.status).toBe(207);
      matched = r.ms.hrefs.length;
    });
    expect(matched).toBe(100);
    const few = await counter.measure(async () => {
      const r = await dav.report(SHARED, calendarQuery('20261202T000000Z', '20261205T000000Z'), { depth: '1' });
      expect(r.ms.hrefs).toHaveLength(3);
    });
    expect(many.length, many.join('\n---\n')).toBe(few.length);
    expect(many.length).toBeLessThanOrEqual(8);
  });
});
