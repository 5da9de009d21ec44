// python-caldav (Debian python3-caldav), a client library nobody on this project wrote, against the
// real server: the script test/clients/python/caldav_session.py discovers the principal from the root
// URL, lists the calendars, searches Termine by date (a recurring series expanded by the server),
// reads and completes a task, and tries to save a new event; it prints JSON this test asserts on.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FIRM,
  PATHS,
  describeRun,
  isolatedEnv,
  requirePythonWith,
  run,
  snapshotBrokerstar,
  startFirmServer,
  tempDir,
  type FirmServer,
  type RunResult,
  type TempDir,
} from './support.js';

const SCRIPT = fileURLToPath(new URL('./python/caldav_session.py', import.meta.url));

interface EventOut {
  href: string;
  uid: string;
  summary: string;
  start: string;
  end: string | null;
  tzid: string | null;
  recurrence_id: string | null;
  has_rrule: boolean;
}
interface TodoOut {
  href: string;
  uid: string;
  summary: string;
  status: string | null;
  percent: number | null;
  completed: string | null;
}
interface LibraryError {
  class: string;
  reason: string;
  url: string;
}
interface SessionOut {
  principal: string;
  calendar_home_set: string;
  calendars: { href: string; name: string; components: string[] }[];
  december: EventOut[];
  spring_expanded: EventOut[];
  date_search_june_2027: EventOut[];
  todos_all: TodoOut[];
  todos_pending: TodoOut[];
  complete: { ok: boolean; error?: LibraryError };
  completed_task_reread: TodoOut;
  save_event: { raised: boolean; error?: LibraryError; href?: string };
  new_event_by_uid: { found: boolean; href?: string };
}

describe('python-caldav (python3-caldav) against brokerstar-dav', () => {
  let f: FirmServer;
  let home: TempDir;
  let result: RunResult;
  let out: SessionOut;
  let before: Record<string, string[]>;

  beforeAll(async () => {
    const python = requirePythonWith('caldav', 'python3-caldav');
    f = await startFirmServer();
    home = await tempDir('python-caldav');
    before = await snapshotBrokerstar(f.dav.db);
    result = await run(python, [SCRIPT], {
      timeoutMs: 45_000,
      env: isolatedEnv(home.path, {
        CALDAV_URL: `${f.origin}/`,
        CALDAV_USER: f.user,
        CALDAV_PASSWORD: f.password,
        TASK_TO_COMPLETE: `${PATHS.aufgaben}${f.ids.taskOpen}.ics`,
      }),
    });
    if (result.code !== 0) throw new Error(`the python-caldav session failed:\n${describeRun(result)}`);
    out = JSON.parse(result.stdout) as SessionOut;
  });
  afterAll(async () => {
    await f?.close();
    await home?.remove();
  });

  it('discovers the principal and the calendar home from the root URL', () => {
    expect(out.principal).toBe(PATHS.principal);
    expect(out.calendar_home_set).toBe(PATHS.calendarHome);
  });

  it("lists Termine, Aufgaben, Geburtstage and Beat's calendar with their component sets", () => {
    expect([...out.calendars].sort((a, b) => (a.href < b.href ? -1 : 1))).toEqual(
      [
        { href: PATHS.termine, name: 'Termine', components: ['VEVENT'] },
        { href: PATHS.aufgaben, name: 'Aufgaben', components: ['VTODO'] },
        { href: PATHS.geburtstage, name: 'Geburtstage', components: ['VEVENT'] },
        { href: PATHS.shared, name: 'Termine von Beat Keller', components: ['VEVENT'] },
      ].sort((a, b) => (a.href < b.href ? -1 : 1)),
    );
  });

  it('finds exactly the December appointments, at their local times (the New York call at 16:00 in Zurich)', () => {
    const december = [...out.december].sort((a, b) => (a.start < b.start ? -1 : 1));
    expect(december.map(({ href, summary, start, end, tzid }) => ({ href, summary, start, end, tzid }))).toEqual([
      { href: `${PATHS.termine}${f.ids.kundentermin}.ics`, summary: FIRM.kundentermin.summary, start: '2026-12-08 09:00', end: '2026-12-08 10:00', tzid: 'Europe/Zurich' },
      { href: `${PATHS.termine}${f.ids.callNewYork}.ics`, summary: FIRM.callNewYork.summary, start: '2026-12-09 16:00', end: '2026-12-09 16:30', tzid: 'America/New_York' },
      // All-day: DATE values, exclusive end.
      { href: `${PATHS.termine}${f.ids.messe}.ics`, summary: FIRM.messe.summary, start: '2026-12-15', end: '2026-12-16', tzid: null },
    ]);
    // Beat's own appointment lives in his calendar, not in Anna's Termine; Claudia's nowhere.
    expect(out.december.map((e) => e.summary)).not.toContain(FIRM.beratungBeat.summary);
    expect(result.stdout).not.toContain(FIRM.claudiaTermin.summary);
  });

  it('expands the weekly series on the server: three occurrences at 08:30 local across the DST change, the moved one at 10:00, the cancelled one absent', () => {
    const occurrences = [...out.spring_expanded].sort((a, b) => (a.start < b.start ? -1 : 1));
    expect(occurrences.map(({ uid, summary, start, end, recurrence_id, has_rrule }) => ({ uid, summary, start, end, recurrence_id, has_rrule }))).toEqual([
      { uid: `brokerstar-appointment-${f.ids.teamsitzung}`, summary: 'Teamsitzung', start: '2027-03-15 08:30', end: '2027-03-15 09:30', recurrence_id: '2027-03-15 08:30', has_rrule: false },
      { uid: `brokerstar-appointment-${f.ids.teamsitzung}`, summary: 'Teamsitzung', start: '2027-03-22 10:00', end: '2027-03-22 11:00', recurrence_id: '2027-03-22 08:30', has_rrule: false },
      // 29 March is after the switch to summer time (28 March 2027): still 08:30 on the wall clock.
      { uid: `brokerstar-appointment-${f.ids.teamsitzung}`, summary: 'Teamsitzung', start: '2027-03-29 08:30', end: '2027-03-29 09:30', recurrence_id: '2027-03-29 08:30', has_rrule: false },
    ]);
    expect(FIRM.teamsitzung.occurrences).toEqual(occurrences.map((o) => o.start));
  });

  it('date_search (the older API) finds the summer appointment at 17:30 CEST', () => {
    expect(out.date_search_june_2027.map(({ href, summary, start, end }) => ({ href, summary, start, end }))).toEqual([
      { href: `${PATHS.termine}${f.ids.apero}.ics`, summary: FIRM.apero.summary, start: '2027-06-24 17:30', end: '2027-06-24 19:00' },
    ]);
  });

  it("reads every task with BrokerStar's status, and python-caldav's pending filter finds the open ones", () => {
    expect(out.todos_all.map(({ href, summary, status, percent, completed }) => ({ href, summary, status, percent, completed }))).toEqual(
      [
        { href: `${PATHS.aufgaben}${f.ids.taskOpen}.ics`, summary: FIRM.taskOpen.summary, status: 'NEEDS-ACTION', percent: 0, completed: null },
        { href: `${PATHS.aufgaben}${f.ids.taskInProgress}.ics`, summary: FIRM.taskInProgress.summary, status: 'IN-PROCESS', percent: 50, completed: null },
        { href: `${PATHS.aufgaben}${f.ids.taskDone}.ics`, summary: FIRM.taskDone.summary, status: 'COMPLETED', percent: 100, completed: '2026-11-20T10:00:00+00:00' },
      ].sort((a, b) => (a.href < b.href ? -1 : 1)),
    );
    expect(out.todos_pending.map((t) => t.summary).sort()).toEqual([FIRM.taskOpen.summary, FIRM.taskInProgress.summary].sort());
    expect(result.stdout).not.toContain(FIRM.taskOfBeat.summary);
  });

  it('completes an own task: BrokerStar has it done with the completion time the client sent, and 100 %', async () => {
    expect(out.complete).toEqual({ ok: true });
    const { rows } = await f.dav.db.query<{ status: string; completed_at: Date | null; percent_complete: number }>(
      'SELECT status, completed_at, percent_complete FROM brokerstar.task WHERE id = $1',
      [f.ids.taskOpen],
    );
    expect(rows[0]).toEqual({ status: 'done', completed_at: new Date('2026-11-25T15:30:00Z'), percent_complete: 100 });
    expect(out.completed_task_reread).toMatchObject({ status: 'COMPLETED', percent: 100, completed: '2026-11-25T15:30:00+00:00' });
    // Nothing else moved: the other tasks and every other table are as seeded.
    const after = await snapshotBrokerstar(f.dav.db);
    for (const table of Object.keys(before)) if (table !== 'task') expect(after[table], table).toEqual(before[table]);
    const changedTasks = after.task!.filter((row) => !before.task!.includes(row));
    expect(changedTasks).toHaveLength(1);
    expect(changedTasks[0]).toMatch(new RegExp(`^\\(${f.ids.taskOpen},`));
  });

  it('refuses save_event of a new event: the library raises on the 403, nothing was created', async () => {
    expect(out.save_event.raised).toBe(true);
    // python-caldav turns a 403 into AuthorizationError (it drops the body, so the reason is the status text).
    expect(out.save_event.error).toMatchObject({ class: 'AuthorizationError', reason: 'Forbidden' });
    expect(out.save_event.error!.url).toBe(`${f.origin}${PATHS.termine}python-caldav-new-1.ics`);
    expect(out.new_event_by_uid).toEqual({ found: false });

    const { rows: audit } = await f.dav.db.query<{ method: string; resource: string; outcome: string; status: number }>(
      `SELECT method, resource, outcome, status FROM dav.audit_log WHERE outcome = 'refused' ORDER BY id`,
    );
    expect(audit).toEqual([{ method: 'PUT', resource: `${PATHS.termine}python-caldav-new-1.ics`, outcome: 'refused', status: 403 }]);
    const { rows } = await f.dav.db.query(`SELECT id FROM brokerstar.appointment WHERE subject LIKE '%python-caldav%'`);
    expect(rows).toEqual([]);
    expect((await snapshotBrokerstar(f.dav.db)).appointment).toEqual(before.appointment);
  });
});
