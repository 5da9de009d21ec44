// Issue 12, point 2: a recurrence rule in BrokerStar that never matches (or repeats every minute,
// or is garbage) used to put every instance into a crash loop: the renderer and the rule reader
// stepped through it with ical.js's unguarded iterator. Now every walk is bounded
// (src/calendar/bounded-recurrence.ts): the server starts, the row is served as a single appointment,
// time-range queries answer, the log says so once per row and rule, and `status` names the rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../src/logger.js';
import { unusableRulesLine } from '../../src/storage/postgres/unusable-rules.js';
import { startAnnaServer } from '../support/anna.js';
import { builders } from '../support/builders.js';
import { eventsInRange } from '../support/calendar-query.js';
import { startSecondServer } from '../support/second-server.js';
import type { TestServer } from '../support/server.js';

const USER = 'anna.meier';
const TERMINE = `/dav/calendars/${USER}/termine/`;

const BAD_RULES = {
  never: 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30',
  neverCounted: 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=5',
  minutely: 'FREQ=MINUTELY',
  garbage: 'FREQ=SOMETIMES;BYDAY=XX;;',
  yearlyNever: 'FREQ=YEARLY;BYMONTH=4;BYDAY=1MO;BYMONTHDAY=15,16,17,18,19,20,21',
} as const;

/** The VEVENTs of a body (its VTIMEZONE has RRULEs of its own). */
const events = (body: string) => body.slice(body.indexOf('BEGIN:VEVENT'));

describe('BrokerStar rows with unusable recurrence rules', () => {
  let dav: TestServer;
  let anna = '';
  let startupMs = 0;
  const ids: Record<string, string> = {};
  const href = (name: string) => `${TERMINE}${ids[name]}.ics`;

  beforeAll(async () => {
    const t0 = performance.now();
    dav = await startAnnaServer(async ({ b, anna: annaId }) => {
      anna = annaId;
      // 2026-03-02 is a Monday; the minutely series started years ago
      for (const [name, rule] of Object.entries(BAD_RULES)) {
        const startsAt = name === 'minutely' ? '2020-01-06T08:00:00Z' : '2026-03-02T08:00:00Z';
        ids[name] = await b.addAppointment({ ownerId: anna, subject: `Serie ${name}`, startsAt, recurrenceRule: rule });
      }
      ids.good = await b.addAppointment({ ownerId: anna, subject: 'Serie gut', startsAt: '2026-03-02T08:00:00Z', recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=10' });
    });
    // The first request renders every row (the step that crash-looped before).
    const listing = await dav.propfind(TERMINE, '<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>', '1');
    startupMs = performance.now() - t0;
    expect(listing.status).toBe(207);
  }, 120_000);
  afterAll(() => dav?.close());

  it('the server starts and renders every row', () => {
    for (const name of Object.keys(ids)) expect(ids[name]).toBeTruthy();
    console.log(`start with ${Object.keys(BAD_RULES).length} unusable rules, first listing included: ${startupMs.toFixed(0)} ms`);
  });

  it('serves each row with an unusable rule as a single appointment, and the good series as a series', async () => {
    for (const name of Object.keys(BAD_RULES)) {
      const r = await dav.request('GET', href(name));
      expect(r.status, name).toBe(200);
      expect(r.text, name).toContain(`SUMMARY:Serie ${name}`);
      expect(events(r.text), name).not.toContain('RRULE');
    }
    const good = await dav.request('GET', href('good'));
    expect(good.text).toContain('RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10');
  });

  it('time-range queries answer: the single appointments on their day, only the good series a week later', async () => {
    const first = await dav.report(TERMINE, eventsInRange('20260302T000000Z', '20260303T000000Z'), { depth: '1' });
    expect(first.status).toBe(207);
    const onFirstDay = ['never', 'neverCounted', 'garbage', 'yearlyNever', 'good'].map(href).sort();
    expect(first.ms.hrefs.sort()).toEqual(onFirstDay);
    const later = await dav.report(TERMINE, eventsInRange('20260309T000000Z', '20260310T000000Z'), { depth: '1' });
    expect(later.ms.hrefs).toEqual([href('good')]);
  });

  it('status names the rows: store.unusableRecurrenceRules and the line `brokerstar-dav status` prints', async () => {
    const list = await dav.store.unusableRecurrenceRules();
    const expected = Object.keys(BAD_RULES).map((n) => ids[n]!);
    expect(list.map((u) => u.id).sort()).toEqual(expected.sort());
    expect(list.find((u) => u.id === ids.never)?.problem).toMatch(/cannot be expanded|yields no instances/);
    expect(list.find((u) => u.id === ids.minutely)?.problem).toMatch(/MINUTELY/);
    const line = unusableRulesLine(list);
    expect(line).toMatch(/^5 appointments with unusable recurrence rules served as single appointments: ids /);
    for (const id of expected) expect(line).toContain(id);
  });

  it('a row written while the server runs: the pump renders it, logs it once per rule, and keeps serving', async () => {
    const lines: Record<string, unknown>[] = [];
    const log: Logger = createLogger('info', {
      write(line: string) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    });
    const warned = (id: string) => lines.filter((l) => l.level === 40 && l.id === id && String(l.msg).includes('recurrence rule'));
    const server = await startSecondServer(dav, { log });
    try {
      const get = async (path: string) =>
        fetch(server.url + path, { headers: { Authorization: await server.authorization(USER) } });
      const id = await builders(dav.db.pool).addAppointment({ ownerId: anna, subject: 'Neu', startsAt: '2026-03-04T08:00:00Z', recurrenceRule: BAD_RULES.never });
      const t0 = performance.now();
      const first = await get(`${TERMINE}${id}.ics`);
      const ms = performance.now() - t0;
      expect(first.status).toBe(200);
      expect(events(await first.text())).not.toContain('RRULE');
      expect(ms, 'rendered within seconds on a busy machine (it never was before)').toBeLessThan(3000);
      expect(warned(id)).toHaveLength(1);
      expect(warned(id)[0]).toMatchObject({ rule: BAD_RULES.never });
      // another change of the row, same rule: no second warning
      await dav.db.query(`UPDATE brokerstar.appointment SET subject = 'Neu 2', updated_at = now() WHERE id = $1`, [id]);
      expect(await (await get(`${TERMINE}${id}.ics`)).text()).toContain('SUMMARY:Neu 2');
      expect(warned(id)).toHaveLength(1);
      // another unusable rule: reported again
      await dav.db.query(`UPDATE brokerstar.appointment SET recurrence_rule = 'FREQ=MINUTELY;INTERVAL=1', updated_at = now() WHERE id = $1`, [id]);
      expect((await get(`${TERMINE}${id}.ics`)).status).toBe(200);
      expect(warned(id)).toHaveLength(2);
      // the other collections still answer
      expect((await get(`/dav/calendars/${USER}/aufgaben/`)).status).not.toBeGreaterThanOrEqual(500);
    } finally {
      await server.close();
    }
  });
});
