// The 5,000 cap (MAX_RECORDS, issue 4) with a small cap: the deterministic priority per kind of
// collection, no error for the client, the administrator's view (`brokerstar-dav status` and one
// warning when a collection starts being capped), and PRIVATE_APPOINTMENTS=busy|hidden.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { builders } from '../support/builders.js';
import { AUFGABEN, KONTAKTE, TERMINE } from '../support/collections.js';
import { CS, D, parseMultistatus, propText } from '../support/multistatus.js';
import { startSecondServer } from '../support/second-server.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { LISTING, SYNC } from '../support/sync-requests.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'dist/src/cli.js');
const DAY = 86_400_000;

const ANNA = 'anna.meier';
const BEAT = 'beat.keller';
const SHARED = `/dav/calendars/${BEAT}/termine-${ANNA}/`;

/** Another server process over the same database (a restart, or an instance with other settings). */
async function otherServer(dav: TestServer, config: Partial<Config>, log: Logger = createLogger('silent')) {
  const other = await startSecondServer(dav, { config, log, poolSize: 4 });
  return {
    async propfind(p: string, user: string) {
      const auth = await other.authorization(user);
      const res = await fetch(other.url + p, { method: 'PROPFIND', body: LISTING, headers: { Authorization: auth, Depth: '1', 'Content-Type': 'application/xml' } });
      expect(res.status).toBe(207);
      return parseMultistatus(await res.text());
    },
    close: other.close,
  };
}

/** Member hrefs of a collection as served (PROPFIND Depth 1), sorted. */
async function members(dav: TestServer, p: string, user: string): Promise<string[]> {
  const r = await dav.propfind(p, LISTING, '1', { user });
  expect(r.status, `PROPFIND ${p}`).toBe(207);
  return r.ms.hrefs.filter((h) => h !== p).sort();
}

async function position(dav: TestServer, p: string, user: string) {
  const r = await dav.propfind(p, LISTING, '0', { user });
  expect(r.status).toBe(207);
  return { token: propText(r.ms.responses.get(p), D('sync-token'))!, ctag: propText(r.ms.responses.get(p), CS('getctag'))! };
}

/**
 * The full priority order, read through the cap itself: for n = 1, 2, … a server with
 * MAX_RECORDS = n serves the first n items, so each step adds exactly the next one.
 */
async function priorityOrder(dav: TestServer, p: string, user: string, count: number): Promise<string[]> {
  const order: string[] = [];
  for (let n = 1; n <= count; n++) {
    const s = await otherServer(dav, { maxRecords: n });
    try {
      const ms = await s.propfind(p, user);
      const served = ms.hrefs.filter((h) => h !== p);
      expect(served, `MAX_RECORDS=${n}: n items`).toHaveLength(n);
      const added = served.filter((h) => !order.includes(h));
      expect(added, `MAX_RECORDS=${n} keeps the first ${n - 1} and adds one`).toHaveLength(1);
      order.push(added[0]!);
    } finally {
      await s.close();
    }
  }
  return order;
}

describe('the cap order', () => {
  let dav: TestServer;
  let anna: string;
  let beat: string;
  /** Midnight as the database sees it: the cap's "today". */
  // The start of the employee's day in his zone (the cap's "today"), not the database's UTC date:
  // between 23:00 and midnight UTC they differ.
  const today = async () =>
    (await dav.db.query<{ t: Date }>(`SELECT date_trunc('day', now() AT TIME ZONE 'Europe/Zurich') AT TIME ZONE 'Europe/Zurich' AS t`)).rows[0]!.t.getTime();

  beforeAll(async () => {
    dav = await startTestServer({
      user: ANNA,
      config: { authCacheSeconds: 600, maxRecords: 3 },
      seed: async (db) => {
        const b = builders(db.pool);
        anna = await b.addEmployee({ username: ANNA });
        beat = await b.addEmployee({ username: BEAT });
      },
    });
  });
  afterAll(() => dav?.close());

  it('contacts: favorites first, then those the employee advises, then the most recently changed', async () => {
    const b = builders(dav.db.pool);
    const book = KONTAKTE(ANNA);
    const h = (id: string) => `${book}${id}.vcf`;
    // Created one after the other, each seen by the server before the next.
    const ids: Record<string, string> = {};
    for (const [name, spec] of [
      ['Favorit', { favoriteOf: [anna] }],
      ['Betreut', { advisorId: anna }],
      ['Alt', {}],
      ['Mittel', {}],
      ['Neu', {}],
      ['FremdBetreut', { advisorId: beat }],
    ] as const) {
      ids[name] = await b.addContact({ lastName: name, ...spec });
      await members(dav, book, ANNA);
    }
    // MAX_RECORDS = 3: the favorite, the own customer, then the most recent of the rest
    expect(await members(dav, book, ANNA)).toEqual([h(ids.Favorit!), h(ids.Betreut!), h(ids.FremdBetreut!)].sort());
    expect(await priorityOrder(dav, book, ANNA, 6)).toEqual(['Favorit', 'Betreut', 'FremdBetreut', 'Neu', 'Mittel', 'Alt'].map((n) => h(ids[n]!)));
    // beat's priorities are his own: his own customer first
    expect((await priorityOrder(dav, KONTAKTE(BEAT), BEAT, 2))[0]).toBe(`${KONTAKTE(BEAT)}${ids.FremdBetreut}.vcf`);
    // "Alt" changes in BrokerStar: a served field (with or without updated_at) …
    await dav.db.query(`UPDATE brokerstar.contact SET notes = 'Neuer Vertrag' WHERE id = $1`, [ids.Alt]);
    expect(await members(dav, book, ANNA)).toEqual([h(ids.Favorit!), h(ids.Betreut!), h(ids.Alt!)].sort());
    // … or only updated_at: BrokerStar says it changed, so it is the most recent now
    await dav.db.query(`UPDATE brokerstar.contact SET updated_at = now() WHERE id = $1`, [ids.Mittel]);
    expect(await members(dav, book, ANNA)).toEqual([h(ids.Favorit!), h(ids.Betreut!), h(ids.Mittel!)].sort());
    await dav.db.query(`DELETE FROM brokerstar.contact WHERE id = ANY($1::bigint[])`, [Object.values(ids)]);
  });

  it('contacts: what BrokerStar changed most recently, also for contacts the server sees for the first time at its first start', async () => {
    // A fresh installation over an existing BrokerStar database: every contact is rendered in the
    // same first pass. BrokerStar's updated_at must still decide, not the order of the ids.
    const fresh = await startTestServer({
      user: ANNA,
      config: { authCacheSeconds: 600, maxRecords: 2 },
      seed: async (db) => {
        const b = builders(db.pool);
        await b.addEmployee({ username: ANNA });
        for (const [name, updated] of [
          ['Kunde2019', '2019-05-01T00:00:00Z'],
          ['Kunde2025', '2025-05-01T00:00:00Z'],
          ['Kunde2015', '2015-05-01T00:00:00Z'],
          ['Kunde2026', '2026-05-01T00:00:00Z'],
        ] as const) {
          await b.addContact({ lastName: name, updatedAt: updated });
        }
      },
    });
    try {
      const { rows } = await fresh.db.query<{ id: string; last_name: string }>(`SELECT id::text AS id, last_name FROM brokerstar.contact`);
      const id = Object.fromEntries(rows.map((r) => [r.last_name, r.id]));
      expect(await members(fresh, KONTAKTE(ANNA), ANNA)).toEqual([`${KONTAKTE(ANNA)}${id.Kunde2025}.vcf`, `${KONTAKTE(ANNA)}${id.Kunde2026}.vcf`].sort());
    } finally {
      await fresh.close();
    }
  });

  it('contacts: deterministic — ties are broken by id, and the same data gives the same set after a refresh and a restart', async () => {
    const b = builders(dav.db.pool);
    const book = KONTAKTE(ANNA);
    // Five contacts written in one BrokerStar transaction: equally recent.
    const client = await dav.db.pool.connect();
    const ids: string[] = [];
    try {
      await client.query('BEGIN');
      for (let i = 0; i < 5; i++) ids.push(await builders(client).addContact({ lastName: `Gleich${i}` }));
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const first = await members(dav, book, ANNA);
    expect(first).toEqual(ids.slice(0, 3).map((id) => `${book}${id}.vcf`).sort());
    const { token } = await position(dav, book, ANNA);
    // something unrelated changes: the set is recomputed, and nothing moves
    await b.addTask({ assigneeId: beat, subject: 'Anderes' });
    await dav.db.query(`UPDATE brokerstar.contact SET salutation = 'Herr' WHERE id = $1`, [ids[4]]);
    expect(await members(dav, book, ANNA)).toEqual(first);
    const again = await dav.report(book, SYNC(token));
    expect(again.ms.hrefs).toEqual([]);
    // a restart with the same settings
    const restarted = await otherServer(dav, {});
    try {
      expect((await restarted.propfind(book, ANNA)).hrefs.filter((x) => x !== book).sort()).toEqual(first);
    } finally {
      await restarted.close();
    }
    expect((await position(dav, book, ANNA)).token).toBe(token);
    await dav.db.query(`DELETE FROM brokerstar.contact WHERE id = ANY($1::bigint[])`, [ids]);
  });

  it('appointments: nearest to today — upcoming first by their next instance (a running series by its next one), then the recent past, most recent first', async () => {
    const b = builders(dav.db.pool);
    const t0 = await today();
    const at = (days: number, hour = 10) => new Date(t0 + days * DAY + hour * 3600_000);
    const ids: Record<string, string> = {};
    for (const [name, spec] of [
      ['vor100Tagen', { startsAt: at(-100) }],
      ['gestern', { startsAt: at(-1) }],
      ['morgen', { startsAt: at(1) }],
      ['in40Tagen', { startsAt: at(40) }],
      ['vor2Tagen', { startsAt: at(-2, 15) }],
      ['in3Tagen', { startsAt: at(3) }],
      // weekly since 19 days: its next instance is the day after tomorrow
      ['laufendeSerie', { startsAt: at(-19), recurrenceRule: 'FREQ=WEEKLY' }],
      // yearly since 265 days: its next instance is in 100 days, after the one in 40 days
      ['jaehrlich', { startsAt: at(-265), recurrenceRule: 'FREQ=YEARLY' }],
      ['beendeteSerie', { startsAt: at(-40), recurrenceRule: 'FREQ=WEEKLY;COUNT=3' }],
      ['heuteFrueh', { startsAt: at(0, 0) }],
    ] as const) {
      ids[name] = await b.addAppointment({ ownerId: anna, subject: name, ...spec });
    }
    const cal = TERMINE(ANNA);
    const order = await priorityOrder(dav, cal, ANNA, 10);
    expect(order).toEqual(
      ['heuteFrueh', 'morgen', 'laufendeSerie', 'in3Tagen', 'in40Tagen', 'jaehrlich', 'gestern', 'vor2Tagen', 'beendeteSerie', 'vor100Tagen'].map(
        (n) => `${cal}${ids[n]}.ics`,
      ),
    );
    // beat sees anna's calendar through a share: the same order
    await b.addShare(anna, beat);
    expect(await members(dav, SHARED, BEAT)).toEqual(order.slice(0, 3).map((h) => h.replace(cal, SHARED)).sort());
    await dav.db.query(`DELETE FROM brokerstar.calendar_share`);
    await dav.db.query(`DELETE FROM brokerstar.appointment WHERE id = ANY($1::bigint[])`, [Object.values(ids)]);
  });

  it('appointments: a series that ended yesterday is recent past, not an upcoming appointment', async () => {
    const b = builders(dav.db.pool);
    const t0 = await today();
    const ended = await b.addAppointment({ ownerId: anna, subject: 'Kurs (beendet)', startsAt: new Date(t0 - 8 * DAY + 10 * 3600_000), recurrenceRule: 'FREQ=WEEKLY;COUNT=2' });
    const soon = [];
    for (const d of [1, 2, 3]) soon.push(await b.addAppointment({ ownerId: anna, subject: `Bald ${d}`, startsAt: new Date(t0 + d * DAY + 10 * 3600_000) }));
    try {
      // MAX_RECORDS = 3: the three upcoming appointments, not the finished course
      expect(await members(dav, TERMINE(ANNA), ANNA)).toEqual(soon.map((id) => `${TERMINE(ANNA)}${id}.ics`).sort());
    } finally {
      await dav.db.query(`DELETE FROM brokerstar.appointment WHERE id = ANY($1::bigint[])`, [[ended, ...soon]]);
    }
  });

  it('appointments: an all-day appointment is ordered by its day, not a day early', async () => {
    const b = builders(dav.db.pool);
    const t0 = await today();
    const day = (n: number) => new Date(t0 + n * DAY + 12 * 3600_000).toISOString().slice(0, 10);
    // timed appointments tomorrow and the day after; an all-day one on the third day
    const timed = [];
    for (const d of [1, 2]) timed.push(await b.addAppointment({ ownerId: anna, subject: `Zeit ${d}`, startsAt: new Date(t0 + d * DAY + 10 * 3600_000) }));
    const past = await b.addAppointment({ ownerId: anna, subject: 'Vorbei', startsAt: new Date(t0 - 5 * DAY) });
    const allDay = await b.addAppointment({ ownerId: anna, subject: 'Ganztags', allDay: true, startsAt: day(3) });
    try {
      const order = await priorityOrder(dav, TERMINE(ANNA), ANNA, 4);
      expect(order).toEqual([...timed, allDay, past].map((id) => `${TERMINE(ANNA)}${id}.ics`));
    } finally {
      await dav.db.query(`DELETE FROM brokerstar.appointment WHERE id = ANY($1::bigint[])`, [[...timed, past, allDay]]);
    }
  });

  it('tasks: open ones first by due date (undated last), then the most recently completed', async () => {
    const b = builders(dav.db.pool);
    const t0 = await today();
    const ids: Record<string, string> = {};
    for (const [name, spec] of [
      ['offenOhneTermin', { status: 'open' }],
      ['erledigtVorMonat', { status: 'done', completedAt: new Date(t0 - 30 * DAY) }],
      ['offenSpaeter', { status: 'in_progress', dueAt: new Date(t0 + 20 * DAY) }],
      ['wartendUeberfaellig', { status: 'waiting', dueAt: new Date(t0 - 10 * DAY) }],
      ['erledigtGestern', { status: 'done', completedAt: new Date(t0 - DAY) }],
      ['offenMorgen', { status: 'open', dueAt: new Date(t0 + DAY) }],
      ['abgebrochenVorWoche', { status: 'cancelled', completedAt: new Date(t0 - 7 * DAY) }],
    ] as const) {
      ids[name] = await b.addTask({ assigneeId: anna, subject: name, ...spec });
    }
    const list = AUFGABEN(ANNA);
    expect(await priorityOrder(dav, list, ANNA, 7)).toEqual(
      ['wartendUeberfaellig', 'offenMorgen', 'offenSpaeter', 'offenOhneTermin', 'erledigtGestern', 'abgebrochenVorWoche', 'erledigtVorMonat'].map((n) => `${list}${ids[n]}.ics`),
    );
    // completing a task moves it behind every open one: it falls out of the first three
    await dav.db.query(`UPDATE brokerstar.task SET status = 'done', percent_complete = 100, completed_at = now() WHERE id = $1`, [ids.offenMorgen]);
    expect(await members(dav, list, ANNA)).toEqual(['wartendUeberfaellig', 'offenSpaeter', 'offenOhneTermin'].map((n) => `${list}${ids[n]}.ics`).sort());
    await dav.db.query(`DELETE FROM brokerstar.task WHERE id = ANY($1::bigint[])`, [Object.values(ids)]);
  });

  it('a new day re-ranks the appointments without announcing anything when nothing moved', async () => {
    await builders(dav.db.pool).addAppointment({ ownerId: anna, subject: 'Stabil', startsAt: new Date((await today()) + 5 * DAY) });
    const before = await position(dav, TERMINE(ANNA), ANNA);
    await dav.db.query(`UPDATE dav.collection SET refreshed_on = current_date - 1`);
    const after = await position(dav, TERMINE(ANNA), ANNA);
    expect(after.token).toBe(before.token);
    const { rows } = await dav.db.query<{ fresh: boolean }>(`SELECT refreshed_on = (now() AT TIME ZONE 'Europe/Zurich')::date AS fresh FROM dav.collection WHERE key = $1`, [`events:${anna}`]);
    expect(rows[0]?.fresh, 'the collection was re-ranked for the new day').toBe(true);
    await dav.db.query(`DELETE FROM brokerstar.appointment WHERE subject = 'Stabil'`);
  });

  it('the client never gets an error from a capped collection: listing, sync, query and multiget all answer 207', async () => {
    const b = builders(dav.db.pool);
    const ids = [];
    for (let i = 0; i < 6; i++) ids.push(await b.addContact({ lastName: `Viele${i}` }));
    const book = KONTAKTE(ANNA);
    const served = await members(dav, book, ANNA);
    expect(served).toHaveLength(3);
    const outside = ids.map((id) => `${book}${id}.vcf`).find((h) => !served.includes(h))!;
    const sync = await dav.report(book, SYNC(''));
    expect(sync.status).toBe(207);
    expect(sync.ms.hrefs.sort()).toEqual(served);
    const query = await dav.report(book, `<card:addressbook-query xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/></d:prop><card:filter/></card:addressbook-query>`, { depth: '1' });
    expect(query.status).toBe(207);
    expect(query.ms.hrefs.sort()).toEqual(served);
    const multiget = await dav.report(
      book,
      `<card:addressbook-multiget xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/></d:prop><d:href>${served[0]}</d:href><d:href>${outside}</d:href></card:addressbook-multiget>`,
      { depth: '1' },
    );
    expect(multiget.status).toBe(207);
    expect(propText(multiget.ms.responses.get(served[0]!), D('getetag'))).toMatch(/^"/);
    expect(multiget.ms.responses.get(outside)?.status, 'an item outside the cap is simply not there').toBe('HTTP/1.1 404 Not Found');
    expect((await dav.request('GET', outside)).status).toBe(404);
    await dav.db.query(`DELETE FROM brokerstar.contact WHERE id = ANY($1::bigint[])`, [ids]);
  });
});

describe('what an administrator sees', () => {
  let dav: TestServer;
  let anna: string;
  const lines: Record<string, unknown>[] = [];
  const capture: Logger = createLogger('info', {
    write(line: string) {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  const warnings = () => lines.filter((l) => l.level === 40 && String(l.msg).includes('MAX_RECORDS'));

  beforeAll(async () => {
    dav = await startTestServer({
      user: ANNA,
      config: { authCacheSeconds: 600, maxRecords: 3 },
      seed: async (db) => {
        const b = builders(db.pool);
        anna = await b.addEmployee({ username: ANNA });
        await b.addEmployee({ username: BEAT });
        for (let i = 0; i < 3; i++) await b.addContact({ lastName: `Kunde${i}` });
        await b.addTask({ assigneeId: anna, subject: 'Eine' });
      },
    });
    // dist/ must be the current build of src/ for the real CLI
    const newest = (dir: string): number =>
      Math.max(...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs)));
    if (!existsSync(CLI) || statSync(CLI).mtimeMs < newest(path.join(ROOT, 'src'))) {
      try {
        execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
      } catch {
        // tsc emits even with type errors elsewhere in the tree; the CLI run below tells.
      }
    }
  }, 180_000);
  afterAll(() => dav?.close());

  async function status(user: string | undefined, env: Record<string, string>) {
    const { stdout } = await run(process.execPath, [CLI, 'status', ...(user ? [user] : [])], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: dav.db.url, ...env },
    });
    return stdout;
  }

  it('one warning when a collection starts being capped, not on every request', async () => {
    const server = await otherServer(dav, { maxRecords: 3 }, capture);
    try {
      await server.propfind(KONTAKTE(ANNA), ANNA);
      expect(warnings(), 'three contacts, cap three: not capped').toEqual([]);
      const b = builders(dav.db.pool);
      await b.addContact({ lastName: 'Vierter' });
      await server.propfind(KONTAKTE(ANNA), ANNA);
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0]).toMatchObject({ collection: `contacts:${anna}`, user: ANNA, eligible: 4, served: 3, cap: 3 });
      // more requests and more contacts: still capped, no new warning
      for (let i = 0; i < 3; i++) {
        await b.addContact({ lastName: `Weitere${i}` });
        await server.propfind(KONTAKTE(ANNA), ANNA);
      }
      await server.propfind(KONTAKTE(ANNA), ANNA);
      expect(warnings()).toHaveLength(1);
      // beat's address book starts being capped too: its own warning
      await server.propfind(KONTAKTE(BEAT), BEAT);
      expect(warnings()).toHaveLength(2);
      expect(warnings()[1]).toMatchObject({ user: BEAT });
      // the tasks list is far below the cap: never a warning
      await server.propfind(AUFGABEN(ANNA), ANNA);
      expect(warnings()).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('`brokerstar-dav status USER` prints per collection the eligible and served counts and the last change', async () => {
    const { rows } = await dav.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM brokerstar.contact`);
    const before = await position(dav, KONTAKTE(ANNA), ANNA);
    const out = await status(ANNA, { MAX_RECORDS: '3' });
    expect(out).toContain('MAX_RECORDS = 3');
    const line = (name: string) => out.split('\n').find((l) => l.startsWith(ANNA) && l.includes(name));
    const kontakte = line('Kontakte');
    expect(kontakte).toBeDefined();
    const [eligible, served, changed] = kontakte!.replace(/^\S+\s+Kontakte\s+/, '').trim().split(/\s+/);
    expect(Number(eligible)).toBe(rows[0]!.n);
    expect(Number(served)).toBe(3);
    expect(new Date(changed!).getTime()).toBeGreaterThan(Date.now() - 3600_000);
    expect(kontakte).toContain('CAPPED');
    const aufgaben = line('Aufgaben')!;
    expect(aufgaben.replace(/^\S+\s+Aufgaben\s+/, '').trim().split(/\s+/).slice(0, 2)).toEqual(['1', '1']);
    expect(aufgaben).not.toContain('CAPPED');
    expect(line('Termine')).toBeDefined();
    expect(out).not.toContain(BEAT);
    // run with the server's own settings, status changes nothing clients see
    expect((await position(dav, KONTAKTE(ANNA), ANNA)).token).toBe(before.token);
    // without USER: every active employee
    const everyone = await status(undefined, { MAX_RECORDS: '3' });
    expect(everyone).toContain(`${BEAT} `);
    expect(everyone).toContain(`${ANNA} `);
  }, 60_000);

  it('`brokerstar-dav status` run with settings other than the server\'s does not change what clients see', async () => {
    const before = await position(dav, KONTAKTE(ANNA), ANNA);
    const out = await status(ANNA, { MAX_RECORDS: '2', PRIVATE_APPOINTMENTS: 'hidden' });
    expect(out).toContain('MAX_RECORDS = 2');
    const answer = await dav.report(KONTAKTE(ANNA), SYNC(before.token));
    expect(answer.ms.hrefs, 'the clients of the running server see no change').toEqual([]);
    expect(answer.ms.syncToken).toBe(before.token);
  }, 60_000);

  it('an unknown user is "nothing found" (exit 1)', async () => {
    await expect(status('niemand', { MAX_RECORDS: '3' })).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('no active employee "niemand"') });
  }, 60_000);
});

describe('private appointments of colleagues: PRIVATE_APPOINTMENTS=busy|hidden', () => {
  for (const mode of ['busy', 'hidden'] as const) {
    describe(mode, () => {
      let dav: TestServer;
      const ids: Record<string, string> = {};
      beforeAll(async () => {
        dav = await startTestServer({
          config: { authCacheSeconds: 600, maxRecords: 3, privateAppointments: mode },
          seed: async (db) => {
            const b = builders(db.pool);
            const anna = await b.addEmployee({ username: ANNA });
            const beat = await b.addEmployee({ username: BEAT });
            const carla = await b.addEmployee({ username: 'carla.rossi' });
            await b.addShare(anna, beat);
            await b.addShare(anna, carla);
            const t0 = Date.now();
            ids.oeffentlich = await b.addAppointment({ ownerId: anna, subject: 'Öffentlich', startsAt: new Date(t0 + 3 * DAY) });
            ids.privat = await b.addAppointment({ ownerId: anna, subject: 'Arzt', location: 'Praxis Dr. Weber', description: 'Kontrolle', startsAt: new Date(t0 + DAY), isPrivate: true, participants: [carla] });
            ids.privat2 = await b.addAppointment({ ownerId: anna, subject: 'Privat 2', startsAt: new Date(t0 + 2 * DAY), isPrivate: true });
            ids.spaet = await b.addAppointment({ ownerId: anna, subject: 'Später', startsAt: new Date(t0 + 4 * DAY) });
          },
        });
      });
      afterAll(() => dav?.close());

      it('the owner sees private appointments in full', async () => {
        const body = (await dav.request('GET', `${TERMINE(ANNA)}${ids.privat}.ics`, { user: ANNA })).text;
        expect(body).toContain('SUMMARY:Arzt');
        expect(body).toContain('LOCATION:Praxis Dr. Weber');
        expect(body).toContain('CLASS:PRIVATE');
      });

      it('an invited colleague sees it as the owner does, in the shared calendar too', async () => {
        const body = (await dav.request('GET', `/dav/calendars/carla.rossi/termine-${ANNA}/${ids.privat}.ics`, { user: 'carla.rossi' })).text;
        expect(body).toContain('SUMMARY:Arzt');
        expect(body).toContain('LOCATION:Praxis Dr. Weber');
      });

      it(mode === 'busy' ? 'other colleagues get a busy block without details' : 'other colleagues do not see it at all, and it does not count for the cap', async () => {
        const served = await members(dav, SHARED, BEAT);
        const h = (n: string) => `${SHARED}${ids[n]}.ics`;
        if (mode === 'busy') {
          // MAX_RECORDS = 3: the three nearest, the private ones as busy blocks
          expect(served).toEqual([h('privat'), h('privat2'), h('oeffentlich')].sort());
          const body = (await dav.request('GET', h('privat'), { user: BEAT })).text;
          expect(body).toContain('SUMMARY:Besetzt');
          expect(body).toContain('TRANSP:OPAQUE');
          for (const secret of ['Arzt', 'Praxis', 'Kontrolle', 'ATTENDEE', 'ORGANIZER', 'DESCRIPTION', 'LOCATION']) expect(body).not.toContain(secret);
        } else {
          expect(served).toEqual([h('oeffentlich'), h('spaet')].sort());
          expect((await dav.request('GET', h('privat'), { user: BEAT })).status).toBe(404);
        }
      });
    });
  }
});
