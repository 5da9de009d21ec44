// The store's SQL time-range answer (exact for timed single appointments, a superset otherwise)
// must give the same calendar-query result as the reference matcher run over every object.
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchesCalendarFilter, parseCalendarFilter } from '../../src/dav/filters/calendar-filter.js';
import { parseXml } from '../../src/dav/xml/parse.js';
import { builders } from '../support/builders.js';
import { Rng } from '../support/rng.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { utcBasic } from '../support/time.js';

const BASE = Date.parse('2026-03-01T00:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function query(start: number | null, end: number | null): string {
  const attrs = `${start !== null ? ` start="${utcBasic(start)}"` : ''}${end !== null ? ` end="${utcBasic(end)}"` : ''}`;
  return `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range${attrs}/></C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>`;
}

describe('calendar-query: SQL time-range pushdown equals the reference matcher', () => {
  let dav: TestServer;
  const TERMINE = '/dav/calendars/anna.meier/termine/';
  const bodies = new Map<string, string>();

  beforeAll(async () => {
    dav = await startTestServer({
      user: 'anna.meier',
      config: { authCacheSeconds: 300 },
      seed: async (db) => {
        const b = builders(db.pool);
        const anna = await b.addEmployee({ username: 'anna.meier' });
        const rng = new Rng(4711);
        for (let i = 0; i < 60; i++) {
          const start = BASE + Math.floor(rng.next() * 40) * DAY + Math.floor(rng.next() * 24) * HOUR;
          const kind = rng.next();
          if (kind < 0.15) {
            await b.addAppointment({ ownerId: anna, startsAt: new Date(start).toISOString().slice(0, 10), allDay: true, subject: `ganztags ${i}` });
          } else if (kind < 0.3) {
            await b.addAppointment({
              ownerId: anna,
              startsAt: new Date(start),
              endsAt: new Date(start + HOUR),
              recurrenceRule: rng.next() < 0.5 ? 'FREQ=WEEKLY;COUNT=5' : 'FREQ=DAILY;INTERVAL=3',
              subject: `Serie ${i}`,
            });
          } else {
            const length = rng.next() < 0.1 ? 0 : Math.floor(1 + rng.next() * 6) * HOUR;
            await b.addAppointment({ ownerId: anna, startsAt: new Date(start), endsAt: new Date(start + length), subject: `Termin ${i}` });
          }
        }
        // Beyond the stored instance window (a year back, two ahead) and in another zone.
        await b.addAppointment({ ownerId: anna, startsAt: new Date(BASE + 9 * HOUR), endsAt: new Date(BASE + 10 * HOUR), recurrenceRule: 'FREQ=DAILY;INTERVAL=5', subject: 'endlos' });
        await b.addAppointment({ ownerId: anna, startsAt: new Date(Date.now() - 3 * 365 * DAY), endsAt: new Date(Date.now() - 3 * 365 * DAY + HOUR), recurrenceRule: 'FREQ=WEEKLY;COUNT=400', subject: 'alt' });
        await b.addAppointment({ ownerId: anna, startsAt: '2026-03-10', allDay: true, timeZone: 'America/New_York', subject: 'New York ganztags' });
        await b.addAppointment({ ownerId: anna, startsAt: new Date(Date.now() + 4 * 365 * DAY), endsAt: new Date(Date.now() + 4 * 365 * DAY + HOUR), subject: 'fern' });
      },
    });
    const all = await dav.report(TERMINE, query(null, null).replace('<C:time-range/>', ''));
    for (const href of all.ms.hrefs) {
      const get = await dav.request('GET', href);
      bodies.set(href, get.text);
    }
  });
  afterAll(() => dav?.close());

  it('agrees beyond the stored instance window: far past, far future, open-ended', async () => {
    const year = 365 * DAY;
    const now = Date.now();
    const ranges: [number | null, number | null][] = [
      [now - 3 * year, now - 3 * year + 30 * DAY],
      [now + 3 * year, now + 3 * year + 30 * DAY],
      [now + 4 * year - DAY, now + 4 * year + DAY],
      [now + 5 * year, null],
      [null, now - 2 * year],
      [Date.parse('2026-03-10T00:00:00Z'), Date.parse('2026-03-10T06:00:00Z')],
    ];
    const parsed = new Map([...bodies].map(([href, body]) => [href, new ICAL.Component(ICAL.parse(body))] as const));
    for (const [start, end] of ranges) {
      const answer = await dav.report(TERMINE, query(start, end), { depth: '1' });
      expect(answer.status).toBe(207);
      const filter = parseCalendarFilter(parseXml(query(start, end)).children.find((c) => c.name.endsWith('filter'))!);
      const expected = [...parsed].filter(([, v]) => matchesCalendarFilter(filter, v, 'Europe/Zurich')).map(([h]) => h).sort();
      expect([...answer.ms.hrefs].sort(), `range ${start && utcBasic(start)} .. ${end && utcBasic(end)}`).toEqual(expected);
    }
  });

  it('agrees on 40 random ranges, open-ended ones included', async () => {
    expect(bodies.size).toBe(64);
    const parsed = new Map([...bodies].map(([href, body]) => [href, new ICAL.Component(ICAL.parse(body))] as const));
    const rng = new Rng(99);
    for (let i = 0; i < 40; i++) {
      const a = BASE + Math.floor(rng.next() * 45) * DAY + Math.floor(rng.next() * 24) * HOUR;
      const b = a + Math.floor(1 + rng.next() * 72) * HOUR;
      const start = i % 7 === 3 ? null : a;
      const end = i % 5 === 2 && start !== null ? null : b;
      const answer = await dav.report(TERMINE, query(start, end), { depth: '1' });
      expect(answer.status).toBe(207);
      const filter = parseCalendarFilter(parseXml(query(start, end)).children.find((c) => c.name.endsWith('filter'))!);
      const expected = [...parsed]
        .filter(([, vcalendar]) => matchesCalendarFilter(filter, vcalendar, 'Europe/Zurich'))
        .map(([href]) => href)
        .sort();
      expect([...answer.ms.hrefs].sort(), `range ${start && utcBasic(start)} .. ${end && utcBasic(end)}`).toEqual(expected);
    }
  });
  it('still agrees once the hourly maintenance moved the instance windows (here: three years on)', async () => {
    const moved = await dav.store.pump.moveInstanceWindows(new Date(Date.now() + 3 * 365 * DAY));
    expect(moved, 'series and all-day appointments have windows to move').toBeGreaterThan(0);
    const { rows } = await dav.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM dav.entity WHERE occ_until < now() + interval '3 years'`);
    expect(rows[0]?.n, 'no window left behind').toBe(0);
    const parsed = new Map([...bodies].map(([href, body]) => [href, new ICAL.Component(ICAL.parse(body))] as const));
    for (const [start, end] of [[BASE, BASE + 20 * DAY], [BASE, null], [Date.now() + 3 * 365 * DAY, null]] as [number, number | null][]) {
      const answer = await dav.report(TERMINE, query(start, end), { depth: '1' });
      const filter = parseCalendarFilter(parseXml(query(start, end)).children.find((c) => c.name.endsWith('filter'))!);
      const expected = [...parsed].filter(([, v]) => matchesCalendarFilter(filter, v, 'Europe/Zurich')).map(([h]) => h).sort();
      expect([...answer.ms.hrefs].sort(), `range ${utcBasic(start)} .. ${end && utcBasic(end)}`).toEqual(expected);
    }
  });
});
