// The sync windows (issue 16): SYNC_PAST_DAYS (appointments that ended longer ago are not served)
// and SYNC_DONE_TASKS_DAYS (done or cancelled tasks closed longer ago are not served), counted in
// the employee's days. Items age out as his day turns, with no BrokerStar write: a removal in
// sync-collection and a new token. What is outside a window answers as a non-member does, `status`
// counts it, and it no longer fills the cap. The server's clock is moved through the store's
// injectable `now` (createStore), not by faking timers.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { AUFGABEN, TERMINE } from '../support/collections.js';
import { eventsInRange } from '../support/calendar-query.js';
import { getItem, putCalendar } from '../support/items.js';
import { BS, C, CS, D, errorConditions, propText } from '../support/multistatus.js';
import { startSecondServer } from '../support/second-server.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { LISTING, SYNC } from '../support/sync-requests.js';
import { wallClockFields, zonedInstant } from '../support/time.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'dist/src/cli.js');
const DAY = 86_400_000;
const ZONE = 'Europe/Zurich';
const ANNA = 'anna.meier';
const BEAT = 'beat.keller';
const CARLA = 'carla.rossi';
const SHARED = `/dav/calendars/${BEAT}/termine-${ANNA}/`;

/** A clock the tests move: the server's "now" (its employees' days), fixed unless moved. */
function movableClock() {
  let at = Date.now();
  return {
    now: () => new Date(at),
    get ms() {
      return at;
    },
    forward(days: number) {
      at += days * DAY;
    },
  };
}

/** `hour`:00 in Zurich, `days` calendar days from the clock's date there. */
function zurich(clockMs: number, days: number, hour: number): Date {
  const d = wallClockFields(new Date(clockMs), ZONE);
  return new Date(zonedInstant(+d.year, +d.month, +d.day + days, hour, 0, ZONE));
}

/** The Zurich date `days` from the clock's date there, YYYY-MM-DD. */
function zurichDate(clockMs: number, days: number): string {
  const d = wallClockFields(new Date(clockMs), ZONE);
  return new Date(Date.UTC(+d.year, +d.month - 1, +d.day + days)).toISOString().slice(0, 10);
}

async function members(dav: TestServer, p: string, user: string): Promise<string[]> {
  const r = await dav.propfind(p, LISTING, '1', { user });
  expect(r.status, `PROPFIND ${p}`).toBe(207);
  return r.ms.hrefs.filter((h) => h !== p).sort();
}

async function token(dav: TestServer, p: string, user: string): Promise<{ token: string; ctag: string }> {
  const r = await dav.propfind(p, LISTING, '0', { user });
  expect(r.status).toBe(207);
  return { token: propText(r.ms.responses.get(p), D('sync-token'))!, ctag: propText(r.ms.responses.get(p), CS('getctag'))! };
}

const hrefs = (base: string, ids: string[]) => ids.map((id) => `${base}${id}.ics`).sort();

const MULTIGET = (hs: string[]) => `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>${hs
  .map((h) => `<D:href>${h}</D:href>`)
  .join('')}</C:calendar-multiget>`;

/** The built CLI is current (as cap.test.ts makes sure). */
function ensureBuiltCli(): void {
  const newest = (dir: string): number =>
    Math.max(...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs)));
  if (!existsSync(CLI) || statSync(CLI).mtimeMs < newest(path.join(ROOT, 'src'))) {
    try {
      execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
    } catch {
      // tsc emits even with type errors elsewhere in the tree; the CLI run tells.
    }
  }
}

describe('SYNC_PAST_DAYS = 365 and SYNC_DONE_TASKS_DAYS = 30 (the defaults)', () => {
  const clock = movableClock();
  let dav: TestServer;
  const a: Record<string, string> = {};
  const t: Record<string, string> = {};

  beforeAll(async () => {
    ensureBuiltCli();
    const T0 = clock.ms;
    dav = await startTestServer({
      user: ANNA,
      now: clock.now,
      config: { syncPastDays: 365, syncDoneTasksDays: 30, authCacheSeconds: 600 },
      seed: async (db) => {
        const b = builders(db.pool);
        const anna = await b.addEmployee({ username: ANNA, timeZone: ZONE });
        const beat = await b.addEmployee({ username: BEAT, timeZone: ZONE });
        const carla = await b.addEmployee({ username: CARLA, timeZone: ZONE });
        await b.addShare(anna, beat);
        const appointment = (spec: Omit<Parameters<typeof b.addAppointment>[0], 'ownerId'> & { ownerId?: string }) =>
          b.addAppointment({ ownerId: anna, ...spec });
        // Ended 364 days ago: inside; ages out two days later.
        a.old = await appointment({ subject: 'Vor einem Jahr', startsAt: zurich(T0, -364, 9), endsAt: zurich(T0, -364, 10) });
        a.ancient = await appointment({ subject: 'Uralt', startsAt: zurich(T0, -400, 9), endsAt: zurich(T0, -400, 10) });
        // A weekly series that started two years ago and still runs: its end is unbounded.
        a.running = await appointment({ subject: 'Jour fixe', startsAt: zurich(T0, -800, 8), recurrenceRule: 'FREQ=WEEKLY' });
        // Series count by the end of their last occurrence.
        a.finishedLongAgo = await appointment({ subject: 'Kurs 2024', startsAt: zurich(T0, -500, 8), recurrenceRule: 'FREQ=WEEKLY;COUNT=3' });
        a.finishedRecently = await appointment({ subject: 'Kurs', startsAt: zurich(T0, -24, 8), recurrenceRule: 'FREQ=WEEKLY;COUNT=3' });
        // All-day dates are the employee's days, whatever zone BrokerStar stored them in: on the
        // window's first day (inside) and the day before (outside, though its New York midnight
        // lies after Zurich's).
        a.allDayIn = await appointment({ subject: 'Ganztags drin', allDay: true, startsAt: zurichDate(T0, -365), timeZone: 'America/New_York' });
        a.allDayOut = await appointment({ subject: 'Ganztags draussen', allDay: true, startsAt: zurichDate(T0, -366), timeZone: 'America/New_York' });
        // Carla's appointments that Anna attends.
        a.attended = await appointment({ ownerId: carla, subject: 'Bei Carla', startsAt: zurich(T0, -3, 14), participants: [anna] });
        a.attendedOld = await appointment({ ownerId: carla, subject: 'Bei Carla, alt', startsAt: zurich(T0, -700, 14), participants: [anna] });

        t.done29 = await b.addTask({ assigneeId: anna, subject: 'Erledigt vor 29 Tagen', status: 'done', completedAt: zurich(T0, -29, 12) });
        t.done31 = await b.addTask({ assigneeId: anna, subject: 'Erledigt vor 31 Tagen', status: 'done', completedAt: zurich(T0, -31, 12) });
        // Cancelled without completed_at: counts from its last change.
        t.cancelledRecently = await b.addTask({ assigneeId: anna, subject: 'Abgesagt', status: 'cancelled', completedAt: null, updatedAt: zurich(T0, -5, 12) });
        t.cancelledLongAgo = await b.addTask({ assigneeId: anna, subject: 'Abgesagt, alt', status: 'cancelled', completedAt: null, updatedAt: zurich(T0, -40, 12) });
        // Open tasks never age out, however old.
        t.openOld = await b.addTask({ assigneeId: anna, subject: 'Offen seit Jahren', createdAt: new Date(T0 - 1000 * DAY), dueAt: new Date(T0 - 700 * DAY) });
      },
    });
  }, 180_000);
  afterAll(() => dav?.close());

  const termine = () => hrefs(TERMINE(ANNA), [a.old!, a.running!, a.finishedRecently!, a.allDayIn!, a.attended!]);
  const aufgaben = () => hrefs(AUFGABEN(ANNA), [t.done29!, t.cancelledRecently!, t.openOld!]);

  it('serves what ended inside the window (running series, all-day dates in the employee\'s days), not the older history', async () => {
    expect(await members(dav, TERMINE(ANNA), ANNA)).toEqual(termine());
    expect(await members(dav, AUFGABEN(ANNA), ANNA)).toEqual(aufgaben());
    // A colleague's calendar has the same window (in the viewer's days).
    expect(await members(dav, SHARED, BEAT)).toEqual(hrefs(SHARED, [a.old!, a.running!, a.finishedRecently!, a.allDayIn!, a.attended!]));
  });

  it('an item outside the window answers as a non-member: time-range query, multiget, GET, PUT (nothing stored)', async () => {
    const q = await dav.report(TERMINE(ANNA), eventsInRange(zurich(clock.ms, -410, 0), zurich(clock.ms, -360, 0)), { depth: '1' });
    expect(q.status).toBe(207);
    expect(q.ms.hrefs.sort(), 'the range holds ancient, allDayOut, allDayIn, old and the running series').toEqual(
      hrefs(TERMINE(ANNA), [a.old!, a.running!, a.allDayIn!]),
    );
    const ancient = `${TERMINE(ANNA)}${a.ancient}.ics`;
    const old = `${TERMINE(ANNA)}${a.old}.ics`;
    const m = await dav.report(TERMINE(ANNA), MULTIGET([ancient, old]), { depth: '1' });
    expect(m.status).toBe(207);
    expect(m.ms.responses.get(ancient)?.status).toBe('HTTP/1.1 404 Not Found');
    expect(propText(m.ms.responses.get(old), C('calendar-data'))).toContain('Vor einem Jahr');
    expect((await dav.request('GET', ancient)).status).toBe(404);
    expect((await dav.request('GET', `${AUFGABEN(ANNA)}${t.done31}.ics`)).status).toBe(404);
    // A client still holding the item edits it: refused as a create of an unknown item would be.
    const served = await getItem(dav, old);
    const body = served.text.replace(`brokerstar-appointment-${a.old}`, `brokerstar-appointment-${a.ancient}`).replace('SUMMARY:Vor einem Jahr', 'SUMMARY:Vom Telefon');
    const before = await dav.db.query(`SELECT subject, updated_at FROM brokerstar.appointment WHERE id = $1`, [a.ancient]);
    const put = await putCalendar(dav, ancient, body);
    expect(put.status).toBe(403);
    expect(await errorConditions(put.text)).toContain(BS('create-in-brokerstar'));
    const taskPut = await putCalendar(dav, `${AUFGABEN(ANNA)}${t.done31}.ics`, body, { 'If-Match': '"x"' });
    expect(taskPut.status).toBe(403);
    expect((await dav.db.query(`SELECT subject, updated_at FROM brokerstar.appointment WHERE id = $1`, [a.ancient])).rows).toEqual(before.rows);
    expect((await dav.db.query(`SELECT status FROM brokerstar.task WHERE id = $1`, [t.done31])).rows[0]).toEqual({ status: 'done' });
  });

  it('`brokerstar-dav status` counts per collection what is outside the window, in the table and in --json', async () => {
    const env = { PATH: process.env.PATH ?? '', DATABASE_URL: dav.db.url, LOG_LEVEL: 'warn' };
    const { stdout } = await run(process.execPath, [CLI, 'status', ANNA, '--json'], { cwd: ROOT, env });
    const list = JSON.parse(stdout) as { slug: string; eligible: number; served: number; outsideWindow: number | null }[];
    const of = (slug: string) => list.find((c) => c.slug === slug)!;
    expect(of('termine')).toMatchObject({ eligible: 5, served: 5, outsideWindow: 4 });
    expect(of('aufgaben')).toMatchObject({ eligible: 3, served: 3, outsideWindow: 2 });
    expect(of('kontakte')).toMatchObject({ outsideWindow: 0 });
    const table = (await run(process.execPath, [CLI, 'status', ANNA], { cwd: ROOT, env })).stdout;
    expect(table).toContain('SYNC_PAST_DAYS = 365, SYNC_DONE_TASKS_DAYS = 30');
    const line = (name: string) => table.split('\n').find((l) => l.startsWith(ANNA) && l.includes(name))!;
    expect(line('Termine')).toContain('4 outside the sync window');
    expect(line('Aufgaben')).toContain('2 outside the sync window');
    expect(line('Kontakte')).not.toContain('outside');
    // Beat's view of Anna's calendar: the attended appointment of 700 days ago is outside too.
    const beat = JSON.parse((await run(process.execPath, [CLI, 'status', BEAT, '--json'], { cwd: ROOT, env })).stdout) as typeof list;
    expect(beat.find((c) => c.slug === `termine-${ANNA}`)).toMatchObject({ served: 5, outsideWindow: 4 });
  }, 120_000);

  it('as the days pass, items age out with no BrokerStar write: bare 404 removals, a new token', async () => {
    const termine0 = await token(dav, TERMINE(ANNA), ANNA);
    const aufgaben0 = await token(dav, AUFGABEN(ANNA), ANNA);
    const shared0 = await token(dav, SHARED, BEAT);
    // One day on: the all-day appointment's day (365 days ago then) is now before the window's first
    // day and leaves; the timed one ended on the first day (365 days ago now) and stays; tasks stay.
    clock.forward(1);
    const allDay = `${TERMINE(ANNA)}${a.allDayIn}.ics`;
    const old = `${TERMINE(ANNA)}${a.old}.ics`;
    const first = await dav.report(TERMINE(ANNA), SYNC(termine0.token));
    expect(first.status).toBe(207);
    expect(first.ms.hrefs).toEqual([allDay]);
    expect(first.ms.syncToken).not.toBe(termine0.token);
    expect((await dav.report(AUFGABEN(ANNA), SYNC(aufgaben0.token))).ms.hrefs).toEqual([]);
    // Two days on: the timed one (and the task done 29 days ago, now 31) leave.
    clock.forward(1);
    const second = await dav.report(TERMINE(ANNA), SYNC(first.ms.syncToken!));
    expect(second.ms.hrefs).toEqual([old]);
    expect(second.ms.syncToken).not.toBe(first.ms.syncToken);
    const removal = await dav.report(TERMINE(ANNA), SYNC(termine0.token));
    expect(removal.ms.hrefs.sort()).toEqual([allDay, old].sort());
    for (const h of removal.ms.hrefs) {
      const e = removal.ms.responses.get(h)!;
      expect(e.status, `${h}: a bare 404`).toBe('HTTP/1.1 404 Not Found');
      expect(e.propstatStatuses).toEqual([]);
    }
    expect(removal.ms.syncToken).toBe(second.ms.syncToken);
    const after = await token(dav, TERMINE(ANNA), ANNA);
    expect(after.token).toBe(removal.ms.syncToken);
    expect(after.ctag).not.toBe(termine0.ctag);
    expect(await members(dav, TERMINE(ANNA), ANNA)).toEqual(hrefs(TERMINE(ANNA), [a.running!, a.finishedRecently!, a.attended!]));

    const tasks = await dav.report(AUFGABEN(ANNA), SYNC(aufgaben0.token));
    expect(tasks.ms.hrefs).toEqual([`${AUFGABEN(ANNA)}${t.done29}.ics`]);
    expect(tasks.ms.responses.get(tasks.ms.hrefs[0]!)!.status).toBe('HTTP/1.1 404 Not Found');
    expect(tasks.ms.syncToken).not.toBe(aufgaben0.token);

    const shared = await dav.report(SHARED, SYNC(shared0.token), { user: BEAT });
    expect(shared.ms.hrefs.sort()).toEqual(hrefs(SHARED, [a.old!, a.allDayIn!]));
    // The removal is stable: from the new token nothing more.
    const again = await dav.report(TERMINE(ANNA), SYNC(removal.ms.syncToken!));
    expect(again.ms.hrefs).toEqual([]);
    expect((await dav.request('GET', old)).status).toBe(404);

    // status, read through the store with the moved clock.
    const anna = (await dav.store.principalByUsername(ANNA))!;
    const status = await dav.store.status(anna);
    expect(status.find((s) => s.collection.slug === 'termine')).toMatchObject({ served: 3, outsideWindow: 6 });
    expect(status.find((s) => s.collection.slug === 'aufgaben')).toMatchObject({ served: 2, outsideWindow: 3 });
  });

  it('SYNC_PAST_DAYS=0 and SYNC_DONE_TASKS_DAYS=0 serve everything (a changed window recomputes)', async () => {
    const other = await startSecondServer(dav, { config: { syncPastDays: 0, syncDoneTasksDays: 0 } });
    try {
      const list = async (p: string) => {
        const res = await fetch(other.url + p, {
          method: 'PROPFIND',
          body: LISTING,
          headers: { Authorization: await other.authorization(ANNA), Depth: '1', 'Content-Type': 'application/xml' },
        });
        expect(res.status).toBe(207);
        const { parseMultistatus } = await import('../support/multistatus.js');
        return (await parseMultistatus(await res.text())).hrefs.filter((h) => h !== p).sort();
      };
      expect(await list(TERMINE(ANNA))).toEqual(hrefs(TERMINE(ANNA), Object.values(a)));
      expect(await list(AUFGABEN(ANNA))).toEqual(hrefs(AUFGABEN(ANNA), Object.values(t)));
      const status = await other.store.status((await other.store.principalByUsername(ANNA))!);
      expect(status.find((s) => s.collection.slug === 'termine')).toMatchObject({ eligible: 9, outsideWindow: 0 });
    } finally {
      await other.close();
    }
  });
});

describe('the windows and the cap: old history no longer fills MAX_RECORDS', () => {
  const clock = movableClock();
  let dav: TestServer;
  const recent: string[] = [];
  const recentTasks: string[] = [];

  beforeAll(async () => {
    const T0 = clock.ms;
    dav = await startTestServer({
      user: ANNA,
      now: clock.now,
      config: { maxRecords: 4, syncPastDays: 30, syncDoneTasksDays: 7 },
      seed: async (db) => {
        const b = builders(db.pool);
        const anna = await b.addEmployee({ username: ANNA, timeZone: ZONE });
        // Six appointments of last year, then four current ones: two upcoming, two of last week.
        for (let i = 0; i < 6; i++) await b.addAppointment({ ownerId: anna, subject: `Alt ${i}`, startsAt: zurich(T0, -300 - i, 9) });
        for (const days of [3, 10, -5, -6]) recent.push(await b.addAppointment({ ownerId: anna, subject: `Aktuell ${days}`, startsAt: zurich(T0, days, 9) }));
        // Six tasks done months ago, then two open and two done this week.
        for (let i = 0; i < 6; i++) await b.addTask({ assigneeId: anna, subject: `Alt ${i}`, status: 'done', completedAt: zurich(T0, -90 - i, 12) });
        for (let i = 0; i < 2; i++) recentTasks.push(await b.addTask({ assigneeId: anna, subject: `Offen ${i}` }));
        for (let i = 0; i < 2; i++) recentTasks.push(await b.addTask({ assigneeId: anna, subject: `Erledigt ${i}`, status: 'done', completedAt: zurich(T0, -1 - i, 12) }));
      },
    });
  }, 120_000);
  afterAll(() => dav?.close());

  it('every current item is served and the collection is not capped; without windows the old ones make it capped', async () => {
    expect(await members(dav, TERMINE(ANNA), ANNA)).toEqual(hrefs(TERMINE(ANNA), recent));
    expect(await members(dav, AUFGABEN(ANNA), ANNA)).toEqual(hrefs(AUFGABEN(ANNA), recentTasks));
    const anna = (await dav.store.principalByUsername(ANNA))!;
    const status = await dav.store.status(anna);
    expect(status.find((s) => s.collection.slug === 'termine')).toMatchObject({ eligible: 4, served: 4, capped: false, outsideWindow: 6 });
    expect(status.find((s) => s.collection.slug === 'aufgaben')).toMatchObject({ eligible: 4, served: 4, capped: false, outsideWindow: 6 });
    const without = await startSecondServer(dav, { config: { syncPastDays: 0, syncDoneTasksDays: 0 } });
    try {
      // A server without windows brings the collections up to date (status alone reports a state
      // computed with other settings as it is stored).
      const p = (await without.store.principalByUsername(ANNA))!;
      for (const c of await without.store.collections(p)) await without.store.refreshState(c);
      const all = await without.store.status(p);
      expect(all.find((s) => s.collection.slug === 'termine')).toMatchObject({ eligible: 10, served: 4, capped: true, outsideWindow: 0 });
      expect(all.find((s) => s.collection.slug === 'aufgaben')).toMatchObject({ eligible: 10, served: 4, capped: true, outsideWindow: 0 });
    } finally {
      await without.close();
    }
  });

  it('a week later the tasks done this week have aged out and the last week\'s appointments still count', async () => {
    clock.forward(8);
    expect(await members(dav, AUFGABEN(ANNA), ANNA)).toEqual(hrefs(AUFGABEN(ANNA), recentTasks.slice(0, 2)));
    expect(await members(dav, TERMINE(ANNA), ANNA)).toEqual(hrefs(TERMINE(ANNA), recent));
    // 33 days on, last week's appointments leave too; the upcoming ones have passed, inside the window.
    clock.forward(25);
    expect(await members(dav, TERMINE(ANNA), ANNA)).toEqual(hrefs(TERMINE(ANNA), recent.slice(0, 2)));
  });
});

describe('an all-day appointment stored in a zone PostgreSQL does not know', () => {
  const clock = movableClock();
  let dav: TestServer;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const T0 = clock.ms;
    dav = await startTestServer({
      user: ANNA,
      now: clock.now,
      config: { syncPastDays: 30 },
      seed: async (db) => {
        const b = builders(db.pool);
        const anna = await b.addEmployee({ username: ANNA, timeZone: ZONE });
        // Outlook's name for Zurich's zone, and free text: the window reads neither through PostgreSQL.
        for (const [key, zone] of [['windows', 'W. Europe Standard Time'], ['garbage', 'Mars/Olympus_Mons']] as const) {
          ids[`${key}In`] = await b.addAppointment({ ownerId: anna, subject: `${key} drin`, allDay: true, startsAt: zurichDate(T0, -30), timeZone: zone });
          ids[`${key}Out`] = await b.addAppointment({ ownerId: anna, subject: `${key} draussen`, allDay: true, startsAt: zurichDate(T0, -31), timeZone: zone });
        }
      },
    });
  }, 120_000);
  afterAll(() => dav?.close());

  it('is served by its date (no error), and ages out the day after the window passed it', async () => {
    expect(await members(dav, TERMINE(ANNA), ANNA)).toEqual(hrefs(TERMINE(ANNA), [ids.windowsIn!, ids.garbageIn!]));
    const before = await token(dav, TERMINE(ANNA), ANNA);
    clock.forward(1);
    const removal = await dav.report(TERMINE(ANNA), SYNC(before.token));
    expect(removal.status).toBe(207);
    expect(removal.ms.hrefs.sort()).toEqual(hrefs(TERMINE(ANNA), [ids.windowsIn!, ids.garbageIn!]));
    const status = await dav.store.status((await dav.store.principalByUsername(ANNA))!);
    expect(status.find((s) => s.collection.slug === 'termine')).toMatchObject({ eligible: 0, served: 0, outsideWindow: 4 });
  });
});
