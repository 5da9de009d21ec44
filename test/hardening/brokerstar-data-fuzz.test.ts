// Issue 12, "data fuzzing of BrokerStar's side": random but schema-valid rows written straight to
// BrokerStar's tables (hostile recurrence rules and zones, dates at the types' limits, empty, huge
// and control-character texts, broken photos, employees renamed to anything). After each batch the
// change pump and every collection of the employee must still answer: PROPFIND Depth 1,
// sync-collection (initial and from the last token), a time-range calendar-query and a GET of every
// member, no 5xx, every served body parses as iCalendar or vCard. A row the server cannot serve as
// BrokerStar holds it (not rendered, or its rule dropped) must be named in a warning of the log.
//
// Seeded and bounded: FUZZ_RUNS (default 15), FUZZ_SEED, FUZZ_SECONDS (default 30) for longer runs;
// FUZZ_SHRINK=1 shrinks a failing batch to a minimal one.
import fc from 'fast-check';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { inTransaction } from '../../src/db/transaction.js';
import { addEmployee, addShare, builders } from '../support/builders.js';
import { rowBatch, removeBatch, writeBatch, type RowBatch, type WrittenBatch } from '../support/brokerstar-rows.js';
import { eventsInRange } from '../support/calendar-query.js';
import { AUFGABEN, KONTAKTE, TERMINE } from '../support/collections.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { LISTING, SYNC } from '../support/sync-requests.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 15);
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed12);
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 30);

const USER = 'anna.meier';
// anna logs in; beat shares his calendar with her; carla only takes part in appointments.
const EMPLOYEES = ['anna.meier', 'beat.keller', 'carla.rossi'] as const;
const OWNERS = 2;
const DAY = 86_400_000;

/** A counterexample readable in a report: texts over 120 characters cut, with their length. */
const shortened = (value: unknown) =>
  JSON.stringify(value, (_, v) => (typeof v === 'string' && v.length > 120 ? `${v.slice(0, 60)}…(${v.length} chars)` : v), 1);

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

describe('BrokerStar data fuzzing', () => {
  let dav: TestServer;
  let employeeIds: string[];
  const logs: LogLine[] = [];
  /** Last sync token per collection: each batch also syncs incrementally from the one before. */
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    const log = createLogger('info', {
      write: (s: string) => {
        for (const line of s.split('\n')) if (line) logs.push(JSON.parse(line) as LogLine);
      },
    });
    dav = await startTestServer({
      user: USER,
      log,
      seed: async (db) => {
        employeeIds = [];
        for (const username of EMPLOYEES) employeeIds.push(await addEmployee(db.pool, { username }));
        await addShare(db.pool, employeeIds[1]!, employeeIds[0]!);
        // One ordinary item of each kind, so the collections are never empty.
        const b = builders(db.pool);
        await b.addContact({ lastName: 'Muster' });
        await b.addTask({ assigneeId: employeeIds[0]!, subject: 'Offerte' });
        await b.addAppointment({ ownerId: employeeIds[1]!, startsAt: new Date(Date.now() + DAY), subject: 'Beratung', participants: [employeeIds[0]!] });
      },
    });
  });
  afterAll(() => dav?.close());

  /** Every collection in the user's calendar and address book homes. */
  async function collections(): Promise<{ href: string; calendar: boolean }[]> {
    const out: { href: string; calendar: boolean }[] = [];
    for (const home of [`/dav/calendars/${USER}/`, `/dav/addressbooks/${USER}/`]) {
      const r = await dav.propfind(home, '<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/></d:prop></d:propfind>', '1');
      expect(r.status, `PROPFIND ${home}`).toBe(207);
      for (const href of r.ms.hrefs) if (href !== home && href.endsWith('/')) out.push({ href, calendar: home.includes('calendars') });
    }
    return out;
  }

  /** Asks everything a client asks of every collection; returns the served bodies by href. */
  async function everyCollectionAnswers(): Promise<Map<string, string>> {
    const bodies = new Map<string, string>();
    const found = await collections();
    expect(found.length).toBeGreaterThanOrEqual(4); // termine, aufgaben, termine-beat.keller, kontakte
    for (const { href, calendar } of found) {
      const listing = await dav.propfind(href, LISTING, '1');
      expect(listing.status, `PROPFIND ${href}`).toBe(207);
      const initial = await dav.report(href, SYNC(''));
      expect(initial.status, `sync-collection ${href}`).toBe(207);
      const last = tokens.get(href);
      if (last) {
        const incremental = await dav.report(href, SYNC(last));
        expect(incremental.status, `sync-collection ${href} from ${last}`).toBe(207);
      }
      if (initial.ms.syncToken) tokens.set(href, initial.ms.syncToken);
      if (calendar) {
        const now = Date.now();
        const query = await dav.report(href, eventsInRange(now - 400 * DAY, now + 800 * DAY), { depth: '1' });
        expect(query.status, `calendar-query ${href}`).toBe(207);
      }
      for (const member of listing.ms.hrefs.filter((h) => h !== href)) {
        const got = await dav.request('GET', member);
        expect(got.status, `GET ${member}`).toBe(200);
        expect(() => parses(got.text, calendar), `GET ${member} parses`).not.toThrow();
        bodies.set(member, got.text);
      }
    }
    return bodies;
  }

  /** A body as a client's parser (ical.js) reads it: one VCALENDAR with an event or task, or one vCard. */
  function parses(text: string, calendar: boolean): void {
    const root = new ICAL.Component(ICAL.parse(text));
    if (calendar) {
      if (root.name !== 'vcalendar') throw new Error(`not a VCALENDAR: ${root.name}`);
      if (root.getAllSubcomponents('vevent').length + root.getAllSubcomponents('vtodo').length === 0) throw new Error('no VEVENT or VTODO');
    } else if (root.name !== 'vcard') throw new Error(`not a vCard: ${root.name}`);
  }

  /** Warnings and errors of the server's log that name this row by id. */
  const reportsOf = (id: string) => logs.filter((l) => l.level >= 40 && Object.entries(l).some(([k, v]) => /id$/i.test(k) && v === id));

  /** Each row rendered as BrokerStar holds it, or named in a warning. */
  async function badRowsAreReported(batch: RowBatch, written: WrittenBatch): Promise<void> {
    const { rows } = await dav.db.query<{ kind: string; id: string; body: string }>(
      `SELECT e.kind, e.id::text AS id, b.body FROM dav.entity e JOIN dav.entity_body b USING (kind, id)
        WHERE (e.kind = 'contact' AND e.id = ANY($1::bigint[])) OR (e.kind = 'task' AND e.id = ANY($2::bigint[]))
           OR (e.kind = 'appointment' AND e.id = ANY($3::bigint[]))`,
      [written.contacts, written.tasks, written.appointments],
    );
    const rendered = new Map(rows.map((r) => [`${r.kind}:${r.id}`, r.body]));
    const expectRendered = (kind: string, id: string) => {
      if (!rendered.has(`${kind}:${id}`)) expect(reportsOf(id), `${kind} ${id} is not rendered and not reported`).not.toHaveLength(0);
    };
    written.contacts.forEach((id, i) => batch.contacts[i]!.archived || expectRendered('contact', id));
    written.tasks.forEach((id) => expectRendered('task', id));
    written.appointments.forEach((id, i) => {
      expectRendered('appointment', id);
      const rule = batch.appointments[i]!.recurrenceRule;
      const body = rendered.get(`appointment:${id}`);
      // Served without the series BrokerStar holds: must be said.
      if (rule !== null && rule.trim() !== '' && body !== undefined && !/^RRULE:/m.test(body)) {
        expect(reportsOf(id), `appointment ${id} served without its rule ${JSON.stringify(rule.slice(0, 80))} and not reported`).not.toHaveLength(0);
      }
    });
  }

  it('every collection keeps answering, and every row it cannot serve as stored is reported', { timeout: (SECONDS + 60) * 1000 }, async () => {
    let batches = 0;
    const oneBatch = async (batch: RowBatch): Promise<void> => {
      const written = await inTransaction(dav.db.pool, (c) => writeBatch(c, batch, employeeIds));
      try {
        await everyCollectionAnswers();
        await badRowsAreReported(batch, written);
        const health = await dav.request('GET', '/healthz', { user: null });
        expect(health.status).toBe(200);
      } finally {
        await inTransaction(dav.db.pool, async (c) => {
          await removeBatch(c, written);
          for (const [i, username] of EMPLOYEES.entries()) {
            const [first, last] = username.split('.');
            await c.query(`UPDATE brokerstar.employee SET first_name = $2, last_name = $3, email = $4, language = 'de', time_zone = 'Europe/Zurich' WHERE id = $1`, [
              employeeIds[i], first, last, `${username}@example.ch`,
            ]);
          }
        });
      }
      batches++;
    };
    let running: Promise<void> = Promise.resolve();
    const started = Date.now();
    const result = await fc.check(
      fc.asyncProperty(rowBatch(EMPLOYEES.length, OWNERS), (batch) => (running = oneBatch(batch))),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: SECONDS * 1000, markInterruptAsFailure: false, endOnFailure: process.env.FUZZ_SHRINK !== '1' },
    );
    // The time limit abandons the batch in flight without stopping it: let it finish and clean up.
    await running.catch(() => undefined);
    const ms = Date.now() - started;
    // What the server reported, by message (and error): the rows it served other than stored.
    const reported = new Map<string, number>();
    for (const l of logs.filter((x) => x.level >= 40 && x.msg !== 'request completed')) {
      const err = typeof l.err === 'string' ? l.err : (l.err as { message?: string } | undefined)?.message;
      const key = `${l.kind ? `${String(l.kind)}: ` : ''}${l.msg}${err ? `: ${err.slice(0, 80)}` : ''}`;
      reported.set(key, (reported.get(key) ?? 0) + 1);
    }
    console.info(`brokerstar data fuzz: ${batches} batches (${result.numRuns} runs) in ${ms} ms, seed ${SEED}; reported:`, Object.fromEntries(reported));
    if (result.failed) {
      const cause = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
      const errors = logs.filter((l) => l.level >= 50).slice(-3);
      throw new Error(
        `${cause}\nseed ${SEED}, path ${result.counterexamplePath}; the server's last errors:\n${shortened(errors)}\nthe batch (long texts shortened):\n${shortened(result.counterexample)}`,
      );
    }
    expect(batches).toBeGreaterThan(0);
    // The batches' removals are seen too: after all of them only the fixed items are served.
    const remaining = await everyCollectionAnswers();
    expect([...remaining.keys()].filter((h) => h.includes('/kontakte/'))).toHaveLength(1);
  });
});

// The rows the fuzzer found taking every collection down (one failed statement failed the whole
// pump pass, so every request answered 500), kept as fixed cases.
describe('rows the fuzzer found', () => {
  let dav: TestServer;
  let anna: string;
  const logs: LogLine[] = [];
  beforeAll(async () => {
    const log = createLogger('warn', { write: (s: string) => s.split('\n').filter(Boolean).forEach((l) => logs.push(JSON.parse(l) as LogLine)) });
    dav = await startTestServer({ user: USER, log, seed: async (db) => void (anna = await addEmployee(db.pool, { username: USER })) });
  });
  afterAll(() => dav?.close());

  it("an occurrence moved to 'infinity' leaves its appointment unserved and reported, and the rest served", async () => {
    const b = builders(dav.db.pool);
    const good = await b.addAppointment({ ownerId: anna, startsAt: new Date(Date.now() + DAY), subject: 'Beratung' });
    // No (usable) rule, yet an exception: the span of its occurrences came out as NaN.
    const bad = await b.addAppointment({ ownerId: anna, startsAt: new Date(Date.now() + DAY), subject: 'Serie', recurrenceRule: 'BYMONTHDAY=30' });
    await dav.db.query(`INSERT INTO brokerstar.appointment_exception (appointment_id, original_start, starts_at) SELECT id, starts_at, 'infinity' FROM brokerstar.appointment WHERE id = $1`, [bad]);
    const listing = await dav.propfind(TERMINE(USER), LISTING, '1');
    expect(listing.status).toBe(207);
    expect(listing.ms.hrefs.some((h) => h.endsWith(`/${good}.ics`))).toBe(true);
    expect((await dav.request('GET', `${TERMINE(USER)}${good}.ics`)).status).toBe(200);
    expect(logs.some((l) => l.level >= 50 && l.id === bad && l.msg.includes('could not be rendered'))).toBe(true);
  });

  it('dates past the year 9999 (a date goes further than a timestamp) are served as absent', async () => {
    const b = builders(dav.db.pool);
    const contact = await b.addContact({ lastName: 'Fern', birthday: '5874897-12-31' });
    const task = await b.addTask({ assigneeId: anna, subject: 'Irgendwann', startsOn: '5874897-12-31' });
    const card = await dav.request('GET', `${KONTAKTE(USER)}${contact}.vcf`);
    expect(card.status).toBe(200);
    expect(card.text).toContain('Fern');
    expect(card.text).not.toContain('BDAY');
    const todo = await dav.request('GET', `${AUFGABEN(USER)}${task}.ics`);
    expect(todo.status).toBe(200);
    expect(todo.text).toContain('SUMMARY:Irgendwann');
    expect(todo.text).not.toContain('DTSTART');
  });
});

