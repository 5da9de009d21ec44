// Issue 12, point 1: a client's VTIMEZONE is never expanded. A 368-byte PUT whose Europe/Zurich
// definition holds an observance rule that never matches (or repeats every minute since 1970) used
// to block the event loop until the heap ran out; now TZIDs are resolved by name (IANA, Windows,
// Outlook display names, vendor prefixes), the body's definitions are ignored, and an unknown TZID
// is refused with CALDAV:valid-calendar-data, BrokerStar unchanged.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnnaServer } from '../support/anna.js';
import { tableChecksums } from '../support/checksums.js';
import { davError } from '../support/dav-error.js';
import { putCalendar } from '../support/items.js';
import { type Reply, type TestServer } from '../support/server.js';

const USER = 'anna.meier';
const TERMINE = `/dav/calendars/${USER}/termine/`;
const AUFGABEN = `/dav/calendars/${USER}/aufgaben/`;
const VALID_CALENDAR_DATA = '{urn:ietf:params:xml:ns:caldav}valid-calendar-data';

/** A Europe/Zurich definition whose only observance repeats by `rule` from 1970. */
const hostileZone = (rule: string) =>
  ['BEGIN:VTIMEZONE', 'TZID:Europe/Zurich', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', `RRULE:${rule}`,
    'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0100', 'END:STANDARD', 'END:VTIMEZONE'];

/** A TZID parameter, quoted when its value holds ':', ';' or ',' (RFC 5545 §3.2). */
const tzParam = (tzid: string) => (/[:;,]/.test(tzid) ? `TZID="${tzid}"` : `TZID=${tzid}`);

const event = (id: string, zone: string[], tzid: string, summary: string) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', ...zone, 'BEGIN:VEVENT', `UID:brokerstar-appointment-${id}`,
    'DTSTAMP:20261120T120000Z', `DTSTART;${tzParam(tzid)}:20261210T140000`, `DTEND;${tzParam(tzid)}:20261210T150000`,
    `SUMMARY:${summary}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

const completedTodo = (id: string, zone: string[]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', ...zone, 'BEGIN:VTODO', `UID:brokerstar-task-${id}`,
    'DTSTAMP:20261120T120000Z', 'SUMMARY:Offerte nachfassen', 'STATUS:COMPLETED', 'PERCENT-COMPLETE:100',
    'COMPLETED;TZID=Europe/Zurich:20261203T101500', 'END:VTODO', 'END:VCALENDAR', ''].join('\r\n');

/**
 * `measureOnce`, repeated (the requests here are idempotent) while the event loop stalled for 100 ms
 * or more, at most three times: with the whole suite on two cores another process can hold the CPU
 * for that long, but a request that itself blocks the loop stalls it every time.
 */
async function measured(dav: TestServer, send: () => Promise<Reply>) {
  let best = await measureOnce(dav, send);
  for (let retry = 0; retry < 2 && best.maxStallMs >= 100; retry++) {
    const again = await measureOnce(dav, send);
    if (again.maxStallMs < best.maxStallMs) best = again;
  }
  return best;
}

/** The request's answer, its duration, the longest event-loop stall meanwhile, and /healthz answers polled alongside. */
async function measureOnce(dav: TestServer, send: () => Promise<Reply>) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let healthz = 0;
  let done = false;
  const poll = (async () => {
    while (!done) {
      if ((await fetch(`${dav.url}/healthz`)).status === 200) healthz++;
    }
  })();
  const t0 = performance.now();
  const reply = await send();
  const ms = performance.now() - t0;
  done = true;
  await poll;
  delay.disable();
  return { reply, ms, maxStallMs: delay.max / 1e6, healthz };
}

describe('client PUTs with time-zone definitions', () => {
  let dav: TestServer;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    dav = await startAnnaServer(async ({ b, anna }) => {
      for (const name of ['never', 'minutely', 'unknown', 'windows', 'prefixed', 'display']) {
        ids[name] = await b.addAppointment({ ownerId: anna, subject: 'Beratung', startsAt: '2026-12-10T09:00:00Z' });
      }
      ids.task = await b.addTask({ assigneeId: anna, subject: 'Offerte nachfassen' });
    });
    // Log-in, first rendering and the server's own Europe/Zurich are made once, before measuring.
    expect((await dav.request('GET', `${TERMINE}${ids.never}.ics`)).status).toBe(200);
  });
  afterAll(() => dav?.close());

  const startOf = async (id: string) =>
    (await dav.db.query<{ s: Date; subject: string }>('SELECT starts_at AS s, subject FROM brokerstar.appointment WHERE id = $1', [id])).rows[0]!;

  for (const [name, rule] of [
    ['never', 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30'],
    ['minutely', 'FREQ=MINUTELY'],
  ] as const) {
    it(`an appointment PUT whose VTIMEZONE repeats ${rule} answers at once and /healthz keeps answering`, async () => {
      const body = event(ids[name]!, hostileZone(rule), 'Europe/Zurich', `Beratung ${name}`);
      expect(Buffer.byteLength(body)).toBeLessThan(520);
      const m = await measured(dav, () => putCalendar(dav, `${TERMINE}${ids[name]}.ics`, body));
      expect(m.reply.status, m.reply.text).toBe(204);
      expect(m.ms, 'the PUT answers within seconds on a busy machine (it never answered before)').toBeLessThan(3000);
      expect(m.maxStallMs, 'the event loop is never blocked for 100 ms').toBeLessThan(100);
      expect(m.healthz).toBeGreaterThan(0);
      // the body's own definition is ignored: 14:00 in the real Europe/Zurich is 13:00 UTC
      const row = await startOf(ids[name]!);
      expect(row.s.toISOString()).toBe('2026-12-10T13:00:00.000Z');
      expect(row.subject).toBe(`Beratung ${name}`);
      console.log(`hostile VTIMEZONE (${rule}): PUT ${m.ms.toFixed(0)} ms, longest event-loop stall ${m.maxStallMs.toFixed(1)} ms`);
    });
  }

  it('a task completed with a hostile VTIMEZONE: COMPLETED read in the real zone, answered at once', async () => {
    const m = await measured(dav, () => putCalendar(dav, `${AUFGABEN}${ids.task}.ics`, completedTodo(ids.task!, hostileZone('FREQ=MINUTELY'))));
    expect(m.reply.status, m.reply.text).toBe(204);
    expect(m.maxStallMs).toBeLessThan(100);
    const { rows } = await dav.db.query<{ status: string; completed_at: Date }>('SELECT status, completed_at FROM brokerstar.task WHERE id = $1', [ids.task]);
    expect(rows[0]).toMatchObject({ status: 'done' });
    expect(rows[0]!.completed_at.toISOString()).toBe('2026-12-03T09:15:00.000Z');
  });

  it('an unknown TZID is refused with CALDAV:valid-calendar-data naming it, BrokerStar unchanged', async () => {
    const before = await tableChecksums(dav);
    const r = await putCalendar(dav, `${TERMINE}${ids.unknown}.ics`, event(ids.unknown!, [], 'Mars/Olympus_Mons', 'Beratung Mars'));
    expect(r.status, r.text).toBe(403);
    expect((await davError(r)).names).toContain(VALID_CALENDAR_DATA);
    expect(await tableChecksums(dav)).toEqual(before);
    const { rows } = await dav.db.query<{ reason: string }>(`SELECT reason FROM dav.audit_log WHERE resource LIKE $1 ORDER BY id DESC LIMIT 1`, [`%${ids.unknown}.ics`]);
    expect(rows[0]?.reason).toContain('Mars/Olympus_Mons');
  });

  it('an unknown TZID is refused even when the body defines it (its definition is never read)', async () => {
    const before = await tableChecksums(dav);
    const zone = hostileZone('FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30').map((l) => (l.startsWith('TZID:') ? 'TZID:Customized Time Zone' : l));
    const m = await measured(dav, () => putCalendar(dav, `${TERMINE}${ids.unknown}.ics`, event(ids.unknown!, zone, 'Customized Time Zone', 'Beratung X')));
    expect(m.reply.status).toBe(403);
    expect(m.maxStallMs).toBeLessThan(100);
    expect(await tableChecksums(dav)).toEqual(before);
  });

  for (const [name, tzid] of [
    ['windows', 'W. Europe Standard Time'],
    ['prefixed', '/citadel.org/20190101_1/Europe/Zurich'],
    ['display', '(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna'],
  ] as const) {
    it(`TZID "${tzid}" is read as its IANA zone`, async () => {
      const r = await putCalendar(dav, `${TERMINE}${ids[name]}.ics`, event(ids[name]!, [], tzid, `Beratung ${name}`));
      expect(r.status, r.text).toBe(204);
      expect((await startOf(ids[name]!)).s.toISOString()).toBe('2026-12-10T13:00:00.000Z');
    });
  }
});
